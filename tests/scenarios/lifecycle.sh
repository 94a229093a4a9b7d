#!/bin/sh
# backends: cgroup1 cgroup2
# Reload and stop, looked at in the cgroups and on the socket.
# A reload from non-default values to a file with one bad value and two
# changed valid ones (a CPU share, a socket bound), by `cgfairctl reload`
# and by SIGHUP: refused with the file:line error, and nothing changes:
# `cgfairctl config`, the CPU cap written, the socket bound in force.
# SIGTERM with a capped spinner running: its quota is back to unlimited,
# its memory limit stays ([memory] release_on_stop = no), an empty user
# cgroup is removed; once no process is left, a stop removes the subtree.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/scenarios/lib/scn.sh"
t_need_root lifecycle
# shellcheck disable=SC2086
set -- $SCN_UIDS
UA=$1 UB=$2
SUB=cgfair-lc$$
scn_remove_subtree "$SUB"
CTL=$CGFAIR_BUILD/cgfairctl
[ -x "$CTL" ] || CTL=cgfairctl
RUNAS=$SCN_TOOLS/t-run-as-uid
SOCK=$T_SOCK
CONF=$T_TMP/cgfair.conf
NCPU=$(grep -c '^processor' /proc/cpuinfo)

write_config() { # MAX_PERCENT MAX_CLIENTS EXTRA-CPU-LINE
	t_config "$CONF" "$SUB" "$UA" "$UB" "[daemon]
interval = 1s
[cpu]
max_percent = $1
$3
[memory]
limit = 512M
release_on_stop = no
[socket]
max_clients_per_uid = $2"
}
ctl() { "$CTL" --socket "$SOCK" "$@"; }
cap() { scn_cap_cores "$SUB" "$UA"; }
capped() { [ "$(cap)" != none ]; }
# mem_limit UID: the memory limit written for UID ("" without a cgroup)
mem_limit() {
	case $SCN_BACKEND in
	cgroup1) cat "/sys/fs/cgroup/memory/$SUB/user-$1/memory.limit_in_bytes" ;;
	cgroup2) cat "/sys/fs/cgroup/$SUB/user-$1/memory.max" ;;
	esac 2>/dev/null
}
# user_dirs UID: the user's cgroup directories still there
user_dirs() {
	ls -d /sys/fs/cgroup/*/"$SUB/user-$1" /sys/fs/cgroup/"$SUB/user-$1" \
		2>/dev/null
}
has_dirs() { [ -n "$(user_dirs "$1")" ]; }
subtree_dirs() {
	ls -d /sys/fs/cgroup/*/"$SUB" /sys/fs/cgroup/"$SUB" 2>/dev/null
}
# conf_shows KEY VALUE: `cgfairctl config` prints "KEY = VALUE"
conf_shows() { ctl config | grep -qx "$1 = $2"; }
# accepted N: connections to the socket the daemon holds (each accepted
# one is listed with the socket's path, besides the listener)
accepted() { [ "$(grep -c " $SOCK\$" /proc/net/unix)" -ge $(($1 + 1)) ]; }

# --- start on non-default values, a spinner capped --------------------
write_config 50% 3 ""
scn_start --config "$CONF" ||
	{ t_fail "start" "$(scn_log | tail -20)"; exit 1; }
"$RUNAS" "$UA" "$SCN_TOOLS/t-spin" -t "$NCPU" >/dev/null 2>&1 &
SPIN=$!
t_cleanup "kill $SPIN 2>/dev/null"
if ! t_wait 30 capped; then
	t_fail "spinner capped" "no cap for uid $UA; $(scn_log | tail -10)"
	exit 1
fi
CAP=$(cap)
t_pass "spinner capped at $CAP CPUs (max_percent 50%)"

# --- a bad reload ---------------------------------------------------------
write_config 80% 2 "throttle_upper = banana"
BADLINE=$(grep -n '^throttle_upper = banana$' "$CONF" | cut -d: -f1)
out=$(ctl reload 2>&1)
rc=$?
t_check "reload: refused (exit $rc: $out)" [ "$rc" -ne 0 ]
t_check "reload: names $CONF:$BADLINE" sh -c \
	"printf '%s' '$out' | grep -q '$CONF:$BADLINE'"
kill -HUP "$DPID"
t_check "SIGHUP reload: refused, the daemon says so" t_wait 10 sh -c \
	"[ \$(grep -c 'reload: .*error' '$DLOG') -ge 2 ]"
t_check "SIGHUP reload: names $CONF:$BADLINE" \
	grep -q "$CONF:$BADLINE" "$DLOG"
t_check "config still shows max_percent 50%" conf_shows max_percent 50%
t_check "config still shows max_clients_per_uid 3" \
	conf_shows max_clients_per_uid 3
# three control intervals: a configuration taken would have moved the cap
sleep 3
t_check "the cap written is still $CAP ($(cap))" [ "$(cap)" = "$CAP" ]
# the socket bound in force is still 3 per uid: two held, a third served
"$RUNAS" "$UB" "$CTL" --socket "$SOCK" events >/dev/null 2>&1 &
H1=$!
"$RUNAS" "$UB" "$CTL" --socket "$SOCK" events >/dev/null 2>&1 &
H2=$!
t_cleanup "kill $H1 $H2 2>/dev/null"
t_wait 10 accepted 2
t_check "socket: a third connection of one uid served (bound 3, not 2)" \
	"$RUNAS" "$UB" "$CTL" --socket "$SOCK" version
"$RUNAS" "$UB" "$CTL" --socket "$SOCK" events >/dev/null 2>&1 &
H3=$!
t_cleanup "kill $H3 2>/dev/null"
t_wait 10 accepted 3
"$RUNAS" "$UB" "$CTL" --socket "$SOCK" version >/dev/null 2>&1
t_check "socket: the fourth refused (exit $?)" [ $? -ne 0 ]
# the client hears the refusal before the frontend's log line has gone
# through the supervisor into the log file: wait for it
t_check "socket: ... by the bound 3" t_wait 5 grep -q \
	"too many connections from uid $UB (max_clients_per_uid 3)" "$DLOG"
kill $H1 $H2 $H3 2>/dev/null

# --- SIGTERM with the spinner running ------------------------------------
# uid UB gets a cgroup and leaves it empty
"$RUNAS" "$UB" sleep 2 &
t_check "uid $UB placed" t_wait 10 has_dirs "$UB"
wait $!
MEM=$(mem_limit "$UA")
t_check "memory limit written ($MEM)" [ -n "$MEM" ]
scn_stop
t_check "stop: the spinner is still running" kill -0 "$SPIN"
t_check "stop: its CPU quota is unlimited ($(cap))" [ "$(cap)" = none ]
t_check "stop: its memory limit stays (release_on_stop = no: $(mem_limit "$UA"))" \
	[ "$(mem_limit "$UA")" = "$MEM" ]
t_check "stop: the empty cgroup of uid $UB is removed ($(user_dirs "$UB"))" \
	[ -z "$(user_dirs "$UB")" ]

# --- a stop with nothing left removes the subtree --------------------------
kill "$SPIN"
wait "$SPIN" 2>/dev/null
write_config 50% 3 ""
scn_start --config "$CONF" ||
	{ t_fail "start again" "$(scn_log | tail -20)"; exit 1; }
scn_stop
t_check "stop with nothing running: the subtree is gone ($(subtree_dirs | tr '\n' ' '))" \
	[ -z "$(subtree_dirs)" ]
exit 0
