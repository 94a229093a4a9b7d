#!/bin/sh
# Runs in the systemd guests as cgfair-vm-test.service once
# multi-user.target is reached: checks the guest is what the scenarios
# assume (systemd up; unified cgroup2, or with CGFAIR_VM_CGROUP=v1 the
# legacy hierarchies only; the test users' user-UID.slice), runs every
# systemd scenario, and hands the status to the host. Type=simple, not oneshot:
# a oneshot job would keep is-system-running at "starting" forever.
T=/usr/local/lib/cgfair-tests
. $T/tests/vm/lib/guest-lib.sh
. $T/tests/vm/lib/vm.env
R=/dev/ttyS1
stty -F $R raw -echo 2>/dev/null
rc=0

# wait_for SECONDS CMD...: poll CMD every 0.2 s.
wait_for() {
	n=$(($1 * 5))
	shift
	until "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.2
	done
}
booted() { [ "$(systemctl is-system-running)" != starting ]; }
# systemd's own tree: the unified hierarchy, or v1's name=systemd
SDCG=/sys/fs/cgroup
[ "${CGFAIR_VM_CGROUP:-v2}" = v2 ] || SDCG=/sys/fs/cgroup/systemd
linger_up() {
	for u in $CGFAIR_TEST_UIDS; do
		systemctl is-active -q "user@$u.service" &&
			[ -d "$SDCG/user.slice/user-$u.slice" ] || return 1
	done
}
# v1_layout: legacy only, as on CentOS 7: /sys/fs/cgroup a tmpfs, cpu,
# cpuacct, memory and name=systemd hierarchies, and no cgroup2 mount
# (hybrid would have one at /sys/fs/cgroup/unified)
v1_layout() {
	[ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ] || return 1
	for c in cpu cpuacct memory name=systemd; do
		awk -v c="$c" '$3 == "cgroup" && ("," $4 ",") ~ ("," c ",")' \
			/proc/mounts | grep -q . || return 1
	done
	! awk '$3 == "cgroup2"' /proc/mounts | grep -q .
}

{
	echo "tier2: system up after $(cut -d' ' -f1 /proc/uptime) s"
	wait_for 180 booted
	state=$(systemctl is-system-running)
	if [ "$(cat /proc/1/comm)" = systemd ] &&
		{ [ "$state" = running ] || [ "$state" = degraded ]; }; then
		echo "PASS: sanity/systemd-running"
	else
		echo "FAIL: sanity/systemd-running: state '$state'"
		rc=1
	fi
	echo "tier2: $(systemd-analyze time 2>&1 | head -1)"

	sc=$(cat /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null)
	if [ "${CGFAIR_VM_CGROUP:-v2}" = v1 ]; then
		if v1_layout; then
			echo "PASS: sanity/legacy-cgroup1"
		else
			echo "FAIL: sanity/legacy-cgroup1: $(stat -fc %T /sys/fs/cgroup);" \
				"$(awk '$3 ~ /^cgroup/ { printf "%s %s; ", $2, $4 }' /proc/mounts)"
			rc=1
		fi
	elif [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] &&
		echo " $sc " | grep -q ' cpu .*memory .*pids '; then
		echo "PASS: sanity/unified-cgroup2"
	else
		echo "FAIL: sanity/unified-cgroup2: $(stat -fc %T /sys/fs/cgroup), subtree_control '$sc'"
		rc=1
	fi
	echo "tier2: systemd $(systemctl --version | awk 'NR == 1 { print $2 }'), kernel $(uname -r)"

	echo "tier2: system checked after $(cut -d' ' -f1 /proc/uptime) s"
	# 300 s: in trixie's guest beside another (5 min 44 s of userspace
	# boot) the lingering users' managers were still starting after 120
	if wait_for 300 linger_up; then
		echo "PASS: sanity/user-slices"
	else
		echo "FAIL: sanity/user-slices: for uids $CGFAIR_TEST_UIDS:" \
			"$(for u in $CGFAIR_TEST_UIDS; do
				printf 'user@%s %s; ' "$u" "$(systemctl is-active user@$u.service)"
			done)" "$(ls $SDCG/user.slice 2>&1 | grep '^user-' | tr '\n' ' ')"
		loginctl list-users --no-pager
		rc=1
	fi
	echo "tier2: checks done after $(cut -d' ' -f1 /proc/uptime) s"
	if [ $rc -eq 0 ]; then
		sh $T/tests/vm/lib/guest-run.sh "${CGFAIR_VM_BACKEND:-systemd}" ||
			rc=1
	else
		echo "@@ DONE scenarios=0 fails=1"
	fi
	echo "tier2: done after $(cut -d' ' -f1 /proc/uptime) s"
} >$R 2>&1
vm_guest_exit $rc
