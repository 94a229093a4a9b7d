#!/bin/sh
# cgfair test runner. Runs the tiers named on the command line (default:
# all of them) and closes with the line "N passed, N failed, N skipped".
#
# Every tier prints one line per case: "PASS: name", "FAIL: name: why" or
# "SKIP: name: why". Unit tests are cmocka programs; their own summary lines
# are counted. Everything a tier prints is kept in $LOGDIR.
set -u
cd "$(dirname "$0")/.." || exit 2
TOP=$(pwd)
export TOP
LOGDIR=${LOGDIR:-$TOP/build/test-logs}
mkdir -p "$LOGDIR"
tiers=${*:-format selinux hardening unit asan integration evil asan-integration fuzz vm}
pass=0 fail=0 skip=0

count() { # count FILE: add the file's PASS/FAIL/SKIP lines to the totals
	p=$(grep -c '^PASS: ' "$1")
	f=$(grep -c '^FAIL: ' "$1")
	s=$(grep -c '^SKIP: ' "$1")
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
}

run_cmocka() { # run_cmocka BUILD_DIR LABEL
	for t in "$1"/tests/unit-*; do
		[ -x "$t" ] || continue
		name="$2/$(basename "$t")"
		out="$LOGDIR/$(echo "$name" | tr / _).log"
		"$t" >"$out" 2>&1
		rc=$?
		# cmocka: "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)..."
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | head -1)
		p=${p:-0} f=${f:-0}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		pass=$((pass + p)) fail=$((fail + f))
		if [ "$f" -ne 0 ]; then
			echo "FAIL: $name ($f failed, rc $rc)"
			grep -E '^\[  (FAILED|  ERROR) *\]|^\[  ERROR   \]|ERROR|runtime error|Sanitizer' "$out" | head -20
		else
			echo "PASS: $name ($p tests)"
		fi
	done
}

run_scripts() { # run_scripts DIR LABEL: each script prints PASS/FAIL/SKIP
	for s in "$1"/*.sh; do
		[ -f "$s" ] || continue
		case " ${ONLY:-$(basename "$s" .sh)} " in
		*" $(basename "$s" .sh) "*) ;;
		*) continue ;;
		esac
		name="$2/$(basename "$s" .sh)"
		out="$LOGDIR/$(echo "$name" | tr / _).log"
		start=$(date +%s)
		sh "$s" >"$out" 2>&1
		rc=$?
		grep -E '^(PASS|FAIL|SKIP): ' "$out"
		count "$out"
		if [ "$rc" -ne 0 ] && ! grep -q '^FAIL: ' "$out"; then
			echo "FAIL: $name: exited $rc without a result line"
			tail -20 "$out"
			fail=$((fail + 1))
		elif grep -q '^FAIL: ' "$out"; then
			echo "---- $name log (last 40 lines) ----"
			tail -40 "$out"
		fi
		echo "($name: $(($(date +%s) - start)) s)"
	done
}

# fuzz_beside_vm: the fuzz tier (libFuzzer, one core, ~4 min of wall
# time that checks no timing) runs beside the vm tier instead of before
# it, under SCHED_IDLE: it takes only the CPU time the guests leave idle
# (they wait on cgfair's intervals much of the time), and a guest's vCPU
# preempts it at once. Saves the fuzz tier's minutes of a cold `make
# check` (issue 19: under 45 min on 2 cores). CGFAIR_FUZZ_BESIDE_VM=0
# runs it in turn.
fuzz_job=""
fuzz_beside_vm() {
	[ "${CGFAIR_FUZZ_BESIDE_VM:-1}" = 1 ] || return 1
	case " $tiers " in *" vm"*) ;; *) return 1 ;; esac
	command -v chrt >/dev/null 2>&1 && chrt -i 0 true 2>/dev/null
}
# job_output FILE TAG WHAT: the lines of a job run beside the runner
# (FILE, ended), and its closing "TAG-totals: P F S" added to the totals;
# without that line WHAT failed (the job died)
job_output() {
	_what=$3
	grep -v "^$2-totals: " "$1"
	set -- $(sed -n "s/^$2-totals: //p" "$1")
	if [ $# -eq 3 ]; then
		pass=$((pass + $1)) fail=$((fail + $2)) skip=$((skip + $3))
	else
		echo "FAIL: $_what ended without its totals"
		fail=$((fail + 1))
	fi
}
# fuzz_collect: the fuzz tier's lines and totals, once it has ended
fuzz_collect() {
	[ -n "$fuzz_job" ] || return 0
	echo "==== tier: fuzz (beside vm)"
	wait "$fuzz_job"
	job_output "$LOGDIR/fuzz-beside-vm.out" fuzz "fuzz: the tier"
	fuzz_job=""
}

# vm_lanes: the vm tier's guests two at a time (2 cores). Tier 1 (two
# vCPUs on two host threads: the multi-CPU cases) runs first, alone; then
# the systemd tiers, each one vCPU on one host thread (multi-threaded TCG
# froze them: tests/vm/README.md), in two lanes, one core each: tier 3
# beside tiers 5 and 4 (serial warm times 833 s; 520 + 477 s). A guest on
# one thread cannot use the second core, which sat idle (or ran the fuzz
# tier) for ~30 minutes of a serial run. The image cache has one lock
# (vm.sh: vm_lock): a cold run builds the images in turn, and a tier that
# needs an image being built waits for it; the PREFIX=/usr build the
# systemd tiers install is locked too (systemd-tier.sh). The fuzz tier
# runs beside tier 1 (SCHED_IDLE: what CPU the guest leaves) and the
# lanes wait for it.
# CGFAIR_VM_LANES=1 runs the tiers in turn.
VM_FIRST="tier1-cgroup2"
VM_LANE_A="tier3-selinux"
VM_LANE_B="tier5-trixie tier4-systemd-v1"
vm_lanes() {
	if [ "${CGFAIR_VM_LANES:-2}" = 1 ] || [ "$(nproc)" -lt 2 ]; then
		run_scripts tests/vm vm
		return
	fi
	for _n in $VM_FIRST; do
		ONLY=$_n run_scripts tests/vm vm
	done
	# the fuzz tier ends before the lanes: beside two busy guests its
	# idle-priority fuzzers got next to no CPU (fuzz/ipc 19,275 execs in
	# its 30 s instead of ~425,000)
	fuzz_collect
	# a tier named nowhere runs in lane B
	for _s in tests/vm/*.sh; do
		_n=$(basename "$_s" .sh)
		case " $VM_FIRST $VM_LANE_A $VM_LANE_B " in
		*" $_n "*) ;;
		*) VM_LANE_B="$VM_LANE_B $_n" ;;
		esac
	done
	for _lane in A B; do
		eval "_only=\$VM_LANE_$_lane"
		(
			pass=0 fail=0 skip=0
			# in the lane's order, not the directory's
			for _n in $_only; do
				ONLY=$_n run_scripts tests/vm vm
			done
			echo "lane-totals: $pass $fail $skip"
		) >"$LOGDIR/vm-lane-$_lane.out" 2>&1 &
		eval "_job_$_lane=\$!"
		echo "(vm lane $_lane: $_only, pid $!)"
	done
	for _lane in A B; do
		eval "wait \$_job_$_lane"
		echo "---- vm lane $_lane"
		job_output "$LOGDIR/vm-lane-$_lane.out" lane "vm: lane $_lane"
	done
}

for tier in $tiers; do
	echo "==== tier: $tier"
	t0=$(date +%s)
	case $tier in
	format)
		# the C sources follow .clang-format
		if out=$(clang-format --dry-run -Werror $(git ls-files '*.c' '*.h') 2>&1); then
			echo "PASS: format/clang-format"
			pass=$((pass + 1))
		else
			echo "FAIL: format/clang-format: run 'make format'"
			printf '%s\n' "$out" | grep 'warning:' | head -10
			fail=$((fail + 1))
		fi ;;
	selinux)
		# the policy module builds against the reference policy's
		# interfaces (the vm tier loads it and runs cgfair under it)
		if out=$(make -s selinux 2>&1); then
			echo "PASS: selinux/module: build/selinux/cgfair.pp, $(stat -c %s build/selinux/cgfair.pp) bytes"
			pass=$((pass + 1))
		else
			echo "FAIL: selinux/module: make selinux failed"
			printf '%s\n' "$out" | tail -10
			fail=$((fail + 1))
		fi ;;
	hardening)
		# the deployment as shipped: the unit's systemd-analyze
		# rating, the SELinux module's neverallow rules
		run_scripts tests/hardening hardening ;;
	unit) run_cmocka build unit ;;
	asan) run_cmocka build-asan asan ;;
	integration) CGFAIR_BUILD=$TOP/build run_scripts tests/integration integration ;;
	evil)
		# impostor workers (tests/evil/evil-*.c) attack the real
		# supervisor the way a compromised worker would
		CGFAIR_BUILD=$TOP/build run_scripts tests/evil evil ;;
	asan-integration)
		# the daemon itself under ASan/UBSan: a sanitizer report makes
		# it exit non-zero, which the tests check on every stop
		CGFAIR_BUILD=$TOP/build-asan CGFAIR_SCENARIOS="sandbox penalty" \
			ASAN_OPTIONS=abort_on_error=0:exitcode=66 \
			ONLY="foundation socket placement scenarios" \
			run_scripts tests/integration asan-integration ;;
	fuzz)
		if fuzz_beside_vm; then
			# started now, ended after the vm tier (fuzz_collect)
			(
				# this subshell's pid ($$ is the runner's): its
				# children inherit SCHED_IDLE
				chrt -i -p 0 "$(sh -c 'echo $PPID')"
				pass=0 fail=0 skip=0
				run_scripts tests/fuzz fuzz
				echo "fuzz-totals: $pass $fail $skip"
			) >"$LOGDIR/fuzz-beside-vm.out" 2>&1 &
			fuzz_job=$!
			echo "(fuzz: running beside the vm tier at idle priority, pid $fuzz_job)"
		else
			run_scripts tests/fuzz fuzz
		fi ;;
	vm) vm_lanes ;;
	vm-systemd)
		# not in the vm tier (tests/vm/pending/README.md)
		ONLY=$(cd tests/vm/pending && ls tier*-"${tier#vm-}".sh | sed 's/\.sh$//') \
			run_scripts tests/vm/pending vm ;;
	vm-cgroup2 | vm-selinux | vm-systemd-v1 | vm-trixie)
		# one VM tier (tests/vm/tierN-NAME.sh, e.g. vm-systemd-v1);
		# CGFAIR_VM_SCENARIOS picks its scenarios
		ONLY=$(cd tests/vm && ls tier*-"${tier#vm-}".sh | sed 's/\.sh$//') \
			run_scripts tests/vm vm ;;
	*) echo "unknown tier $tier" >&2; exit 2 ;;
	esac
	echo "==== tier $tier: $(($(date +%s) - t0)) s wall"
	case $tier in vm*) fuzz_collect ;; esac
done
fuzz_collect
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
