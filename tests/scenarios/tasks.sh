#!/bin/sh
# backends: cgroup1 cgroup2 systemd
# Per-user limits beyond CPU and memory (issue 15): [users] max_tasks is
# the user cgroup's pids.max (TasksMax of user-UID.slice under systemd),
# [memory] high its memory.high (soft_limit_in_bytes on v1, MemoryHigh
# under systemd), [io] weight its io.weight where the io controller is
# (on v1 blkio.bfq.weight or blkio.weight where the I/O scheduler weighs
# I/O, else a clear word at start).
# A bounded fork bomb of a test uid stops at the limit while root's shell
# still forks; a users.d override replaces the limit at a reload.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/scenarios/lib/scn.sh"
t_need_root tasks
# shellcheck disable=SC2086
set -- $SCN_UIDS
UA=$1
SUB=cgfair-tk$$
MAXT=40
CTL=$CGFAIR_BUILD/cgfairctl
[ -x "$CTL" ] || CTL=cgfairctl
SOCK=$SCN_SOCK
scn_remove_subtree "$SUB"
CONF=$T_TMP/cgfair.conf
[ "$SCN_BACKEND" = systemd ] && CONF=/etc/cgfair/cgfair.conf
[ "$SCN_BACKEND" = systemd ] && t_cleanup "rm -rf /etc/cgfair/cgfair.conf /etc/cgfair/users.d/50-t-tasks.conf"
mkdir -p "$(dirname "$CONF")/users.d"
printf '%s\n' "[daemon]
subtree = $SUB
state_dir = $SCN_STATE
interval = 1s
[memory]
high = 512M
[users]
min_uid = $UA
max_uid = $UA
max_tasks = $MAXT
[io]
weight = 300
[log]
event_log = $SCN_EVLOG
[socket]
path = $SCN_SOCK" >"$CONF"
if [ "$SCN_BACKEND" = systemd ]; then scn_start; else scn_start --config "$CONF"; fi ||
	{ t_fail "cgfaird starts" "$(scn_log | tail -20)"; exit 1; }

# what /proc/self/cgroup shows once the bomb is placed (v1: the pids
# hierarchy, the one that limits it)
case $SCN_BACKEND in
systemd) WANT="user-$UA.slice" ;;
cgroup1) WANT="pids:/$SUB/user-$UA" ;;
*) WANT="0::/$SUB/user-$UA" ;;
esac
[ "$SCN_SD_V1" = 0 ] || WANT="pids:/user.slice/user-$UA.slice"
# limit FILE: the user's value of a cgroup file (its systemd property)
limit() {
	case $SCN_BACKEND:$1 in
	systemd:pids.max) systemctl show -p TasksMax --value "user-$UA.slice" ;;
	systemd:memory.high) systemctl show -p MemoryHigh --value "user-$UA.slice" ;;
	systemd:io.weight) systemctl show -p IOWeight --value "user-$UA.slice" ;;
	cgroup1:pids.max) cat "/sys/fs/cgroup/pids/$SUB/user-$UA/pids.max" ;;
	cgroup1:memory.high) cat "/sys/fs/cgroup/memory/$SUB/user-$UA/memory.soft_limit_in_bytes" ;;
	cgroup1:io.weight) sed 's/^default //' "/sys/fs/cgroup/blkio/$SUB/user-$UA/$V1IO" | head -1 ;;
	cgroup2:io.weight) sed -n 's/^default //p' "/sys/fs/cgroup/$SUB/user-$UA/io.weight" ;;
	*) cat "/sys/fs/cgroup/$SUB/user-$UA/$1" ;;
	esac 2>/dev/null
}
is() { [ "$(limit "$1")" = "$2" ]; }

"$SCN_TOOLS/t-run-as-uid" "$UA" sleep 120 >/dev/null 2>&1 &
t_cleanup "kill $! 2>/dev/null"
if t_wait 15 is pids.max "$MAXT"; then
	t_pass "max_tasks $MAXT is the user's pids.max"
else
	t_fail "max_tasks is the user's pids.max" "'$(limit pids.max)'"
fi
# v1 under systemd: neither (systemd has no v1 form of MemoryHigh and
# IOWeight that cgfair uses); the log says so
if [ "$SCN_SD_V1" = 1 ]; then
	t_check "systemd on v1: the log says memory high and io weight are not set" \
		sh -c "journalctl -b --no-pager -u cgfaird.service | grep -q 'memory high and io weight are not set'"
	t_check "systemd on v1: MemoryHigh left alone" is memory.high infinity
else
	t_check "[memory] high 512M is the user's soft limit" is memory.high 536870912
	if [ "$SCN_BACKEND" = cgroup1 ]; then
		# [io] weight 300 on v1's scales: BFQ 118, CFQ 1000
		V1IO=blkio.bfq.weight
		want=118
		if [ ! -e "/sys/fs/cgroup/blkio/$SUB/$V1IO" ]; then
			V1IO=blkio.weight
			want=1000
		fi
		if [ ! -d /sys/fs/cgroup/blkio ]; then
			t_check "cgroup1: the log says there is no blkio hierarchy" \
				grep -q "no blkio hierarchy: io weight is not set" "$DLOG"
		elif [ ! -e "/sys/fs/cgroup/blkio/$SUB/$V1IO" ]; then
			t_check "cgroup1: the log says the kernel cannot weigh I/O" \
				grep -q "the kernel cannot weigh I/O here" "$DLOG"
		else
			t_check "cgroup1: [io] weight 300 is the user's $V1IO ($want)" \
				t_wait 15 is io.weight $want
			t_check "cgroup1: the user's process is in its blkio cgroup" \
				t_wait 15 sh -c "pgrep -u $UA -x sleep | while read -r p; do grep -qx '[0-9]*:blkio:/$SUB/user-$UA' /proc/\$p/cgroup || exit 1; done"
		fi
	elif [ "$SCN_BACKEND" = cgroup2 ] && [ ! -e "/sys/fs/cgroup/$SUB/user-$UA/io.weight" ]; then
		t_skip "io weight" "no io.weight in this guest (no io controller or io.cost)"
	else
		t_check "[io] weight 300 is the user's io weight" is io.weight 300
	fi
fi

# the bomb: placed first, then forks until the kernel says no; holds
# its children 4 s while root forks
"$SCN_TOOLS/t-run-as-uid" "$UA" "$SCN_TOOLS/t-forkbomb" 2000 4 "$WANT" \
	>"$T_TMP/bomb.out" 2>&1 &
BP=$!
t_cleanup "kill $BP 2>/dev/null"
t_wait 40 grep -q forked "$T_TMP/bomb.out"
n=$(sed -n 's/^forked \([0-9]*\).*/\1/p' "$T_TMP/bomb.out")
if [ -n "$n" ] && [ "$n" -gt 0 ] && [ "$n" -lt "$MAXT" ]; then
	t_pass "the fork bomb stopped at the limit ($(cat "$T_TMP/bomb.out"), limit $MAXT tasks)"
else
	t_fail "the fork bomb stopped at the limit" "$(cat "$T_TMP/bomb.out")"
fi
t_check "root's shell still forks while the bomb holds its children" sh -c 'sh -c "exit 7"; [ $? = 7 ]'
wait "$BP"

# a users.d override, taken at a reload
D=$(dirname "$CONF")/users.d
printf '[user:%s]\nmax_tasks = 25\n' "$UA" >"$D/50-t-tasks.conf"
t_cleanup "rm -f '$D/50-t-tasks.conf'"
if [ "$SCN_BACKEND" = systemd ]; then systemctl reload cgfaird.service; else kill -HUP "$DPID"; fi
if t_wait 15 is pids.max 25; then
	t_pass "a users.d max_tasks replaces the global one at a reload"
else
	t_fail "users.d max_tasks at a reload" "'$(limit pids.max)'"
fi
t_check "the limit change is an event with max_tasks_old/new" \
	t_wait 5 grep -q '"max_tasks_new":25' "$SCN_EVLOG"

# an admin's limit: the command line, the status and the metrics
out=$("$CTL" --socket "$SOCK" limit "$UA" --tasks 30 --memory-high 256M 2>&1)
t_check "cgfairctl limit --tasks 30 --memory-high 256M: accepted ($out)" [ $? -eq 0 ]
HIGH=268435456
[ "$SCN_SD_V1" = 0 ] || HIGH=infinity
if t_wait 15 is pids.max 30 && t_wait 5 is memory.high $HIGH; then
	t_pass "cgfairctl limit sets the user's pids.max and memory high"
else
	t_fail "cgfairctl limit sets them" "'$(limit pids.max)' '$(limit memory.high)'"
fi
t_check "status shows max_tasks 30" t_wait 5 sh -c "'$CTL' --socket '$SOCK' --json status | grep -q '\"max_tasks\": *30'"
t_check "metrics show cgfair_user_max_tasks 30" t_wait 5 sh -c "'$CTL' --socket '$SOCK' metrics | grep -q '^cgfair_user_max_tasks{uid=\"$UA\".*} 30\$'"
# the exposition format as Prometheus' own linter reads it (the host has
# promtool from tools/deps.sh; the guests only when they have it)
if [ "$SCN_BACKEND" = cgroup1 ] || command -v promtool >/dev/null; then
	"$CTL" --socket "$SOCK" metrics >"$T_TMP/metrics.txt"
	if out=$(promtool check metrics <"$T_TMP/metrics.txt" 2>&1); then
		t_pass "promtool check metrics: clean ($(grep -c '^cgfair' "$T_TMP/metrics.txt") samples)"
	else
		t_fail "promtool check metrics" "$out"
	fi
fi
scn_stop
exit 0
