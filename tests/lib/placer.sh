# placer_running: another cgfaird that writes cgroups (not --dry-run), or
# a cgrulesengd, runs here and would place a test's or bench's processes
# too. Sourced by tests/integration/placement.sh and bench/*.sh.
placer_running() {
	for _p in $(pgrep -x cgfaird); do
		tr '\0' ' ' <"/proc/$_p/cmdline" 2>/dev/null |
			grep -q -e '--dry-run' || return 0
	done
	pgrep -x cgrulesengd >/dev/null
}
