#!/bin/sh
# The socket and cgfairctl (DESIGN section 7) on this host: status as root
# and as an unprivileged uid, state changes decided by the supervisor from
# the client's own credentials (EPERM for a non-admin, even though the
# frontend forwards the request), the penalty round trip, the admin group,
# the seed's text commands, every bound (line length, clients per uid, idle
# time, slow subscribers) and clear errors for malformed requests.
#
# The daemon runs with --dry-run: it decides but writes no cgroup file, so
# that it cannot disturb other tests' cgroups on a shared host.
. "$(dirname "$0")/../lib/t.sh"
t_need_root socket
sh "$T_TOP/tools/ensure-user.sh"
. "$T_TOP/tests/lib/daemon.sh"

CTL="$CGFAIR_BUILD/cgfairctl"
RUNAS="$CGFAIR_BUILD/tests/t-run-as-uid"
SC="python3 $T_TOP/tests/lib/sockclient.py"
# unprivileged clients must reach the socket: not in the 0700 $T_TMP itself
chmod 0711 "$T_TMP"
mkdir -m 0755 "$T_TMP/run"
SOCK="$T_TMP/run/cgfair.sock"
U1=59871 # a user with processes, target of the admin actions
U2=59872 # an unprivileged client (with a process too)
U3=59873 # another unprivileged client

for f in "$CTL" "$RUNAS"; do
	[ -x "$f" ] || { t_fail "socket setup" "$f missing (make tests)"; exit 1; }
done
ADMGRP=$(getent group adm staff users 2>/dev/null | head -1 | cut -d: -f1)
ADMGID=$(getent group "$ADMGRP" 2>/dev/null | cut -d: -f3)

cat >"$T_TMP/cgfair.conf" <<EOF
[daemon]
interval = 1s
state_dir = $T_TMP/state
[socket]
path = $SOCK
seed_path = $T_TMP/run/cgpy.sock
admin_group = $ADMGRP
max_clients = 10
admin_reserve = 2
max_clients_per_uid = 4
idle_timeout = 2s
max_line = 1024
subscriber_backlog = 4096
[log]
event_log = $T_TMP/events.log
EOF

ctl() { "$CTL" --socket "$SOCK" "$@"; }
ctl_as() { _u=$1; shift; "$RUNAS" "$_u" "$CTL" --socket "$SOCK" "$@"; }
# json_get EXPR: evaluate EXPR on the JSON in stdin (r = the object)
json_get() { python3 -c "import json,sys; r=json.load(sys.stdin); print($1)"; }
# row_field UID KEY: KEY of UID's row in root's status ("" when absent)
row_field() {
	ctl --json status | json_get \
		"next((str(u['$2']) for u in r['users'] if u['uid'] == $1), '')"
}
is_true() { [ "$(row_field "$1" "$2")" = True ]; }
is_false() { [ "$(row_field "$1" "$2")" = False ]; }

# users with a process each, for the rows
"$RUNAS" $U1 sleep 600 &
P1=$!
"$RUNAS" $U2 sleep 600 &
P2=$!
t_cleanup "kill $P1 $P2"

daemon_start --dry-run --config "$T_TMP/cgfair.conf" ||
	{ t_fail "daemon starts" "see its log above"; exit 1; }
if ! t_wait 5 test -S "$SOCK"; then
	t_fail "socket at the configured path" "no $SOCK ([socket] path not wired?); log: $(tail -5 "$DLOG")"
	exit 1
fi

# --- the socket and the basics
mode=$(stat -c %a "$SOCK")
t_check "socket is mode 0666 at [socket] path" [ "$mode" = 666 ]
t_check "cgfairctl version" sh -c "'$CTL' --socket '$SOCK' version | grep -q '^cgfairctl .*cgfaird [0-9]'"
"$CTL" --socket "$T_TMP/nothing.sock" version 2>/dev/null
t_check "no daemon: exit status 3" [ $? -eq 3 ]
ctl frobnicate 2>/dev/null
t_check "unknown command: exit status 2" [ $? -eq 2 ]

# --- status
if t_wait 10 is_false $U1 penalty; then
	t_pass "status as root shows a user with processes"
else
	t_fail "status as root shows a user with processes" "$(ctl --json status | head -c 300)"
fi
t_wait 10 is_false $U2 penalty
out=$(ctl_as $U2 --json status)
uids=$(echo "$out" | json_get "' '.join(str(u['uid']) for u in r['users'])")
t_check "status as uid $U2 shows its own row only" [ "$uids" = "$U2" ]
ctl status no-such-user-here >"$T_TMP/nouser.out" 2>&1
t_check "status of an unknown user name: daemon error (1)" [ $? -eq 1 ]
t_check "... naming the user" grep -q 'unknown user "no-such-user-here"' "$T_TMP/nouser.out"
ctl_as $U2 status $U1 >/dev/null 2>&1
t_check "uid $U2 asking for uid $U1's row: permission denied (4)" [ $? -eq 4 ]
t_check "human status table" sh -c "'$CTL' --socket '$SOCK' status | grep -q '^USER .*STATE'"
t_check "metrics in Prometheus text format" sh -c \
	"'$CTL' --socket '$SOCK' metrics | grep -q '^cgfair_user_cpu_cores{uid=\"$U1\"'"
out=$(ctl_as $U2 metrics)
case $out in
*"uid=\"$U1\""*) t_fail "metrics as uid $U2: own row only" "saw uid $U1" ;;
*"uid=\"$U2\""*) t_pass "metrics as uid $U2: own row only" ;;
*) t_fail "metrics as uid $U2: own row only" "no row of its own" ;;
esac

# --- state changes: decided by the supervisor from the socket's creds
ctl_as $U2 penalty $U1 >"$T_TMP/eperm.out" 2>&1
rc=$?
t_check "non-admin penalty: exit status 4" [ $rc -eq 4 ]
t_check "non-admin penalty: permission denied message" grep -q "permission denied" "$T_TMP/eperm.out"
t_check "non-admin penalty: refused by the supervisor, not the frontend" \
	t_wait 3 grep -q "denied penalty of uid $U1 to uid $U2" "$DLOG"
t_check "non-admin penalty: no penalty" is_false $U1 penalty

# not through the shell functions: $! must be cgfairctl itself
"$CTL" --socket "$SOCK" --json events >"$T_TMP/events.out" 2>&1 &
EPID=$!
"$RUNAS" $U2 "$CTL" --socket "$SOCK" --json events >"$T_TMP/events2.out" 2>&1 &
EPID2=$!
t_cleanup "kill $EPID $EPID2"
t_wait 5 grep -q following "$T_TMP/events.out"
t_wait 5 grep -q following "$T_TMP/events2.out"
ctl penalty $U1 600 >/dev/null
t_check "root penalty: accepted" [ $? -eq 0 ]
t_check "root penalty: status shows the penalty" t_wait 5 is_true $U1 penalty
left=$(row_field $U1 penalty_left)
t_check "root penalty: about 600 s left ($left)" [ "${left:-0}" -gt 590 ]
t_check "events subscriber sees the penalty" t_wait 3 grep -q '"event":"penalty_on"' "$T_TMP/events.out"
ctl release $U1 >/dev/null
t_check "root release: accepted" [ $? -eq 0 ]
t_check "root release: status shows no penalty" t_wait 5 is_false $U1 penalty
ctl release $U1 >/dev/null 2>&1
t_check "release of a user not in the box: daemon error (1)" [ $? -eq 1 ]
ctl penalty $U2 60 >/dev/null && ctl release $U2 >/dev/null
t_check "events as uid $U2: its own" t_wait 3 grep -q "\"penalty_on\".*\"uid\":$U2," "$T_TMP/events2.out"
t_check "events as uid $U2: nobody else's" sh -c "! grep -q '\"uid\":$U1,' '$T_TMP/events2.out'"
kill $EPID $EPID2 2>/dev/null

if [ -n "$ADMGID" ]; then
	ctl_as "$U2:$ADMGID" limit $U1 --cpu 1.5 --memory 2G >/dev/null
	t_check "admin group ($ADMGRP) as primary gid: limit accepted" [ $? -eq 0 ]
	t_check "limit: status shows a fixed limit" t_wait 5 is_true $U1 fixed
	setpriv --reuid=$U2 --regid=$U2 --groups="$ADMGID" "$CTL" --socket "$SOCK" limit-clear $U1 >/dev/null
	t_check "admin group as a supplementary group: limit-clear accepted" [ $? -eq 0 ]
	t_check "limit-clear: status shows no fixed limit" t_wait 5 is_false $U1 fixed
	out=$(ctl_as "$U2:$ADMGID" --json status)
	n=$(echo "$out" | json_get "len(r['users'])")
	t_check "admin group member sees every row" [ "$n" -ge 2 ]
else
	t_skip "admin group" "no adm, staff or users group on this host"
fi
ctl_as $U2 reload >/dev/null 2>&1
t_check "non-admin reload: exit status 4" [ $? -eq 4 ]
t_check "config prints the effective configuration" sh -c "'$CTL' --socket '$SOCK' config | grep -q '^\[socket\]'"
ctl_as $U2 config >/dev/null 2>&1
t_check "non-admin config while status_visibility = own: denied (4)" [ $? -eq 4 ]

# --- the seed's text commands (one request per connection)
out=$($SC "$SOCK" send help)
t_check "seed: help, then the connection closes" sh -c "echo '$out' | grep -q 'list --cgroup' && echo '$out' | tail -1 | grep -qx EOF"
out=$($SC "$SOCK" send "list --cgroup all")
line=$(echo "$out" | grep "\"numtasks\"" | grep "$U1" | head -1)
keys=$(echo "$line" | json_get "','.join(sorted(r.keys()))")
t_check "seed: list --cgroup all has the seed's keys" \
	[ "$keys" = "cached,cpupath,cpupct,cpuquotausecs,fixedcpu,ident,isuser,mempath,memused,numtasks,penaltyboxed,throttled" ]
# a seed client that sends its command without a newline and waits for
# the answer (Python's sock.send(cmd); sock.recv()) gets it
out=$($SC "$SOCK" raw "list --cgroup cg_$U1")
t_check "seed: a command without a newline is answered" sh -c "echo '$out' | grep -q '\"ident\": *\"user-$U1'"
# ... and finds the socket where the seed had it ([socket] seed_path)
out=$($SC "$T_TMP/run/cgpy.sock" raw "list --cgroup cg_$U1")
t_check "seed: the same through [socket] seed_path" sh -c "[ -L '$T_TMP/run/cgpy.sock' ] && echo '$out' | grep -q '\"ident\": *\"user-$U1'"
out=$($SC "$SOCK" send "list --cgroup cg_$U1")
t_check "seed: list --cgroup cg_UID" sh -c "echo '$out' | grep -q '\"ident\": *\"user-$U1'"
out=$($SC "$SOCK" send "set cgroup user-$U1.slice --penaltybox on")
t_check "seed: set cgroup --penaltybox on" sh -c "echo '$out' | grep -qx 'Received valid command stream.'"
t_check "seed: ... and status shows the penalty" t_wait 5 is_true $U1 penalty
out=$($SC "$SOCK" send "set cgroup cg_$U1 --penaltybox off")
t_check "seed: set cgroup --penaltybox off" sh -c "echo '$out' | grep -qx 'Received valid command stream.'"
t_check "seed: ... and status shows no penalty" t_wait 5 is_false $U1 penalty
out=$($RUNAS $U2 $SC "$SOCK" send "set cgroup cg_$U1 --cpulimit 50")
t_check "seed: set cgroup as a non-admin is refused" sh -c "echo '$out' | grep -q '^Error: permission denied'"
out=$($SC "$SOCK" send "list --config")
t_check "seed: list --config" sh -c "echo '$out' | grep -q '^\[socket\]'"
out=$($RUNAS $U2 $SC "$SOCK" send "set option --interval 5")
t_check "seed: set option as a non-admin is refused" sh -c "echo '$out' | grep -q '^Error: permission denied'"
out=$($SC "$SOCK" send "set option --interval 3 --cpulimit 80 --memlimit 3G")
t_check "seed: set option as root: accepted" sh -c "echo '$out' | grep -qx 'Received valid command stream.'"
out=$(ctl config)
t_check "seed: set option is in force (interval, max_percent, memory limit)" sh -c \
	"echo '$out' | grep -qx 'interval = 3s' && echo '$out' | grep -qx 'max_percent = 80%' && echo '$out' | grep -qx 'limit = 3G'"
t_check "seed: set option is an admin action event" \
	t_wait 5 grep -q '"action":"set option"' "$T_TMP/events.log"
out=$($SC "$SOCK" send "set option --interval soon")
t_check "seed: set option with a bad value says why" sh -c "echo '$out' | grep -q '^Error: set option: not a duration'"

# --- one request to the daemon per connection (a frontend cannot replay
# a client's connection: tests/evil does that with an impostor frontend)
out=$($SC "$SOCK" send "{\"cmd\":\"penalty\",\"uid\":$U1}" "{\"cmd\":\"release\",\"uid\":$U1}")
t_check "a connection's first state change is done" sh -c "echo '$out' | head -1 | grep -q '\"ok\":true'"
t_check "... its second is refused: connect again" sh -c "echo '$out' | sed -n 2p | grep -q 'one request to the daemon per connection'"
ctl release $U1 >/dev/null
out=$($SC "$SOCK" send "set cgroup cg_$U1 --cpulimit 50 --penaltybox on")
t_check "seed: set cgroup with a limit and the penalty box: one request" sh -c "echo '$out' | grep -qx 'Received valid command stream.'"
t_check "seed: ... the penalty done" t_wait 5 is_true $U1 penalty
t_check "seed: ... the limit done" t_wait 5 is_true $U1 fixed
ctl release $U1 >/dev/null
ctl limit-clear $U1 >/dev/null

# --- malformed requests: clear errors, the connection stays usable
out=$($SC "$SOCK" send '{"cmd":' '{"cmd":"version"}')
t_check "malformed JSON: error names it" sh -c "echo '$out' | head -1 | grep -q 'malformed JSON'"
t_check "malformed JSON: the next request is answered" sh -c "echo '$out' | sed -n 2p | grep -q '\"version\"'"
out=$($SC "$SOCK" send '{"cmd":"penalty"}')
t_check "missing uid: error names the key" sh -c "echo '$out' | grep -q 'needs \\\\\"uid\\\\\"'"
out=$($SC "$SOCK" send '{"cmd":"limit","uid":1,"cpu":"lots"}')
t_check "bad value: error names the key and value" sh -c "echo '$out' | grep -q 'cpu.*not a number'"
out=$($SC "$SOCK" send '{"cmd":"status","colour":"red"}')
t_check "unknown key: error names it" sh -c "echo '$out' | grep -q 'unknown key'"

# --- bounds
long=$(head -c 2000 /dev/zero | tr '\0' x)
out=$($SC "$SOCK" send "{\"cmd\":\"$long\"}")
t_check "over-long line: refused" sh -c "echo '$out' | grep -q 'longer than 1024 bytes'"
t_check "over-long line: connection closed" sh -c "echo '$out' | tail -1 | grep -qx EOF"
out=$($RUNAS $U2 $SC "$SOCK" hold 5 0.5)
t_check "max_clients_per_uid 4: four open" [ "$(echo "$out" | grep -c '^open$')" -eq 4 ]
t_check "max_clients_per_uid 4: the fifth refused" sh -c "echo '$out' | grep -q '^refused: .*too many connections'"
out=$($SC "$SOCK" idle 5)
t_check "idle client closed after idle_timeout" sh -c "echo '$out' | grep -q 'idle' && echo '$out' | tail -1 | grep -qx EOF"
out=$($RUNAS $U2 $SC "$SOCK" trickle 14)
t_check "a non-admin that never sends a whole line is closed (10 s)" sh -c "echo '$out' | grep -q 'no request' && echo '$out' | tail -1 | grep -qx EOF"

# the admin reserve: non-admins fill every slot they may (10 - 2), yet
# root and the admin group are served; a full socket answers, never hangs
$RUNAS $U2 $SC "$SOCK" subs 4 8 >"$T_TMP/subs2.out" &
S2=$!
$RUNAS $U1 $SC "$SOCK" subs 4 8 >"$T_TMP/subs1.out" &
S1=$!
t_cleanup "kill $S1 $S2"
t_wait 5 sh -c "[ \$(cat '$T_TMP/subs1.out' '$T_TMP/subs2.out' | grep -c following) -eq 8 ]"
t_check "non-admins hold 8 subscriptions" [ "$(cat "$T_TMP/subs1.out" "$T_TMP/subs2.out" | grep -c following)" -eq 8 ]
out=$($RUNAS $U3 $SC "$SOCK" send '{"cmd":"version"}')
t_check "the socket is full for another non-admin: told so at once" sh -c "echo '$out' | grep -q 'too many clients'"
t_check "root is served from the reserve" sh -c "timeout 1 '$CTL' --socket '$SOCK' status >/dev/null"
if [ -n "$ADMGID" ]; then
	t_check "an admin_group member is served from the reserve" sh -c "timeout 1 '$RUNAS' '$U2:$ADMGID' '$CTL' --socket '$SOCK' status >/dev/null"
fi
ctl_as $U3 penalty $U1 >/dev/null 2>&1
t_check "a non-admin's penalty is refused" [ $? -ne 0 ]
kill $S1 $S2 2>/dev/null
wait $S1 $S2 2>/dev/null

$SC "$SOCK" stall 12 >"$T_TMP/stall.out" &
SPID=$!
t_cleanup "kill $SPID"
sleep 0.5
out=$($SC "$SOCK" flood 400 $U1)
wait $SPID
t_check "flood of admin actions answered ($out)" [ "$out" = "ok 800" ]
t_check "a subscriber that never reads is dropped" grep -qx dropped "$T_TMP/stall.out"
t_check "... and the daemon says why" grep -q "subscriber too slow" "$DLOG"
t_check "daemon and frontend still serve" sh -c "'$CTL' --socket '$SOCK' version >/dev/null"

# --- a reload hands the frontend its new bounds
sed -i 's/^max_clients_per_uid = 4/max_clients_per_uid = 2/' "$T_TMP/cgfair.conf"
ctl reload >/dev/null
t_check "root reload: accepted" [ $? -eq 0 ]
out=$($RUNAS $U2 $SC "$SOCK" hold 3 0.5)
t_check "after reload: max_clients_per_uid 2 in force" sh -c \
	"[ \$(echo '$out' | grep -c '^open\$') -eq 2 ] && echo '$out' | grep -q 'max_clients_per_uid 2'"
t_check "the frontend never died" sh -c "! grep -q 'worker frontend' '$DLOG'"

# --- stop: the socket goes with the daemon
daemon_stop
t_check "socket removed at stop" [ ! -e "$SOCK" ]
t_check "the seed's link removed at stop" [ ! -L "$T_TMP/run/cgpy.sock" ]
t_check "no sanitizer report in the daemon's log" sh -c \
	"! grep -E 'Sanitizer|runtime error' '$DLOG'"
exit 0
