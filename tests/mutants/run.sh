#!/bin/sh
# Mutation check (make mutants; not part of make check: it rebuilds and runs
# a tier once per mutant). Each tests/mutants/*.patch is one plausible bug:
# a few "# key: value" header lines, then a unified diff for `patch -p1`.
# See README.md in this folder for the format.
#
# For every mutant: copy the tree (tracked and untracked, not ignored
# files, plus the current build/ so that make rebuilds only what the patch
# touches) to a scratch directory, apply the patch there, rebuild, run the
# tier it names through tests/run.sh under that tier's lock, and report
#   CAUGHT: name (tier, N s)      the tier failed: the guarantee is guarded
#   SURVIVED: name (tier, N s)    the tier passed with the bug in place
#   ERROR: name: why              the patch no longer applies / does not
#                                 build / has no tier: fix the mutant
# then "score: C/N caught, S survived, E errors, T s". Exits non-zero
# unless every mutant was caught. MUTANTS="a b" runs only those (names
# without .patch). Logs: build/mutants/NAME.log.
#
# --check (make mutants-check, seconds): only whether every patch still
# applies to this tree and has its header; nothing is built or run.
set -u
cd "$(dirname "$0")/../.." || exit 2
TOP=$(pwd)
LOGS=$TOP/build/mutants
mkdir -p "$LOGS"

# header FILE KEY: the value of the "# KEY:" line before the diff
header() {
	sed -n '/^[^#]/q; s/^# '"$2"': *//p' "$1" | head -1
}

# lock_for TIER: the lock file a tier's run must hold ("" for none)
lock_for() {
	case $1 in
	unit | asan | format | selinux | hardening | fuzz) echo "" ;;
	vm*) echo /tmp/cgfair-vm.lock ;;
	*) echo /tmp/cgfair-host.lock ;;
	esac
}

# build_for TIER DIR: build in DIR what the tier runs
build_for() {
	case $1 in
	format) true ;;
	selinux) make -C "$2" -s selinux ;;
	asan | asan-integration)
		make -C "$2" -s -j"$(nproc)" BUILD=build-asan SANITIZE=1 tests ;;
	*) make -C "$2" -s -j"$(nproc)" tests ;;
	esac
}

# copy_tree DIR BUILDS: the sources as they are in this worktree, and the
# build directories BUILDS
copy_tree() {
	# (a file deleted but not yet committed is listed and left out)
	git ls-files --cached --others --exclude-standard |
		while read -r f; do [ -e "$f" ] && echo "$f"; done |
		cpio -pdm --quiet "$1" || return 1
	for b in $2; do
		[ -d "$b" ] || continue
		mkdir -p "$1/$b"
		# everything but earlier mutant logs and test logs
		(cd "$b" && find . -path ./mutants -prune -o -path ./test-logs \
			-prune -o -print0 | cpio -0pdm --quiet "$1/$b") || return 1
	done
}

# run_one NAME: one mutant; prints its result line, returns 0 when caught
run_one() {
	m=$1
	p=$TOP/tests/mutants/$m.patch
	log=$LOGS/$m.log
	: >"$log"
	if [ ! -f "$p" ]; then
		echo "ERROR: $m: no tests/mutants/$m.patch"
		return 1
	fi
	tier=$(header "$p" tier)
	only=$(header "$p" only)
	if [ -z "$tier" ] || [ -z "$(header "$p" guards)" ]; then
		echo "ERROR: $m: header lacks '# tier:' or '# guards:'"
		return 1
	fi
	t0=$(date +%s)
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/cgfair-mutant-$m.XXXXXX")
	# the workers run as the cgfair user: they must reach their binaries
	chmod 0755 "$scratch"
	# shellcheck disable=SC2064
	trap "rm -rf '$scratch'" EXIT
	trap 'exit 130' INT TERM
	r=0
	case $tier in
	asan*) builds=build-asan ;;
	*) builds=build ;;
	esac
	if ! copy_tree "$scratch" "$builds" >>"$log" 2>&1; then
		echo "ERROR: $m: could not copy the tree to $scratch"
		r=1
	elif ! patch -d "$scratch" -p1 --dry-run -s <"$p" >>"$log" 2>&1; then
		echo "ERROR: $m: patch does not apply to this tree (update it)"
		r=1
	elif ! patch -d "$scratch" -p1 -s <"$p" >>"$log" 2>&1 ||
		! build_for "$tier" "$scratch" >>"$log" 2>&1; then
		echo "ERROR: $m: does not build with the patch (see $log)"
		r=1
	else
		lock=$(lock_for "$tier")
		set -- env ONLY="$only" CGFAIR_SCENARIOS="$only" \
			CGFAIR_VM_SCENARIOS="$only" \
			LOGDIR="$scratch/build/test-logs" sh "$scratch/tests/run.sh" "$tier"
		[ -z "$lock" ] || set -- flock "$lock" "$@"
		echo "== $* (in $scratch)" >>"$log"
		"$@" >>"$log" 2>&1
		rc=$?
		tr=$(tail -1 "$log")
		# caught: a check failed. A VM tier that passed nothing, not
		# even the guest's sanity checks, failed in its set-up (the
		# packages, the payload), which says nothing of the mutant
		setup_failed=""
		case $tier in vm*) echo "$tr" | grep -q '^0 passed' && setup_failed=1 ;; esac
		if [ "$rc" -ne 0 ] && grep -q '^FAIL: ' "$log" && [ -z "$setup_failed" ]; then
			echo "CAUGHT: $m ($tier${only:+ $only}, $(($(date +%s) - t0)) s: $tr)"
		elif [ "$rc" -ne 0 ]; then
			echo "ERROR: $m: tier $tier exited $rc with no check passed or no FAIL line: its set-up failed (see $log)"
			r=1
		else
			echo "SURVIVED: $m ($tier${only:+ $only}, $(($(date +%s) - t0)) s: $tr)"
			r=1
		fi
	fi
	rm -rf "$scratch"
	trap - EXIT
	return $r
}

# check_one NAME: the patch applies here and has its header
check_one() {
	p=tests/mutants/$1.patch
	if [ ! -f "$p" ]; then
		echo "ERROR: $1: no $p"
	elif [ -z "$(header "$p" tier)" ] || [ -z "$(header "$p" guards)" ]; then
		echo "ERROR: $1: header lacks '# tier:' or '# guards:'"
	elif ! patch -p1 --dry-run -s <"$p" >/dev/null 2>&1; then
		echo "ERROR: $1: patch does not apply to this tree (update it)"
	else
		echo "APPLIES: $1"
		return 0
	fi
	return 1
}

names=${MUTANTS:-$(for f in tests/mutants/*.patch; do
	[ -f "$f" ] && basename "$f" .patch; done)}
if [ -z "$names" ]; then
	echo "no mutants in tests/mutants/" >&2
	exit 2
fi
if [ "${1:-}" = --check ]; then
	bad=0
	for n in $names; do check_one "$n" || bad=$((bad + 1)); done
	[ "$bad" -eq 0 ]
	exit
fi
start=$(date +%s)
# the copies start from an up-to-date build, so each rebuilds little
{ make -s -j"$(nproc)" tests &&
	{ [ ! -d build-asan ] || make -s -j"$(nproc)" BUILD=build-asan SANITIZE=1 tests; }; } \
	>"$LOGS/baseline-build.log" 2>&1 ||
	{ echo "ERROR: the unpatched tree does not build (see $LOGS/baseline-build.log)"; exit 2; }
total=0 caught=0 survived=0 errors=0
for n in $names; do
	total=$((total + 1))
	res=$(run_one "$n")
	echo "$res"
	case $res in
	CAUGHT:*) caught=$((caught + 1)) ;;
	SURVIVED:*) survived=$((survived + 1)) ;;
	*) errors=$((errors + 1)) ;;
	esac
done
echo "score: $caught/$total caught, $survived survived, $errors errors, $(($(date +%s) - start)) s"
[ "$caught" -eq "$total" ]
