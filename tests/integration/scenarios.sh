#!/bin/sh
# The scenarios (tests/scenarios/*.sh) on this host: every scenario whose
# "# backends:" line lists cgroup1 runs with CGFAIR_BACKEND=cgroup1, the
# machines we build on having the legacy/hybrid cgroup layout. The same
# scripts run in the VM tiers on cgroup2 and under systemd (tests/vm/).
#
# Each scenario runs in a session of its own, with a time limit
# (CGFAIR_SCENARIO_TIMEOUT, default 300 s); what it leaves running in that
# session, and cgroups named after it, are reported as failures and
# removed; so is the default subtree `cgfair`, should a scenario make it.
# CGFAIR_SCENARIOS="a b" runs only those.
. "$(dirname "$0")/../lib/t.sh"
t_need_root scenarios
sh "$T_TOP/tools/ensure-user.sh"
limit=${CGFAIR_SCENARIO_TIMEOUT:-300}
roots_before=$(ls -d /sys/fs/cgroup/*/cgfair 2>/dev/null)

# in_session SID: "pid comm" of the processes still in session SID (one
# cat: entries that vanish meanwhile do not stop it).
in_session() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v s="$1" '{
		c = $0; sub(/^[^(]*\(/, "", c); sub(/\)[^)]*$/, "", c)
		r = $0; sub(/.*\) /, "", r); split(r, f, " ")
		if (f[4] == s && f[1] != "Z") print $1, c }'
}

# running PID: PID (our child) has not exited yet.
running() {
	read -r _st 2>/dev/null <"/proc/$1/stat" || return 1
	_st=${_st##*) }
	[ "${_st%% *}" != Z ]
}
stopped() { ! running "$sid"; }

for s in "$T_TOP"/tests/scenarios/*.sh; do
	[ -f "$s" ] || continue
	b=$(sed -n '1,5s/^# backends://p' "$s" | head -1)
	case " $b " in *" cgroup1 "*) ;; *) continue ;; esac
	name=$(basename "$s" .sh)
	if [ -n "${CGFAIR_SCENARIOS:-}" ]; then
		case " $CGFAIR_SCENARIOS " in *" $name "*) ;; *) continue ;; esac
	fi
	out=$T_TMP/$name.log
	t0=$(date +%s)
	CGFAIR_BACKEND=cgroup1 setsid sh "$s" >"$out" 2>&1 </dev/null &
	sid=$!
	timedout=0
	while running "$sid"; do
		if [ "$(date +%s)" -ge $((t0 + limit)) ]; then
			timedout=1
			kill -TERM "-$sid" 2>/dev/null
			t_wait 5 stopped
			kill -KILL "-$sid" 2>/dev/null
			break
		fi
		sleep 0.2
	done
	wait "$sid"
	rc=$?
	awk -v p="cgroup1/$name/" '/^(PASS|FAIL|SKIP): / {
		print substr($0, 1, 6) p substr($0, 7) }' "$out"
	bad=""
	if [ $timedout = 1 ]; then
		bad="timed out after $limit s"
	elif [ $rc -ne 0 ] && ! grep -q '^FAIL: ' "$out"; then
		bad="exited $rc without a FAIL line"
	elif ! grep -q '^\(PASS\|FAIL\|SKIP\): ' "$out"; then
		bad="printed no PASS/FAIL/SKIP line"
	fi
	[ -z "$bad" ] || t_fail "cgroup1/$name" "$bad"
	left=$(in_session "$sid")
	if [ -n "$left" ]; then
		t_fail "cgroup1/$name/leftovers" \
			"still running: $(echo "$left" | tr '\n' ' ')"
		kill -KILL "-$sid" 2>/dev/null
		for p in $(echo "$left" | cut -d' ' -f1); do
			kill -KILL "$p" 2>/dev/null
		done
	fi
	# cgroups the scenario named after itself (tests/lib/t.sh's T_ID)
	cgs=$(find /sys/fs/cgroup -mindepth 2 -type d -name "*cgfair-t$sid*" \
		2>/dev/null | sort -r)
	if [ -n "$cgs" ]; then
		t_fail "cgroup1/$name/leftovers" "cgroups left: $(echo "$cgs" | tr '\n' ' ')"
		for cg in $cgs; do rmdir "$cg" 2>/dev/null; done
	fi
	if [ -n "$bad" ] || grep -q '^FAIL: ' "$out"; then
		echo "---- cgroup1/$name output ----"
		sed 's/^/  | /' "$out"
	fi
	echo "(cgroup1/$name: $(($(date +%s) - t0)) s)"
done

# The default subtree `cgfair` is the host's own installation's: no
# scenario may make it. One this run made is a failure; it is removed
# (when empty and no cgfaird runs) so that the host is left as it was.
for r in $(ls -d /sys/fs/cgroup/*/cgfair 2>/dev/null); do
	case "
$roots_before
" in *"
$r
"*) continue ;; esac
	t_fail "cgroup1/leftovers" "a scenario made the default subtree $r"
	pidof cgfaird >/dev/null 2>&1 || rmdir "$r" 2>/dev/null
done
exit 0
