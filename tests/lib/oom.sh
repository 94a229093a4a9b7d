# Helpers for the OOM tests (tests/scenarios/oom.sh, tests/integration/
# oom.sh, bench/oom-latency.sh), sourced after tests/lib/t.sh. POSIX sh and
# busybox applets only: the scenario also runs in the VM guests.
#
# They drive build/tests/t-oomd: the supervisor's worker table, OOM watcher
# pool (the real, sandboxed cgfair-oomwatch), events and backend, taking
# "add UID BYTES" / "move UID PID" / "remove UID" / "watchers" on a FIFO in
# place of the scanner and the control loop.

OOM_BUILD=${CGFAIR_BUILD:-$T_TOP/build}
OOMD=$OOM_BUILD/tests/t-oomd
OOM_SUB=$T_ID # our own cgroup subtree, removed at exit
OOM_LOG=$T_TMP/log/events.log
OOM_OUT=$T_TMP/oomd.out
OOM_ERR=$T_TMP/oomd.err
OOM_PID=""
OOM_NHOG=0

# oom_need NAME: skip (exit 0) unless root with the tools built.
oom_need() {
	t_need_root "$1"
	for _p in "$OOMD" "$OOM_BUILD/cgfair-oomwatch" \
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
	# another cgfaird that writes cgroups would move our hogs into its
	# own cgroups: wait a minute for it to end, else skip
	t_wait 60 oom_no_placer || {
		t_skip "$1" "another cgfaird (not --dry-run) is running"
		exit 0
	}
}

# oom_no_placer: true when no cgfaird but --dry-run ones runs.
oom_no_placer() {
	for _p in /proc/[0-9]*; do
		[ "$(cat "$_p/comm" 2>/dev/null)" = cgfaird ] || continue
		tr '\0' ' ' <"$_p/cmdline" 2>/dev/null | grep -q -e '--dry-run' ||
			return 1
	done
	return 0
}

# oom_start [T-OOMD ARGS...]: start t-oomd, wait for "ready".
oom_start() {
	mkfifo "$T_TMP/oomd.in" || return 1
	"$OOMD" --libexec "$OOM_BUILD" --subtree "$OOM_SUB" --log "$OOM_LOG" \
		"$@" <"$T_TMP/oomd.in" >"$OOM_OUT" 2>"$OOM_ERR" &
	OOM_PID=$!
	exec 8>"$T_TMP/oomd.in"
	t_cleanup "oom_stop"
	t_wait 15 grep -q '^ready$' "$OOM_OUT" || {
		echo "t-oomd did not become ready:"
		cat "$OOM_ERR"
		return 1
	}
}

# oom_cmd CMD...: send one command and wait for its answer (ok: status 0).
oom_cmd() {
	_n=$(wc -l <"$OOM_OUT")
	echo "$*" >&8
	t_wait 10 sh -c "[ \$(wc -l <'$OOM_OUT') -gt $_n ]" || {
		echo "t-oomd: no answer to '$*'"
		return 1
	}
	_a=$(sed -n "$((_n + 1))p" "$OOM_OUT")
	OOM_ANSWER=$_a
	case $_a in
	ok*) return 0 ;;
	*)
		echo "t-oomd: '$*': $_a"
		return 1
		;;
	esac
}

# oom_stop: EOF on the FIFO makes t-oomd remove its users, release the
# subtree and stop its workers; what is left is removed here.
oom_stop() {
	if [ -n "$OOM_PID" ]; then
		exec 8>&-
		t_wait 10 sh -c "! kill -0 $OOM_PID 2>/dev/null" ||
			kill -KILL "$OOM_PID" 2>/dev/null
		wait "$OOM_PID" 2>/dev/null
		OOM_PID=""
	fi
	oom_rm_subtree
}

# oom_rm_subtree: kill what runs in our subtree, remove its cgroups.
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

# oom_hog UID ARGS...: run t-memhog ARGS as UID inside the user's cgroup
# (moved there before it starts, through a FIFO gate) and wait for it.
# Sets HOG_PID and HOG_RC (137: killed by SIGKILL).
oom_hog() {
	_u=$1
	shift
	OOM_NHOG=$((OOM_NHOG + 1))
	_g=$T_TMP/gate$OOM_NHOG
	mkfifo "$_g" || return 1
	(
		read _x <"$_g"
		exec "$OOM_BUILD/tests/t-run-as-uid" "$_u" \
			"$OOM_BUILD/tests/t-memhog" "$@"
	) >/dev/null 2>&1 &
	HOG_PID=$!
	if ! oom_cmd "move $_u $HOG_PID"; then
		kill -KILL "$HOG_PID" 2>/dev/null
		echo go >"$_g" 2>/dev/null
		wait "$HOG_PID"
		HOG_RC=-1
		return 1
	fi
	echo go >"$_g"
	wait "$HOG_PID"
	HOG_RC=$?
	rm -f "$_g"
}

# oom_lines UID: the oom event lines of UID in the event log.
oom_lines() {
	grep '"event":"oom"' "${2:-$OOM_LOG}" 2>/dev/null | grep "\"uid\":$1,"
}

# oom_count UID [LOG]: how many oom events UID has in the log.
oom_count() {
	oom_lines "$1" "${2:-$OOM_LOG}" | wc -l | tr -d ' '
}

# oom_field UID KEY: KEY's number of each oom event of UID, one a line.
oom_field() {
	oom_lines "$1" | sed -n "s/.*\"$2\":\([0-9][0-9]*\).*/\1/p"
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
