#!/bin/sh
# backends: cgroup1 cgroup2 systemd
# The penalty box: an admin puts a busy user in it over the socket; the
# written CPU cap drops to the penalty fraction, then comes back when the
# short timeout expires. A long penalty survives a restart of the daemon.
# A bad config is refused at start (exit 3, file:line and key named) and
# on reload the config in force is kept.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/scenarios/lib/scn.sh"
t_need_root penalty
# shellcheck disable=SC2086
set -- $SCN_UIDS
UA=$1 UB=$2
SUB=cgfair-p$$
scn_remove_subtree "$SUB"
SOCK=$SCN_SOCK
CTL=$CGFAIR_BUILD/cgfairctl
[ -x "$CTL" ] || CTL=cgfairctl
CONF=$T_TMP/cgfair.conf
[ "$SCN_BACKEND" = systemd ] && CONF=/etc/cgfair/cgfair.conf
[ "$SCN_BACKEND" = systemd ] && t_cleanup "rm -f /etc/cgfair/cgfair.conf"
mkdir -p "$(dirname "$CONF")"

write_config() { # EXTRA-LINES
	printf '%s\n' "[daemon]
interval = 1s
subtree = $SUB
state_dir = $SCN_STATE
[users]
min_uid = $UA
max_uid = $UB
[penalty]
mode = active
fraction = 30%
[log]
event_log = $SCN_EVLOG
[socket]
path = $SOCK
$1" >"$CONF"
}
start() {
	if [ "$SCN_BACKEND" = systemd ]; then scn_start; else scn_start --config "$CONF"; fi
}

cap_cores() { scn_cap_cores "$SUB" "$1"; }
cap_is() { [ "$(cap_cores "$1")" = "$2" ]; }

"$SCN_TOOLS/t-run-as-uid" "$UA" "$SCN_TOOLS/t-spin" >/dev/null 2>&1 &
t_cleanup "kill $! 2>/dev/null"
NCPU=$(grep -c '^processor' /proc/cpuinfo)
FULL=$(awk -v n="$NCPU" 'BEGIN { printf "%.2f", 0.9 * n }')
PEN=$(awk -v n="$NCPU" 'BEGIN { printf "%.2f", 0.9 * n * 0.3 }')

# --- config errors: refused at start, kept on reload ----------------------
write_config "[cpu]
no_such_key = 1"
if [ "$SCN_BACKEND" = systemd ]; then
	# the unit's RestartPreventExitStatus=: failed, not restarting
	systemctl reset-failed cgfaird.service 2>/dev/null
	systemctl start cgfaird.service 2>/dev/null && scn_stop
	st=$(systemctl show -p ExecMainStatus --value cgfaird.service)
	t_check "a bad config is refused at start with exit status 3 (got $st)" [ "$st" = 3 ]
	t_check "no restart loop: the unit failed ($(systemctl show -p ActiveState,SubState,NRestarts cgfaird.service | tr '\n' ' '))" \
		sh -c '[ "$(systemctl show -p ActiveState --value cgfaird.service)" = failed ] && [ "$(systemctl show -p NRestarts --value cgfaird.service)" = 0 ]'
	systemctl reset-failed cgfaird.service
else
	"$CGFAIR_BUILD/cgfaird" --foreground --config "$CONF" >"$T_TMP/bad.log" 2>&1
	rc=$?
	t_check "a bad config is refused at start with exit status 3 (got $rc)" [ "$rc" = 3 ]
	t_check "the error names file:line and the key" \
		grep -q "$CONF:[0-9]*: .*no_such_key" "$T_TMP/bad.log"
fi

write_config ""
start || { t_fail "cgfaird starts" "$(scn_log | tail -20)"; exit 1; }
t_check "one busy user: cap = 0.9 x $NCPU = $FULL" t_wait 10 cap_is "$UA" "$FULL"

# --- a short penalty changes the cap, then expires ------------------------
out=$("$CTL" --socket "$SOCK" penalty "$UA" 3 2>&1)
t_check "cgfairctl penalty $UA 3: accepted ($out)" [ $? -eq 0 ]
t_check "penalised: cap = $FULL x 30% = $PEN" t_wait 5 cap_is "$UA" "$PEN"
t_check "status shows the penalty" sh -c "'$CTL' --socket '$SOCK' --json status | grep -q penalty"
t_check "the penalty expires: cap back to $FULL" t_wait 8 cap_is "$UA" "$FULL"
t_check "penalty on and off are events in the log" \
	sh -c "grep -q '\"penalty_on\"' '$SCN_EVLOG' && grep -q '\"penalty_off\"' '$SCN_EVLOG'"

# --- a bad config on reload keeps the one in force ------------------------
write_config "[cpu]
max_percent = 150%"
if [ "$SCN_BACKEND" = systemd ]; then
	# ExecReload= is cgfairctl reload: the refusal fails the reload
	t_check "systemctl reload fails when the new config is refused" \
		sh -c '! systemctl reload cgfaird.service 2>/dev/null'
else
	kill -HUP "$DPID"
fi
t_check "reload with an out-of-range value is refused, the old config kept" \
	t_wait 5 sh -c "scn_log 2>/dev/null | grep -q 'keeping the configuration in force' || { [ -f '$DLOG' ] && grep -q 'keeping the configuration in force' '$DLOG'; } || journalctl -b --no-pager -u cgfaird.service 2>/dev/null | grep -q 'keeping the configuration'"
t_check "the daemon still runs after the bad reload" kill -0 "$DPID"
write_config ""

# --- a long penalty survives a restart -------------------------------------
"$CTL" --socket "$SOCK" penalty "$UA" 600 >/dev/null 2>&1
t_check "long penalty in force" t_wait 5 cap_is "$UA" "$PEN"
scn_stop
start || { t_fail "cgfaird restarts" "$(scn_log | tail -20)"; exit 1; }
t_check "after a restart the penalty is still in force" t_wait 10 cap_is "$UA" "$PEN"
"$CTL" --socket "$SOCK" release "$UA" >/dev/null 2>&1
t_check "release: cap back to $FULL" t_wait 5 cap_is "$UA" "$FULL"
scn_stop
exit 0
