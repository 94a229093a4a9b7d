#!/bin/sh
# A burst of per-user messages (issue 17): 1,500 bare uids with a sleeping
# process each, found and placed by a real cgfaird on this host's cgroup v1;
# then OOM watcher 0 is killed: its restart is handed every one of its
# users' OOM sources at once, far more messages than a socket buffer holds
# (~170 of them), before the new watcher even reads. They wait in the
# worker's outbox (supervisor/outbox.c) instead of getting it killed as
# hung; checked: no worker was killed for a full socket, the restarted
# watcher lives on past the ping timeout, and between them the watchers
# hold an event source for every user (their fds, /proc/PID/fd). The
# first limits of that many new users are written a batch per loop
# iteration (supervisor/control.c), not in one go that holds pings, the
# socket and OOM events: checked in the debug log, and every user capped.
# So are the cgroups of users a scan reports before placement made them:
# 200 empty user cgroups left by an earlier run (no stray: only the scan
# sees them) are adopted 32 a loop iteration. The supervisor's own memory
# (Pss_Anon) is printed, not judged: memory targets are
# bench/footprint.sh's (2.2 to 4.0 MB here at 1,700 users; 5.6 MB before
# issue 17's cut).
# Own subtree and uid range; everything made is removed on exit.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/lib/cgv1.sh"
t_need_root burst

B=$CGFAIR_BUILD
SUB=$T_ID
N=${BURST_USERS:-1500}
L=200 # leftover empty user cgroups, uids after the sleepers'
U0=$((40000 + ($$ % 16) * 1000))
CONF=$T_TMP/cgfair.conf
LOG=$T_TMP/cgfaird.log
DPID="" SPID=""

cgv1_need burst
for p in cgfaird bench/sleepers; do
	[ -x "$B/$p" ] || { t_fail burst "$B/$p missing (make tests)"; exit 1; }
done
. "$T_TOP/tests/lib/placer.sh"
if placer_running; then
	t_skip burst "another cgfaird or cgrulesengd runs: it would place our processes too"
	exit 0
fi

stop_all() {
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null &&
		{ t_wait 10 sh -c "! kill -0 $DPID" || kill -KILL "$DPID"; }
	[ -n "$SPID" ] && kill -TERM "$SPID" 2>/dev/null && wait "$SPID"
	cgv1_remove "$SUB"
}
t_cleanup stop_all

"$B/bench/sleepers" -u "$U0" -U $N -n $N >"$T_TMP/sleepers.out" 2>&1 &
SPID=$!
t_wait 60 grep -q '^ready' "$T_TMP/sleepers.out" ||
	{ t_fail burst "$N sleepers did not start"; exit 1; }

cat >"$CONF" <<EOF
[daemon]
subtree = $SUB
state_dir = $T_TMP/state
[users]
min_uid = $U0
max_uid = $((U0 + N + L - 1))
[oom]
watchers = 2
[log]
event_log = $T_TMP/events.log
[socket]
path = $T_TMP/cgfair.sock
EOF
mkdir -p "$T_TMP/state"
for c in cpu cpuacct memory; do
	u=$((U0 + N))
	while [ $u -lt $((U0 + N + L)) ]; do
		mkdir -p "/sys/fs/cgroup/$c/$SUB/user-$u"
		u=$((u + 1))
	done
done
"$B/cgfaird" --foreground --debug --config "$CONF" >"$LOG" 2>&1 &
DPID=$!

placed() {
	[ "$(cat /sys/fs/cgroup/memory/"$SUB"/user-*/cgroup.procs 2>/dev/null |
		wc -l)" -ge $N ]
}
watchers() { # the running OOM watchers' pids
	for p in $(ps -o pid= --ppid "$DPID"); do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = cgfair-oomwatch ] && echo "$p"
	done
}
restarted() { [ "$(watchers | grep -vx "$1" | wc -l)" -eq 2 ]; }
source_fds() { # the watchers' open fds, both of them
	n=0
	for p in $(watchers); do
		n=$((n + $(ls "/proc/$p/fd" 2>/dev/null | wc -l)))
	done
	echo $n
}
t_check "the $N users' processes are placed" t_wait 180 placed
capped() {
	[ "$(cat /sys/fs/cgroup/cpu/"$SUB"/user-*/cpu.cfs_quota_us 2>/dev/null |
		grep -cvx -- -1)" -ge $N ]
}
t_check "every user is capped" t_wait 120 capped
t_check "no worker was killed meanwhile" sh -c "! grep -E 'killing it|killed by signal' '$LOG'"
grep -E 'killing it|killed by signal' "$LOG" | head -5
# "scan C: limits of U users applied in I loop iteration(s)": a step over
# most users took more than one iteration (64 users each at most)
batched() {
	sed -n 's/.*limits of \([0-9]*\) users applied in \([0-9]*\) loop.*/\1 \2/p' "$LOG" |
		awk -v n=$N '$1 >= n / 2 && $2 > 1 && $2 >= $1 / 64 { ok = 1 } END { exit !ok }'
}
t_check "a step's writes over $N users went in batches" batched
grep 'users applied in' "$LOG" | tail -2
# "U new users' cgroups made in I loop iteration(s)" (32 each at most)
setup_batched() {
	sed -n "s/.* \([0-9]*\) new users' cgroups made in \([0-9]*\) loop.*/\1 \2/p" "$LOG" |
		awk -v l=$L '{ u += $1; i += $2 } END { exit !(u >= l && i > 1 && i >= u / 32) }'
}
t_check "the $L leftover users' cgroups were adopted in batches" setup_batched
grep "new users' cgroups made in" "$LOG" | tail -3

w0=$(watchers | head -1)
t_check "an OOM watcher runs (${w0:-none})" kill -0 "${w0:-0}"
kill -KILL "${w0:-0}"
t_check "it is restarted" t_wait 20 restarted "${w0:-0}"
w0b=$(watchers | grep -vx "${w0:-0}" | tr '\n' ' ')
sleep 7 # twice the ping timeout: a hung or overrun watcher is killed by then
t_check "the watchers ($w0b) live on past the ping timeout" sh -c "kill -0 $w0b"
# (the watcher killed here may still be sent a ping before its death is
# seen: EPIPE for that pid is no full socket)
told_too_much() { grep 'could not take' "$LOG" | grep -v "(pid ${w0:-0}) could not take"; }
extra=$(told_too_much | wc -l)
t_check "no worker was told more than its socket held ($extra)" [ "$extra" -eq 0 ]
told_too_much | head -5
# each user's OOM source is at least one fd in its watcher
fds=$(source_fds)
t_check "the watchers hold a source for every user ($fds fds for $N users)" [ "$fds" -ge $N ]
anon=$(awk '/^Pss_Anon:/ { print $2 }' "/proc/$DPID/smaps_rollup")
echo "the supervisor's own memory (Pss_Anon): ${anon:-?} kB for $((N + L)) users"
t_check "cgfaird still runs" kill -0 "$DPID"
t_exit
exit $T_FAILED
