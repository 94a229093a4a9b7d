# Shared helpers for cgfair's shell tests (integration, scenarios, vm).
# Source it; it defines the result lines the runner counts:
#   PASS: name / FAIL: name: why / SKIP: name: why
# and cleans up everything registered with t_cleanup on any exit.

T_TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
CGFAIR_BUILD=${CGFAIR_BUILD:-$T_TOP/build}
T_FAILED=0
T_CLEANUP=""

t_pass() { echo "PASS: $1"; }
t_fail() { echo "FAIL: $1: $2"; T_FAILED=1; }
t_skip() { echo "SKIP: $1: $2"; }

# t_check NAME CONDITION-COMMAND... : PASS if the command succeeds.
t_check() {
	_n=$1; shift
	if "$@"; then t_pass "$_n"; else t_fail "$_n" "'$*' failed"; fi
}

# t_cleanup CMD: run CMD (a string) at exit, last registered first.
t_cleanup() { T_CLEANUP="$1; $T_CLEANUP"; }
t_exit() { eval "$T_CLEANUP" >/dev/null 2>&1; }
trap 't_exit' EXIT
trap 'exit 130' INT TERM

# t_need_root NAME: skip the whole script (exit 0) when not root.
t_need_root() {
	if [ "$(id -u)" != 0 ]; then t_skip "$1" "needs root"; exit 0; fi
}

# t_centis: time since boot in 1/100 s, from /proc/uptime (busybox's date
# has no %N, and its sh runs its own date ahead of PATH).
t_centis() {
	read -r _up _ </proc/uptime
	echo $((${_up%.*} * 100 + 1${_up#*.} - 100))
}

# t_wait SECONDS CMD...: poll CMD every 20 ms until it succeeds.
t_wait() {
	_deadline=$(($(t_centis) + $1 * 100))
	shift
	while ! "$@" 2>/dev/null; do
		[ "$(t_centis)" -gt "$_deadline" ] && return 1
		sleep 0.02
	done
}

# A unique name for what this test run creates (cgroup roots, files).
T_ID="cgfair-t$$"
T_TMP=$(mktemp -d "/tmp/$T_ID.XXXXXX")
t_cleanup "rm -rf '$T_TMP'"

# t_config FILE SUBTREE MIN_UID MAX_UID [MORE]: a cgfair.conf of the
# test's own: its subtree (never the host's default `cgfair`), managed
# uids MIN_UID..MAX_UID only, state, event log and socket ($T_SOCK, in a
# directory other users can reach) under $T_TMP; MORE (more sections, a
# section may come again) at the end.
T_SOCK=$T_TMP/run/cgfair.sock
t_config() {
	chmod 0711 "$T_TMP"
	mkdir -p -m 0755 "$T_TMP/run"
	printf '%s\n' "[daemon]
subtree = $2
state_dir = $T_TMP/state
[users]
min_uid = $3
max_uid = $4
[socket]
path = $T_SOCK
[log]
event_log = $T_TMP/events.log
${5:-}" >"$1"
}

# Every event log a test made ($T_TMP/**/events*.log) is checked against
# the schema in docs/events.md at exit, after the daemons stopped and
# before $T_TMP goes; the result on fd 3, the script's own output (the
# cleanup's is discarded). The VM guests have no python3: no check there.
exec 3>&1
t_events_check() {
	command -v python3 >/dev/null 2>&1 || return 0
	_logs=$(find "$T_TMP" -type f -name 'events*.log' -size +0 2>/dev/null)
	[ -n "$_logs" ] || return 0
	# shellcheck disable=SC2086
	if _out=$(python3 "$T_TOP/tests/lib/events-check.py" \
		"$T_TOP/docs/events.md" $_logs 2>&1); then
		echo "PASS: $(basename "$0" .sh)/events-schema: $(echo "$_out" |
			sed "s|^$T_TMP/||" | tr '\n' ' ')" >&3
	else
		echo "FAIL: $(basename "$0" .sh)/events-schema: $(echo "$_out" |
			tr '\n' ' ')" >&3
	fi
}
t_cleanup "t_events_check"
