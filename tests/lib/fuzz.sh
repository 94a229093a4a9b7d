# libFuzzer run and report, for the fuzz tier's scripts (source after t.sh).
# Uses NAME BIN SECS CORPUS SEEDS ARTIFACTS LOG set by the caller.

# fuzz_run MAX_LEN ARTIFACT_PREFIX TAIL_LINES: run BIN for SECS seconds on
# CORPUS and SEEDS, then PASS with the exec count, or FAIL with the reason,
# the reproducer and the command to rerun it (exit 1).
fuzz_run() {
	echo "fuzzing for $SECS s: $BIN"
	"$BIN" -max_total_time="$SECS" -max_len="$1" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$ARTIFACTS/$2" "$CORPUS" "$SEEDS" >"$LOG" 2>&1
	_rc=$?
	_execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$LOG" | tail -1)
	_rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$LOG" | tail -1)
	tail -"$3" "$LOG"
	if [ "$_rc" -ne 0 ]; then
		_repro=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$LOG" | tail -1)
		_why=$(grep -m1 -E "^$(basename "$BIN" | tr - _): |runtime error|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)" "$LOG")
		t_fail "$NAME" "libFuzzer exited $_rc: ${_why:-see $LOG} (reproducer ${_repro:-none}; rerun: $BIN ${_repro:-})"
		exit 1
	fi
	if [ -z "$_execs" ] || [ "$_execs" -eq 0 ]; then
		t_fail "$NAME" "no executions (see $LOG)"
		exit 1
	fi
	t_pass "$NAME ($_execs execs, $_rate/s)"
}
