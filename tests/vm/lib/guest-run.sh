#!/bin/sh
# guest-run.sh BACKEND [ALSO]: run inside a VM guest every scenario whose
# "# backends:" line lists BACKEND (or ALSO; each runs with
# CGFAIR_BACKEND=BACKEND), and write the result channel that the
# host's report.awk reads:
#   @@ BEGIN name / output / @@ END name rc=N secs=N timeout=0|1
#   @@ LOG title / lines          (guest logs, when something failed)
#   @@ DONE scenarios=N fails=N
# Exits 0 when every scenario passed. Must run under busybox sh.
set -u
backend=$1
also=${2:-$1}
root=$(cd "$(dirname "$0")/../../.." && pwd)
# vm.env (written by the host): CGFAIR_VM_SCENARIOS, CGFAIR_VM_BENCH,
# CGFAIR_SCENARIO_TIMEOUT, CGFAIR_TEST_UIDS, in the systemd tiers
# CGFAIR_VM_SKIP (scenarios the tier leaves out unless CGFAIR_VM_SCENARIOS
# names them) and, in tier 1, CGFAIR_BUILD; all exported.
unset CGFAIR_BUILD
CGFAIR_VM_SCENARIOS="" CGFAIR_VM_BENCH="" CGFAIR_SCENARIO_TIMEOUT=300
set -a
. "$root/tests/vm/lib/vm.env"
set +a
limit=$CGFAIR_SCENARIO_TIMEOUT
n=0 fails=0

# leftovers SID: "pid:comm" of the live processes in session SID, and of
# cgfair's own wherever they are (one cat, one awk: a process per /proc
# entry is slow under TCG; cat goes on past entries that vanish).
leftovers() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v s="$1" '{
		c = $0; sub(/^[^(]*\(/, "", c); sub(/\)[^)]*$/, "", c)
		r = $0; sub(/.*\) /, "", r); split(r, f, " ")
		if (f[1] != "Z" && (f[4] == s || c ~ /^cgfair(d|-)/))
			print $1 ":" c }'
}

# running PID: our child PID has not exited yet (a zombie has).
# No fork: this runs five times a second.
running() {
	read -r st 2>/dev/null <"/proc/$1/stat" || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

# tests/lib/t.sh's t_wait uses date +%s%N. Busybox's date has no %N and
# busybox sh runs its own applets ahead of PATH, so where that bites, the
# scenario runs with a date() function that calls coreutils' date (tier 1
# ships it as /usr/lib/cgfair-vm/date).
pre=""
case $(date +%N) in
*N*) [ -x /usr/lib/cgfair-vm/date ] &&
	pre='date() { /usr/lib/cgfair-vm/date "$@"; }; ' ;;
esac

# the scenarios, or the benches asked for (bench/systemd-scale.sh)
scripts="$root/tests/scenarios/*.sh"
if [ -n "${CGFAIR_VM_BENCH:-}" ]; then
	scripts=""
	for b in $CGFAIR_VM_BENCH; do scripts="$scripts $root/bench/$b.sh"; done
fi
for s in $scripts; do
	[ -f "$s" ] || continue
	b=$(sed -n '1,5s/^# backends://p' "$s" | head -1)
	case " $b " in *" $backend "* | *" $also "*) ;; *) continue ;; esac
	name=$(basename "$s" .sh)
	if [ -n "$CGFAIR_VM_SCENARIOS" ]; then
		case " $CGFAIR_VM_SCENARIOS " in *" $name "*) ;; *) continue ;; esac
	else
		case " ${CGFAIR_VM_SKIP:-} " in *" $name "*) continue ;; esac
	fi
	n=$((n + 1))
	echo "@@ BEGIN $name"
	t0=$(date +%s)
	# A session of its own (setsid does not fork here: a background job
	# of a non-interactive shell leads no process group), so that a
	# timeout stops the whole scenario and what it leaves is found.
	# Output goes straight to the channel: a guest that dies mid-way
	# still shows how far the scenario got.
	TOP=$root CGFAIR_BACKEND=$backend setsid sh -c "$pre. \"\$0\"" "$s" \
		</dev/null 2>&1 &
	sid=$!
	to=0
	# a scenario may ask for more ("# timeout: SECONDS" in its header)
	lim=$(sed -n '1,5s/^# timeout: *\([0-9][0-9]*\)$/\1/p' "$s" | head -1)
	deadline=$((t0 + ${lim:-$limit}))
	while running $sid; do
		if [ "$(date +%s)" -ge $deadline ]; then
			to=1
			kill -TERM -$sid 2>/dev/null
			i=0
			while running $sid && [ $i -lt 25 ]; do
				sleep 0.2
				i=$((i + 1))
			done
			kill -KILL -$sid 2>/dev/null
			break
		fi
		sleep 0.2
	done
	# a process in uninterruptible sleep outlives SIGKILL, and an
	# unbounded wait on it would block the whole run: 10 s, then say so
	i=0
	while running $sid && [ $i -lt 50 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	if running $sid; then
		echo "FAIL: $name/killed: its session is still there 10 s after SIGKILL (uninterruptible sleep):"
		ps -s $sid -o pid,stat,wchan:28,args 2>&1 | head -20
		rc=137
	else
		wait $sid
		rc=$?
	fi
	secs=$(($(date +%s) - t0))
	if command -v systemctl >/dev/null 2>&1 &&
		systemctl is-active -q cgfaird.service; then
		echo "FAIL: leftovers: cgfaird.service still active; stopping it"
		timeout 120 systemctl stop cgfaird.service ||
			echo "FAIL: leftovers: systemctl stop cgfaird.service did not end in 120 s"
		[ "$rc" -ne 0 ] || rc=1
	fi
	# What the scenario left: its session, and cgfair's processes wherever
	# they went.
	left=$(leftovers $sid)
	if [ -n "$left" ]; then
		left=$(echo "$left" | sort -u | tr '\n' ' ')
		echo "FAIL: leftovers: still running after the scenario: $left"
		for p in $left; do kill -9 "${p%%:*}" 2>/dev/null; done
		[ "$rc" -ne 0 ] || rc=1
	fi
	echo "@@ END $name rc=$rc secs=$secs timeout=$to"
	[ "$rc" -eq 0 ] || fails=$((fails + 1))
done

if [ "$fails" -ne 0 ] || [ "$n" -eq 0 ]; then
	echo "@@ LOG kernel (last 40 lines)"
	dmesg | tail -40
	if command -v journalctl >/dev/null 2>&1; then
		echo "@@ LOG journal: cgfaird.service"
		journalctl -b --no-pager -u cgfaird.service | tail -100
		echo "@@ LOG journal (last 100 lines)"
		journalctl -b --no-pager | tail -100
		echo "@@ LOG failed units"
		systemctl --failed --no-pager
	fi
fi
echo "@@ DONE scenarios=$n fails=$fails"
[ "$fails" -eq 0 ] && [ "$n" -gt 0 ]
