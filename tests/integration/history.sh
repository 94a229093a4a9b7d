#!/bin/sh
# The usage history (issue 14): cgfair-recorder and `cgfairctl report`,
# with the real cgfaird on this host's cgroup v1, its own subtree and uids.
#   - a user spins for a known time: `report --json` gives the CPU time the
#     kernel accounted to the user's cgroup (cpuacct.usage), within 5%;
#   - a user whose processes stop in the middle of a minute, and who is
#     then removed (and made again: the scanner reports it once more), is
#     reported within 5% of the kernel (that last partial minute was lost);
#   - `report --plot` draws a PNG and an SVG;
#   - a user who is not an admin sees only their own rows, and is refused
#     another user's report;
#   - the recorder SIGKILLed while a user spins: after its restart the
#     report still matches the kernel within 5% (at most the minute in
#     progress may be lost; the stored totals carry the rest);
#   - retention: a row older than [history] keep is deleted (at the
#     reload, which hands the recorder its retention again);
#   - a damaged history.db is set aside with a log line and a new one is
#     started.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/lib/cgv1.sh"
t_need_root history
cgv1_need history
sh "$T_TOP/tools/ensure-user.sh"
. "$T_TOP/tests/lib/daemon.sh"
command -v sqlite3 >/dev/null ||
	{ t_fail "history setup" "sqlite3 missing (tools/deps.sh installs it)"; exit 1; }
. "$T_TOP/tests/lib/placer.sh"
if placer_running; then
	t_skip history "another cgfaird or cgrulesengd runs: it would place our processes too"
	exit 0
fi
CTL="$CGFAIR_BUILD/cgfairctl"
RUNAS="$CGFAIR_BUILD/tests/t-run-as-uid"
U0=$((63000 + ($$ % 90) * 10))
U1=$((U0 + 1)) # spins
U2=$((U0 + 2)) # sleeps; asks for reports as a plain user
U3=$((U0 + 3)) # spins, stops mid-minute and goes
U4=$((U0 + 4)) # spins while the recorder is killed
DB="$T_TMP/state/history/history.db"
t_config "$T_TMP/cgfair.conf" "$T_ID" $U0 $((U0 + 9)) "[daemon]
interval = 1s
[history]
enable = yes
keep = 1h"
t_cleanup "cgv1_remove $T_ID"
daemon_start --config "$T_TMP/cgfair.conf" ||
	{ t_fail "history: daemon starts" "see its log above"; exit 1; }
t_wait 20 grep -q "history: recording" "$DLOG" ||
	{ t_fail "history: the recorder starts" "$(tail -5 "$DLOG")"; exit 1; }

"$RUNAS" $U2 sleep 600 &
P2=$!
t_cleanup "kill $P2"
# U4 present from the start (a sleeper: never removed, its counter never
# made again), so that a flushed minute holds its totals before its spin
"$RUNAS" $U4 sleep 600 &
P4=$!
t_cleanup "kill $P4"

# kernel: the CPU seconds of the user's cgroup; daemon: its counter as
# the last scan read it (metrics); report: the recorder's sum
kernel() { awk '{ printf "%.3f", $1 / 1e9 }' "/sys/fs/cgroup/cpuacct/$T_ID/user-${1:-$U1}/cpuacct.usage"; }
daemon_cpu() { "$CTL" --socket "$T_SOCK" metrics |
	awk -v u="uid=\"${1:-$U1}\"" '/^cgfair_user_cpu_seconds_total/ && index($0, u) { print $2 }'; }
caught_up() { awk -v a="$(daemon_cpu "$1")" -v b="$(kernel "$1")" 'BEGIN { exit !(a != "" && a + 0.01 >= b) }'; }
reported() { "$CTL" --socket "$T_SOCK" --json report --since 1h --user ${1:-$U1} |
	python3 -c 'import json, sys
rows = json.load(sys.stdin)["report"]["rows"]
print("%.3f" % sum(r["cpu_seconds"] for r in rows))'; }
within5() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d <= 0.05 * b) }'; }

"$RUNAS" $U1 "$CGFAIR_BUILD/tests/t-spin" -s 6
t_wait 10 caught_up || t_fail "history: the daemon read the spinner's CPU" "$(daemon_cpu) vs $(kernel)"
k=$(kernel) r=$(reported)
t_check "report --json: $r s of CPU, the kernel accounted $k s (5%)" within5 "$r" "$k"

# a user who stops in the middle of a minute (seconds 5 to 40: spin,
# removal and the cgroup made again all fall in that minute) and goes
sec=$(date +%S)
sec=${sec#0}
[ "$sec" -ge 5 ] && [ "$sec" -lt 40 ] || sleep $(((65 - sec) % 60))
"$RUNAS" $U3 "$CGFAIR_BUILD/tests/t-spin" -s 4
k=$(kernel $U3) # final: nothing of U3's runs any more
# an idle user's processes are counted again at its refresh turn (the
# scanner reads an idle user's cgroup.procs once in 64 cycles), then two
# idle cycles: up to ~70 s at interval 1s
t_wait 75 grep -q "(uid $U3): removed" "$DLOG" ||
	t_fail "history: a user with no processes is removed" "$(tail -5 "$DLOG")"
sleep 3
r=$(reported $U3)
t_check "a user gone in the middle of a minute: $r s reported, $k s accounted (5%)" within5 "$r" "$k"

# the plots (cgfair-plot, cairo): a PNG and an SVG of that hour
"$CTL" --socket "$T_SOCK" report --since 1h --plot "$T_TMP/h.png" &&
	"$CTL" --socket "$T_SOCK" report --since 1h --user $U1 --plot "$T_TMP/h.svg"
t_check "report --plot draws a PNG and an SVG" sh -c \
	"head -c 8 '$T_TMP/h.png' | od -An -c | grep -q 'P   N   G' && grep -q '<svg' '$T_TMP/h.svg'"

# a plain user: their own rows only, and no one else's report
own=$("$RUNAS" $U2 "$CTL" --socket "$T_SOCK" --json report --since 1h)
t_check "a plain user's report has only their own rows" python3 -c 'import json, sys
rows = json.loads(sys.argv[1])["report"]["rows"]
sys.exit(not rows or any(r["uid"] != int(sys.argv[2]) for r in rows))' "$own" $U2
"$RUNAS" $U2 "$CTL" --socket "$T_SOCK" report --user $U1 >"$T_TMP/denied.out" 2>&1
t_check "a plain user asking for another's report is refused (exit 4)" [ $? = 4 ]

# the recorder killed while a user spins: restarted, nothing lost (the
# stored totals carry what came before the kill). A user of its own: U1
# may have been removed and made again meanwhile (idle while U3's part
# waits), so its kernel counter would start again from zero while its
# history keeps the first spin. U4's totals are stored first: a user the
# restarted recorder has no totals of is counted from its restart (at
# most the minute in progress is lost, by design)
stored() { [ "$(sqlite3 -cmd ".timeout 5000" "$DB" "SELECT count(*) FROM minutes WHERE uid = $U4")" -gt 0 ]; }
t_wait 70 stored || t_fail "history: a minute of U4 stored" "none in $DB"
"$RUNAS" $U4 "$CGFAIR_BUILD/tests/t-spin" -s 6 &
P1=$!
sleep 3
rec=$(ps -o pid= -o comm= --ppid "$DPID" | awk '$2 == "cgfair-recorder" { print $1 }')
kill -KILL $rec
wait $P1
t_wait 20 sh -c "ps -o comm= --ppid $DPID | grep -q cgfair-recorder" ||
	t_fail "history: the recorder restarts" "$(tail -5 "$DLOG")"
t_wait 10 caught_up $U4 || t_fail "history: the daemon read the spinner's CPU" "$(daemon_cpu $U4) vs $(kernel $U4)"
t_wait 10 sh -c "'$CTL' --socket '$T_SOCK' report >/dev/null 2>&1"
k=$(kernel $U4) r=$(reported $U4)
t_check "after a SIGKILL of the recorder: $r s reported, $k s accounted (5%)" within5 "$r" "$k"

# retention: a row of two hours ago goes at the next setup (a reload)
old=$(($(date +%s) / 60 - 120))
sqlite3 -cmd ".timeout 5000" "$DB" "INSERT INTO minutes VALUES ($old, $U2, 1000000, -1, 0, 1, 0, NULL, 0, 0, 1, 0, 1000000, 0, 0)"
t_check "history: the old row is there" [ "$(sqlite3 -cmd ".timeout 5000" "$DB" "SELECT count(*) FROM minutes WHERE minute = $old")" = 1 ]
"$CTL" --socket "$T_SOCK" reload >/dev/null
gone() { [ "$(sqlite3 -cmd ".timeout 5000" "$DB" "SELECT count(*) FROM minutes WHERE minute = $old")" = 0 ]; }
t_check "retention: a row older than keep = 1h is deleted" t_wait 10 gone
t_check "retention: the recent rows stay" [ "$(sqlite3 -cmd ".timeout 5000" "$DB" "SELECT count(*) FROM minutes WHERE uid = $U1")" -gt 0 ]

# a damaged file: set aside, a new one started, said in the log
daemon_stop
head -c 8192 /dev/urandom >"$DB"
rm -f "$DB-wal" "$DB-shm"
daemon_start --config "$T_TMP/cgfair.conf" ||
	{ t_fail "history: daemon restarts" "see its log above"; exit 1; }
t_check "a damaged history.db is set aside, with a log line" \
	t_wait 20 grep -q "history: .*history.db is damaged" "$DLOG"
t_check "it is kept as history.db.damaged-TIME" sh -c "ls '$DB'.damaged-* >/dev/null"
t_wait 20 sh -c "'$CTL' --socket '$T_SOCK' report >/dev/null 2>&1"
t_check "the new history.db answers reports" sh -c "'$CTL' --socket '$T_SOCK' --json report | grep -q '\"ok\":true'"
exit $T_FAILED
