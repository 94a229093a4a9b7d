#!/bin/sh
# backends: systemd
# OOM kills under the systemd backend (tests/scenarios/oom.sh covers the
# direct backends): cgfaird started by its unit sets MemoryMax on logind's
# user-UID.slice over D-Bus and watches the slice's memory.events.
#   - a kill: one event, with the victim's pid and comm;
#   - a kill while cgfaird is stopped (the slice keeps its limit: memory
#     limits stay on stop): reported once cgfaird runs again, once;
#   - another restart: nothing reported twice.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/scenarios/lib/scn.sh"
. "$T_TOP/tests/lib/oom.sh"
N=oom-systemd
t_need_root $N
# shellcheck disable=SC2086
set -- $SCN_UIDS
U=$1
OOM_LOG=$T_TMP/events.log
OOM_BUILD=$(dirname "$SCN_TOOLS")
OOM_PLACED_RE="^0::/user.slice/user-$U.slice/"
OOM_PLACE_WAIT=20 # an adoption is a D-Bus call; slow under emulation
CONF=/etc/cgfair/cgfair.conf
t_cleanup "rm -f $CONF"
oom_write_config "$CONF" "$U" "$U"

memory_max() { systemctl show -p MemoryMax --value "user-$U.slice"; }
kills() { awk '$1 == "oom_kill" { print $2 }' "/sys/fs/cgroup/user.slice/user-$U.slice/memory.events"; }
# count_is N SECONDS: U has N oom events within SECONDS, and no more
# after another 1.5 s
count_is() {
	t_wait "$2" sh -c "[ \$(grep '\"event\":\"oom\"' '$OOM_LOG' 2>/dev/null | grep -c '\"uid\":$U,') -ge $1 ]"
	sleep 1.5
	[ "$(oom_count "$U")" = "$1" ]
}

scn_start || { t_fail $N/start "cgfaird did not start" "$(scn_log)"; exit 1; }
"$SCN_TOOLS/t-run-as-uid" "$U" "$(command -v sleep)" 3600 >/dev/null 2>&1 &
t_cleanup "kill $! 2>/dev/null"
t_wait 20 sh -c "[ \"\$(systemctl show -p MemoryMax --value user-$U.slice)\" = 67108864 ]"
t_check "$N/limit: MemoryMax of user-$U.slice is 64 MiB ($(memory_max))" \
	[ "$(memory_max)" = 67108864 ]

# --- a kill: one event, with the victim --------------------------------
k0=$(kills)
oom_hog "$U" -t 32 512
pid=$(oom_field "$U" pid | tail -1)
if [ "$HOG_RC" != 137 ]; then
	t_fail $N/one-kill "the hog was not OOM-killed (status $HOG_RC)"
elif ! count_is 1 10; then
	t_fail $N/one-kill "$(oom_count "$U") events for one kill (counter $k0 -> $(kills))"
elif [ "$pid" != "$HOG_PID" ]; then
	t_fail $N/one-kill "victim pid '$pid', the hog was $HOG_PID"
else
	t_pass "$N/one-kill: one event, pid $pid (counter $(kills))"
fi

# --- a kill while cgfaird is stopped -----------------------------------
scn_stop
t_check "$N/stop: the memory limit stays ($(memory_max))" \
	[ "$(memory_max)" = 67108864 ]
# nobody places it now: a scope of its own in the user's slice
systemd-run --quiet --scope --slice="user-$U.slice" \
	"$SCN_TOOLS/t-run-as-uid" "$U" "$SCN_TOOLS/t-memhog" -t 32 512 \
	>/dev/null 2>&1
rc=$?
k1=$(kills)
scn_start || { t_fail $N/restart "cgfaird did not start again" "$(scn_log)"; exit 1; }
last=""
if count_is 2 20; then
	last=$(oom_field "$U" oom_kills | tail -1)
fi
if [ -n "$last" ] && [ "$last" = "$k1" ]; then
	t_pass "$N/restart: the kill made while cgfaird was stopped reported after its start, once (oom_kills $last)"
else
	t_fail $N/restart "hog status $rc; $(oom_count "$U") events, last counter '$last', kernel $k1" "$(scn_log | grep -i oom | tail -5)"
fi

# --- another restart: nothing twice ------------------------------------
scn_stop
scn_start || { t_fail $N/restart-again "cgfaird did not start again"; exit 1; }
sleep 3
t_check "$N/restart-again: nothing reported twice ($(oom_count "$U") events)" \
	[ "$(oom_count "$U")" = 2 ]
scn_stop
exit 0
