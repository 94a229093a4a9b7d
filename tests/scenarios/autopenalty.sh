#!/bin/sh
# backends: cgroup1 cgroup2 systemd
# The automatic penalty box ([penalty] auto, cgfair.conf(5)), with a 1 s
# interval, a 4 s window, rise 60 s, a threshold of 0.1 CPU (low, so that
# a spinner climbs on a loaded machine too) and tiers of seconds: a spinner climbs
# to a warning and then a penalty at the times the formula predicts
# (within two intervals, for the CPU the spinner really got), its cap
# drops as in a manual penalty, the penalty ends after its tier, a second
# climb gets the second tier; a restart of cgfaird in the middle of a
# climb keeps the score; `cgfairctl forgive` resets score and tier; a
# light user never climbs, nor a user running only an exempt command.
# For emulated guests, where seconds go by between two commands: times
# are polled from when cgfaird first saw the spinner, and an admin's
# penalty holds the score still (it does not grow in the box) across the
# restart and the forgive, so that no check depends on how fast it ran.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/scenarios/lib/scn.sh"
t_need_root autopenalty
# shellcheck disable=SC2086
set -- $SCN_UIDS
UA=$1 UB=$2 UC=$3
SUB=cgfair-a$$
scn_remove_subtree "$SUB"
SOCK=$T_TMP/cgfair.sock
EVLOG=$T_TMP/events.log
CTL=$CGFAIR_BUILD/cgfairctl
[ -x "$CTL" ] || CTL=cgfairctl
CONF=$T_TMP/cgfair.conf
[ "$SCN_BACKEND" = systemd ] && CONF=/etc/cgfair/cgfair.conf
[ "$SCN_BACKEND" = systemd ] && t_cleanup "rm -f /etc/cgfair/cgfair.conf"
mkdir -p "$(dirname "$CONF")"
W=4 RISE=60 THR=0.1
# the exempt command: t-spin under another name (a process's comm is the
# name of the file it ran)
XDIR=$(mktemp -d /tmp/cgfair-x.XXXXXX)
t_cleanup "rm -rf '$XDIR'"
chmod 755 "$XDIR"
ln -s "$SCN_TOOLS/t-spin" "$XDIR/cc1"

printf '%s\n' "[daemon]
interval = 1s
subtree = $SUB
state_dir = $T_TMP/state
[users]
min_uid = $UA
max_uid = $UC
[penalty]
mode = active
fraction = 30%
auto = yes
window = ${W}s
rise = ${RISE}s
decay = 60
cpu_threshold = $THR cpus
memory_threshold = none
warn_at = 50
tiers = 6s, 12s
forgive = 1h
exempt_commands = cc1
[log]
event_log = $EVLOG
max_user_events = 100000
[socket]
path = $SOCK" >"$CONF"

start() {
	if [ "$SCN_BACKEND" = systemd ]; then scn_start; else scn_start --config "$CONF"; fi
}
cap_is() { [ "$(scn_cap_cores "$SUB" "$1")" = "$2" ]; }
# events UID TYPE: how many TYPE events about UID are in the log
events() { grep "\"event\":\"$2\"" "$EVLOG" 2>/dev/null | grep -c "\"uid\":$1[,}]"; }
has_events() { [ "$(events "$1" "$2")" -ge "$3" ]; }
# has_auto UID N: N automatic penalties of UID (an admin's are not)
has_auto() {
	[ "$(grep '"event":"penalty_on"' "$EVLOG" | grep "\"uid\":$1[,}]" |
		grep -c '"automatic":true')" -ge "$2" ]
}
# last_field UID TYPE KEY: KEY of the last TYPE event about UID
last_field() {
	grep "\"event\":\"$2\"" "$EVLOG" | grep "\"uid\":$1[,}]" | tail -1 |
		sed -n "s/.*\"$3\":\"*\([^,\"}]*\).*/\1/p"
}
# last_auto UID KEY: KEY of UID's last automatic penalty_on event
last_auto() {
	grep '"event":"penalty_on"' "$EVLOG" | grep "\"uid\":$1[,}]" |
		grep '"automatic":true' | tail -1 | sed -n "s/.*\"$2\":\"*\([^,\"}]*\).*/\1/p"
}
# status UID KEY: KEY of UID's status row
status() {
	"$CTL" --socket "$SOCK" --json status "$1" 2>/dev/null |
		sed -n "s/.*\"$2\":\([0-9.a-z]*\).*/\1/p"
}
# ticks PID: CPU time PID's threads used, in 1/100 s, from the
# scheduler's own clock (schedstat), as the cgroup's CPU accounting that
# cgfaird reads: /proc/PID/stat's tick samples drift from it in an
# emulated guest (tests/vm/README.md)
ticks() {
	cat /proc/"$1"/task/*/schedstat 2>/dev/null |
		awk '{ ns += $1 } END { printf "%d", ns / 10000000 }'
}
# predicted K S: seconds from idle to a score of S at K x the threshold
# (cgfair.conf(5), AUTOMATIC PENALTIES). Busybox's awk in the cgroup2 guest
# has no math library (no ^, no sqrt(): they print nothing), hence the
# square by hand and the square root by Newton's method.
predicted() {
	awk -v k="$1" -v s="$2" -v w="$W" -v r="$RISE" 'BEGIN {
		t1 = w / k; sw = 100 * (w / r) * (k - 1) * (k - 1) / (2 * k)
		if (s > sw) { printf "%.2f", w + (s - sw) * r / (100 * (k - 1)); exit }
		a = k / (2 * w); c = t1 - k * t1 * t1 / (2 * w) - s * r / 100
		d = 1 - 4 * a * c; q = d > 1 ? d : 1
		for (i = 0; i < 60; i++) q = (q + d / q) / 2
		printf "%.2f", (1 + q) / (2 * a) }'
}
# near A B SLACK: |A - B| <= SLACK
near() { awk -v a="$1" -v b="$2" -v s="$3" 'BEGIN { d = a - b; exit !(d <= s && -d <= s) }'; }

start || { t_fail "cgfaird starts" "$(scn_log | tail -20)"; exit 1; }
NCPU=$(grep -c '^processor' /proc/cpuinfo)
FULL=$(awk -v n="$NCPU" 'BEGIN { printf "%.2f", 0.9 * n }')
PEN=$(awk -v n="$NCPU" 'BEGIN { printf "%.2f", 0.9 * n * 0.3 }')

# --- a light user (0.02 CPU) and the spinner ---------------------------
"$SCN_TOOLS/t-run-as-uid" "$UC" "$SCN_TOOLS/t-duty" 2 >/dev/null 2>&1 &
t_cleanup "kill $! 2>/dev/null"
"$SCN_TOOLS/t-run-as-uid" "$UA" "$SCN_TOOLS/t-spin" >/dev/null 2>&1 &
SPIN=$!
t_cleanup "kill $SPIN 2>/dev/null"
# The formula's time 0 is the start of the first interval whose figure
# counts the spinner (cgfair.conf(5): time before cgfair saw it counts as
# no use), not the spinner's start: in an emulated guest a fork, an exec
# and the next interval are seconds. The first status row that shows its
# CPU was made in the interval before the poll that saw it, and stands
# for the interval before that one. The times below are polled, not
# slept; K is the CPU the spinner really got over the same span.
T0=""
_end=$(($(t_centis) + 3000))
while [ "$(t_centis)" -lt "$_end" ]; do
	_t=$(t_centis) _tk=$(ticks "$SPIN")
	if [ "$(status "$UA" cpu | awk -v h="$THR" '{ print ($1 > 2 * h) }')" = 1 ]; then
		T0=$((_t - 100)) TK0=$_tk
		break
	fi
	sleep 0.1
done
[ -n "$T0" ] || { t_fail "cgfaird counts the spinner's CPU" "not in 30 s"; exit 1; }
t_check "one busy user: cap = $FULL" t_wait 10 cap_is "$UA" "$FULL"
# at_time NAME SCORE T: an event NAME at T (centiseconds), SCORE's time by
# the formula for the CPU the spinner got from T0 to now
at_time() {
	_k=$(awk -v u="$(($(ticks "$SPIN") - TK0))" -v t="$(($3 - T0))" -v h="$THR" \
		'BEGIN { printf "%.3f", u / t / h }')
	_want=$(predicted "$_k" "$2")
	_got=$(awk -v t="$(($3 - T0))" 'BEGIN { printf "%.2f", t / 100 }')
	t_check "$1 at the predicted time: ${_got}s, formula ${_want}s at ${_k}x the threshold (1 s interval)" \
		near "$_got" "$_want" 2
}
if t_wait 90 has_events "$UA" penalty_warning 1; then
	at_time "warning (score 50)" 50 "$(t_centis)"
else
	t_fail "the spinner is warned" "no penalty_warning in 90 s"
fi
if t_wait 90 has_events "$UA" penalty_on 1; then
	at_time "penalty (score 100)" 100 "$(t_centis)"
	t_check "a warning came first, once" [ "$(events "$UA" penalty_warning)" = 1 ]
	t_check "the penalty event names the figures" sh -c \
		"grep '\"event\":\"penalty_on\"' '$EVLOG' | grep '\"uid\":$UA,' |
		 grep '\"automatic\":true' | grep '\"cpu_avg\":' | grep '\"cpu_threshold\":0.100' |
		 grep '\"window_s\":$W' | grep -q '\"duration_s\":6'"
	t_check "tier 1" [ "$(last_field "$UA" penalty_on tier)" = 1 ]
else
	t_fail "the spinner is penalised" "no penalty_on in 90 s; it used $(ticks "$SPIN") ticks; status: $("$CTL" --socket "$SOCK" --json status "$UA" 2>&1)"
fi
t_check "penalised: cap = $FULL x 30% = $PEN" t_wait 3 cap_is "$UA" "$PEN"
t_check "status shows the automatic penalty and tier 1" t_wait 3 \
	sh -c "'$CTL' --socket '$SOCK' --json status $UA | grep -q '\"penalty_automatic\":true.*\"tier\":1'"
t_check "the penalty ends after its tier (6 s): cap back to $FULL" t_wait 10 cap_is "$UA" "$FULL"
t_check "penalty_off (expired) is an event" has_events "$UA" penalty_off 1

# --- the second climb, with a restart in the middle --------------------
badness_ge() {
	[ "$(status "$UA" badness | awk -v n="$1" '{ print ($1 >= n) }')" = 1 ]
}
badness_is() {
	[ "$(status "$UA" badness | awk -v n="$1" '{ print ($1 == n) }')" = 1 ]
}
# freeze: an admin's penalty holds the score where it is (cgfair.conf(5):
# it does not grow while a penalty is in force), so that what a restart or
# a forgive does to it is seen however slow the guest is
freeze() {
	"$CTL" --socket "$SOCK" penalty "$UA" 600 >/dev/null &&
		t_wait 10 sh -c "'$CTL' --socket '$SOCK' --json status $UA | grep -q '\"penalty\":true'"
}
t_check "the second climb starts" t_wait 60 badness_ge 10
t_check "an admin's penalty holds the score" freeze
before=$(status "$UA" badness)
scn_stop
t_check "the score is in the state file" grep -Eq "\"uid\": ?$UA" "$T_TMP/state/badness.json"
start || { t_fail "cgfaird restarts" "$(scn_log | tail -20)"; exit 1; }
t_wait 10 sh -c "'$CTL' --socket '$SOCK' --json status $UA 2>/dev/null | grep -q badness"
after=$(status "$UA" badness)
t_check "after a restart the score is kept ($before -> $after)" \
	awk -v a="$after" -v b="$before" 'BEGIN { d = a - b; exit !(d <= 1 && -d <= 1 && b >= 10) }'
"$CTL" --socket "$SOCK" release "$UA" >/dev/null
t_check "the second penalty gets the second tier (12 s)" t_wait 60 has_auto "$UA" 2
t_check "tier 2" [ "$(last_auto "$UA" duration_s)" = 12 ]
t_check "penalised again: cap = $PEN" t_wait 3 cap_is "$UA" "$PEN"

# --- forgive, in the middle of a third climb -----------------------------
t_check "the third climb starts, at tier 2" t_wait 60 sh -c "'$CTL' --socket '$SOCK' --json status $UA |
	grep '\"tier\":2' | sed -n 's/.*\"badness\":\([0-9.]*\).*/\1/p' | awk '{ exit !(\$1 >= 30) }'"
t_check "an admin's penalty holds the score" freeze
before=$(status "$UA" badness)
chmod 711 "$T_TMP" # the socket, for a user that is not root
# an unmanaged uid: its cgfairctl's CPU (a lot in an emulated guest) must
# not count for the light user
"$SCN_TOOLS/t-run-as-uid" "$((UA - 1))" "$CTL" --socket "$SOCK" forgive "$UA" >/dev/null 2>&1
t_check "a user who is not an admin may not forgive (exit status 4, got $?)" [ $? = 4 ]
out=$("$CTL" --socket "$SOCK" forgive "$UA" 2>&1)
t_check "cgfairctl forgive $UA: accepted ($out)" [ $? -eq 0 ]
t_check "forgive: tier back to 0" t_wait 10 sh -c "[ \"\$('$CTL' --socket '$SOCK' --json status $UA | sed -n 's/.*\"tier\":\([0-9]*\).*/\1/p')\" = 0 ]"
t_check "forgive: badness back to 0 (was $before)" t_wait 10 badness_is 0
t_check "forgive is an admin action event" sh -c "grep '\"admin_action\"' '$EVLOG' | grep -q '\"action\":\"forgive\"'"
kill "$SPIN" 2>/dev/null
"$CTL" --socket "$SOCK" release "$UA" >/dev/null

# --- an exempt command never climbs -------------------------------------
"$SCN_TOOLS/t-run-as-uid" "$UB" "$XDIR/cc1" >/dev/null 2>&1 &
t_cleanup "kill $! 2>/dev/null"
XPID=$!
sleep 25
# were its CPU counted, it would have been warned in these 25 s
K=$(awk -v u="$(ticks "$XPID")" -v h="$THR" 'BEGIN { printf "%.3f", u / 2500 / h }')
t_check "the exempt command used enough to climb (${K}x the threshold: warned at $(predicted "$K" 50)s)" \
	awk -v t="$(predicted "$K" 50)" 'BEGIN { exit !(t < 24) }'
t_check "a user running only an exempt command never climbs" \
	sh -c "[ $(events "$UB" penalty_warning) = 0 ] && [ $(events "$UB" penalty_on) = 0 ]"
t_check "... its badness stays 0" awk -v b="$(status "$UB" badness)" 'BEGIN { exit !(b + 0 == 0) }'
t_check "a light user never climbs" \
	sh -c "[ $(events "$UC" penalty_warning) = 0 ] && [ $(events "$UC" penalty_on) = 0 ]"
[ "$T_FAILED" = 0 ] || {
	echo "events about $UA:"
	grep "\"uid\":$UA[,}]" "$EVLOG" | sed 's/"message":"[^"]*",//; s/"node":"[^"]*",//' | cut -c1-400
}
scn_stop
exit 0
