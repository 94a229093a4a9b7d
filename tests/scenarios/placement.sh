#!/bin/sh
# backends: cgroup1 cgroup2 systemd
# Placement by the daemon (issue 4): a process exec'd as a managed uid ends
# up in its user's cgroup (cpu, cpuacct and memory on v1; the unified
# cgroup on v2; the user's slice under systemd), all of its threads too,
# and a process of an unmanaged uid is left alone. Under systemd, a
# process the user runs from a system service (User= in a unit) is
# adopted into user-UID.slice with a transient scope.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/scenarios/lib/scn.sh"
t_need_root placement
# shellcheck disable=SC2086
set -- $SCN_UIDS
UA=$1 UB=$2
SUB=cgfair-pl$$
scn_remove_subtree "$SUB"
CONF=$T_TMP/cgfair.conf
[ "$SCN_BACKEND" = systemd ] && CONF=/etc/cgfair/cgfair.conf
[ "$SCN_BACKEND" = systemd ] && t_cleanup "rm -f /etc/cgfair/cgfair.conf"
mkdir -p "$(dirname "$CONF")"
# UB is outside the managed range: max_uid stops below it
printf '%s\n' "[daemon]
subtree = $SUB
state_dir = $SCN_STATE
[users]
min_uid = $UA
max_uid = $UA
[log]
event_log = $SCN_EVLOG
[socket]
path = $SCN_SOCK" >"$CONF"
if [ "$SCN_BACKEND" = systemd ]; then scn_start; else scn_start --config "$CONF"; fi ||
	{ t_fail "cgfaird starts" "$(scn_log | tail -20)"; exit 1; }

# placed PID UID: every hierarchy of PID is at its user's cgroup or below
placed() {
	case $SCN_BACKEND in
	cgroup1)
		for c in cpu cpuacct memory; do
			grep -Eq "^[0-9]+:([^:]*,)?$c(,[^:]*)?:/$SUB/user-$2(/.*)?\$" "/proc/$1/cgroup" || return 1
		done ;;
	cgroup2) grep -Eq "^0::/$SUB/user-$2(/.*)?\$" "/proc/$1/cgroup" ;;
	systemd) scn_in_slice "$1" "$2" ;;
	esac
}
all_threads_placed() {
	for t in /proc/"$1"/task/*; do
		grep -q "$2" "$t/cgroup" || return 1
	done
}

"$SCN_TOOLS/t-run-as-uid" "$UA" "$SCN_TOOLS/t-spin" -t 8 -s 60 >/dev/null 2>&1 &
PA=$!
t_cleanup "kill $PA 2>/dev/null"
t0=$(t_centis)
if t_wait 10 placed "$PA" "$UA"; then
	t_pass "exec as uid $UA: placed in its cgroup ($((($(t_centis) - t0) * 10)) ms, polled)"
else
	t_fail "exec as uid $UA placed" "$(tr '\n' ' ' <"/proc/$PA/cgroup")"
fi
case $SCN_BACKEND in
systemd) want="user-$UA.slice" ;;
*) want="user-$UA" ;;
esac
t_check "all 9 threads of the process moved with it" t_wait 5 all_threads_placed "$PA" "$want"

"$SCN_TOOLS/t-run-as-uid" "$UB" sleep 60 >/dev/null 2>&1 &
PB=$!
t_cleanup "kill $PB 2>/dev/null"
sleep 2
t_check "uid $UB (not managed) left where it was" sh -c "! grep -q 'user-$UB' /proc/$PB/cgroup"

if [ "$SCN_BACKEND" = systemd ]; then
	systemd-run --quiet --unit="cgfair-t-svc$$" --uid="$UA" \
		--property=Type=simple sleep 120
	t_cleanup "systemctl stop cgfair-t-svc$$.service 2>/dev/null"
	SP=$(systemctl show -p MainPID --value "cgfair-t-svc$$.service")
	if t_wait 15 placed "$SP" "$UA"; then
		t_pass "a User= service's process is adopted into user-$UA.slice ($(grep -m1 "user-$UA.slice" "/proc/$SP/cgroup"))"
	else
		t_fail "User= service adopted" "$(tr '\n' ' ' <"/proc/$SP/cgroup")"
	fi
fi
scn_stop
exit 0
