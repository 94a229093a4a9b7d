#!/bin/sh
# Fuzz tier: libFuzzer on the IPC receive and decode path
# (tests/fuzz/fuzz_ipc.c) for FUZZ_SECONDS (default 30), seeded with one
# valid message of every type that the target itself writes.
#   PASS: fuzz/ipc (N execs, M/s)
#   FAIL: fuzz/ipc: why (reproducer PATH; rerun: BINARY PATH)
#   SKIP: fuzz/ipc: why            only when clang/libFuzzer is missing
# build/fuzz/corpus-ipc keeps what earlier runs found.
. "$(dirname "$0")/../lib/t.sh"
. "$(dirname "$0")/../lib/fuzz.sh"
cd "$T_TOP" || exit 2

NAME=fuzz/ipc
SECS=${FUZZ_SECONDS:-30}
FUZZ_CC=${FUZZ_CC:-clang}
OUT=$T_TOP/build/fuzz
BIN=$OUT/fuzz-ipc
SEEDS=$OUT/seeds-ipc
CORPUS=$OUT/corpus-ipc
ARTIFACTS=$OUT/artifacts
LOG=$OUT/fuzz-ipc.log

case $SECS in '' | *[!0-9]* | 0) SECS=1 ;; esac # 0 means forever to libFuzzer

if ! command -v "$FUZZ_CC" >/dev/null 2>&1; then
	t_skip "$NAME" "$FUZZ_CC is not installed (make deps)"
	exit 0
fi
cat >"$T_TMP/probe.c" <<'EOF'
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	(void)d;
	(void)n;
	return 0;
}
EOF
if ! "$FUZZ_CC" -fsanitize=fuzzer,address,undefined -o "$T_TMP/probe" \
	"$T_TMP/probe.c" >"$T_TMP/probe.log" 2>&1; then
	cat "$T_TMP/probe.log"
	t_skip "$NAME" "$FUZZ_CC -fsanitize=fuzzer does not link (libclang-rt-dev missing? make deps)"
	exit 0
fi

if ! make -s BUILD=build FUZZ_CC="$FUZZ_CC" fuzz; then
	t_fail "$NAME" "building $BIN failed"
	exit 1
fi

rm -rf "$SEEDS"
mkdir -p "$SEEDS" "$CORPUS" "$ARTIFACTS"
if ! FUZZ_IPC_SEEDS=$SEEDS "$BIN"; then
	t_fail "$NAME" "writing the seed corpus failed (a seed is not valid: update seed_payload in tests/fuzz/fuzz_ipc.c)"
	exit 1
fi

# -max_len above the receive buffer, so that MSG_TRUNC is reached
fuzz_run 4160 "" 30
