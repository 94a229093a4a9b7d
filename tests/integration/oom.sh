#!/bin/sh
# OOM reporting on this host (issue 6): tests/scenarios/oom.sh, the same
# scenario the VM rigs run, with a journal to check. When no journald runs
# here (PID 1 is not systemd), a private one is started in a mount
# namespace of our own, with tmpfs over /run and /var/log/journal: it sees
# only this test, and nothing of it is left on the host.
if [ -z "${CGFAIR_OOM_NS:-}" ] && [ ! -S /run/systemd/journal/socket ] &&
	[ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
	[ -x /lib/systemd/systemd-journald ]; then
	CGFAIR_OOM_NS=1 exec unshare --mount --propagation private sh "$0" "$@"
fi
. "$(dirname "$0")/../lib/t.sh"
t_need_root oom
if [ -n "${CGFAIR_OOM_NS:-}" ]; then
	mount -t tmpfs -o mode=0755 cgfair-test /run || exit 1
	[ -d /var/log/journal ] && mount -t tmpfs cgfair-test /var/log/journal
	/lib/systemd/systemd-journald >"$T_TMP/journald.log" 2>&1 &
	JPID=$!
	t_cleanup "kill $JPID"
	t_wait 5 test -S /run/systemd/journal/socket ||
		t_fail oom/journald "the private journald did not start"
	echo "private systemd-journald (pid $JPID) in a mount namespace"
fi
sh "$T_TOP/tests/scenarios/oom.sh"
