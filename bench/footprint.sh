#!/bin/sh
# Footprint and start-up at many users (issue 17): NUSERS bare uids with
# one sleeping process each, not placed; then cgfaird starts and must find
# every one (its /proc sweep), place it in its user cgroup and cap it.
# Figures: the start-up time until every process is in its cgroup and
# every user's cpu.cfs_quota_us is set; then, two intervals later, the PSS
# of cgfaird and of each of its workers (/proc/PID/smaps_rollup).
# Targets: start-up under 5 s, total PSS under 8 MB at 10,000 users.
# As root on a cgroup v1 host; everything made is removed on exit.
#
# Usage: bench/footprint.sh [--users N]   (default 10000; UID0 64000)
set -u
NUSERS=${NUSERS:-10000}
while [ $# -gt 0 ]; do
	case $1 in
	--users) NUSERS=${2:?}; shift 2 ;;
	*) echo "usage: bench/footprint.sh [--users N]" >&2; exit 2 ;;
	esac
done
cd "$(dirname "$0")/.." || exit 2
B=${CGFAIR_BUILD:-build}
UID0=${UID0:-64000}
SUB=cgfair-bench$$
TMP=$(mktemp -d /tmp/cgfair-bench.XXXXXX)
SPID="" DPID=""

cleanup() {
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID"
	[ -n "$SPID" ] && kill -TERM "$SPID" 2>/dev/null && wait "$SPID"
	for c in cpu cpuacct memory pids blkio; do
		d=/sys/fs/cgroup/$c/$SUB
		[ -d "$d" ] || continue
		find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
		rmdir "$d" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || { echo "bench/footprint.sh: needs root" >&2; exit 2; }
[ -x "$B/cgfaird" ] && [ -x "$B/bench/sleepers" ] ||
	{ echo "build first: make tests" >&2; exit 2; }
. tests/lib/placer.sh
placer_running && { echo "bench/footprint.sh: a cgfaird or cgrulesengd is running" >&2; exit 2; }

now_ms() { echo $(($(date +%s%N) / 1000000)); }

"$B/bench/sleepers" -u "$UID0" -U "$NUSERS" -n "$NUSERS" >"$TMP/sleepers.out" 2>&1 &
SPID=$!
i=0
until grep -q '^ready' "$TMP/sleepers.out"; do
	i=$((i + 1))
	[ $i -gt 600 ] && { echo "sleepers did not start" >&2; exit 1; }
	sleep 0.5
done

cat >"$TMP/cgfair.conf" <<EOF
[daemon]
subtree = $SUB
state_dir = $TMP/state
[users]
min_uid = $UID0
max_uid = $((UID0 + NUSERS - 1))
max_users = $((NUSERS + 100))
[log]
event_log = $TMP/events.log
[socket]
path = $TMP/cgfair.sock
EOF
mkdir -p "$TMP/state"
# 65534 (nobody) is never managed: one user fewer when it is in range
WANT=$NUSERS
[ "$UID0" -le 65534 ] && [ $((UID0 + NUSERS - 1)) -ge 65534 ] && WANT=$((NUSERS - 1))
placed() { cat /sys/fs/cgroup/memory/$SUB/user-*/cgroup.procs 2>/dev/null | wc -l; }
capped() {
	cat /sys/fs/cgroup/cpu/$SUB/user-*/cpu.cfs_quota_us 2>/dev/null |
		awk '$1 != -1 { n++ } END { print n + 0 }'
}
t0=$(now_ms)
"$B/cgfaird" --foreground --config "$TMP/cgfair.conf" >"$TMP/cgfaird.log" 2>&1 &
DPID=$!
tp="" tc=""
while [ -z "$tp" ] || [ -z "$tc" ]; do
	t=$(now_ms)
	[ $((t - t0)) -gt 300000 ] && break
	[ -z "$tp" ] && [ "$(placed)" -ge "$WANT" ] && tp=$((t - t0))
	[ -z "$tc" ] && [ "$(capped)" -ge "$WANT" ] && tc=$((t - t0))
	sleep 0.1
done
echo "host: $(nproc) CPUs, kernel $(uname -r), cgroup v1; $NUSERS users, one process each"
echo "start-up: every process placed after ${tp:-?} ms ($(placed) of $WANT), every user capped after ${tc:-?} ms ($(capped))"
echo "workers killed and restarted meanwhile: $(grep -c 'killed by signal' "$TMP/cgfaird.log")"
grep -E 'killing it|restarting in' "$TMP/cgfaird.log" | sed 's/^/  /' | head -20
sleep 10 # two intervals: the steady state
pss() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null; }
total=$(pss "$DPID")
echo "  cgfaird (supervisor) pid $DPID: ${total} kB"
kids=$(cat /proc/[0-9]*/stat 2>/dev/null | awk -v pp="$DPID" '{
	pid = $1; sub(/.*\) /, ""); split($0, f, " "); if (f[2] == pp) print pid }')
for p in $kids; do
	k=$(pss "$p")
	echo "  $(tr '\0' ' ' <"/proc/$p/cmdline" | cut -c1-60) pid $p: ${k:-?} kB"
	total=$((total + ${k:-0}))
done
echo "total PSS: $total kB"
awk -v t="$total" -v s="${tc:-999999}" 'BEGIN {
	printf "targets: PSS %s 8 MB, start-up %s 5 s\n", t < 8192 ? "<" : ">=", s < 5000 ? "<" : ">="
	exit !(t < 8192 && s < 5000)
}'
