#!/bin/sh
# CPU time of one usage cycle with many users and processes (issue 5):
# NUSERS bare uids, NPROCS sleeping processes placed in their user cgroups
# (as cgfair would have), then
#   - cgfair: the scanner driven alone (bench/scan-drive: it forks the real
#     cgfair-scanner, sandboxed, as the supervisor does) for CYCLES cycles;
#     a cycle's cost = the scanner's own CPU for the cycle (it measures it)
#     + the receiving side's CPU (taking the IPC_SCAN_USERS batches);
#   - the seed's way (bench/seed-scan): walk /proc/[0-9]*, stat each entry,
#     read each /proc/PID/stat.
# Prints both medians and the ratio. Targets: < 5 ms, >= 50x cheaper at
# 1,000 users; < 10 ms, >= 100x cheaper from 10,000 users on (issue 17).
# As root on a cgroup v1 host. Everything made is removed on exit.
#
# Usage: bench/cycle.sh [--users N] [--procs M]
# Environment: NUSERS (1000), NPROCS (20000), CYCLES (20), UID0 (64000),
# PAUSE (200 ms between cycles); --users and --procs set the first two.
set -u
while [ $# -gt 0 ]; do
	case $1 in
	--users) NUSERS=${2:?}; shift 2 ;;
	--procs) NPROCS=${2:?}; shift 2 ;;
	*) echo "usage: bench/cycle.sh [--users N] [--procs M]" >&2; exit 2 ;;
	esac
done
cd "$(dirname "$0")/.." || exit 2
B=${CGFAIR_BUILD:-build}
NUSERS=${NUSERS:-1000}
NPROCS=${NPROCS:-20000}
CYCLES=${CYCLES:-20}
PAUSE=${PAUSE:-200}
UID0=${UID0:-64000}
SUB=cgfair-bench$$
TMP=$(mktemp -d /tmp/cgfair-bench.XXXXXX)
SPID=""

cleanup() {
	[ -n "$SPID" ] && kill -TERM "$SPID" 2>/dev/null && wait "$SPID"
	for c in cpu cpuacct memory; do
		d=/sys/fs/cgroup/$c/$SUB
		[ -d "$d" ] || continue
		find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
		rmdir "$d" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" = 0 ] || { echo "bench/cycle.sh: needs root" >&2; exit 2; }
for c in cpu cpuacct memory; do
	grep -q " /sys/fs/cgroup/$c cgroup " /proc/mounts || {
		echo "bench/cycle.sh: needs cgroup v1 $c at /sys/fs/cgroup/$c" >&2
		exit 2
	}
done
for t in scan-drive seed-scan sleepers; do
	[ -x "$B/bench/$t" ] || { echo "build first: make tests" >&2; exit 2; }
done
. tests/lib/placer.sh
if placer_running; then
	echo "bench/cycle.sh: a cgfaird or cgrulesengd is running; it would" \
		"place the bench's processes too" >&2
	exit 2
fi

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

echo "starting $NPROCS sleepers under $NUSERS uids ($UID0..$((UID0 + NUSERS - 1)))"
"$B/bench/sleepers" -u "$UID0" -U "$NUSERS" -n "$NPROCS" -c "$SUB" \
	>"$TMP/sleepers.out" 2>&1 &
SPID=$!
i=0
until grep -q '^ready' "$TMP/sleepers.out"; do
	i=$((i + 1))
	[ $i -gt 600 ] && { echo "sleepers did not start" >&2; exit 1; }
	sleep 0.5
done
head -1 "$TMP/sleepers.out"
grep -q "^ready $NPROCS\$" "$TMP/sleepers.out" || {
	echo "not all sleepers started:" >&2
	cat "$TMP/sleepers.out" >&2
	exit 1
}

# PAUSE ms between cycles: caches go cold between two cycles in service
# (5 s apart); back to back, every cycle would find the last one's data.
drive() {
	"$B/bench/scan-drive" --scanner "$B/cgfair-scanner" --prefix "/$SUB" \
		--cpuacct /sys/fs/cgroup/cpuacct --memory /sys/fs/cgroup/memory \
		--min-uid "$UID0" --max-uid "$((UID0 + NUSERS - 1))" \
		--pause "$PAUSE" "$@" cycles "$CYCLES" >"$TMP/scan.out" 2>&1 || {
		cat "$TMP/scan.out"
		exit 1
	}
	# skip the first cycle (cold dentries): the steady state repeats
	steady() { awk -v f="$1" '/^DONE/ && $2 > 1 { print $f }' "$TMP/scan.out" | median; }
	scan=$(steady 4)
	recv=$(steady 14)
	wall=$(steady 12)
	nread=$(steady 18)
}

# every user read each cycle (quiet bound 0): what a cycle costs when no
# user is quiet, e.g. every user's desktop ticking over on a VNC server
drive --quiet 0
all=$((scan + recv))
all_line="every user read: median ${all} us CPU (scanner ${scan} us + receiving ${recv} us), ${nread} users read, ${wall} us wall"
# as cgfaird asks at its defaults: quiet users wait
drive
grep '^DONE 1 ' "$TMP/scan.out" | head -1 |
	awk '{ print "cgfair cycle 1: users " $6 ", processes " $8 }'
cgfair=$((scan + recv))

"$B/bench/seed-scan" -n 5 -m "$UID0" >"$TMP/seed.out"
seed=$(awk '$1 == "cycle" && $2 > 1 { print $4 }' "$TMP/seed.out" | median)
sprocs=$(awk '$1 == "cycle" { p = $6 } END { print p }' "$TMP/seed.out")

echo "cgfair cycle:  median ${cgfair} us CPU (scanner ${scan} us +" \
	"receiving ${recv} us), ${nread} users read, ${wall} us wall," \
	"over $((CYCLES - 1)) cycles, ${PAUSE} ms apart"
echo "  (for reference, $all_line)"
echo "seed's scan:   median ${seed} us CPU ($sprocs processes)"
if [ "$NUSERS" -ge 10000 ]; then TMS=10 TX=100; else TMS=5 TX=50; fi
awk -v a="$cgfair" -v b="$seed" -v tms="$TMS" -v tx="$TX" 'BEGIN {
	r = a > 0 ? b / a : 0
	printf "ratio:         %.0fx cheaper (target >= %dx); cycle %s %d ms\n",
		r, tx, a < tms * 1000 ? "<" : ">=", tms
	exit !(a < tms * 1000 && r >= tx)
}'
