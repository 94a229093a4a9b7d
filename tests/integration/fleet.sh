#!/bin/sh
# Fleet mode (issue 14), wired: two real cgfaird nodes on this host (cgroup
# v1), each with its own node name, subtree, state and disjoint uids, and a
# real PostgreSQL 15 made here (initdb in $T_TMP, a Unix socket there and
# 127.0.0.1 on a free port only; stopped and removed at exit, also on
# failure). The recorders reach it over TCP (hostaddr=127.0.0.1), with the
# password in a root-only credentials file.
#   - a penalty set on node A for a user of node B is in force on B (its
#     status), and A's log does not claim it; B's log names node A; the
#     release on A ends it on B;
#   - a fixed cpu cap beyond B's CPUs, set on A, is clamped on B to B's
#     CPUs; a penalty longer than B's [fleet] max_penalty ends within it;
#   - the database stopped for 20 s and started again: both nodes keep
#     their limits (B's fixed cap stays in force), say the outage once in
#     the log and in status, reconnect, and the shared history then holds
#     exactly the whole minutes of each node's local history (none
#     missing, none twice, the same figures);
#   - a write made on node a during the outage, node a's recorder then
#     SIGKILLed: kept on disk, it reaches node b once the database is back;
#   - the two nodes' CPU in the shared history is within 5% of what the
#     kernel accounted to the spinning users' cgroups, the spinners
#     stopped in the middle of a minute.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/lib/cgv1.sh"
t_need_root fleet
cgv1_need fleet
. "$T_TOP/tests/lib/placer.sh"
if placer_running; then
	t_skip fleet "another cgfaird or cgrulesengd runs: it would place our processes too"
	exit 0
fi
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] ||
	{ t_fail "fleet setup" "no PostgreSQL server (tools/deps.sh installs postgresql)"; exit 1; }
command -v sqlite3 >/dev/null ||
	{ t_fail "fleet setup" "sqlite3 missing (tools/deps.sh installs it)"; exit 1; }
CTL="$CGFAIR_BUILD/cgfairctl"
RUNAS="$CGFAIR_BUILD/tests/t-run-as-uid"
U0=$((64000 + ($$ % 90) * 10))
UA=$((U0 + 1)) # node A's user (spins)
UB=$((U0 + 6)) # node B's user (spins)

# --- the throwaway cluster -----------------------------------------------
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
D=$T_TMP/pg
mkdir -p "$D" && chown postgres: "$D" && chmod 0700 "$D"
chmod 0711 "$T_TMP"
as_pg() { runuser -u postgres -- "$@"; }
echo fleetpw >"$T_TMP/pw"
chown postgres: "$T_TMP/pw"
as_pg "$PGBIN/initdb" -D "$D/data" -A scram-sha-256 --pwfile="$T_TMP/pw" \
	-U cgfair >"$T_TMP/initdb.log" 2>&1 ||
	{ t_fail "fleet: initdb" "$(tail -3 "$T_TMP/initdb.log")"; exit 1; }
pg_start() {
	as_pg "$PGBIN/pg_ctl" -D "$D/data" -w -l "$D/log" \
		-o "-k $D -h 127.0.0.1 -p $PORT -c fsync=off" start >/dev/null
}
pg_stop() { as_pg "$PGBIN/pg_ctl" -D "$D/data" -m fast -w stop >/dev/null; }
t_cleanup "as_pg '$PGBIN/pg_ctl' -D '$D/data' -m immediate stop"
pg_start || { t_fail "fleet: the cluster starts" "$(tail -3 "$D/log")"; exit 1; }
export PGPASSWORD=fleetpw
psql_q() { as_pg env PGPASSWORD=fleetpw psql -h "$D" -p "$PORT" -U cgfair -d fleet -XAtq -c "$1"; }
as_pg env PGPASSWORD=fleetpw "$PGBIN/createdb" -h "$D" -p "$PORT" -U cgfair fleet ||
	{ t_fail "fleet: createdb" "see $D/log"; exit 1; }

# --- two nodes -------------------------------------------------------------
printf 'password=fleetpw\n' >"$T_TMP/credentials"
chmod 0600 "$T_TMP/credentials"
node_conf() { # NAME MIN MAX
	mkdir -p "$T_TMP/$1"
	t_config "$T_TMP/$1/cgfair.conf" "$T_ID-$1" "$2" "$3" "[daemon]
interval = 1s
state_dir = $T_TMP/$1/state
[socket]
path = $T_TMP/$1/run/cgfair.sock
[log]
event_log = $T_TMP/$1/events.log
[fleet]
database = hostaddr=127.0.0.1 port=$PORT user=cgfair dbname=fleet
node = node-$1
credentials = $T_TMP/credentials
max_penalty = 1h"
	mkdir -p -m 0755 "$T_TMP/$1/run"
}
node_start() { # NAME
	"$CGFAIR_BUILD/cgfaird" --foreground --debug --config "$T_TMP/$1/cgfair.conf" \
		>>"$T_TMP/$1/log" 2>&1 &
	eval "PID_$1=$!"
	t_cleanup "node_stop $1"
	t_wait 15 grep -q "ready: all workers answered" "$T_TMP/$1/log"
}
node_stop() {
	eval "_p=\${PID_$1:-}"
	[ -n "$_p" ] || return 0
	kill -TERM "$_p" 2>/dev/null
	t_wait 5 sh -c "! kill -0 $_p" || kill -KILL "$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
	eval "PID_$1="
}
# on failure, what the nodes said of the fleet (before $T_TMP goes)
diag() {
	[ "$T_FAILED" = 0 ] && return 0
	for n in a b; do grep -a "fleet\|recorder" "$T_TMP/$n/log" | tail -8 | sed "s/^/node $n: /" >&3; done
}
t_cleanup diag
node_conf a $U0 $((U0 + 4))
node_conf b $((U0 + 5)) $((U0 + 9))
t_cleanup "cgv1_remove $T_ID-a; cgv1_remove $T_ID-b"
for n in a b; do
	node_start $n || { t_fail "fleet: node $n starts" "$(tail -20 "$T_TMP/$n/log")"; exit 1; }
done
for n in a b; do
	t_wait 20 grep -q "fleet: connected to the database as node node-$n" "$T_TMP/$n/log" ||
		{ t_fail "fleet: node $n connects" "$(grep -i 'fleet\|recorder' "$T_TMP/$n/log" | tail -5)"; exit 1; }
done
t_pass "fleet: two nodes connect over TCP with the credentials file's password"
# "turned on: at the next start" is for a reload, not the start itself
t_check "fleet: a start does not say the database is turned on at the next start" \
	sh -c "! grep -q 'database turned' '$T_TMP/a/log' '$T_TMP/b/log'"
# the recorders count a user who comes after their first sample from zero
for n in a b; do
	t_wait 20 grep -q "history: recording" "$T_TMP/$n/log" ||
		{ t_fail "fleet: node $n's recorder samples" "$(tail -5 "$T_TMP/$n/log")"; exit 1; }
done

SPIN0=$(date +%s)
"$RUNAS" $UA sh -c 'while :; do :; done' &
PA=$!
"$RUNAS" $UB sh -c 'while :; do :; done' &
PB=$!
t_cleanup "kill $PA $PB"
SA="$T_TMP/a/run/cgfair.sock"
SB="$T_TMP/b/run/cgfair.sock"
# status field of uid on a node: FIELD NODE-SOCKET UID
field() {
	"$CTL" --socket "$2" --json status "$3" 2>/dev/null | python3 -c '
import json, sys
rows = [u for u in json.load(sys.stdin)["users"] if u["uid"] == int(sys.argv[2])]
print(rows[0].get(sys.argv[1]) if rows else "")' "$1" "$3"
}
# field_is FIELD NODE-SOCKET UID VALUE
field_is() { [ "$(field "$1" "$2" "$3")" = "$4" ]; }
t_wait 20 field_is uid "$SB" $UB $UB ||
	{ t_fail "fleet: node b manages its user" "no row for $UB"; exit 1; }

# --- a penalty on A for B's user ---------------------------------------------
if "$CTL" --socket "$SA" penalty $UB 10m >/dev/null; then
	t_pass "fleet: node a takes a penalty for a uid it does not manage"
else
	t_fail "fleet: node a takes a penalty for a uid it does not manage" "refused"
fi
t_check "fleet: the penalty set on node a is in force on node b" \
	t_wait 20 field_is penalty "$SB" $UB True
t_check "fleet: node b logs the penalty and the node it came from" \
	grep -q "fleet: applied from node node-a: uid $UB penalty until [1-9]" "$T_TMP/b/log"
"$CTL" --socket "$SA" release $UB >/dev/null
t_check "fleet: the release on node a ends it on node b" \
	t_wait 20 field_is penalty "$SB" $UB False

# --- bounds: node b clamps ----------------------------------------------------
NCPU=$(nproc)
"$CTL" --socket "$SA" limit $UB --cpu $((NCPU * 4)) >/dev/null
t_check "fleet: a cpu cap beyond node b's CPUs is clamped to them on b" \
	t_wait 20 grep -q "uid $UB: cpu cap $((NCPU * 4000)) from node node-a is beyond this node's bounds; $((NCPU * 1000)) applied" "$T_TMP/b/log"
"$CTL" --socket "$SA" penalty $UB 5d >/dev/null
t_check "fleet: a penalty beyond node b's max_penalty ends within it on b" \
	t_wait 20 grep -q "uid $UB: the penalty from node node-a ends beyond \[fleet\] max_penalty" "$T_TMP/b/log"
# the row shows it after the cycle the change started
t_wait 20 field_is penalty "$SB" $UB True
left=$(field penalty_left "$SB" $UB)
t_check "fleet: ... its time left on b is at most max_penalty (1h): $left s" \
	awk -v l="$left" 'BEGIN { exit !(l > 0 && l <= 3600) }'
"$CTL" --socket "$SA" release $UB >/dev/null
# the other way: node b fixes its own user's cap, then puts node a's user
# in the box; node a applies the second and not the first (node a reads
# the first no later than the second, and handles both before the cycle
# that shows the penalty)
"$CTL" --socket "$SB" limit $UB --cpu 0.5 >/dev/null
t_wait 20 field_is cpu_cap "$SB" $UB 0.5 ||
	t_fail "fleet: node b takes the fixed cap of 0.5" "cap is $(field cpu_cap "$SB" $UB)"
"$CTL" --socket "$SB" penalty $UA 10m >/dev/null
t_check "fleet: a penalty set on node b is in force on node a" \
	t_wait 20 field_is penalty "$SA" $UA True
t_check "fleet: node a applies nothing for a user it does not manage" \
	sh -c "! grep -q 'fleet: applied from node node-b: uid $UB' '$T_TMP/a/log'"
"$CTL" --socket "$SB" release $UA >/dev/null

# --- the database away for 20 s -------------------------------------------------
OUT0=$(($(date +%s) / 60))
pg_stop || t_fail "fleet: the cluster stops" "$(tail -3 "$D/log")"
for n in a b; do
	t_check "fleet: node $n says the outage in its log" \
		t_wait 20 grep -q "fleet: the database is unreachable" "$T_TMP/$n/log"
done
fleet_field() {
	"$CTL" --socket "$2" --json status 2>/dev/null | python3 -c '
import json, sys
print(json.load(sys.stdin)["fleet"][sys.argv[1]])' "$1"
}
fleet_is() { [ "$(fleet_field "$1" "$2")" = "$3" ]; }
t_check "fleet: node b's status says it is not connected" \
	t_wait 10 fleet_is connected "$SB" False
sleep 20
t_check "fleet: node b kept its fixed cap through the outage" \
	field_is cpu_cap "$SB" $UB 0.5
for n in a b; do
	c=$(grep -c "fleet: the database is unreachable" "$T_TMP/$n/log")
	t_check "fleet: node $n said the outage once ($c)" [ "$c" = 1 ]
done
# a write made on node a while the database is away, then node a's
# recorder SIGKILLed: the write is kept on disk (fleet_pending) and still
# reaches node b when the database is back
"$CTL" --socket "$SA" penalty $UB 10m >/dev/null
kept() { [ "$(sqlite3 "$T_TMP/a/state/history/history.db" "SELECT count(*) FROM fleet_pending WHERE uid = $UB" 2>/dev/null)" = 1 ]; }
t_check "fleet: node a keeps the write made during the outage on disk" t_wait 10 kept
rec_a() { ps -o pid= -o comm= --ppid "$PID_a" | awk '$2 == "cgfair-recorder" { print $1 }'; }
old_rec=$(rec_a)
kill -KILL $old_rec
t_check "fleet: node a's recorder restarts during the outage" \
	t_wait 20 sh -c "ps -o pid= -o comm= --ppid $PID_a | awk '\$2 == \"cgfair-recorder\" && \$1 != $old_rec' | grep -q ."
OUT1=$(($(date +%s) / 60))
connected_twice() { [ "$(grep -c "fleet: connected to the database as node node-$1" "$T_TMP/$1/log")" = 2 ]; }
pg_start || { t_fail "fleet: the cluster starts again" "$(tail -3 "$D/log")"; exit 1; }
for n in a b; do
	t_check "fleet: node $n reconnects" t_wait 40 connected_twice $n
done
t_check "fleet: the write made on node a during the outage, its recorder killed since, is in force on node b" \
	t_wait 20 field_is penalty "$SB" $UB True
t_check "fleet: ... and no longer kept on node a once sent" sh -c "! $(command -v sqlite3) '$T_TMP/a/state/history/history.db' 'SELECT uid FROM fleet_pending' | grep -q ."
"$CTL" --socket "$SA" release $UB >/dev/null
# the spinners stop in the middle of a minute (second 30): their users
# are removed, and made again, within that minute, whose CPU then was
# lost (15% short of the kernel; the recorder's minute fold now carries
# what the old cgroup counted)
sec=$(date +%S)
sleep $(((90 - ${sec#0}) % 60))
# the kernel's CPU seconds of the spinners' cgroups, just before they stop
# (a user's cgroup goes two idle intervals after)
kern() { awk '{ printf "%.3f", $1 / 1e9 }' "/sys/fs/cgroup/cpuacct/$T_ID-$1/user-$2/cpuacct.usage"; }
KA=$(kern a $UA)
KB=$(kern b $UB)
kill $PA $PB
wait $PA $PB 2>/dev/null
KILLT=$(date +%s)
KILLMIN=$((KILLT / 60))
# each node's whole minutes, local and shared: the same rows, the same figures
rows_local() { # NODE
	sqlite3 "$T_TMP/$1/state/history/history.db" \
		"SELECT uid, minute, cpu_usec FROM minutes WHERE minute <= (SELECT upto FROM fleet_sent) ORDER BY minute, uid"
}
rows_shared() { # NODE UPTO
	psql_q "SELECT uid, minute, cpu_usec FROM cgfair_history WHERE node = 'node-$1' AND minute <= $2 ORDER BY minute, uid"
}
# the recorder's mark: every whole minute up to the last one sent; the
# spinners' last minute (KILLMIN) is whole at the next minute's flush
sent_upto() { sqlite3 "$T_TMP/$1/state/history/history.db" "SELECT upto FROM fleet_sent"; }
all_sent() { [ "$(sent_upto "$1")" -ge "$KILLMIN" ]; }
for n in a b; do
	t_wait 90 all_sent $n ||
		t_fail "fleet: node $n sends the spinner's last minute" "the mark is at $(sent_upto $n), not $KILLMIN"
	upto=$(sent_upto $n)
	rows_local $n >"$T_TMP/$n.local"
	rows_shared $n "$upto" >"$T_TMP/$n.shared"
	nl=$(wc -l <"$T_TMP/$n.local")
	dups=$(psql_q "SELECT count(*) - count(DISTINCT (uid, minute)) FROM cgfair_history WHERE node = 'node-$n'")
	eval "u=\$U$(echo $n | tr ab AB)"
	# the spinner's minutes during the outage, in the shared database
	out=$(psql_q "SELECT count(*) FROM cgfair_history WHERE node = 'node-$n' AND uid = $u AND minute BETWEEN $OUT0 AND $OUT1")
	# and every minute of the spinner's, first to last: no gap
	span=$(psql_q "SELECT max(minute) - min(minute) + 1 - count(*) FROM cgfair_history WHERE node = 'node-$n' AND uid = $u")
	if [ "$out" = $((OUT1 - OUT0 + 1)) ] && [ "$span" = 0 ] && cmp -s "$T_TMP/$n.local" "$T_TMP/$n.shared" && [ "$dups" = 0 ]; then
		t_pass "fleet: node $n's history, the outage's $out minutes included, is in the shared database whole ($nl rows, no gap, no duplicate)"
	else
		t_fail "fleet: node $n's history in the shared database" "$out of the outage's $((OUT1 - OUT0 + 1)) minutes; $span minutes missing; $nl local rows; diff: $(diff "$T_TMP/$n.local" "$T_TMP/$n.shared" | head -5 | tr '\n' ' ')"
	fi
done
# report --fleet on node a: both nodes' users, summed over the nodes
"$CTL" --socket "$SA" --json report --fleet --since 1h >"$T_TMP/report.json"
got=$(python3 -c 'import json, sys
rows = json.load(open(sys.argv[1]))["report"]["rows"]
print("%.3f" % sum(r["cpu_seconds"] for r in rows if r["uid"] in (int(sys.argv[2]), int(sys.argv[3]))))' "$T_TMP/report.json" $UA $UB)
want=$(awk -v a="$KA" -v b="$KB" 'BEGIN { printf "%.3f", a + b }')
if awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b > 0 && d <= 0.05 * b) }'; then
	t_pass "fleet: report --fleet sums both nodes' CPU within 5% of the kernel's counters ($got s, kernel $want s)"
else
	# what each node recorded of its spinner, a minute a row
	t_fail "fleet: report --fleet sums both nodes' CPU within 5% of the kernel's counters ($got s, kernel $want s)" \
		"kernel: a $KA s, b $KB s; spinners from $SPIN0 to $KILLT (s); rows (node uid minute cpu_usec): $(psql_q "SELECT node, uid, minute, cpu_usec FROM cgfair_history WHERE uid IN ($UA, $UB) ORDER BY node, minute" | tr '\n' ' ')"
fi
# status --fleet on node a: node b's user, seen on node b
"$CTL" --socket "$SA" --json status --fleet $UB >"$T_TMP/status.json"
t_check "fleet: status --fleet on node a shows node b's user on node b" python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))["report"]["rows"]
sys.exit(not rows or any(r["node"] != "node-b" or r["uid"] != int(sys.argv[2]) for r in rows))' "$T_TMP/status.json" $UB
# a user who is no admin: their own rows only
"$RUNAS" $UA "$CTL" --socket "$SA" --json report --fleet --since 1h >"$T_TMP/own.json" 2>&1
t_check "fleet: report --fleet shows a user who is no admin their own rows only" python3 -c '
import json, sys
rows = json.load(open(sys.argv[1]))["report"]["rows"]
sys.exit(not rows or any(r["uid"] != int(sys.argv[2]) for r in rows))' "$T_TMP/own.json" $UA
exit $T_FAILED
