#!/bin/sh
# Fuzz tier: libFuzzer on the other parsers of untrusted input, each for
# FUZZ_SECONDS (default 30) from its committed seed corpus
# (tests/fuzz/seeds/NAME):
#   oomparse   the OOM watcher's /dev/kmsg and counter parsers (task and
#              cgroup names in the kernel's report are the users')
#   scanparse  the scanner's /proc and cgroup file parsers
#   config     the configuration loader: cgfair.conf, the seed's format,
#              users.d drop-ins
#   subuid     the scanner's /etc/subuid parser and the placement by it
# The seed's text commands go through the frontend's request parser
# (tests/fuzz/frontend.sh). One PASS/FAIL line each, as fuzz/NAME.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/../lib/fuzz.sh"
cd "$T_TOP" || exit 2

SECS=${FUZZ_SECONDS:-30}
FUZZ_CC=${FUZZ_CC:-clang}
OUT=$T_TOP/build/fuzz
ARTIFACTS=$OUT/artifacts
case $SECS in '' | *[!0-9]* | 0) SECS=1 ;; esac # 0 means forever to libFuzzer

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
	t_skip fuzz/parsers "$FUZZ_CC is not installed (make deps)"
	exit 0
fi
for t in oomparse scanparse config subuid; do
	NAME=fuzz/$t
	BIN=$OUT/fuzz-$t
	SEEDS=$T_TOP/tests/fuzz/seeds/$t
	CORPUS=$OUT/corpus-$t
	LOG=$OUT/fuzz-$t.log
	if ! make -s BUILD=build FUZZ_CC="$FUZZ_CC" "build/fuzz/fuzz-$t" >"$T_TMP/build.log" 2>&1; then
		cat "$T_TMP/build.log"
		t_fail "$NAME" "building $BIN failed"
		continue
	fi
	mkdir -p "$CORPUS" "$ARTIFACTS"
	# a subshell: fuzz_run exits on failure, the next target still runs
	(fuzz_run 8192 "$t-" 10)
done
exit 0
