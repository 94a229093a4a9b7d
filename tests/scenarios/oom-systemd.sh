#!/bin/sh
# backends: systemd
# OOM kills under the systemd backend (tests/scenarios/oom.sh covers the
# direct backends): cgfaird started by its unit sets MemoryMax (v1:
# MemoryLimit) on logind's user-UID.slice over D-Bus and watches the
# slice's memory.events (v1: an eventfd on memory.oom_control).
#   - a kill: one event, with the victim's pid and comm;
#   - a kill while cgfaird is stopped (the slice keeps its limit: memory
#     limits stay on stop): reported once cgfaird runs again, once. On v1
#     the kernel counts a kill in the victim's own cgroup only, so the
#     kill is made in a scope that outlives the victim (a login session
#     does): a cgroup removed while cgfaird is down takes its count along;
#   - another restart: nothing reported twice.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/scenarios/lib/scn.sh"
. "$T_TOP/tests/lib/oom.sh"
N=oom-systemd
t_need_root $N
# shellcheck disable=SC2086
set -- $SCN_UIDS
U=$1
OOM_LOG=$SCN_EVLOG
OOM_SEEDLOG=${SCN_EVLOG%/*}/throttle.log
OOM_BUILD=$(dirname "$SCN_TOOLS")
OOM_PLACED_RE="^0::/user.slice/user-$U.slice/"
[ "$SCN_SD_V1" = 0 ] ||
	OOM_PLACED_RE="^[0-9]+:memory:/user.slice/user-$U.slice(/|\$)"
OOM_PLACE_WAIT=20 # an adoption is a D-Bus call; slow under emulation
CONF=/etc/cgfair/cgfair.conf
t_cleanup "rm -f $CONF"
oom_write_config "$CONF" "$U" "$U"

MEMPROP=$(scn_memory_prop)
memory_max() { systemctl show -p "$MEMPROP" --value "user-$U.slice"; }
# the slice's kill count: v2 memory.events; v1 counts a kill in the
# victim's own cgroup only, so the memory.oom_control of the slice and of
# every cgroup below it, summed
kills() {
	if [ "$SCN_SD_V1" = 1 ]; then
		find "$(scn_slice_dir "$U" memory)" -name memory.oom_control \
			-exec cat {} + | awk '$1 == "oom_kill" { n += $2 } END { print n + 0 }'
	else
		awk '$1 == "oom_kill" { print $2 }' "$(scn_slice_dir "$U")/memory.events"
	fi
}
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
t_wait 20 sh -c "[ \"\$(systemctl show -p $MEMPROP --value user-$U.slice)\" = 67108864 ]"
t_check "$N/limit: $MEMPROP of user-$U.slice is 64 MiB ($(memory_max))" \
	[ "$(memory_max)" = 67108864 ]

# The user's manager and session bus share the 64 MiB slice with the hog
# (the bus started by socket activation when a desktop notice of an
# earlier scenario connected to it): the manager, ~40 MB with
# oom_score_adj 100, was the kernel's first pick once in tier 3. They are
# not what this scenario counts: never the OOM killer's pick.
scn_oom_spare "$U" systemd dbus-daemon

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
# nobody places it now: a scope of its own in the user's slice (v1: kept
# by a sleeper of the user, as a session is by its shell)
keep=""
if [ "$SCN_SD_V1" = 1 ]; then
	keep="\"$SCN_TOOLS/t-run-as-uid\" $U $(command -v sleep) 600 & "
	t_cleanup "systemctl stop cgfair-t-oom$$.scope 2>/dev/null"
fi
systemd-run --quiet --scope --unit="cgfair-t-oom$$" --slice="user-$U.slice" \
	sh -c "$keep exec \"\$0\" \"\$@\"" \
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
[ "$T_FAILED" = 1 ] && journalctl -b --no-pager -u cgfaird.service |
	grep -E 'kmsg|oom|victim|warn|forbidden|  ip |  stack ' | tail -80
# seccomp kills: in the kernel log, or auditd's when it runs
[ "$T_FAILED" = 1 ] && { dmesg; cat /var/log/audit/audit.log 2>/dev/null; } |
	grep -E 'type=1326|type=SECCOMP' | tail -10
exit 0
