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
# bench/placement.sh --storm: 100 uids (SUID0 63600..) start RATE (5000)
# short processes a second together for SECS (10) s, each living 50 ms
# (bench/place-storm), with gid SGID (63600, a temporary group): every
# one must be in its user's cgroup when it ends; the p99 exec-to-placed
# over a sample (1 in 50, each polling its own /proc/self/cgroup) must be
# under 10 ms; and the user and system CPU time cgfaird and its workers
# spent per 1,000 placements. First the same storm with no placer (the
# rate the host itself reaches), then cgfaird, then cgrulesengd (same
# /etc files as above; RULES=users, the default: 100 temporary users, a
# rule each; RULES=group: one group rule, see cgrules_setup), each with
# the proc connector's dropped events and its largest queue. NICE (0):
# both placers run at that nice value (the storm's processes at 0).
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
SPID="" WPID="" MADE_GROUP="" MADE_USERS=""

# (a storm's last probes may still be in it for their 50 ms: up to 5 s)
rm_tree() {
	for c in cpu cpuacct memory; do
		d=/sys/fs/cgroup/$c/$1
		i=0
		while [ -d "$d" ] && [ $i -lt 50 ]; do
			find "$d" -mindepth 1 -depth -type d -exec rmdir {} + \
				2>/dev/null
			rmdir "$d" 2>/dev/null || sleep 0.1
			i=$((i + 1))
		done
		[ -d "$d" ] && echo "bench/placement.sh: $d left behind" >&2
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
	trap '' INT TERM # a second ^C must not cut the clean-up short
	stop_pid "$SPID" # the storm; its probes end within their 50 ms
	stop_pid "$WPID"
	stop_pid "$DPID"
	stop_pid "$RPID"
	if [ -n "$MADE_RULES" ]; then
		rm -f /etc/cgrules.conf /etc/cgconfig.conf /var/run/cgred.socket
		rmdir /etc/cgconfig.d 2>/dev/null
	fi
	[ -n "$MADE_USER" ] && userdel "$BUSER" 2>/dev/null
	for u in $MADE_USERS; do
		userdel "$u" 2>/dev/null
	done
	[ -n "$MADE_GROUP" ] && groupdel "$MADE_GROUP" 2>/dev/null
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

# user and system CPU time of PID and its children (cgfaird's workers),
# in clock ticks
tree_ticks() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v pp="$1" '{
		pid = $1; sub(/.*\) /, ""); split($0, f, " ")
		if (pid == pp || f[2] == pp) { u += f[12]; s += f[13] } }
		END { print u + 0, s + 0 }'
}
# the same, one line a process: "PID NAME USER SYSTEM"
tree_each() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v pp="$1" '{
		pid = $1; n = $2; sub(/.*\) /, ""); split($0, f, " ")
		if (pid == pp || f[2] == pp) print pid, n, f[12], f[13] }'
}

# --- the storm (--storm) ---------------------------------------------------

# place-storm in the background, so that a signal reaches the trap at once
# (the shell runs a trap only after a foreground command has ended); its
# line goes to $TMP/storm.out
run_storm() { # SUBTREE PLACE-STORM-ARGS...
	_s=$1
	shift
	"$TMP/place-storm" -u "$SUID0" -U 100 -g "$SGID" -s "$_s" "$@" \
		>"$TMP/storm.out" &
	SPID=$!
	wait "$SPID"
	SPID=""
}
# the value after NAME in a place-storm line
field() { # LINE NAME
	echo "$1" | awk -v k="$2" '{
		for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'
}
# Until PID's (and its workers') CPU time stops growing for 0.5 s, at most
# 60 s (a placer may still be working through queued events); prints the
# seconds waited.
settle() { # PID
	_a=$(tree_ticks "$1") _n=0
	while [ $_n -lt 120 ]; do
		sleep 0.5
		_n=$((_n + 1))
		_b=$(tree_ticks "$1")
		[ "$_a" = "$_b" ] && break
		_a=$_b
	done
	echo "$((_n / 2)).$((_n % 2 * 5))"
}
# the inodes of PID's sockets, " A B ... "
sock_inodes() { # PID
	printf ' '
	for _f in /proc/"$1"/fd/*; do
		readlink "$_f"
	done 2>/dev/null | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' '
}
# "DROPS QUEUED" of those of the sockets that are proc connector ones:
# events the kernel dropped (buffer full: ENOBUFS to the reader) and the
# bytes queued now
conn_stat() { # INODES
	awk -v ino="$1" '$2 == 11 && index(ino, " " $10 " ") {
		d += $9; r += $5 } END { print d + 0, r + 0 }' /proc/net/netlink
}
# the largest queue seen, every 0.1 s, into $TMP/queue until killed
watch_queue() { # INODES
	_m=0
	echo 0 >"$TMP/queue"
	while :; do
		_q=$(conn_stat "$1")
		_q=${_q#* }
		[ "$_q" -gt "$_m" ] && { _m=$_q; echo "$_m" >"$TMP/queue"; }
		sleep 0.1
	done
}
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
# How busy the CPUs were over the last 2 s, in percent: the load average
# trails a colleague's run that ended minutes ago.
cpu_busy() {
	_s0=$(head -1 /proc/stat)
	sleep 2
	printf '%s\n%s\n' "$_s0" "$(head -1 /proc/stat)" | awk '{
		t = 0; for (i = 2; i <= NF; i++) t += $i
		idle = $5 + $6; if (NR == 1) { t0 = t; i0 = idle; next }
		printf "%.0f%%", (t > t0 ? 100 - (idle - i0) * 100 / (t - t0) : 0) }'
}

# One placer: a warm-up (every user's cgroup made or opened once), then
# the storm; the placer's CPU time split into user and system, its
# connector's drops and largest queue, and how long it went on working
# after the storm's last probe ended.
storm_placer() { # NAME SUBTREE PID
	run_storm "$2" -r 200 -d 1
	settle "$3" >/dev/null
	echo "$1: load average before: $(loadavg); CPUs $(cpu_busy) busy"
	_ino=$(sock_inodes "$3")
	_c0=$(tree_ticks "$3") _d0=$(conn_stat "$_ino")
	tree_each "$3" >"$TMP/each0"
	watch_queue "$_ino" &
	WPID=$!
	run_storm "$2" -r "$RATE" -d "$SECS"
	_out=$(cat "$TMP/storm.out")
	_w=$(settle "$3")
	stop_pid "$WPID"
	WPID=""
	_c1=$(tree_ticks "$3") _d1=$(conn_stat "$_ino")
	tree_each "$3" >"$TMP/each1"
	echo "$1 storm: $_out"
	echo "$_c0 $_c1 $(field "$_out" spawned)" | awk -v n="$1" \
		-v hz="$(getconf CLK_TCK)" '{
		u = ($3 - $1) * 1000 / hz; s = ($4 - $2) * 1000 / hz
		k = $5 > 0 ? 1000 / $5 : 0
		printf "%s CPU: user %.0f ms, system %.0f ms for %d processes;" \
			" per 1,000: user %.0f ms, system %.0f ms, total %.0f ms\n",
			n, u, s, $5, u * k, s * k, (u + s) * k }'
	awk -v hz="$(getconf CLK_TCK)" 'NR == FNR { u[$1] = $3; s[$1] = $4; next }
		{ printf "%s%s %.0f + %.0f ms", FNR == 1 ? "" : ", ", $2,
			($3 - u[$1]) * 1000 / hz, ($4 - s[$1]) * 1000 / hz }
		END { print "" }' "$TMP/each0" "$TMP/each1" |
		sed "s/^/$1 CPU by process (user + system): /"
	echo "$1 connector: $((${_d1% *} - ${_d0% *})) events dropped," \
		"largest queue $(cat "$TMP/queue") bytes; busy ${_w} s after" \
		"the last probe ended"
	echo "$1: load average after: $(loadavg)"
	STORM_OUT=$_out
}

# cgrulesengd's rules. RULES=users (default): 100 temporary users (the
# storm's uids, removed on exit), a rule each, as the latency bench does:
# it moves a process at its uid change and again at its exec. RULES=group:
# one rule for the temporary group (gid SGID) the storm's children take
# before their uid; cgrulesengd matches the process's egid against the
# rule's group and needs no passwd entry (%U is then the uid), but the
# gid change comes while the euid is still 0, so every process is first
# moved to user-0 (made on the fly), then to its user's cgroup, then
# again at its exec: 9 writes to tasks files instead of 6.
cgrules_setup() {
	: >"$TMP/cgconfig.conf"
	i=0
	while [ $i -lt 100 ]; do
		printf 'group %s/user-%d {\n\tcpu {}\n\tcpuacct {}\n\tmemory {}\n}\n' \
			"$SUB2" $((SUID0 + i)) >>"$TMP/cgconfig.conf"
		i=$((i + 1))
	done
	MADE_RULES=1
	# cgrulesengd will not start without its template config in /etc
	cp "$TMP/cgconfig.conf" /etc/cgconfig.conf
	mkdir /etc/cgconfig.d
	cgconfigparser -l "$TMP/cgconfig.conf" || die "cgconfigparser failed"
	if [ "$RULES" = group ]; then
		echo "@$MADE_GROUP cpu,cpuacct,memory $SUB2/user-%U" \
			>/etc/cgrules.conf
		return
	fi
	: >/etc/cgrules.conf
	i=0
	while [ $i -lt 100 ]; do
		_u=cgs$$u$i
		# (its warning: uid above UID_MAX)
		useradd -M -N -g "$SGID" -u $((SUID0 + i)) \
			-s /usr/sbin/nologin "$_u" 2>"$TMP/useradd.err" ||
			{ cat "$TMP/useradd.err"; die "useradd failed"; }
		MADE_USERS="$MADE_USERS $_u"
		echo "$_u cpu,cpuacct,memory $SUB2/user-%U" >>/etc/cgrules.conf
		i=$((i + 1))
	done
}

storm_main() {
	SUID0=${SUID0:-63600} RATE=${RATE:-5000} SECS=${SECS:-10}
	SGID=${SGID:-63600}
	RULES=${RULES:-users} NICE=${NICE:-0}
	[ -x "$B/bench/place-storm" ] || die "build first: make tests"
	i=0
	while [ $i -lt 100 ]; do
		getent passwd $((SUID0 + i)) >/dev/null &&
			die "uid $((SUID0 + i)) is taken (set SUID0)"
		i=$((i + 1))
	done
	getent group "$SGID" >/dev/null && die "gid $SGID is taken (set SGID)"
	groupadd -g "$SGID" "cgs$$" || die "groupadd failed"
	MADE_GROUP=cgs$$
	chmod 0755 "$TMP"
	cp "$B/bench/place-storm" "$TMP/place-storm"
	echo "host: $(nproc) CPUs, kernel $(uname -r), cgroup v1; 100 uids" \
		"from $SUID0, gid $SGID; $RATE/s asked for $SECS s, 50 ms each;" \
		"placers at nice $NICE"
	echo "load average at start: $(loadavg); CPUs $(cpu_busy) busy"

	# The host alone, no placer: how fast it forks, changes uid and
	# execs (one probe sampled: the others do not poll their cgroup).
	run_storm "$SUB" -r "$RATE" -d "$SECS" -e $((RATE * SECS + 1))
	echo "host alone: $(cut -d' ' -f1-6 "$TMP/storm.out")"

	cat >"$TMP/cgfair.conf" <<END
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
END
	mkdir -p "$TMP/state"
	nice -n "$NICE" "$B/cgfaird" --foreground --config "$TMP/cgfair.conf" \
		>"$TMP/cgfaird.log" 2>&1 &
	DPID=$!
	i=0
	until grep -q "ready: all workers answered" "$TMP/cgfaird.log"; do
		i=$((i + 1))
		[ $i -gt 200 ] && { cat "$TMP/cgfaird.log"; die "cgfaird not ready"; }
		sleep 0.1
	done
	storm_placer cgfaird "$SUB" "$DPID"
	cg=$STORM_OUT
	stop_pid "$DPID"
	DPID=""

	if [ -e /etc/cgrules.conf ] || [ -e /etc/cgconfig.conf ] ||
		[ -e /etc/cgconfig.d ]; then
		echo "cgrulesengd: skipped (/etc/cgrules.conf, cgconfig.conf or" \
			"cgconfig.d exists; not overwritten)"
	elif ! command -v cgrulesengd >/dev/null; then
		echo "cgrulesengd: not installed"
	else
		cgrules_setup
		nice -n "$NICE" cgrulesengd -n -Q &
		RPID=$!
		sleep 1
		storm_placer "cgrulesengd ($RULES rules)" "$SUB2" "$RPID"
	fi
	echo "load average at end: $(loadavg)"

	echo "$cg" | awk '{
		for (i = 1; i < NF; i++) v[$i] = $(i + 1)
		ok = v["wrong"] == 0 && v["lost"] == 0 && v["p99_us"] >= 0 &&
			v["p99_us"] < 10000
		printf "cgfaird targets: every process placed (%d wrong), p99 %s" \
			" 10 ms: %s\n", v["wrong"], v["p99_us"] < 10000 ? "<" : ">=",
			ok ? "met" : "MISSED"
		exit !ok
	}'
}

if [ -n "$STORM" ]; then
	storm_main
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
