#!/bin/sh
# backends: systemd
# bench/systemd-scale.sh: the systemd backend at NUSERS users (issue 17).
# On the host (as root, after `make tests`, under the VM lock):
#     flock /tmp/cgfair-vm.lock sh bench/systemd-scale.sh
# boots the systemd guest of tests/vm/pending/tier2-systemd.sh with this bench
# instead of the scenarios and prints its figures. In the guest:
#   1. NUSERS bare uids (UID0..), each with a sleeping process in its own
#      user-UID.slice (a transient scope in it, as a login would have);
#   2. cgfaird (interval 1 s, even_active) finds them all and caps them;
#   3. two of them start spinning: the active count changes and with it
#      every user's cap. Figures: the time until every slice's cpu.max
#      holds the new cap; the longest stall of the supervisor's event loop
#      meanwhile, by its own clock (cgfair_loop_dispatch_seconds: every
#      dispatch timed) and by a round trip (bench/sock-ping asks for the
#      configuration through the socket every 10 ms: the supervisor
#      answers it in its loop); PID 1's CPU time over the change
#      (/proc/1/stat);
#   4. cgfaird stops (every cap lifted: the stop's wall time);
#   5. the seed's way in the same guest: `systemctl set-property --runtime
#      user-UID.slice CPUQuota=...` per user, one after the other (the
#      seed did that in its only loop: the loop stalls for all of it).
# Targets: no dispatch of the supervisor's loop over 50 ms; PID 1's CPU
# no more than the seed's way.
# What it makes goes with the guest (a qemu snapshot); the processes and
# the daemon are stopped at exit all the same.
# Environment: NUSERS (1000), UID0 (10000; UIDs stay in 10000..19999),
# SYSTEM_CPU_WEIGHT (unset: systemd's default, 100).
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}

if [ ! -f "$TOP/tests/vm/lib/vm.env" ]; then
	# the host: boot the guest with this bench
	cd "$TOP" || exit 2
	[ -x build/bench/sock-ping ] || { echo "build first: make tests" >&2; exit 2; }
	out=$(mktemp /tmp/cgfair-bench-sd.XXXXXX)
	CGFAIR_VM_BENCH=systemd-scale CGFAIR_VM_KEEP=1 \
		CGFAIR_VM_BENCH_ENV="NUSERS=${NUSERS:-1000} UID0=${UID0:-10000} SYSTEM_CPU_WEIGHT=${SYSTEM_CPU_WEIGHT:-}" \
		CGFAIR_SCENARIO_TIMEOUT=${CGFAIR_SCENARIO_TIMEOUT:-2700} \
		CGFAIR_VM_TIMEOUT=${CGFAIR_VM_TIMEOUT:-3300} \
		sh tests/vm/pending/tier2-systemd.sh >"$out" 2>&1
	rc=$?
	work=$(sed -n 's/^vm: keeping work directory //p' "$out" | head -1)
	grep -E '^(PASS|FAIL|SKIP|vm:)' "$out"
	if [ -n "$work" ] && [ -f "$work/results.log" ]; then
		sed -n '/^@@ BEGIN systemd-scale/,/^@@ END/p' "$work/results.log" |
			tr -d '\r'
		rm -rf "$work"
	else
		cat "$out"
	fi
	rm -f "$out"
	exit $rc
fi

. "$TOP/tests/lib/t.sh"
. "$TOP/tests/scenarios/lib/scn.sh"
t_need_root systemd-scale
NUSERS=${NUSERS:-1000}
UID0=${UID0:-10000}
LAST=$((UID0 + NUSERS - 1))
ASUID=$CGFAIR_BUILD/tests/t-run-as-uid
SPIN=$CGFAIR_BUILD/tests/t-spin
PING=$CGFAIR_BUILD/bench/sock-ping
SLICES=/sys/fs/cgroup/user.slice
TICK=$(getconf CLK_TCK)
NCPU=$(grep -c '^processor' /proc/cpuinfo)

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# PID 1's user + system CPU time in ms
pid1_ms() { awk -v t="$TICK" '{ sub(/.*\) /, ""); print int(($12 + $13) * 1000 / t) }' /proc/1/stat; }
# how many of the bench's slices have cpu.max "Q 100000"
in_force() {
	cat $SLICES/user-1????.slice/cpu.max 2>/dev/null |
		awk -v q="$1" '$1 == q { n++ } END { print n + 0 }'
}
# the quota most of the bench's slices have now, and how many
common_quota() {
	cat $SLICES/user-1????.slice/cpu.max 2>/dev/null |
		awk '{ c[$1]++ } END { for (q in c) if (c[q] > m) { m = c[q]; b = q }; print b, m + 0 }'
}
# wait_until SECONDS CMD...: poll every 100 ms
wait_until() {
	_end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$_end" ] || return 1
		sleep 0.1
	done
}
all_at() { [ "$(in_force "$1")" -ge "$NUSERS" ]; }
CTL=$CGFAIR_BUILD/cgfairctl
[ -x "$CTL" ] || CTL=cgfairctl
# the supervisor's own loop figures (cgfair_loop_dispatch_seconds, sent
# after every step): "count over_10ms over_50ms over_250ms longest_recent_ms"
loop_figures() {
	"$CTL" --socket "$SCN_SOCK" metrics | awk '
	$1 ~ /^cgfair_loop_dispatch_seconds_bucket/ { split($1, a, "\""); b[a[2]] = $2 }
	$1 == "cgfair_loop_dispatch_seconds_count" { n = $2 }
	$1 == "cgfair_loop_dispatch_seconds_sum" { busy = $2 * 1000 }
	$1 == "cgfair_loop_dispatch_longest_recent_seconds" { r = $2 * 1000 }
	END { printf "%d %d %d %d %.1f %d\n", n, n - b["0.01"], n - b["0.05"], n - b["0.25"], r, busy }'
}
# sched MAINPID: "on-CPU-ms waiting-ms timeslices" of the supervisor's
# thread (/proc/PID/schedstat: the time it ran, the time it was runnable
# but waited for a CPU): a dispatch is timed on the wall clock, and these
# tell the supervisor's work from its waiting while others ran
sched() { awk '{ printf "%d %d %d\n", $1 / 1e6, $2 / 1e6, $3 }' "/proc/$1/schedstat"; }

PIDS=""
t_cleanup 'kill $PIDS 2>/dev/null'
t_cleanup "rm -f /etc/cgfair/cgfair.conf"

echo "guest: $NCPU CPUs, $(uname -r), systemd $(systemctl --version | awk 'NR == 1 { print $2 }'), $NUSERS users"
t0=$(now_ms)
# one program forks the sleepers and asks PID 1 for their scopes over one
# bus connection (bench/scopes.c): a systemd-run per user made 254 in 10 min
"$CGFAIR_BUILD/bench/scopes" "$UID0" "$NUSERS" >"$T_TMP/scopes.out" 2>&1 &
PIDS=$!
nslices() { ls -d $SLICES/user-1????.slice 2>/dev/null | wc -l; }
# have_slices: all NUSERS there; true also once the count has not grown
# for 120 s (SETUP_STALLED=1), so that a stuck set-up is reported then
STALL_N=0 STALL_AT=$(date +%s)
have_slices() {
	_n=$(nslices)
	[ "$_n" -ge "$NUSERS" ] && return 0
	if [ "$_n" -ne "$STALL_N" ]; then
		STALL_N=$_n STALL_AT=$(date +%s)
	elif [ $(($(date +%s) - STALL_AT)) -ge 120 ]; then
		SETUP_STALLED=1
		return 0
	fi
	return 1
}
# what the guest says when the set-up stops short: the program's own
# report, PID 1's and the kernel's last words, and the limits a thousand
# scopes could reach
setup_report() {
	echo "setup stalled at $(nslices) slices; scopes.c said:"
	sed 's/^/  scopes: /' "$T_TMP/scopes.out" | head -20
	echo "  processes $(ls -d /proc/[0-9]* | wc -l), pid_max $(cat /proc/sys/kernel/pid_max), threads-max $(cat /proc/sys/kernel/threads-max)"
	echo "  memory: $(free -m | awk 'NR == 2 { print $3 " MB used, " $7 " MB available" }')"
	echo "  inotify: max_user_watches $(cat /proc/sys/fs/inotify/max_user_watches), max_user_instances $(cat /proc/sys/fs/inotify/max_user_instances)"
	echo "  PID 1: $(systemctl show -p NJobs -p NInstalledJobs -p NFailedUnits --value | tr '\n' ' ') units $(systemctl list-units --all --no-legend | wc -l), fds $(ls /proc/1/fd | wc -l)"
	echo "  jobs: $(systemctl list-jobs --no-legend | head -5 | tr '\n' ';')"
	journalctl -b --no-pager -n 25 -o short-monotonic 2>&1 | sed 's/^/  journal: /'
	dmesg | tail -15 | sed 's/^/  kernel: /'
}
SETUP_STALLED=0
wait_until 1800 have_slices && [ "$SETUP_STALLED" = 0 ] || {
	setup_report
	t_fail systemd-scale "only $(nslices) of $NUSERS slices"
	exit 1
}
wait_until 120 grep -q '^scopes ' "$T_TMP/scopes.out"
echo "setup: $NUSERS scopes in their user-UID.slice in $(($(now_ms) - t0)) ms ($(grep '^scopes [0-9]' "$T_TMP/scopes.out"); first error: $(grep -m1 -v '^scopes [0-9]' "$T_TMP/scopes.out" | sed 's/^scopes: //'))"

mkdir -p /etc/cgfair
cat >/etc/cgfair/cgfair.conf <<EOF
[daemon]
interval = 1s
state_dir = $SCN_STATE
[users]
min_uid = $UID0
max_uid = $LAST
[log]
event_log = $SCN_EVLOG
[socket]
path = $SCN_SOCK
EOF

# SYSTEM_CPU_WEIGHT=N: system.slice (cgfaird's) gets CPU weight N against
# the users' slices and PID 1 (100 each by default) for the cgfair part:
# whether the loop's long dispatches are the supervisor waiting for a CPU
if [ -n "${SYSTEM_CPU_WEIGHT:-}" ]; then
	systemctl set-property --runtime system.slice "CPUWeight=$SYSTEM_CPU_WEIGHT"
	t_cleanup "systemctl set-property --runtime system.slice CPUWeight=100"
	echo "system.slice: CPUWeight=$SYSTEM_CPU_WEIGHT"
fi

# --- cgfair: start-up, then one change of the active count ---------------
t0=$(now_ms)
scn_start || { t_fail systemd-scale "cgfaird did not start"; exit 1; }
settled() { set -- $(common_quota); [ "${2:-0}" -ge "$NUSERS" ] && [ "$1" != max ]; }
wait_until 900 settled || {
	t_fail systemd-scale "start-up: caps not in force: $(common_quota)"
	scn_journal
	exit 1
}
Q1=$(common_quota | awk '{ print $1 }')
echo "cgfair start-up: every user found and capped ($Q1 per 100 ms) in $(($(now_ms) - t0)) ms"

# the loop's longest recent dispatch covers this and the last minute:
# let the start-up's leave it, so that it is the change's
sleep 125
"$PING" --socket "$SCN_SOCK" >"$T_TMP/ping.out" 2>&1 &
PP=$!
PIDS="$PIDS $PP"
wait_until 10 grep -q '^ready' "$T_TMP/ping.out"
sleep 2
L0=$(loop_figures)
SUP=$(systemctl show -p MainPID --value cgfaird.service)
S0=$(sched "$SUP")
"$CGFAIR_BUILD/bench/wchan" "$SUP" 5 >"$T_TMP/wchan.out" 2>&1 &
WCH=$!
PIDS="$PIDS $WCH"
c0=$(pid1_ms)
t0=$(now_ms)
for u in "$UID0" $((UID0 + 1)); do
	systemd-run --quiet --scope --slice="user-$u.slice" --unit="bench-spin-$u" \
		"$ASUID" "$u" "$SPIN" -t 1 -s 900 </dev/null >/dev/null 2>&1 &
	PIDS="$PIDS $!"
done
changed() { [ "$(in_force "$Q1")" -lt "$NUSERS" ]; }
wait_until 120 changed || {
	t_fail systemd-scale "no cap changed in 120 s after two users started spinning"
	exit 1
}
t1=$(now_ms)
Q2=$(awk '{ print $1 }' "$SLICES/user-$LAST.slice/cpu.max")
# the last user's cap may not be the first one written: wait for a change
wait_until 120 sh -c "[ \"\$(awk '{ print \$1 }' $SLICES/user-$LAST.slice/cpu.max)\" != $Q1 ]"
Q2=$(awk '{ print $1 }' "$SLICES/user-$LAST.slice/cpu.max")
wait_until 900 all_at "$Q2" || t_fail systemd-scale "only $(in_force "$Q2") of $NUSERS caps at $Q2"
t2=$(now_ms)
c1=$(pid1_ms)
cg_pid1=$((c1 - c0))
sleep 1
kill -TERM "$PP"
wait "$PP" 2>/dev/null
sleep 1.5 # a step: the figures as of now
L1=$(loop_figures)
S1=$(sched "$SUP")
kill -INT "$WCH"
wait "$WCH" 2>/dev/null
ping=$(grep '^pings' "$T_TMP/ping.out")
stall=$(echo "$ping" | awk '{ for (i = 1; i < NF; i++) if ($i == "max_ms") print $(i + 1) }')
# the supervisor's own measure over the change: dispatches over 10, 50,
# 250 ms (deltas of its histogram), the longest in the last 1-2 minutes
set -- $L0 $L1
loop_n=$(($7 - $1)) loop10=$(($8 - $2)) loop50=$(($9 - $3)) loop250=$((${10} - $4))
loop_max=${11} loop_busy=$((${12} - $6))
echo "cgfair change: the supervisor's loop (its own clock): $loop_n dispatches, $loop10 over 10 ms, $loop50 over 50 ms, $loop250 over 250 ms; longest in the last minutes $loop_max ms"
set -- $S0 $S1
echo "cgfair change: the supervisor meanwhile: dispatches $loop_busy ms of wall time; on a CPU $(($4 - $1)) ms, runnable but waiting for one $(($5 - $2)) ms, in $(($6 - $3)) timeslices"
echo "cgfair change: the supervisor's state every 5 ms (samples, state, kernel function): $(head -8 "$T_TMP/wchan.out" | tr '\n' ';')"
retried=$(journalctl -b --no-pager -u cgfaird.service | grep -c 'tried again')
echo "cgfair change: cap $Q1 -> $Q2; first slice changed $((t1 - t0)) ms after the spinners started, all $NUSERS in force after $((t2 - t0)) ms ($((t2 - t1)) ms from the first)"
echo "cgfair change: PID 1 CPU $cg_pid1 ms; event loop: $ping; failed writes retried: $retried"

t0=$(now_ms)
c0=$(pid1_ms)
scn_stop
lifted=$(in_force max)
echo "cgfair stop (every cap lifted, writes in flight waited for): $(($(now_ms) - t0)) ms, PID 1 CPU $(($(pid1_ms) - c0)) ms, $lifted of $NUSERS at max"
# a stop that leaves caps in force is a bug, not a figure (a flat 10 s
# wait for PID 1 left 635 of 1,000 in force)
[ "$lifted" -ge "$NUSERS" ] ||
	t_fail systemd-scale "the stop left $((NUSERS - lifted)) of $NUSERS caps in force"
# the spinners go; the sleepers stay for the seed's way
for u in "$UID0" $((UID0 + 1)); do systemctl stop "bench-spin-$u.scope" 2>/dev/null; done

# --- the seed's way: one systemctl per user, one after the other ---------
PCT=45
Q3=$((PCT * 1000))
c0=$(pid1_ms)
t0=$(now_ms)
u=$UID0
while [ "$u" -le "$LAST" ]; do
	systemctl set-property --runtime "user-$u.slice" "CPUQuota=$PCT%" || break
	u=$((u + 1))
done
t1=$(now_ms)
c1=$(pid1_ms)
seed_n=$(in_force "$Q3")
echo "seed's way: $NUSERS x systemctl set-property --runtime CPUQuota=$PCT%: $((t1 - t0)) ms wall (its loop stalled all along), PID 1 CPU $((c1 - c0)) ms, $seed_n of $NUSERS in force"

seed_pid1=$((c1 - c0))
# The target is the supervisor's loop: its own clock (no dispatch over 50
# ms). The ping's round trip also holds the front end's turn and the
# guest's scheduling (two vCPUs, PID 1 busy beside it): printed beside it.
if [ "$loop50" -eq 0 ] && [ "$cg_pid1" -le "$seed_pid1" ]; then
	t_pass "systemd-scale: no dispatch of the supervisor's loop over 50 ms (longest recent $loop_max ms; ping round trip max $stall ms); PID 1 CPU $cg_pid1 ms (seed's way $seed_pid1 ms)"
else
	t_fail systemd-scale "target missed: $loop50 dispatches over 50 ms (longest recent $loop_max ms; ping round trip max $stall ms), PID 1 CPU $cg_pid1 ms against the seed's way's $seed_pid1 ms"
fi
