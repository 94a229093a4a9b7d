# A journal for host tests that check what cgfaird sends there. When no
# journald runs here (PID 1 is not systemd), the test runs again in a mount
# namespace of its own with a private systemd-journald, tmpfs over /run
# and /var/log/journal: it sees only this test, and nothing of it is left
# on the host. POSIX sh; source it first, before tests/lib/t.sh:
#   . "$(dirname "$0")/../lib/journal.sh"; journal_ns "$0" "$@"
# then, after t.sh: journal_start NAME.

# journal_ns SCRIPT ARGS...: re-exec SCRIPT in a private mount namespace
# when there is no journald and one can be started (else return).
journal_ns() {
	if [ -z "${CGFAIR_JOURNAL_NS:-}" ] &&
		[ ! -S /run/systemd/journal/socket ] &&
		[ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1 &&
		[ -x /lib/systemd/systemd-journald ]; then
		CGFAIR_JOURNAL_NS=1 exec unshare --mount --propagation private \
			sh "$@"
	fi
}

# journal_start NAME: in that namespace, start the private journald
# (stopped at exit); elsewhere nothing.
journal_start() {
	[ -n "${CGFAIR_JOURNAL_NS:-}" ] || return 0
	mount -t tmpfs -o mode=0755 cgfair-test /run || exit 1
	[ -d /var/log/journal ] && mount -t tmpfs cgfair-test /var/log/journal
	/lib/systemd/systemd-journald >"$T_TMP/journald.log" 2>&1 &
	_jpid=$!
	t_cleanup "kill $_jpid"
	t_wait 5 test -S /run/systemd/journal/socket ||
		t_fail "$1/journald" "the private journald did not start"
	echo "private systemd-journald (pid $_jpid) in a mount namespace"
}
