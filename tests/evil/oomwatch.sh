#!/bin/sh
# An attacker who owns an OOM watcher (issue 10, item 5): the impostor
# (tests/evil/evil-oomwatch.c) reports 1000 kills in a user's cgroup the
# kernel never counted, and a victim that was never killed. The supervisor
# reads the counter itself: no OOM record, the count in status stays 0,
# and the watcher is cut off and restarted with the reason in the log.
. "$(dirname "$0")/../lib/t.sh"
t_need_root evil-oomwatch
sh "$T_TOP/tools/ensure-user.sh"
. "$T_TOP/tests/lib/daemon.sh"
. "$T_TOP/tests/lib/impostor.sh"
. "$T_TOP/tests/lib/cgv1.sh"
cgv1_need evil-oomwatch

SUB=$T_ID
U1=$((63500 + ($$ % 90) * 10))
EV=$T_TMP/events.log
cat >"$T_TMP/cgfair.conf" <<EOF
[daemon]
interval = 1s
state_dir = $T_TMP/state
subtree = $SUB
[users]
min_uid = $U1
max_uid = $((U1 + 9))
[oom]
watchers = 1
[socket]
path = $T_TMP/cgfair.sock
[log]
event_log = $EV
EOF
impostor_setup oomwatch || { t_fail evil-oomwatch "cannot stage the impostor"; exit 1; }
"$REAL_BUILD/tests/t-run-as-uid" "$U1" sleep 600 &
P1=$!
t_cleanup "cgv1_remove $SUB"
t_cleanup "kill $P1"
# not necessarily ready: a watcher cut off before its first pong keeps
# the daemon from saying READY, which is no concern of this test's
daemon_start --config "$T_TMP/cgfair.conf" >/dev/null || true
t_check "the daemon runs" kill -0 "$DPID"

t_check "the user's process is placed (its cgroup armed)" t_wait 10 cgv1_in $P1 $SUB $U1
t_check "invented kills: the watcher is cut off, reason logged" \
	t_wait 10 grep -q "uid $U1: oomwatch.* reported oom_kill 1000, the kernel counted 0" "$DLOG"
t_check "... and restarted" t_wait 10 grep -q "worker oomwatch.*restarting in" "$DLOG"
t_check "... and lies again after the restart, cut off again" \
	t_wait 10 sh -c "[ \$(grep -c 'reported oom_kill 1000' '$DLOG') -ge 2 ]"
sleep 3 # a victim waits 2 s for a kill that never comes
t_check "no OOM record" sh -c "! grep -q '\"event\":\"oom\"' '$EV'"
oom=$("$REAL_BUILD/cgfairctl" --socket "$T_TMP/cgfair.sock" --json status |
	python3 -c "import json,sys; r=json.load(sys.stdin); print([u['oom_kills'] for u in r['users'] if u['uid'] == $U1])")
t_check "status counts no kill ($oom)" [ "$oom" = "[0]" ]

daemon_stop
kill $P1 2>/dev/null
wait $P1 2>/dev/null
exit 0
