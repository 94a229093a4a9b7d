#!/bin/sh
# Placement latency (issue 4): from the moment a process becomes a user's
# (setresuid, then exec) to the moment /proc/PID/cgroup shows it in the
# user's cgroup for cpu, cpuacct and memory; median and p99 over COUNT
# execs (bench/place-latency), for cgfaird and for cgrulesengd (Debian's
# cgroup-tools) placing the same uid into the same kind of cgroup, one
# after the other in the same run. Targets: cgfaird p99 < 10 ms and a
# median no slower than cgrulesengd's.
#
# As root on a cgroup v1 host, with nothing else placing processes (no
# other cgfaird or cgrulesengd). cgrulesengd reads its rules from
# /etc/cgrules.conf only: the bench writes one there for its run and
# removes it (with the /etc/cgconfig.conf and cgconfig.d it insists on),
# and skips cgrulesengd if any of them already exists. Its rules
# name users, so the bench adds a temporary user (removed on exit).
# Environment: COUNT (200), BUID (63500).
#
# bench/placement.sh --storm: 100 bare uids (SUID0 63600..) start RATE
# (5000) short processes a second together for 10 s, each living 50 ms
# (bench/place-storm): every one must be in its user's cgroup when it
# ends; the p99 exec-to-placed over a sample (1 in 50, each polling its
# own /proc/self/cgroup) must be under 10 ms; and the CPU time cgfaird
# and its workers spent per 1,000 placements. cgfaird only (see
# bench/README.md).
set -u
STORM=""
[ "${1:-}" = --storm ] && STORM=1
cd "$(dirname "$0")/.." || exit 2
B=${CGFAIR_BUILD:-build}
COUNT=${COUNT:-200}
BUID=${BUID:-63500}
BUSER=cgfb$$
SUB=cgfair-bench$$
SUB2=cgrules-bench$$
TMP=$(mktemp -d /tmp/cgfair-bench.XXXXXX)
DPID="" RPID="" MADE_RULES="" MADE_USER=""

rm_tree() {
	for c in cpu cpuacct memory; do
		d=/sys/fs/cgroup/$c/$1
		[ -d "$d" ] || continue
		find "$d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
		rmdir "$d" 2>/dev/null
	done
}
stop_pid() { # PID
	[ -n "$1" ] || return 0
	kill -TERM "$1" 2>/dev/null
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}
cleanup() {
	stop_pid "$DPID"
	stop_pid "$RPID"
	if [ -n "$MADE_RULES" ]; then
		rm -f /etc/cgrules.conf /etc/cgconfig.conf /var/run/cgred.socket
		rmdir /etc/cgconfig.d 2>/dev/null
	fi
	[ -n "$MADE_USER" ] && userdel "$BUSER" 2>/dev/null
	rm_tree "$SUB"
	rm_tree "$SUB2"
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "bench/placement.sh: $*" >&2; exit 2; }
[ "$(id -u)" = 0 ] || die "needs root"
for c in cpu cpuacct memory; do
	grep -q " /sys/fs/cgroup/$c cgroup " /proc/mounts ||
		die "needs cgroup v1 $c at /sys/fs/cgroup/$c"
done
[ -x "$B/cgfaird" ] && [ -x "$B/bench/place-latency" ] ||
	die "build first: make tests"
. tests/lib/placer.sh
placer_running && die "another cgfaird or a cgrulesengd is running"
getent passwd "$BUID" >/dev/null && die "uid $BUID is taken (set BUID)"

# cgfaird's and its workers' CPU time, in clock ticks
tree_ticks() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v pp="$1" '{
		pid = $1; sub(/.*\) /, ""); split($0, f, " ")
		if (pid == pp || f[2] == pp) t += f[12] + f[13] } END { print t + 0 }'
}

if [ -n "$STORM" ]; then
	SUID0=${SUID0:-63600} RATE=${RATE:-5000}
	[ -x "$B/bench/place-storm" ] || die "build first: make tests"
	chmod 0755 "$TMP"
	cp "$B/bench/place-storm" "$TMP/place-storm"
	cat >"$TMP/cgfair.conf" <<EOF
[daemon]
subtree = $SUB
state_dir = $TMP/state
[users]
min_uid = $SUID0
max_uid = $((SUID0 + 99))
[log]
event_log = $TMP/events.log
[socket]
path = $TMP/cgfair.sock
EOF
	mkdir -p "$TMP/state"
	"$B/cgfaird" --foreground --config "$TMP/cgfair.conf" >"$TMP/cgfaird.log" 2>&1 &
	DPID=$!
	i=0
	until grep -q "ready: all workers answered" "$TMP/cgfaird.log"; do
		i=$((i + 1))
		[ $i -gt 200 ] && { cat "$TMP/cgfaird.log"; die "cgfaird not ready"; }
		sleep 0.1
	done
	# warm-up: every user's cgroup made once
	"$TMP/place-storm" -u "$SUID0" -U 100 -s "$SUB" -r 200 -d 1 >/dev/null
	sleep 1
	c0=$(tree_ticks "$DPID")
	out=$("$TMP/place-storm" -u "$SUID0" -U 100 -s "$SUB" -r "$RATE" -d 10)
	sleep 1
	c1=$(tree_ticks "$DPID")
	echo "host: $(nproc) CPUs, kernel $(uname -r), cgroup v1; 100 uids, $RATE/s asked for 10 s, 50 ms each"
	echo "cgfaird storm: $out"
	echo "$out" | awk -v c="$((c1 - c0))" -v hz="$(getconf CLK_TCK)" '{
		for (i = 1; i < NF; i++) v[$i] = $(i + 1)
		printf "cgfaird CPU: %.0f ms for %d placements: %.1f ms per 1,000\n",
			c * 1000 / hz, v["spawned"], c * 1000 / hz * 1000 / v["spawned"]
		ok = v["wrong"] == 0 && v["lost"] == 0 && v["p99_us"] >= 0 && v["p99_us"] < 10000
		printf "targets: every process placed (%d wrong), p99 %s 10 ms: %s\n",
			v["wrong"], v["p99_us"] < 10000 ? "<" : ">=", ok ? "met" : "MISSED"
		exit !ok
	}'
	exit $?
fi

useradd -M -N -g 65534 -u "$BUID" -s /usr/sbin/nologin "$BUSER" ||
	die "useradd failed"
MADE_USER=1

# --- cgfaird ---------------------------------------------------------------
cat >"$TMP/cgfair.conf" <<EOF
[daemon]
subtree = $SUB
[users]
min_uid = $BUID
max_uid = $BUID
EOF
: >"$TMP/cgfaird.log"
"$B/cgfaird" --foreground --config "$TMP/cgfair.conf" >"$TMP/cgfaird.log" 2>&1 &
DPID=$!
i=0
until grep -q "ready: all workers answered" "$TMP/cgfaird.log"; do
	i=$((i + 1))
	[ $i -gt 200 ] && { cat "$TMP/cgfaird.log"; die "cgfaird not ready"; }
	sleep 0.1
done
[ -d "/sys/fs/cgroup/cpu/$SUB" ] ||
	die "cgfaird ignored [daemon] subtree: the config is not wired yet"
"$B/bench/place-latency" -u "$BUID" -g 65534 -s "$SUB" -n 1 >/dev/null # warm-up
cg=$("$B/bench/place-latency" -u "$BUID" -g 65534 -s "$SUB" -n "$COUNT")
stop_pid "$DPID"
DPID=""
echo "cgfaird:     $cg"

# --- cgrulesengd -----------------------------------------------------------
if [ -e /etc/cgrules.conf ] || [ -e /etc/cgconfig.conf ] ||
	[ -e /etc/cgconfig.d ]; then
	echo "cgrulesengd: skipped (/etc/cgrules.conf, cgconfig.conf or" \
		"cgconfig.d exists; not overwritten)"
	exit 0
fi
command -v cgrulesengd >/dev/null || { echo "cgrulesengd: not installed"; exit 0; }
cat >"$TMP/cgconfig.conf" <<EOF
group $SUB2/user-$BUID {
	cpu {}
	cpuacct {}
	memory {}
}
EOF
MADE_RULES=1
# cgrulesengd will not start without its template config in /etc
cp "$TMP/cgconfig.conf" /etc/cgconfig.conf
mkdir /etc/cgconfig.d
cgconfigparser -l "$TMP/cgconfig.conf" || die "cgconfigparser failed"
echo "$BUSER cpu,cpuacct,memory $SUB2/user-%U" >/etc/cgrules.conf
cgrulesengd -n -Q &
RPID=$!
sleep 1
"$B/bench/place-latency" -u "$BUID" -g 65534 -s "$SUB2" -n 1 >/dev/null
rules=$("$B/bench/place-latency" -u "$BUID" -g 65534 -s "$SUB2" -n "$COUNT")
echo "cgrulesengd: $rules"

med() { echo "$1" | sed -n 's/.*median_us=\([0-9-]*\).*/\1/p'; }
p99() { echo "$1" | sed -n 's/.*p99_us=\([0-9-]*\).*/\1/p'; }
awk -v cm="$(med "$cg")" -v cp="$(p99 "$cg")" -v rm="$(med "$rules")" '
BEGIN {
	ok = cp >= 0 && cp < 10000 && cm >= 0 && (rm < 0 || cm <= rm)
	printf "cgfaird p99 %s 10 ms; median %s cgrulesengd'"'"'s: %s\n",
		cp < 10000 ? "<" : ">=", cm <= rm ? "<=" : ">",
		ok ? "targets met" : "targets MISSED"
	exit !ok
}'
