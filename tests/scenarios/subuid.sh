#!/bin/sh
# backends: cgroup1 cgroup2 systemd
# Subordinate uids are charged to their owner (issue 10, item 2). uid A
# owns a range of the subuid file and runs 4 CPU hogs as 4 uids of it
# (as rootless podman would); uid B runs 1 hog as itself. Their processes
# go into A's cgroup, no cgroup is made for them, and A and B get half the
# CPU each within 10 points (4 users of their own would take 4/5). A uid
# of the range that NSS knows is its own user. The file is re-read when
# it changes. Under systemd, a process of another uid anywhere below
# user-A.slice stays there (the direct backends move it back: the
# control). With subordinate_uids = no (a reload), each subordinate uid is
# a user of its own.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/scenarios/lib/scn.sh"
t_need_root subuid
# shellcheck disable=SC2086
set -- $SCN_UIDS
UA=$1 UB=$2
LO=$UA
[ "$UB" -lt "$UA" ] && LO=$UB
# the ranges, far above the test uids; max_uid covers them, so that a
# subordinate uid is managed as a user of its own when it is not charged
# to its owner (with no such process, no other uid is touched)
SUBA=4100000 SUBB=4200000 HI=4200999
KNOWN=$((SUBA + 50)) KNOWN_NAME=cgft$$
SUB=cgfair-su$$
scn_remove_subtree "$SUB"
CONF=$T_TMP/cgfair.conf
SUBUID=$T_TMP/subuid
# the unit may have a private /tmp: its files in /etc/cgfair then
if [ "$SCN_BACKEND" = systemd ]; then
	CONF=/etc/cgfair/cgfair.conf SUBUID=/etc/cgfair/subuid.test
	mkdir -p /etc/cgfair
	t_cleanup "rm -f $CONF $SUBUID"
fi

# write_subuid TEXT: the file as usermod writes it (a new file renamed
# over the old one), root's and 0644
write_subuid() {
	printf '%s\n' "$1" >"$SUBUID.new" && chmod 644 "$SUBUID.new" &&
		mv "$SUBUID.new" "$SUBUID"
}

write_config() {
	printf '%s\n' "[daemon]
interval = 1s
subtree = $SUB
state_dir = $SCN_STATE
[cpu]
mode = even_active
[users]
min_uid = $LO
max_uid = $HI
subordinate_uids = $1
subuid_file = $SUBUID
[log]
event_log = $SCN_EVLOG
[socket]
path = $SCN_SOCK" >"$CONF"
}

start() {
	if [ "$SCN_BACKEND" = systemd ]; then scn_start; else scn_start --config "$CONF" --debug; fi
}

# all_log: the daemon's whole log of this run (scn_log shows the tail)
all_log() {
	if [ "$SCN_BACKEND" = systemd ]; then
		journalctl -b --no-pager -o cat -u cgfaird.service
	else
		cat "$DLOG"
	fi
}
# loads WHAT: how often a table of WHAT ("2 ranges of 2 users") came into
# force; more_loads WHAT N: more than N times (polled slowly: the journal
# is read each time)
loads() { all_log | grep -c "subordinate uids: $1 in force"; }
more_loads() {
	sleep 0.3
	[ "$(loads "$1")" -gt "$2" ]
}

# in_user PID UID: PID is in UID's cgroup (or below it), in every
# hierarchy the backend places by
in_user() {
	case $SCN_BACKEND in
	systemd) scn_in_slice "$1" "$2" ;;
	cgroup1) grep -Eq "^[0-9]+:([^:]*,)?memory(,[^:]*)?:/$SUB/user-$2(/.*)?\$" "/proc/$1/cgroup" &&
		grep -Eq "^[0-9]+:([^:]*,)?cpu(,[^:]*)?:/$SUB/user-$2(/.*)?\$" "/proc/$1/cgroup" ;;
	cgroup2) grep -Eq "^0::/$SUB/user-$2(/.*)?\$" "/proc/$1/cgroup" ;;
	esac
}
all_in_user() {
	_u=$1
	shift
	for _p in "$@"; do in_user "$_p" "$_u" || return 1; done
}
user_cgroup_exists() {
	case $SCN_BACKEND in
	systemd) [ -d "$(scn_slice_dir "$1")" ] ;;
	cgroup1) [ -d "/sys/fs/cgroup/cpu/$SUB/user-$1" ] ;;
	cgroup2) [ -d "/sys/fs/cgroup/$SUB/user-$1" ] ;;
	esac
}
# join PID OTHER: move PID into the cgroups OTHER is in, in every
# hierarchy the backend places by (v1: cpu, cpuacct and memory, each its
# own path in /proc/OTHER/cgroup); prints the memory (or unified) one
join() {
	if [ "$SCN_BACKEND" = cgroup1 ] || [ "$SCN_SD_V1" = 1 ]; then
		for _c in cpu cpuacct memory; do
			_p=$(sed -n "s/^[0-9]*:\([^:]*,\)\{0,1\}$_c\(,[^:]*\)\{0,1\}://p" "/proc/$2/cgroup")
			echo "$1" >"/sys/fs/cgroup/$_c$_p/cgroup.procs" || return 1
		done
		echo "/sys/fs/cgroup/memory$_p"
	else
		_p=$(sed -n 's/^0:://p' "/proc/$2/cgroup")
		echo "$1" >"/sys/fs/cgroup$_p/cgroup.procs" && echo "/sys/fs/cgroup$_p"
	fi
}

PIDS=""
t_cleanup 'kill $PIDS 2>/dev/null'
# hog VAR UID: a CPU hog as UID, its pid added to $VAR
hog() {
	"$SCN_TOOLS/t-run-as-uid" "$2" "$SCN_TOOLS/t-spin" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
	eval "$1=\"\${$1:-} $!\""
}

# a uid of the range that NSS knows (an account made for the test)
if command -v useradd >/dev/null 2>&1; then
	useradd -M -N -u "$KNOWN" -s /bin/false "$KNOWN_NAME" &&
		t_cleanup "userdel $KNOWN_NAME"
else # busybox guest: no shadow tools
	echo "$KNOWN_NAME:x:$KNOWN:$KNOWN::/:/bin/false" >>/etc/passwd &&
		t_cleanup "sed -i '/^$KNOWN_NAME:/d' /etc/passwd"
fi

write_subuid "$UA:$SUBA:100"
write_config yes
start || { t_fail "subuid: cgfaird starts" "$(scn_log | tail -20)"; exit 1; }
t_wait 10 more_loads "1 ranges of 1 users" 0
t_check "the subuid file is read at start (one range of one user)" \
	more_loads "1 ranges of 1 users" 0

PA="" PB="" PK=""
for i in 1 2 3 4; do hog PA $((SUBA + i)); done
hog PB "$UB"
hog PK "$KNOWN"
# shellcheck disable=SC2086
t_wait 15 all_in_user "$UA" $PA
# shellcheck disable=SC2086
t_check "the 4 processes of A's subordinate uids are in A's cgroup" all_in_user "$UA" $PA
no_user_cgroup() { ! user_cgroup_exists "$1"; }
t_check "no cgroup was made for a subordinate uid" no_user_cgroup $((SUBA + 1))
# shellcheck disable=SC2086
t_wait 15 all_in_user "$KNOWN" $PK
# shellcheck disable=SC2086
t_check "a uid of the range that NSS knows ($KNOWN_NAME) is its own user" all_in_user "$KNOWN" $PK
kill $PK 2>/dev/null

# fairness: two active users (A with 4 hogs, B with 1), half each
sleep 4 # caps settle: a few 1 s intervals
a0=$(scn_cg_ticks "$SUB" "$UA") b0=$(scn_cg_ticks "$SUB" "$UB")
sleep 4
DA=$(($(scn_cg_ticks "$SUB" "$UA") - a0)) DB=$(($(scn_cg_ticks "$SUB" "$UB") - b0))
echo "over 4 s: A (4 subordinate hogs) $DA ticks, B $DB ticks; caps A $(scn_cap_cores "$SUB" "$UA") B $(scn_cap_cores "$SUB" "$UB")"
t_check "A's subordinate hogs and B's one hog get half each within 10 points (A $DA, B $DB ticks)" \
	awk -v a="$DA" -v b="$DB" 'BEGIN { exit !(a + b > 0 && a / (a + b) >= 0.40 && a / (a + b) <= 0.60) }'

# the file changes: B gets a range too, read again without a reload
write_subuid "$UA:$SUBA:100
$UB:$SUBB:100"
t_wait 10 more_loads "2 ranges of 2 users" 0
t_check "a changed subuid file is read again, without a reload (2 ranges of 2 users)" \
	more_loads "2 ranges of 2 users" 0
PB2=""
hog PB2 $((SUBB + 1))
t_wait 15 all_in_user "$UB" $PB2
t_check "a process of B's new range goes to B's cgroup" all_in_user "$UB" $PB2

# a process of B moved by hand into the cgroup of one of A's processes;
# a rewrite of the file makes the scanner sweep /proc again
set -- $PA
PB1=${PB# }
PB1=${PB1%% *}
dir=$(join "$PB1" "$1")
n=$(loads "2 ranges of 2 users")
write_subuid "$UA:$SUBA:100
$UB:$SUBB:100
"
t_wait 10 more_loads "2 ranges of 2 users" "$n"
if [ "$SCN_BACKEND" = systemd ]; then
	sleep 3
	t_check "under systemd, B's process below user-$UA.slice stays there after a sweep ($dir)" in_user "$PB1" "$UA"
else
	t_wait 10 in_user "$PB1" "$UB"
	t_check "a process of B in A's cgroup is moved back to B's after a sweep" in_user "$PB1" "$UB"
fi

# the switch off, by a reload: each subordinate uid is its own user
write_config no
kill -HUP "$DPID"
set -- $PA
t_wait 15 in_user "$1" $((SUBA + 1))
t_check "with subordinate_uids = no (reload), a subordinate uid is a user of its own: its process is in its own cgroup" \
	in_user "$1" $((SUBA + 1))
t_check "... which was made for it" user_cgroup_exists $((SUBA + 1))
kill $PIDS 2>/dev/null
scn_stop
exit 0
