# Helpers for the OOM tests (tests/scenarios/oom.sh, tests/integration/
# oom.sh, bench/oom-latency.sh), sourced after tests/lib/t.sh. POSIX sh and
# busybox applets only: the scenario also runs in the VM guests.
#
# They run the real cgfaird (--foreground, a config of the test's own: a
# cgroup subtree, a uid range nobody else uses, a 64 MiB memory limit, its
# own event log and socket), keep each test user present with a sleeping
# process, and run t-memhog as the user: the daemon places it, its cgroup
# limit kills it, its watcher pool reports it.

OOM_BUILD=${CGFAIR_BUILD:-$T_TOP/build}
OOM_SUB=$T_ID # our own cgroup subtree, removed at exit
OOM_LOG=$T_TMP/log/events.log
OOM_SEEDLOG=$T_TMP/log/throttle.log # the seed's records alone
OOM_CONF=$T_TMP/cgfair.conf
# the scenarios' paths when tests/scenarios/lib/scn.sh set them (under
# systemd: the unit's own directories)
OOM_STATE=${SCN_STATE:-$T_TMP/state}
OOM_SOCK=${SCN_SOCK:-$T_TMP/cgfair.sock}
OOM_DLOG=$T_TMP/cgfaird.log
OOM_LIMIT=67108864 # 64 MiB
OOM_DPID=""
OOM_SLEEPERS=""

# oom_need NAME: skip (exit 0) unless root with the tools built and no
# other cgfaird that would place our processes.
oom_need() {
	t_need_root "$1"
	for _p in "$OOM_BUILD/cgfaird" "$OOM_BUILD/cgfair-oomwatch" \
		"$OOM_BUILD/tests/t-memhog" "$OOM_BUILD/tests/t-run-as-uid"; do
		[ -x "$_p" ] || {
			t_fail "$1" "$_p missing (make tests)"
			exit 1
		}
	done
	id cgfair >/dev/null 2>&1 || sh "$T_TOP/tools/ensure-user.sh" \
		>/dev/null 2>&1 || {
		t_skip "$1" "no user cgfair for the workers"
		exit 0
	}
	# a cgfaird with the default config manages every uid from 1000 and
	# would place our processes too: wait a minute for it to end
	t_wait 60 oom_no_default_daemon || {
		t_skip "$1" "a cgfaird with the default config is running"
		exit 0
	}
}

# oom_no_default_daemon: no cgfaird runs without --config (or --dry-run).
oom_no_default_daemon() {
	for _p in /proc/[0-9]*; do
		[ "$(cat "$_p/comm" 2>/dev/null)" = cgfaird ] || continue
		tr '\0' ' ' <"$_p/cmdline" 2>/dev/null |
			grep -q -e '--config' -e '--dry-run' || return 1
	done
	return 0
}

# oom_write_config FILE FIRST_UID LAST_UID: the test's config: those
# uids only, a 64 MiB limit, 2 watchers, its own subtree, state, event
# log and socket; then OOM_EXTRA_CONF (more sections) when set.
oom_write_config() {
	mkdir -p "$OOM_STATE" "$(dirname "$1")"
	cat >"$1" <<EOF
[daemon]
interval = 1s
subtree = $OOM_SUB
state_dir = $OOM_STATE
[memory]
limit = 64M
[users]
min_uid = $2
max_uid = $3
[oom]
watchers = 2
[log]
event_log = $OOM_LOG
throttle_log = $OOM_SEEDLOG
[socket]
path = $OOM_SOCK
EOF
	[ -z "${OOM_EXTRA_CONF:-}" ] || printf '%s\n' "$OOM_EXTRA_CONF" >>"$1"
}

# oom_start FIRST_UID LAST_UID [CGFAIRD ARGS...]: start cgfaird managing
# those uids only; wait until its workers answered.
oom_start() {
	oom_write_config "$OOM_CONF" "$1" "$2"
	shift 2
	"$OOM_BUILD/cgfaird" --foreground --config "$OOM_CONF" "$@" \
		>>"$OOM_DLOG" 2>&1 &
	OOM_DPID=$!
	t_cleanup "oom_stop"
	t_wait 20 grep -q "ready: all workers answered" "$OOM_DLOG" || {
		echo "cgfaird did not become ready; its log:"
		cat "$OOM_DLOG"
		return 1
	}
}

# oom_stop: stop the daemon and the sleepers, remove what is left.
oom_stop() {
	[ -n "$OOM_SLEEPERS" ] && kill $OOM_SLEEPERS 2>/dev/null
	OOM_SLEEPERS=""
	if [ -n "$OOM_DPID" ]; then
		kill -TERM "$OOM_DPID" 2>/dev/null
		t_wait 10 sh -c "! kill -0 $OOM_DPID 2>/dev/null" || {
			kill -KILL "$OOM_DPID" $(oom_children "$OOM_DPID" |
				awk '{ print $1 }') 2>/dev/null
		}
		wait "$OOM_DPID" 2>/dev/null
		OOM_DPID=""
	fi
	oom_rm_subtree
}

# oom_rm_subtree: kill what runs in our subtree, remove its cgroups (the
# daemon cannot remove the subtree itself once its capabilities are cut).
oom_rm_subtree() {
	for _d in /sys/fs/cgroup/"$OOM_SUB" /sys/fs/cgroup/*/"$OOM_SUB"; do
		[ -d "$_d" ] || continue
		for _i in 1 2 3 4 5; do
			_procs=$(cat $(find "$_d" -name cgroup.procs) 2>/dev/null)
			[ -n "$_procs" ] || break
			kill -KILL $_procs 2>/dev/null
			sleep 0.1
		done
		find "$_d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
}

# oom_children PID: "pid name" of PID's children, from /proc.
oom_children() {
	cat /proc/[0-9]*/status 2>/dev/null | awk -v p="$1" '
		$1 == "Name:" { n = $2 }
		$1 == "Pid:" { pid = $2 }
		$1 == "PPid:" && $2 == p { print pid, n }'
}

# oom_watchers: the pids of the daemon's OOM watchers.
oom_watchers() {
	oom_children "$OOM_DPID" | awk '$2 == "cgfair-oomwatc" ||
		$2 == "cgfair-oomwatch" { print $1 }'
}

# oom_user_up UID: a sleeping process of UID keeps the user managed; wait
# until the daemon made its cgroup and set the 64 MiB limit.
oom_user_up() {
	"$OOM_BUILD/tests/t-run-as-uid" "$1" "$(command -v sleep)" 3600 \
		>/dev/null 2>&1 &
	OOM_SLEEPERS="$OOM_SLEEPERS $!"
	eval "OOM_SLEEPER_$1=$!"
	_v1=/sys/fs/cgroup/memory/$OOM_SUB/user-$1/memory.limit_in_bytes
	_v2=/sys/fs/cgroup/$OOM_SUB/user-$1/memory.max
	t_wait 10 sh -c "grep -qx $OOM_LIMIT $_v1 2>/dev/null ||
		grep -qx $OOM_LIMIT $_v2 2>/dev/null"
}

# oom_user_down UID: end UID's sleeper; wait until the daemon removed the
# user: two cycles without a process, and the scanner recounts an idle
# user's processes only every 64 cycles (1 s each here).
oom_user_down() {
	eval "_p=\${OOM_SLEEPER_$1:-}"
	[ -n "$_p" ] && kill "$_p" 2>/dev/null && wait "$_p" 2>/dev/null
	t_wait ${OOM_RM_WAIT:-75} grep -q "(uid $1): removed" "$OOM_DLOG"
}

# oom_hog UID ARGS...: run t-memhog ARGS as UID and wait for it. It waits
# (a shell reading a FIFO) until the daemon has placed it in the user's
# cgroup (a line of /proc/PID/cgroup matches OOM_PLACED_RE, by default
# the user's cgroup in the test's subtree; OOM_PLACE_WAIT s at most), so
# that it allocates under the limit. Sets HOG_PID, HOG_RC
# (137: killed by SIGKILL; 1: never placed), HOG_GO (ms: released, before
# its first allocation) and HOG_END (ms: seen dead).
oom_hog() {
	_u=$1
	shift
	OOM_NHOG=$((${OOM_NHOG:-0} + 1))
	_g=$T_TMP/gate$OOM_NHOG
	mkfifo "$_g" || return 1
	# read-write: opening does not wait for a writer
	(exec "$OOM_BUILD/tests/t-run-as-uid" "$_u" /bin/sh -c \
		'read _go; exec "$0" "$@"' "${OOM_HOG:-$OOM_BUILD/tests/t-memhog}" "$@" \
		<>"$_g" >/dev/null 2>&1) &
	HOG_PID=$!
	if t_wait "${OOM_PLACE_WAIT:-5}" grep -Eq \
		"${OOM_PLACED_RE:-(memory|^0:):/$OOM_SUB/user-$_u\$}" \
		"/proc/$HOG_PID/cgroup"; then
		HOG_GO=$(oom_now_ms)
		echo go >"$_g"
		wait "$HOG_PID"
		HOG_RC=$?
		HOG_END=$(oom_now_ms)
	else
		kill -KILL "$HOG_PID" 2>/dev/null
		wait "$HOG_PID"
		HOG_RC=1
	fi
	rm -f "$_g"
}

# oom_lines UID [LOG]: the oom event lines of UID in the event log.
oom_lines() {
	grep '"event":"oom"' "${2:-$OOM_LOG}" 2>/dev/null | grep "\"uid\":$1,"
}

# oom_count UID [LOG]: how many oom events UID has in the log.
oom_count() {
	oom_lines "$1" "${2:-$OOM_LOG}" | wc -l | tr -d ' '
}

# oom_field UID KEY: KEY's number in each oom event of UID, one a line.
oom_field() {
	oom_lines "$1" | sed -n "s/.*\"$2\":\([0-9][0-9]*\).*/\1/p"
}

# oom_event_ms UID: when UID's first oom event was made (ms, its
# time_usec), or nothing.
oom_event_ms() {
	oom_lines "$1" | head -1 | sed -n 's/.*"time_usec":\([0-9]*\)[0-9][0-9][0-9].*/\1/p'
}

# oom_counter UID: the kernel's oom_kill counter of UID's cgroup.
oom_counter() {
	for _f in /sys/fs/cgroup/memory/"$OOM_SUB"/user-"$1"/memory.oom_control \
		/sys/fs/cgroup/"$OOM_SUB"/user-"$1"/memory.events; do
		[ -f "$_f" ] || continue
		awk '$1 == "oom_kill" { print $2 }' "$_f"
		return
	done
	echo "?"
}

# oom_now_ms: CLOCK_REALTIME in milliseconds.
oom_now_ms() {
	_t=$(date +%s%N)
	echo $((_t / 1000000))
}
