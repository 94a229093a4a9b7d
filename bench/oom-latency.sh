#!/bin/sh
# bench/oom-latency.sh [KILLS]: OOM kill to event in the log, median and
# p99 over KILLS (default 50) kills. Target: p99 under 50 ms.
#
# The supervisor's real OOM path runs (build/tests/t-oomd: the worker
# table, the sandboxed cgfair-oomwatch pool, the events; the backend this
# host has), one user with a 64 MiB limit, and a 32-thread process that
# allocates 512 MiB is started in that cgroup KILLS times in a row. The
# measuring side (build/bench/oom-latency) times each kill from the moment
# the kernel's "Killed process" record can be read from /dev/kmsg to the
# moment its event line is in the event log. Needs root.
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TOP/tests/lib/t.sh"
. "$T_TOP/tests/lib/oom.sh"
KILLS=${1:-50}
LAT=$OOM_BUILD/bench/oom-latency
oom_need oom-latency
[ -x "$LAT" ] || { echo "$LAT missing (make tests)"; exit 1; }
U=$((400000 + $$ % 1000 * 10 + 7))

oom_start --backend "${CGFAIR_BACKEND:-auto}" --watchers 2 || exit 1
oom_cmd "add $U 67108864" || exit 1
"$LAT" --log "$OOM_LOG" --uid "$U" --count "$KILLS" >"$T_TMP/lat.out" &
mpid=$!
t_cleanup "kill $mpid 2>/dev/null"
t_wait 5 grep -q '^ready$' "$T_TMP/lat.out" || exit 1
t0=$(oom_now_ms)
i=0
while [ $i -lt "$KILLS" ]; do
	oom_hog "$U" -t 32 512 >/dev/null 2>&1
	i=$((i + 1))
done
wait $mpid
rc=$?
secs=$((($(oom_now_ms) - t0) / 1000))
echo "backend: $(sed -n 's/.*backend \([a-z0-9]*\), subtree.*/\1/p' "$OOM_ERR" | head -1), kernel $(uname -r), $(nproc) CPUs, $KILLS kills in ${secs} s"
grep -v '^ready$' "$T_TMP/lat.out"
summary=$(tail -1 "$T_TMP/lat.out")
p99=$(echo "$summary" | sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p')
if [ "$rc" = 0 ] && [ -n "$p99" ] && awk -v p="$p99" 'BEGIN { exit !(p < 50) }'; then
	echo "PASS: p99 $p99 ms < 50 ms"
else
	echo "FAIL: p99 ${p99:-?} ms (target < 50 ms), status $rc"
	exit 1
fi
