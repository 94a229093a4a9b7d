# Helpers for the scenario scripts (tests/scenarios/*.sh), sourced after
# tests/lib/t.sh. The same scenario runs on this host (cgroup1), in the
# busybox guest (cgroup2) and in the systemd guest (systemd): only POSIX
# sh and busybox applets here, no procps, no bash.
#
# Environment: CGFAIR_BACKEND (cgroup1|cgroup2|systemd), CGFAIR_BUILD (the
# build directory, for the direct backends), CGFAIR_TEST_UIDS (uids the
# scenario may run processes as; default three high, unused uids).

SCN_BACKEND=${CGFAIR_BACKEND:-cgroup1}
SCN_TOOLS=$T_TOP/build/tests
[ -x "$SCN_TOOLS/t-spin" ] || SCN_TOOLS=$CGFAIR_BUILD/tests
SCN_UIDS=${CGFAIR_TEST_UIDS:-61001 61002 61003}
DPID=""
DLOG=$T_TMP/cgfaird.log
# systemd on the legacy hierarchies (CentOS 7 style, VM tier 4): one
# hierarchy per controller, and v1's files and D-Bus properties
# (MemoryLimit, CPUShares) instead of v2's
SCN_SD_V1=0
[ "$SCN_BACKEND" != systemd ] || [ -e /sys/fs/cgroup/cgroup.controllers ] ||
	SCN_SD_V1=1

# scn_cg_root [CONTROLLER]: the mount of systemd's cgroup tree; on v1,
# of CONTROLLER's hierarchy (default: systemd's own, name=systemd).
scn_cg_root() {
	if [ "$SCN_SD_V1" = 1 ]; then
		echo "/sys/fs/cgroup/${1:-systemd}"
	else
		echo /sys/fs/cgroup
	fi
}

# scn_slice_dir UID [CONTROLLER]: user-UID.slice's cgroup directory.
scn_slice_dir() { echo "$(scn_cg_root "${2:-}")/user.slice/user-$1.slice"; }

# scn_in_slice PID UID: PID is in user-UID.slice or below; on v1 in the
# cpu, cpuacct and memory hierarchies each (where the limits are).
scn_in_slice() {
	if [ "$SCN_SD_V1" = 1 ]; then
		for _c in cpu cpuacct memory; do
			grep -Eq "^[0-9]+:([^:]*,)?$_c(,[^:]*)?:/user.slice/user-$2.slice(/.*)?\$" \
				"/proc/$1/cgroup" || return 1
		done
	else
		grep -Eq "^0::/user.slice/user-$2.slice(/.*)?\$" "/proc/$1/cgroup"
	fi
}

# scn_memory_prop: the slice's memory limit property (v1 MemoryLimit)
scn_memory_prop() {
	if [ "$SCN_SD_V1" = 1 ]; then echo MemoryLimit; else echo MemoryMax; fi
}

# Where cgfaird keeps its state, event log and socket. Under systemd it
# runs from its unit as installed (ProtectSystem=strict, PrivateTmp=): it
# sees no /tmp of ours and writes only its own directories, which carry
# the SELinux module's labels too; what a scenario leaves there goes at
# exit, and a previous scenario's before it starts. Elsewhere: the test's
# own directory.
if [ "$SCN_BACKEND" = systemd ]; then
	SCN_STATE=/var/lib/cgfair
	SCN_EVLOG=/var/log/cgfair/events.log
	SCN_SOCK=/run/cgfair/cgfair.sock
	scn_clean_unit_dirs() {
		rm -f "$SCN_STATE"/*.json "${SCN_EVLOG%/*}"/*.log
	}
	scn_clean_unit_dirs
	t_cleanup scn_clean_unit_dirs
else
	SCN_STATE=$T_TMP/state
	SCN_EVLOG=$T_TMP/events.log
	SCN_SOCK=$T_TMP/cgfair.sock
fi

# scn_status_field PID KEY: the value of "KEY:" in /proc/PID/status.
scn_status_field() {
	awk -v k="$2:" '$1 == k { $1 = ""; print substr($0, 2) }' \
		"/proc/$1/status" 2>/dev/null
}

# scn_children PID: "pid comm" of PID's children, from /proc. One cat and
# one awk for the whole process table: a process per entry is slow under
# emulation. cat goes on past entries that vanish meanwhile.
scn_children() {
	cat /proc/[0-9]*/status 2>/dev/null | awk -v p="$1" '
		$1 == "Name:" { n = $2 }
		$1 == "Pid:" { pid = $2 }
		$1 == "PPid:" && $2 == p { print pid, n }'
}

# scn_child_pid PID NAME: the first child of PID called NAME.
scn_child_pid() {
	scn_children "$1" | awk -v n="$2" '$2 == n { print $1; exit }'
}

# scn_count_children PID: how many children PID has.
scn_count_children() { scn_children "$1" | wc -l; }

# scn_start [ARGS...]: start cgfair the backend's way and wait until it is
# ready. Direct backends: $CGFAIR_BUILD/cgfaird --foreground ARGS, logging
# to $DLOG. systemd: systemctl start cgfaird (Type=notify: returns once
# READY=1 came). Sets DPID; stopped at exit.
scn_start() {
	t_cleanup "scn_stop"
	if [ "$SCN_BACKEND" = systemd ]; then
		# bounded: the unit's own start timeout (90 s) fails a start
		# that never reports ready; this one covers systemctl itself
		timeout 150 systemctl start cgfaird.service || {
			echo "systemctl start cgfaird.service failed or did not end in 150 s (status $?):"
			timeout 10 systemctl status --no-pager -n 0 cgfaird.service
			scn_journal
			return 1
		}
		DPID=$(systemctl show -p MainPID --value cgfaird.service)
		[ -n "$DPID" ] && [ "$DPID" != 0 ]
		return
	fi
	# the log is appended to: wait for this start's own ready line, not
	# an earlier start's (a stop sent before the signal handlers are set
	# up would kill it)
	_ready=$(grep -c "ready: all workers answered" "$DLOG" 2>/dev/null)
	"$CGFAIR_BUILD/cgfaird" --foreground "$@" >>"$DLOG" 2>&1 &
	DPID=$!
	if ! t_wait 20 sh -c "[ \$(grep -c 'ready: all workers answered' '$DLOG') -gt ${_ready:-0} ]"; then
		echo "cgfaird did not become ready; its log:"
		cat "$DLOG"
		return 1
	fi
}

# scn_stop: SIGTERM (systemctl stop under systemd); after 10 s, SIGKILL
# the supervisor and what is left of its workers.
scn_stop() {
	[ -n "$DPID" ] || return 0
	_kids=$(scn_children "$DPID" | awk '{ print $1 }')
	if [ "$SCN_BACKEND" = systemd ]; then
		timeout 150 systemctl stop cgfaird.service ||
			t_fail "cgfaird stops" "systemctl stop cgfaird.service failed or did not end in 150 s"
	else
		kill -TERM "$DPID" 2>/dev/null
		t_wait 10 sh -c "! kill -0 $DPID" ||
			kill -KILL "$DPID" $_kids 2>/dev/null
		wait "$DPID" 2>/dev/null
		_rc=$?
		# a clean stop is status 0; a sanitizer build reports here too
		[ "$_rc" = 0 ] || t_fail "cgfaird stops cleanly" "exit status $_rc"
		! grep -qE 'Sanitizer|runtime error' "$DLOG" ||
			t_fail "no sanitizer report" "$(grep -E -m3 'Sanitizer|runtime error' "$DLOG")"
	fi
	DPID=""
}

# scn_log: cgfaird's log (its own output, or the unit's journal).
scn_log() {
	if [ "$SCN_BACKEND" = systemd ]; then
		scn_journal
	else
		cat "$DLOG"
	fi
}
scn_journal() {
	journalctl -b --no-pager -u cgfaird.service | tail -50
}

# scn_remove_subtree NAME: at exit, after everything else (register it
# first), remove what a direct backend left of the subtree NAME: user
# cgroups the daemon kept because the test's processes were still in them.
scn_remove_subtree() {
	[ "$SCN_BACKEND" = systemd ] && return 0
	t_cleanup "scn_rmdir_subtree '$1'"
}
scn_rmdir_subtree() {
	for _d in /sys/fs/cgroup/*/"$1" /sys/fs/cgroup/"$1"; do
		[ -d "$_d" ] || continue
		for _u in "$_d"/user-*; do
			[ -d "$_u" ] && t_wait 5 rmdir "$_u"
		done
		rmdir "$_d"
	done
}

# scn_cap_cores SUBTREE UID: the CPU cap in force for UID, in CPUs with two
# decimals, or "none" (the direct backends' SUBTREE/user-UID, or systemd's
# user-UID.slice).
scn_cap_cores() {
	case $SCN_BACKEND in
	cgroup1)
		q=$(cat "/sys/fs/cgroup/cpu/$1/user-$2/cpu.cfs_quota_us" 2>/dev/null)
		p=$(cat "/sys/fs/cgroup/cpu/$1/user-$2/cpu.cfs_period_us" 2>/dev/null) ;;
	cgroup2)
		read -r q p <"/sys/fs/cgroup/$1/user-$2/cpu.max" ;;
	systemd)
		v=$(systemctl show -p CPUQuotaPerSecUSec --value "user-$2.slice")
		case $v in
		infinity) q=-1 p=1 ;;
		*ms) q=${v%ms} p=1000 ;;
		*s) q=$(awk -v v="${v%s}" 'BEGIN { print v * 1000 }') p=1000 ;;
		esac ;;
	esac
	case $q in -1 | max | "") echo none ;; *) awk -v q="$q" -v p="$p" 'BEGIN { printf "%.2f", q / p }' ;; esac
}

# scn_cg_ticks SUBTREE UID: the CPU time of UID's cgroup in 1/100 s, from
# the cgroup's own accounting (exact; /proc's tick sampling is coarse
# under emulation): the direct backends' SUBTREE/user-UID, or systemd's
# user-UID.slice.
scn_cg_ticks() {
	case $SCN_BACKEND in
	cgroup1) awk '{ printf "%d", $1 / 10000000 }' "/sys/fs/cgroup/cpuacct/$1/user-$2/cpuacct.usage" ;;
	cgroup2) awk '$1 == "usage_usec" { printf "%d", $2 / 10000 }' "/sys/fs/cgroup/$1/user-$2/cpu.stat" ;;
	systemd)
		if [ "$SCN_SD_V1" = 1 ]; then
			awk '{ printf "%d", $1 / 10000000 }' "$(scn_slice_dir "$2" cpuacct)/cpuacct.usage"
		else
			awk '$1 == "usage_usec" { printf "%d", $2 / 10000 }' "$(scn_slice_dir "$2")/cpu.stat"
		fi ;;
	esac
}

# scn_login NAME TTYLOG: NAME logs in through PAM, as at a terminal: su in
# a pty of script(1)'s, which keeps what the pty shows in TTYLOG;
# pam_systemd registers a logind session. Sets SCN_PTY (pts/N, empty when
# logind shows no session with a pty within 30 s), made the user's, group
# tty, mode 0620, as login(1) would (su leaves it root's): mesg y. The
# script's end at exit hangs the pty up, su and its shell go with it.
scn_login() {
	script -qfec "su -s /bin/sh -c 'sleep 600' $1" "$2" </dev/null >/dev/null 2>&1 &
	t_cleanup "kill $! 2>/dev/null; t_wait 10 sh -c '! kill -0 $!' || kill -9 $! 2>/dev/null"
	t_wait 30 sh -c "[ -n \"\$(loginctl list-sessions --no-legend | awk -v u='$1' '\$3 == u')\" ]"
	SCN_PTY=$(for _s in $(loginctl list-sessions --no-legend | awk -v u="$1" '$3 == u { print $1 }'); do
		loginctl show-session -p TTY --value "$_s"
	done | grep -m1 '^pts/')
	[ -z "$SCN_PTY" ] || {
		chown "$1:tty" "/dev/$SCN_PTY" && chmod 0620 "/dev/$SCN_PTY"
	}
}

# scn_oom_kill UID: an OOM kill in UID's slice under systemd: a 2 GiB hog
# (more than the default limit, a quarter of the guest's RAM) run as UID
# allocates once cgfaird has adopted it into user-UID.slice (20 s at
# most). Returns the hog's status (137: killed).
scn_oom_kill() {
	"$SCN_TOOLS/t-run-as-uid" "$1" /bin/sh -c 'i=0
		while ! grep -q "user-$1.slice" /proc/$$/cgroup && [ $i -lt 200 ]; do
			sleep 0.1; i=$((i + 1))
		done
		shift; exec "$@"' hog "$1" "$SCN_TOOLS/t-memhog" -t 8 2048 \
		>/dev/null 2>&1
}

# scn_oom_spare UID COMM...: UID's processes named COMM are never the OOM
# killer's pick (oom_score_adj -1000): what shares the user's slice with a
# scenario's hog but is not what the scenario counts (the user's manager,
# its session bus, a test service).
scn_oom_spare() {
	_u=$1
	shift
	for _c in "$@"; do
		for _p in $(pgrep -u "$_u" -x "$_c"); do
			echo -1000 >"/proc/$_p/oom_score_adj"
		done
	done
}
