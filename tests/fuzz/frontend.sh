#!/bin/sh
# Fuzz tier: libFuzzer on the frontend's request parser
# (tests/fuzz/fuzz_frontend.c), the code that reads every byte a client of
# the socket sends, for FUZZ_SECONDS (default 30), seeded with valid and
# broken requests of both syntaxes.
#   PASS: fuzz/frontend (N execs, M/s)
#   FAIL: fuzz/frontend: why (reproducer PATH)
#   SKIP: fuzz/frontend: why        only when clang/libFuzzer is missing
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/../lib/fuzz.sh"
cd "$T_TOP" || exit 2

NAME=fuzz/frontend
SECS=${FUZZ_SECONDS:-30}
FUZZ_CC=${FUZZ_CC:-clang}
OUT=$T_TOP/build/fuzz
BIN=$OUT/fuzz-frontend
SEEDS=$OUT/seeds-frontend
CORPUS=$OUT/corpus-frontend
ARTIFACTS=$OUT/artifacts
LOG=$OUT/fuzz-frontend.log

case $SECS in '' | *[!0-9]* | 0) SECS=1 ;; esac # 0 means forever to libFuzzer

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
	t_skip "$NAME" "$FUZZ_CC is not installed (make deps)"
	exit 0
fi
if ! make -s BUILD=build FUZZ_CC="$FUZZ_CC" build/fuzz/fuzz-frontend >"$T_TMP/build.log" 2>&1; then
	cat "$T_TMP/build.log"
	if grep -q 'fsanitize=fuzzer' "$T_TMP/build.log"; then
		t_skip "$NAME" "$FUZZ_CC -fsanitize=fuzzer does not link (make deps)"
		exit 0
	fi
	t_fail "$NAME" "building $BIN failed"
	exit 1
fi

rm -rf "$SEEDS"
mkdir -p "$SEEDS" "$CORPUS" "$ARTIFACTS"
n=0
while IFS= read -r line; do
	n=$((n + 1))
	printf '%s' "$line" >"$SEEDS/seed-$n"
done <<'SEEDS'
{"cmd":"status"}
{"cmd":"status","user":"alice"}
{"cmd":"penalty","uid":1000,"seconds":"30m"}
{"cmd":"release","uid":"1000"}
{"cmd":"limit","uid":1000,"cpu":"150%","memory":"1.5G"}
{"cmd":"limit","user":"bob","cpu":1.25,"memory":4294967296}
{"cmd":"limit-clear","uid":1000}
{"cmd":"events"}
{"cmd":"metrics"}
{"cmd":"reload"}
{"cmd":"config"}
{"cmd":"version"}
{"cmd":"penalty","uid":-1,"seconds":0,"x":[1,{"y":null}]}
{"cmd":"st\u00e9"} trailing
help
list --cgroup all
list --cgroup=names
list --cgroup user-1000.slice,cg_1001,1002
list --config
set cgroup user-1000.slice --cpulimit 150 --memlimit 2G --penaltybox on
set cgroup cg_1000 --default=yes --penaltybox=off
set option --interval 5
{"event":"oom","uid":1000,"UID":"1000"}
SEEDS

fuzz_run 4096 "frontend-" 20
