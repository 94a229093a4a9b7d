# Start and stop a cgfaird of the test's own (source after t.sh).
# daemon_start [ARGS...]: runs $CGFAIR_BUILD/cgfaird --foreground ARGS in
# the background, its output in $DLOG, its pid in $DPID; stopped at exit.
DLOG="$T_TMP/cgfaird.log"
DPID=""

daemon_start() {
	"$CGFAIR_BUILD/cgfaird" --foreground "$@" >>"$DLOG" 2>&1 &
	DPID=$!
	t_cleanup "daemon_stop"
	if ! t_wait 10 grep -q "ready: all workers answered" "$DLOG"; then
		echo "cgfaird did not become ready; its log:"
		cat "$DLOG"
		return 1
	fi
}

# daemon_stop: SIGTERM, wait up to 5 s, then SIGKILL the whole family.
daemon_stop() {
	[ -n "$DPID" ] || return 0
	kids=$(ps -o pid= --ppid "$DPID" 2>/dev/null)
	kill -TERM "$DPID" 2>/dev/null
	t_wait 5 sh -c "! kill -0 $DPID" || kill -KILL "$DPID" $kids 2>/dev/null
	wait "$DPID" 2>/dev/null
	DPID=""
}
