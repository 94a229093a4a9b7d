#!/bin/sh
# backends: cgroup1 cgroup2
# OOM kills are reported exactly once (issue 6), through the supervisor's
# real watcher pool (cgfair-oomwatch, sandboxed) and event log, driven by
# build/tests/t-oomd in place of the control loop:
#   - a 64 MiB user running a 32-thread process that allocates 512 MiB:
#     one oom event with the victim's pid and comm, within 1 s;
#   - three kills in a row: three events;
#   - removing a user's cgroup: no event (the seed's false positive);
#   - kill -9 of the watchers during a burst: every kill once;
#   - every line of the log valid JSON, every seed key in OOM records;
#   - the journal, when one runs here.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/lib/oom.sh"
N=oom
oom_need $N
B=${CGFAIR_BACKEND:-auto}
set -- ${CGFAIR_TEST_UIDS:-}
base=$((400000 + $$ % 1000 * 10))
U1=${1:-$((base + 1))} U2=${2:-$((base + 2))} U3=${3:-$((base + 3))}
LIMIT=67108864 # 64 MiB
JOURNAL=0
if [ -S /run/systemd/journal/socket ] && command -v journalctl >/dev/null; then
	JOURNAL=1
fi

oom_start --backend "$B" --journal --watchers 2 || {
	t_fail $N/start "t-oomd did not start"
	exit 1
}
T0=$(date +%s)

# --- one kill: one event, with the victim, within 1 s -----------------
oom_cmd "add $U1 $LIMIT" || t_fail $N/add "$OOM_ANSWER"
oom_hog "$U1" -t 32 512
t_end=$(oom_now_ms)
t_wait 1 sh -c "[ \$(grep '\"event\":\"oom\"' '$OOM_LOG' | grep -c '\"uid\":$U1,') -ge 1 ]"
lat=$(($(oom_now_ms) - t_end))
sleep 0.5 # anything more would show up now
n=$(oom_count "$U1")
pid=$(oom_field "$U1" pid)
if [ "$HOG_RC" != 137 ]; then
	t_fail $N/one-kill "the hog was not OOM-killed (status $HOG_RC)"
elif [ "$n" != 1 ]; then
	t_fail $N/one-kill "$n events for one kill"
elif [ "$pid" != "$HOG_PID" ]; then
	t_fail $N/one-kill "victim pid '$pid', the hog was $HOG_PID"
elif ! oom_lines "$U1" | grep -q '"comm":"t-memhog"'; then
	t_fail $N/one-kill "no comm t-memhog: $(oom_lines "$U1")"
elif [ "$lat" -ge 1000 ]; then
	t_fail $N/one-kill "event $lat ms after the victim died"
else
	t_pass "$N/one-kill: one event, pid $pid, comm t-memhog, <= $lat ms after the death"
fi

# --- three kills in a row: three events -------------------------------
oom_cmd "add $U2 $LIMIT" || t_fail $N/add "$OOM_ANSWER"
pids=""
for i in 1 2 3; do
	oom_hog "$U2" -t 32 512
	pids="$pids $HOG_PID"
done
t_wait 2 sh -c "[ \$(grep '\"event\":\"oom\"' '$OOM_LOG' | grep -c '\"uid\":$U2,') -ge 3 ]"
sleep 0.5
n=$(oom_count "$U2")
got=$(oom_field "$U2" pid | tr '\n' ' ')
kills=$(oom_field "$U2" oom_kills | tr '\n' ' ')
if [ "$n" = 3 ] && [ " $got" = "$pids " ]; then
	t_pass "$N/three-kills: three events, pids$pids, counter $kills"
else
	t_fail $N/three-kills "$n events (pids $got, hogs$pids)"
fi

# --- removing a user's cgroup is not an OOM ----------------------------
oom_cmd "add $U3 $LIMIT" || t_fail $N/add "$OOM_ANSWER"
oom_hog "$U3" 8 # a process that ran and ended well
oom_cmd "remove $U3"
sleep 0.5
n=$(oom_count "$U3")
if [ "$HOG_RC" = 0 ] && [ "$n" = 0 ]; then
	t_pass "$N/remove: no event when the cgroup goes"
else
	t_fail $N/remove "$n events after removal (hog status $HOG_RC)"
fi

# --- kill -9 of the watchers during a burst ----------------------------
oom_cmd "add $U3 $LIMIT" || t_fail $N/add "$OOM_ANSWER"
oom_cmd watchers
set -- $OOM_ANSWER
W0=$3 W1=$4
burst=10
(
	i=0
	while [ $i -lt $burst ]; do
		oom_hog "$U3" -t 32 512
		i=$((i + 1))
	done
) >"$T_TMP/burst.log" 2>&1 &
bpid=$!
sleep 0.3
kill -KILL "$W0" 2>/dev/null
sleep 0.4
kill -KILL "$W1" 2>/dev/null
wait $bpid
# watchers restart after 100 ms; kills nobody watched come out on re-arm
t_wait 3 sh -c "[ \$(grep '\"event\":\"oom\"' '$OOM_LOG' | grep -c '\"uid\":$U3,') -ge $burst ]"
sleep 0.6
k=$(oom_counter "$U3")
n=$(oom_count "$U3")
dups=$(oom_field "$U3" oom_kills | sort | uniq -d | tr '\n' ' ')
restarts=$(grep -c '"event":"worker_restart"' "$OOM_LOG")
sigsys=$(grep -c '"reason":"killed by signal SYS"' "$OOM_LOG")
if [ "$n" = "$k" ] && [ "$k" -ge "$burst" ] && [ -z "$dups" ] &&
	[ "$restarts" -ge 2 ] && [ "$sigsys" = 0 ]; then
	t_pass "$N/watcher-kill9: $k kills, $n events, none twice ($restarts watcher restarts)"
else
	t_fail $N/watcher-kill9 "kernel counted $k kills, $n events, twice:[$dups], $restarts restarts ($sigsys by seccomp)"
fi

# --- the event log: valid JSON, the seed's keys ------------------------
if command -v python3 >/dev/null 2>&1; then
	if python3 - "$OOM_LOG" >"$T_TMP/json.out" 2>&1 <<'EOF'; then
import json, sys
seed = ["TYPE", "ID", "CGROUP", "USERNAME", "UID", "UNAME", "START_TIME",
        "END_TIME", "CPU", "TIMESTAMP", "NODE"]
n = 0
for i, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    rec = json.loads(line)
    if rec.get("TYPE") in ("OOM", "throttleCPU"):
        missing = [k for k in seed if k not in rec]
        assert not missing, "line %d lacks %s" % (i, missing)
        assert isinstance(rec["UID"], str) and len(rec["ID"]) == 16
    n += 1
print(n, "lines")
EOF
		t_pass "$N/json: $(cat "$T_TMP/json.out"), every one valid JSON, seed keys in every OOM record"
	else
		t_fail $N/json "$(tail -3 "$T_TMP/json.out")"
	fi
else
	t_skip $N/json "no python3 here to parse JSON"
fi

# --- the journal --------------------------------------------------------
if [ "$JOURNAL" = 1 ]; then
	jcount() {
		journalctl --no-pager -o json --since "@$T0" CGFAIR_UID="$1" \
			CGFAIR_EVENT=oom 2>/dev/null | wc -l | tr -d ' '
	}
	t_wait 3 sh -c "[ \$(journalctl --no-pager -o json --since @$T0 CGFAIR_UID=$U2 CGFAIR_EVENT=oom | wc -l) -ge 3 ]"
	j1=$(jcount "$U1") j2=$(jcount "$U2")
	jp=$(journalctl --no-pager -o json --since "@$T0" CGFAIR_UID="$U1" \
		CGFAIR_EVENT=oom | grep -c "\"CGFAIR_PID\":\"$pid\"")
	jid=$(journalctl --no-pager -o json --since "@$T0" CGFAIR_UID="$U1" \
		CGFAIR_EVENT=oom | grep -c '"MESSAGE_ID":"0a3803e70833493ea11488e65f2b9d14"')
	if [ "$j1" = 1 ] && [ "$j2" = 3 ] && [ "$jp" = 1 ] && [ "$jid" = 1 ]; then
		t_pass "$N/journal: CGFAIR_UID=$U1 one oom entry (pid $pid, MESSAGE_ID), $U2 three"
	else
		t_fail $N/journal "entries: $U1 $j1 (pid match $jp, id $jid), $U2 $j2"
	fi
else
	t_skip $N/journal "no journald here; the journal sink failing stopped nothing"
fi

# --- nothing went wrong in the supervisor ------------------------------
if grep -q "invalid message\|not permitted now\|went back" "$OOM_ERR"; then
	t_fail $N/supervisor "$(grep "invalid message\|not permitted now\|went back" "$OOM_ERR" | head -3)"
else
	t_pass "$N/supervisor: no protocol violation, no counter going back"
fi
oom_stop
left=$(ls -d /sys/fs/cgroup/"$OOM_SUB" /sys/fs/cgroup/*/"$OOM_SUB" 2>/dev/null)
[ -z "$left" ] && t_pass "$N/cleanup: no cgroup left" ||
	t_fail $N/cleanup "left: $left"
exit $T_FAILED
