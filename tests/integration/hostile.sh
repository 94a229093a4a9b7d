#!/bin/sh
# Hostile local users at the socket's default bounds (max_clients 64,
# 8 per uid, 8 kept for admins, 4096-byte lines): 8 uids each hold 8
# idle event subscriptions while others send garbage and 4 MiB lines.
# The non-admins get the 56 slots they may have and are told "too many"
# for the rest at once; garbage gets an error, an over-long line a
# closed connection; root's `cgfairctl status` is still answered at once
# (within 1 s, from the admin reserve) and so is root's penalty, while a
# non-admin's penalty is refused. The daemon keeps running.
#
# The daemon runs with --dry-run: it decides but writes no cgroup file.
. "$(dirname "$0")/../lib/t.sh"
t_need_root hostile
sh "$T_TOP/tools/ensure-user.sh"
. "$T_TOP/tests/lib/daemon.sh"

CTL="$CGFAIR_BUILD/cgfairctl"
RUNAS="$CGFAIR_BUILD/tests/t-run-as-uid"
SC="python3 $T_TOP/tests/lib/sockclient.py"
chmod 0711 "$T_TMP"
mkdir -m 0755 "$T_TMP/run"
SOCK="$T_TMP/run/cgfair.sock"
UIDS="59880 59881 59882 59883 59884 59885 59886 59887"
UG=59888 # garbage and over-long lines
TARGET=59889

cat >"$T_TMP/cgfair.conf" <<CONF
[daemon]
interval = 1s
state_dir = $T_TMP/state
[users]
min_uid = 59880
max_uid = 59889
[socket]
path = $SOCK
[log]
event_log = $T_TMP/events.log
CONF

"$RUNAS" $TARGET sleep 600 &
PT=$!
t_cleanup "kill $PT"
daemon_start --dry-run --config "$T_TMP/cgfair.conf" ||
	{ t_fail "hostile: daemon starts" "see its log above"; exit 1; }
t_wait 5 test -S "$SOCK"

# garbage and over-long lines first, from one uid, then 8 x 8 idle
# subscriptions: 64 non-admin connections for 56 slots
out_garbage=$($RUNAS $UG $SC "$SOCK" raw '\x00\xff\x1b[2J{"cmd":\n')
out_big=$($RUNAS $UG $SC "$SOCK" bigline 4194304)
SUBS=""
for u in $UIDS; do
	$RUNAS "$u" $SC "$SOCK" subs 8 60 >"$T_TMP/subs.$u" &
	SUBS="$SUBS $!"
done
t_cleanup "kill $SUBS"
answered() { [ "$(cat "$T_TMP"/subs.* | grep -c '')" -eq 64 ]; }
t_wait 20 answered
following=$(cat "$T_TMP"/subs.* | grep -c '^following')
toomany=$(cat "$T_TMP"/subs.* | grep -c '^refused: .*too many')
echo "garbage: $(echo "$out_garbage" | tr '\n' ' ')"
echo "4 MiB line: $(echo "$out_big" | tr '\n' ' ' | cut -c1-200)"
t_check "garbage gets an error" sh -c "echo '$out_garbage' | grep -q '^Error: '"
t_check "a 4 MiB line is cut off: the connection closed" sh -c "echo '$out_big' | tail -1 | grep -qx EOF"
t_check "8 uids x 8 subscriptions: the 56 non-admin slots are taken ($following following)" [ "$following" -eq 56 ]
t_check "... and the other 8 are told at once that the socket is full ($toomany)" [ "$toomany" -eq 8 ]

# root, from the reserve, while the non-admins hold every slot they may
t0=$(t_centis)
timeout 1 "$CTL" --socket "$SOCK" status >"$T_TMP/status.out" 2>&1
rc=$?
echo "root's status answered in $(($(t_centis) - t0))0 ms (rc $rc)"
t_check "root's cgfairctl status answers within 1 s" [ $rc -eq 0 ]
t_check "... with the users' rows" grep -q "$TARGET" "$T_TMP/status.out"
"$RUNAS" $UG "$CTL" --socket "$SOCK" penalty $TARGET >"$T_TMP/np.out" 2>&1
rc=$?
echo "a non-admin's penalty: rc $rc, $(cat "$T_TMP/np.out")"
t_check "a non-admin's penalty is refused" [ $rc -ne 0 ]
t_check "root's penalty is served" timeout 5 "$CTL" --socket "$SOCK" penalty $TARGET 1m
t_check "... and root's release" timeout 5 "$CTL" --socket "$SOCK" release $TARGET
kill $SUBS 2>/dev/null
t_check "the daemon is still running" kill -0 "$DPID"
t_check "... and serves a non-admin again once the slots are free" \
	t_wait 5 sh -c "'$RUNAS' $UG '$CTL' --socket '$SOCK' version >/dev/null 2>&1"
daemon_stop
exit 0
