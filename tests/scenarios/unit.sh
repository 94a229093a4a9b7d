#!/bin/sh
# backends: systemd
# etc/cgfaird.service under a real systemd: start waits for READY=1 and
# shows the daemon's STATUS=; reload (cgfairctl reload) keeps the same
# main process; a crash of the main process is restarted
# (Restart=on-failure), and so is a stopped one (WatchdogSec=); stop
# leaves nothing in the unit's cgroup; its hardening as the running
# systemd rates it (systemd-analyze security). penalty.sh checks that a refused
# configuration fails `systemctl reload` and, at start, does not loop.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/scenarios/lib/scn.sh"
t_need_root unit
U=cgfaird.service
prop() { systemctl show -p "$1" --value $U; }
# the unit's cgroup in systemd's tree (v1: the name=systemd hierarchy)
cg() { echo "$(scn_cg_root)$(prop ControlGroup)"; }
t_check "Type=notify" [ "$(prop Type)" = notify ]

# The installed unit as the running systemd rates it (its own checks: 252
# in tiers 2 and 4, 257 in tier 5), with the bound and the accepted
# exposures of the host's offline analysis; and as it loads it: no
# unknown or deprecated directive (--man=no: the guests have no man, and
# whether Documentation= resolves is the package's business).
. "$T_TOP/tests/lib/unit-security.sh"
file=$(prop FragmentPath)
unit_security_check security "$(systemd-analyze security $U 2>&1)" "$file"
v=$(systemd-analyze verify --man=no "$file" 2>&1)
t_check "verify: loads without a warning${v:+ ($v)}" [ -z "$v" ]

if ! scn_start; then
	t_fail "start" "see the journal above"
	exit 1
fi
t_check "start: active once ready" systemctl is-active -q $U
t_check "start: status text from sd_notify ('$(prop StatusText)')" \
	[ -n "$(prop StatusText)" ]
pid=$(prop MainPID)
t_check "start: workers in the unit's cgroup" \
	[ "$(wc -l <"$(cg)/cgroup.procs")" -ge 4 ]

if systemctl reload $U && t_wait 10 systemctl is-active -q $U; then
	t_check "reload: same main process" [ "$(prop MainPID)" = "$pid" ]
else
	t_fail "reload" "$(systemctl is-active $U)"
fi

n0=$(prop NRestarts)
kill -KILL "$pid"
restarted() {
	[ "$(prop NRestarts)" -gt "$n0" ] && systemctl is-active -q $U
}
if t_wait 30 restarted; then
	t_pass "crash: restarted by systemd"
else
	t_fail "crash: restarted by systemd" \
		"state $(systemctl is-active $U), NRestarts $(prop NRestarts)"
fi
DPID=$(prop MainPID)

# WatchdogSec=: a supervisor that stops pinging (SIGSTOP: its event loop
# no longer runs) is killed and restarted by systemd
n0=$(prop NRestarts)
pid=$DPID
t_check "watchdog: WatchdogUSec set ($(prop WatchdogUSec))" \
	sh -c "[ '$(prop WatchdogUSec)' != 0 ] && [ '$(prop WatchdogUSec)' != infinity ]"
kill -STOP "$pid"
watchdog_restarted() {
	restarted && [ "$(prop MainPID)" != "$pid" ] && [ "$(prop MainPID)" != 0 ]
}
if t_wait 150 watchdog_restarted; then
	t_pass "watchdog: a stopped supervisor is restarted by systemd"
else
	t_fail "watchdog: a stopped supervisor is restarted by systemd" \
		"state $(systemctl is-active $U), NRestarts $(prop NRestarts), MainPID $(prop MainPID) (was $pid)"
	kill -CONT "$pid" 2>/dev/null
fi
DPID=$(prop MainPID)

path=$(cg)
scn_stop
t_check "stop: unit inactive" sh -c "! systemctl is-active -q $U"
left=$(cat "$path/cgroup.procs" 2>/dev/null)
t_check "stop: nothing left in the unit's cgroup" [ -z "$left" ]
[ "$T_FAILED" = 1 ] && scn_journal
exit 0
