#!/bin/sh
# bench/oom-latency.sh [KILLS]: OOM kill to event in the log, median and
# p99 over KILLS (default 50) kills. Target: p99 under 50 ms.
#
# The real cgfaird runs (a config of its own: one uid, a 64 MiB limit, its
# own event log, 2 OOM watchers, the backend this host has); a 32-thread
# process that allocates 512 MiB is started as that user KILLS times in a
# row (the daemon places it, the limit kills it). The measuring side
# (build/bench/oom-latency) times each kill from the moment the kernel's
# "Killed process" record can be read from /dev/kmsg (the kernel writes it
# right after it counted the kill and sent SIGKILL) to the moment the
# kill's event line is in the event log (inotify). Needs root.
TOP=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TOP/tests/lib/t.sh"
. "$T_TOP/tests/lib/oom.sh"
KILLS=${1:-50}
LAT=$OOM_BUILD/bench/oom-latency
oom_need oom-latency
[ -x "$LAT" ] || { echo "$LAT missing (make tests)"; exit 1; }
U=$((400000 + $$ % 1000 * 10 + 7))

oom_start "$U" "$U" || exit 1
oom_user_up "$U" || { echo "no cgroup with a 64 MiB limit for $U"; exit 1; }
"$LAT" --log "$OOM_LOG" --uid "$U" --count "$KILLS" >"$T_TMP/lat.out" &
mpid=$!
t_cleanup "kill $mpid 2>/dev/null"
t_wait 5 grep -q '^ready$' "$T_TMP/lat.out" || exit 1
t0=$(oom_now_ms)
i=0
while [ $i -lt "$KILLS" ]; do
	oom_hog "$U" -t 32 512 2>/dev/null # no "Killed" from the shell
	i=$((i + 1))
done
wait $mpid
rc=$?
secs=$((($(oom_now_ms) - t0) / 1000))
echo "$(sed -n 's/.*cgroup backend: //p' "$OOM_DLOG" | head -1), kernel $(uname -r), $(nproc) CPUs, $KILLS kills in $secs s"
grep -v '^ready$' "$T_TMP/lat.out"
p99=$(tail -1 "$T_TMP/lat.out" | sed -n 's/.*p99_ms=\([0-9.]*\).*/\1/p')
if [ "$rc" = 0 ] && [ -n "$p99" ] &&
	awk -v p="$p99" 'BEGIN { exit !(p < 50) }'; then
	echo "PASS: p99 $p99 ms < 50 ms"
else
	echo "FAIL: p99 ${p99:-?} ms (target < 50 ms), status $rc"
	exit 1
fi
