#!/bin/sh
# backends: cgroup1 cgroup2 systemd
# Fairness end to end. uid A runs 4 CPU hogs, uid B runs 1: without cgfair A
# gets about 4/5 of the CPU. With cgfair (even_active, 1 s interval), after
# 3 intervals each gets half within 10% (Jain's index >= 0.95), and an idle
# third user does not lower their caps. In fair mode, a light third user
# (10% of a CPU) is not cut, and A and B share the rest evenly. Shares are
# ratios of CPU time from the kernel's own accounting, so they hold under
# qemu's emulation too, where CPU time accrues 1.5-2.5 times faster than
# the guest's clock.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/scenarios/lib/scn.sh"
t_need_root fairness
# shellcheck disable=SC2086
set -- $SCN_UIDS
UA=$1 UB=$2 UC=$3
LO=$UA HI=$UA
for u in "$UA" "$UB" "$UC"; do
	[ "$u" -lt "$LO" ] && LO=$u
	[ "$u" -gt "$HI" ] && HI=$u
done
SUB=cgfair-f$$
scn_remove_subtree "$SUB"
NCPU=$(grep -c '^processor' /proc/cpuinfo)

# write_config MODE: the daemon's config (under systemd, the unit's file)
write_config() {
	cfg="[daemon]
interval = 1s
subtree = $SUB
state_dir = $SCN_STATE
[cpu]
mode = $1
[users]
min_uid = $LO
max_uid = $HI
[log]
event_log = $SCN_EVLOG
[socket]
path = $SCN_SOCK
"
	if [ "$SCN_BACKEND" = systemd ]; then
		mkdir -p /etc/cgfair
		printf '%s' "$cfg" >/etc/cgfair/cgfair.conf
	else
		printf '%s' "$cfg" >"$T_TMP/cgfair.conf"
	fi
}
[ "$SCN_BACKEND" = systemd ] && t_cleanup "rm -f /etc/cgfair/cgfair.conf"

start() {
	if [ "$SCN_BACKEND" = systemd ]; then scn_start; else scn_start --config "$T_TMP/cgfair.conf" --debug; fi
}

# hog VAR UID PROGRAM ARGS...: run as UID in the background, add its pid
# to $VAR (and to $PIDS, all killed at exit)
PIDS=""
t_cleanup 'kill $PIDS 2>/dev/null'
hog() {
	_v=$1 _u=$2
	shift 2
	"$SCN_TOOLS/t-run-as-uid" "$_u" "$@" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	eval "$_v=\"\${$_v:-} $!\""
}

# ticks PID...: CPU time of the processes in 1/100 s, exact: the run time
# of /proc/PID/schedstat (ns), not stat's utime+stime, which are sampled
# at each tick and too coarse for a light load under emulation
ticks() {
	for p in "$@"; do cat "/proc/$p/schedstat" 2>/dev/null; done |
		awk '{ t += $1 } END { printf "%d\n", t / 10000000 }'
}

# measure SECONDS: sets DA DB DC, the CPU ticks of A's, B's and C's
# processes over SECONDS
measure() {
	a0=$(ticks $PA) b0=$(ticks $PB) c0=$(ticks $PC)
	sleep "$1"
	DA=$(($(ticks $PA) - a0)) DB=$(($(ticks $PB) - b0)) DC=$(($(ticks $PC) - c0))
	echo "measured over $1 s: A $DA ticks, B $DB ticks, C $DC ticks"
}

# awk_true EXPR: the awk condition EXPR holds (variables a b c set)
awk_true() {
	awk -v a="$DA" -v b="$DB" -v c="$DC" "BEGIN { exit !($1) }"
}
jain() { awk -v a="$DA" -v b="$DB" 'BEGIN { printf "%.3f", (a + b) * (a + b) / (2 * (a * a + b * b)) }'; }

cg_ticks() { scn_cg_ticks "$SUB" "$1"; }

# throttled_ms UID: how long the kernel has held UID's cgroup at its CPU
# quota so far, in ms (cpu.stat: v1 throttled_time ns, v2 throttled_usec)
throttled_ms() {
	case $SCN_BACKEND in
	cgroup1) awk '$1 == "throttled_time" { printf "%d", $2 / 1000000 }' "/sys/fs/cgroup/cpu/$SUB/user-$1/cpu.stat" ;;
	cgroup2) awk '$1 == "throttled_usec" { printf "%d", $2 / 1000 }' "/sys/fs/cgroup/$SUB/user-$1/cpu.stat" ;;
	systemd)
		if [ "$SCN_SD_V1" = 1 ]; then
			awk '$1 == "throttled_time" { printf "%d", $2 / 1000000 }' "$(scn_slice_dir "$1" cpu)/cpu.stat"
		else
			awk '$1 == "throttled_usec" { printf "%d", $2 / 1000 }' "$(scn_slice_dir "$1")/cpu.stat"
		fi ;;
	esac
}

# measure_cg SECONDS: like measure, for A and B from their cgroups
# (and TC: how many ms C's cgroup spent throttled meanwhile)
measure_cg() {
	a0=$(cg_ticks "$UA") b0=$(cg_ticks "$UB") c0=$(ticks $PC) t0=$(throttled_ms "$UC")
	sleep "$1"
	DA=$(($(cg_ticks "$UA") - a0)) DB=$(($(cg_ticks "$UB") - b0)) DC=$(($(ticks $PC) - c0))
	TC=$(($(throttled_ms "$UC") - t0))
	echo "measured over $1 s (A, B: cgroup accounting): A $DA ticks, B $DB ticks, C $DC ticks, C throttled $TC ms"
}

cap_cores() { scn_cap_cores "$SUB" "$1"; }

# --- without cgfair ----------------------------------------------------
PA="" PB="" PC=""
for i in 1 2 3 4; do hog PA "$UA" "$SCN_TOOLS/t-spin"; done
hog PB "$UB" "$SCN_TOOLS/t-spin"
hog PC "$UC" sleep 600 # idle: logged in, using nothing
sleep 1
measure 3
t_check "without cgfair: A (4 hogs) gets about 4/5 (A $DA, B $DB ticks)" \
	awk_true "a / (a + b) > 0.7 && a / (a + b) < 0.9"

# --- even_active ---------------------------------------------------------
write_config even_active
start || { t_fail "even_active: cgfaird starts" "$(scn_log | tail -20)"; exit 1; }
sleep 4 # placement, then 3 intervals
measure_cg 3
# "half within 10%": 50% +- 10 points, the issue's own measure (Jain's
# index >= 0.95 allows 39/61); the kernel's split here is about 53/47: a
# single-threaded user shares its CPU with the other's threads until
# their quota runs out
t_check "even_active: A and B get half each within 10% (A $DA, B $DB ticks)" \
	awk_true "a / (a + b) >= 0.40 && a / (a + b) <= 0.60"
J=$(jain)
t_check "even_active: Jain's index $J >= 0.95" awk_true "$J >= 0.95"
expect=$(awk -v n="$NCPU" 'BEGIN { printf "%.2f", 0.9 * n / 2 }')
capa=$(cap_cores "$UA")
capb=$(cap_cores "$UB")
t_check "even_active: the idle user does not count: caps A $capa B $capb = 0.9 x $NCPU / 2 = $expect" \
	awk -v a="$capa" -v b="$capb" -v e="$expect" 'BEGIN { exit !(a == e && b == e) }'
# The scanner stops re-reading a quiet user's cgroup (the subtree's own
# counter shows that it used next to nothing); once that user works, the
# very next cycles count it: the three caps become 0.9 x CPUs / 3.
if [ "$SCN_BACKEND" != systemd ]; then
	t_check "even_active: the idle user's cgroup was left unread while quiet" \
		grep -q ' 3 users (2 read, the others quiet)' "$DLOG"
fi
hog PC "$UC" "$SCN_TOOLS/t-spin"
c0=$(t_centis)
expect3=$(awk -v n="$NCPU" 'BEGIN { printf "%.2f", 0.9 * n / 3 }')
caps3() { [ "$(cap_cores "$UA")" = "$expect3" ] && [ "$(cap_cores "$UB")" = "$expect3" ] && [ "$(cap_cores "$UC")" = "$expect3" ]; }
# a few cycles: under systemd, in the emulated guest, each of the three
# D-Bus calls that set the caps takes hundreds of ms
wait_s=4
[ "$SCN_BACKEND" = systemd ] && wait_s=8
t_wait "$wait_s" caps3
t_check "even_active: the idle user, now working, counts within $wait_s s (1 s interval; $(($(t_centis) - c0))0 ms): caps A $(cap_cores "$UA") B $(cap_cores "$UB") C $(cap_cores "$UC") = $expect3" caps3
scn_stop

# --- fair, with a light third user ---------------------------------------
kill $PC 2>/dev/null
PC=""
hog PC "$UC" "$SCN_TOOLS/t-duty" 10
sleep 1
measure 3
light=$DC
write_config fair
start || { t_fail "fair: cgfaird starts" "$(scn_log | tail -20)"; exit 1; }
sleep 4
measure_cg 3
# Not cut: its cap never held it back (the kernel's own throttling record
# for its cgroup), and it got its 10% (at least 7% of a CPU). What it got
# without cgfair is printed, not compared: it shared the CPUs with five
# uncapped hogs then, and under emulation (the systemd guest) the two
# runs differ by 20% with no cap involved.
t_check "fair: the light user (10% of a CPU) is not cut: its cgroup throttled $TC ms of 3 s (< 150), $DC ticks with cgfair (>= 21; $light alone)" \
	awk_true "$TC < 150 && c >= 0.07 * 100 * 3"
echo "fair: caps A $(cap_cores "$UA") B $(cap_cores "$UB") C $(cap_cores "$UC")"
[ "$SCN_BACKEND" = cgroup1 ] && grep -H . /sys/fs/cgroup/cpu/$SUB/user-*/cpu.stat /sys/fs/cgroup/cpu/$SUB/user-*/cpu.shares
J=$(jain)
t_check "fair: A and B share the rest evenly (A $DA, B $DB ticks, Jain $J)" \
	awk_true "$J >= 0.95"
scn_stop
exit 0
