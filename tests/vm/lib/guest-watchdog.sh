#!/bin/sh
# Runs in the systemd guests as cgfair-vm-watchdog.service, a unit of its
# own beside the harness (cgfair-vm-test.service, guest-tier2.sh), so that
# it outlives the harness when that is killed or stopped. A guest whose
# run does not end on its own is otherwise only killed by the host's
# timeout, with nothing said about what it waited for. This one ends the
# run itself, with the state of the guest on the result channel, when
#   - the harness unit ran and stopped without handing the status to the
#     host (its processes killed: the OOM killer and OOMPolicy=stop, a
#     stray kill, systemd stopping it), or
#   - the guest's uptime passes CGFAIR_VM_DEADLINE (the host's timeout
#     less a margin for this report): something blocked.
# The report: "@@ WATCHDOG why" (report.awk fails the scenario that was
# running with it), then log blocks: the processes with their state and
# kernel wait channel, memory, the kernel's list of blocked tasks
# (sysrq w), systemd's jobs and the harness's unit, the journal. Every
# command there is bounded (timeout), then the guest exits failed.
T=/usr/local/lib/cgfair-tests
. $T/tests/vm/lib/guest-lib.sh
. $T/tests/vm/lib/vm.env
R=/dev/ttyS1
deadline=${CGFAIR_VM_DEADLINE:-1140}
cg=/sys/fs/cgroup
[ "${CGFAIR_VM_CGROUP:-v2}" = v2 ] || cg=/sys/fs/cgroup/systemd
harness=$cg/system.slice/cgfair-vm-test.service/cgroup.procs

uptime_s() {
	read -r _up _ </proc/uptime
	echo "${_up%.*}"
}

report() {
	{
		echo "@@ WATCHDOG $1"
		echo "@@ LOG watchdog: processes (state, kernel wait channel)"
		timeout 10 ps -eo pid,ppid,stat,wchan:28,etimes,args --sort=pid |
			cut -c1-220
		echo "@@ LOG watchdog: memory"
		head -5 /proc/meminfo
		cat /proc/pressure/memory 2>/dev/null
		# the kernel's stacks of every task in uninterruptible sleep
		echo w >/proc/sysrq-trigger 2>/dev/null
		sleep 1
		echo "@@ LOG watchdog: kernel (last 100 lines; blocked tasks last)"
		timeout 10 dmesg | tail -100
		echo "@@ LOG watchdog: systemd jobs and the harness's unit"
		timeout 10 systemctl list-jobs --no-pager
		timeout 10 systemctl status --no-pager -n 30 \
			cgfair-vm-test.service cgfaird.service
		echo "@@ LOG watchdog: journal (last 100 lines)"
		timeout 10 journalctl -b --no-pager | tail -100
		echo "@@ DONE scenarios=0 fails=1"
	} >$R 2>&1
	vm_guest_exit 1
}

# running: a process in the harness's unit (cgroup files have no size:
# read one pid)
running() { read -r _pid 2>/dev/null <"$harness"; }

seen=0
while :; do
	if running; then
		seen=1
	elif [ $seen = 1 ]; then
		# the harness exits the guest itself while it still runs: an
		# empty unit means it never got there
		report "the harness (cgfair-vm-test.service) was stopped or killed after $(uptime_s) s without reporting the run's status: $(timeout 10 systemctl show -p ActiveState -p Result --value cgfair-vm-test.service | tr '\n' ' ')"
	fi
	if [ "$(uptime_s)" -ge "$deadline" ]; then
		report "the run did not end within $deadline s of boot (the host gives up at ${CGFAIR_VM_TIMEOUT:-?} s): something blocked"
	fi
	sleep 2
done
