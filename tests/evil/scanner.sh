#!/bin/sh
# An attacker who owns the scanner (issue 10, item 6): the impostor
# (tests/evil/evil-scanner.c) reports every process as a stray of the
# first managed uid, 300 users where max_users is 20, uids outside
# min_uid..max_uid, and 4096 CPUs. The supervisor moves only processes
# whose real uid is the one reported, makes cgroups only for uids in the
# range and at most max_users, and counts the CPUs itself.
. "$(dirname "$0")/../lib/t.sh"
t_need_root evil-scanner
sh "$T_TOP/tools/ensure-user.sh"
. "$T_TOP/tests/lib/daemon.sh"
. "$T_TOP/tests/lib/impostor.sh"
. "$T_TOP/tests/lib/cgv1.sh"
cgv1_need evil-scanner
. "$T_TOP/tests/lib/placer.sh"
if placer_running; then
	t_skip evil-scanner "another cgfaird or cgrulesengd runs: it would place our processes too"
	exit 0
fi

SUB=$T_ID
U1=$((64000 + ($$ % 90) * 400))
U2=$((U1 + 1))
MAXU=$((U1 + 399))
cat >"$T_TMP/cgfair.conf" <<EOF
[daemon]
interval = 1s
state_dir = $T_TMP/state
subtree = $SUB
[users]
min_uid = $U1
max_uid = $MAXU
max_users = 20
[socket]
path = $T_TMP/cgfair.sock
[log]
event_log = $T_TMP/events.log
EOF
impostor_setup scanner || { t_fail evil-scanner "cannot stage the impostor"; exit 1; }
RUN=$REAL_BUILD/tests/t-run-as-uid
"$RUN" "$U1" sleep 600 &
P1=$!
"$RUN" "$U2" sleep 600 &
P2=$!
t_cleanup "cgv1_remove $SUB"
t_cleanup "kill $P1 $P2"
daemon_start --debug --config "$T_TMP/cgfair.conf" ||
	{ t_fail "evil-scanner: daemon starts" "see its log above"; exit 1; }

t_check "a process of the reported uid is moved" t_wait 10 cgv1_in $P1 $SUB $U1
sleep 3 # a few scan cycles and the start-up sweep's reports
t_check "a process of another uid is not moved into it" sh -c "! grep -q ':memory:/$SUB/user-$U1\$' /proc/$P2/cgroup"
t_check "root's processes are not moved" sh -c "! grep -q ':memory:/$SUB' /proc/$$/cgroup /proc/1/cgroup"
n=$(ls -d /sys/fs/cgroup/memory/$SUB/user-* 2>/dev/null | wc -l)
t_check "at most max_users (20) cgroups for 300 reported users ($n)" [ "$n" -le 20 ]
t_check "... and the log says why" grep -q "not managed: already 20 users (\[users\] max_users)" "$DLOG"
t_check "no cgroup for a uid below min_uid" [ ! -d /sys/fs/cgroup/memory/$SUB/user-5 ]
t_check "no cgroup for a uid above max_uid" [ ! -d /sys/fs/cgroup/memory/$SUB/user-$((MAXU + 1)) ]
t_check "the CPU count is the supervisor's own" grep -q "the scanner counted 4096 CPUs, sysconf $(nproc)" "$DLOG"

daemon_stop
kill $P1 $P2 2>/dev/null
wait $P1 $P2 2>/dev/null
cgv1_remove "$SUB"
exit 0
