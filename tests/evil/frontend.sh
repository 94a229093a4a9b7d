#!/bin/sh
# An attacker who owns the frontend (issue 10, item 4): an impostor
# frontend (tests/evil/evil-frontend.c) in the real sandbox, started by the
# real supervisor, replays root's connection for a limit root never asked
# for and asks for values outside the supervisor's bounds: nothing happens
# and the impostor is cut off with the reason in the log. A request for a
# client that has gone is refused (no fault of the frontend's: a client
# may hang up at any time).
#
# --dry-run: decisions are made and kept in the state file and the event
# log, no cgroup file is written.
. "$(dirname "$0")/../lib/t.sh"
t_need_root evil-frontend
sh "$T_TOP/tools/ensure-user.sh"
. "$T_TOP/tests/lib/daemon.sh"
. "$T_TOP/tests/lib/impostor.sh"

U1=$((63000 + ($$ % 90) * 10))
SOCK=$T_TMP/cgfair.sock
EV=$T_TMP/events.log
SC="python3 $T_TOP/tests/lib/sockclient.py"
cat >"$T_TMP/cgfair.conf" <<EOF
[daemon]
interval = 1s
state_dir = $T_TMP/state
subtree = $T_ID
[users]
min_uid = $U1
max_uid = $((U1 + 9))
[socket]
path = $SOCK
[log]
event_log = $EV
EOF
impostor_setup frontend || { t_fail evil-frontend "cannot stage the impostor"; exit 1; }
daemon_start --dry-run --config "$T_TMP/cgfair.conf" ||
	{ t_fail "evil-frontend: daemon starts" "see its log above"; exit 1; }
t_wait 5 test -S "$SOCK"
events() { grep -c "\"event\":\"$1\"" "$EV" 2>/dev/null; }
kills() { grep -c "worker frontend .*$1.*; killing it" "$DLOG"; }
# the impostor is back: started again and listening (the supervisor sent
# it the socket)
back() { t_wait 10 sh -c "[ \$(grep -c 'worker frontend .*restarting in' '$DLOG') -ge $1 ]" && sleep 0.5; }

# 1. the penalty root asked for is done; a limit on the same connection,
# which root never asked for, is not, and the impostor is cut off
out=$($SC "$SOCK" send "reuse $U1")
t_check "root's penalty, forwarded, is done" sh -c "echo '$out' | head -1 | grep -q '^0 '"
t_check "connection replayed: impostor cut off, reason logged" \
	t_wait 5 sh -c "grep -q 'already carried a request' '$DLOG' && [ \$(grep -c 'worker frontend .*killing it' '$DLOG') -ge 1 ]"
t_check "... no limit was set" sh -c "[ \$(grep -c '\"action\":\"limit set\"' '$EV') -eq 0 ] && [ \$(grep -c '\"event\":\"penalty_on\"' '$EV') -eq 1 ]"

# 2. values outside the supervisor's bounds: invalid messages
back 1
$SC "$SOCK" send "tiny $U1" >/dev/null
t_check "a 4 KiB memory limit: impostor cut off as invalid" \
	t_wait 5 sh -c "[ \$(grep -c 'worker frontend .*sent an invalid message.*killing it' '$DLOG') -ge 1 ]"
back 2
$SC "$SOCK" send "long $U1" >/dev/null
t_check "a hundred-year penalty: impostor cut off as invalid" \
	t_wait 5 sh -c "[ \$(grep -c 'worker frontend .*sent an invalid message.*killing it' '$DLOG') -ge 2 ]"
t_check "... no limit, no second penalty" sh -c \
	"[ \$(grep -c '\"action\":\"limit set\"' '$EV') -eq 0 ] && [ \$(grep -c '\"event\":\"penalty_on\"' '$EV') -eq 1 ]"

# 3. a client that has gone asks for nothing
back 3
k0=$(grep -c 'worker frontend .*killing it' "$DLOG")
$SC "$SOCK" raw "gone $U1\n" >/dev/null
t_check "a request for a client that has gone is refused" \
	t_wait 5 grep -q "penalty of uid $U1: the client has gone, not done" "$DLOG"
t_check "... no penalty" sh -c "[ \$(grep -c '\"event\":\"penalty_on\"' '$EV') -eq 1 ]"
# no kill since the request (the three above were waited for before it)
sleep 0.5
if [ "$(grep -c 'worker frontend .*killing it' "$DLOG")" -eq "$k0" ]; then
	t_pass "... and the frontend was not cut off for it"
else
	t_fail "... and the frontend was not cut off for it" \
		"$(grep 'worker frontend .*killing it' "$DLOG" | tail -n +$((k0 + 1)))"
	grep 'worker frontend' "$DLOG"
fi

# 4. a penalty's reason with control bytes and bad UTF-8, which the real
# frontend refuses: done, the reason kept with '?' in their place (the
# impostor serves one client per incarnation: a fresh one)
fpid=$(ps -o pid=,comm= --ppid "$DPID" | awk '$2 == "cgfair-frontend" { print $1 }')
[ -n "$fpid" ] && kill -9 $fpid
back 4
$SC "$SOCK" send "note $U1" >/dev/null
t_wait 5 grep -q '"note"' "$T_TMP/state/state.json"
if grep -q '"note": *"x?\[2J?y?z"' "$T_TMP/state/state.json" &&
	! grep -q 'u001b' "$T_TMP/state/state.json"; then
	t_pass "a reason with control bytes: kept with ? in their place"
else
	t_fail "a reason with control bytes: kept with ? in their place" \
		"$(grep -o '"note"[^,}]*' "$T_TMP/state/state.json")"
fi

daemon_stop
exit 0
