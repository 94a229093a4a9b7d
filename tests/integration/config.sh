#!/bin/sh
# cgfaird's configuration from the command line: --check-config prints the
# effective configuration; Cgroup Py v.2's file is read as it is, with its
# unit rules; every kind of error is one message naming file:line and key,
# and exit status 3.
. "$(dirname "$0")/../lib/t.sh"
D="$CGFAIR_BUILD/cgfaird"

# the seed's cgroup_py.conf, from its key list (sample values: percents)
cat >"$T_TMP/cgroup_py.conf" <<'CONF'
[main]
minUID = 1500
interval = 5
cpu_pct_max = 90
cgroup_memoryLimit_gigs = 2
activityThreshold = 10
upper_ThrottleThresh = 95
lower_ThrottleThresh = 85
throttleMode = even_active
penaltyTimeout = 1800
pb_cpumode = locked
pb_cpupct = 0.30
throttle_log = /tmp/cgroup_py/throttle.log
system_name = A System
admin_email = root@localhost
sending_email = cgroups@host
user_email_domain = localhost
nag_ratelimit = 1440
msglog_dateformat = %Y %b %d %H:%M:%S
cgprefix = cg_
forceLegacy = False
reservedCores = 0
refresh = 10
enableMonitoring = True
CONF
out=$("$D" --check-config --config "$T_TMP/cgroup_py.conf" 2>"$T_TMP/err")
rc=$?
t_check "seed config: valid (exit $rc)" [ "$rc" = 0 ]
has() { printf '%s\n' "$out" | grep -qx "$1"; }
t_check "seed minUID 1500 -> min_uid = 1500" has "min_uid = 1500"
t_check "seed interval 5 -> interval = 5s" has "interval = 5s"
t_check "seed cpu_pct_max 90 (percent) -> max_percent = 90%" has "max_percent = 90%"
t_check "seed cgroup_memoryLimit_gigs 2 -> limit = 2G" sh -c "printf '%s\n' \"\$1\" | grep -Eqx 'limit = (2G|2147483648)'" _ "$out"
t_check "seed activityThreshold 10 (percent) -> active_threshold = 10%" has "active_threshold = 10%"
t_check "seed lower_ThrottleThresh 85 -> throttle_lower = 85%" has "throttle_lower = 85%"
t_check "seed penaltyTimeout 1800 -> timeout = 30m" sh -c "printf '%s\n' \"\$1\" | grep -Eqx 'timeout = (30m|1800s)'" _ "$out"
t_check "seed pb_cpumode locked, pb_cpupct 0.30 -> mode = locked, fraction = 30%" sh -c "has() { printf '%s\n' \"\$1\" | grep -qx \"\$2\"; }; has \"\$1\" 'mode = locked' && has \"\$1\" 'fraction = 30%'" _ "$out"
t_check "seed throttle_log -> throttle_log" has "throttle_log = /tmp/cgroup_py/throttle.log"
t_check "seed throttle_log: events.log stays" has "event_log = /var/log/cgfair/events.log"
t_check "keys the seed never used are accepted with a notice" grep -q "reservedCores" "$T_TMP/err"

# one message per error, naming file:line and key; exit status 3
bad() { # NAME CONTENT PATTERN
	printf '%s\n' "$2" >"$T_TMP/bad.conf"
	"$D" --check-config --config "$T_TMP/bad.conf" >/dev/null 2>"$T_TMP/err"
	rc=$?
	if [ "$rc" = 3 ] && grep -q "$T_TMP/bad.conf:[0-9]*: .*$3" "$T_TMP/err"; then
		t_pass "error: $1"
	else
		t_fail "error: $1" "exit $rc: $(cat "$T_TMP/err")"
	fi
}
bad "unknown section" "[nosuch]
a = 1" "nosuch"
bad "unknown key" "[cpu]
max_precent = 90%" "max_precent"
bad "bad number" "[daemon]
interval = fast" "interval"
bad "bad unit" "[memory]
limit = 2Q" "limit"
bad "value out of range" "[cpu]
max_percent = 150%" "max_percent"
bad "min_uid above max_uid" "[users]
min_uid = 2000
max_uid = 1000" "uid"
"$D" --check-config --config "$T_TMP/nonexistent.conf" >/dev/null 2>"$T_TMP/err"
t_check "a missing --config file: exit 3" [ $? = 3 ]
exit 0
