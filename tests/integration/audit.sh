#!/bin/sh
# Linux audit records (issue 12) on this host, with a real auditd: the
# test starts one of its own (its log in $T_TMP) unless one already runs,
# and stops it after, putting the kernel's audit switch back as it was.
# A cgfaird of the test's own (--dry-run, its own socket) gets the admin
# actions - penalty, release, limit, limit-clear, reload, the seed's set
# command - from root whose login uid (auid) is another user's, as after
# `sudo`, a refused attempt from a non-admin, a SIGHUP and a stop; each is
# found with ausearch (--format text too) and in aureport, with the
# client's auid, session, pid and old/new values (CPU cap, memory limit,
# tasks, memory.high, I/O weight, penalty seconds), and the events.log
# record of the same action carries the same actor fields and values.
# With [audit] enabled = no, a daemon says so once and sends nothing.
# `cgfairctl events --since` reads the history back from the journal (a
# private journald when none runs here, tests/lib/journal.sh).
. "$(dirname "$0")/../lib/journal.sh"
journal_ns "$0" "$@"
. "$(dirname "$0")/../lib/t.sh"
t_need_root audit
journal_start audit
sh "$T_TOP/tools/ensure-user.sh"
. "$T_TOP/tests/lib/daemon.sh"
N=audit
CTL="$CGFAIR_BUILD/cgfairctl"
RUNAS="$CGFAIR_BUILD/tests/t-run-as-uid"
SC="python3 $T_TOP/tests/lib/sockclient.py"
chmod 0711 "$T_TMP"
mkdir -m 0755 "$T_TMP/run"
SOCK="$T_TMP/run/cgfair.sock"
U1=59881 # the target of the actions
U2=59882 # a non-admin client
ADMIN_AUID=59883 # the login uid of "the admin who used sudo"

for c in auditd auditctl ausearch aureport; do
	command -v $c >/dev/null || {
		t_fail $N "$c missing (tools/deps.sh installs auditd)"
		exit 1
	}
done
if ! auditctl -s >/dev/null 2>&1; then
	t_fail $N "no audit in this kernel (auditctl -s failed)"
	exit 1
fi

write_conf() { # write_conf FILE AUDIT(yes|no)
	cat >"$1" <<EOF
[daemon]
interval = 1s
state_dir = $T_TMP/state-$2
subtree = $T_ID
[socket]
path = $SOCK
[log]
event_log = $T_TMP/events.log
[audit]
enabled = $2
EOF
}

# --- auditd ----------------------------------------------------------------
was_enabled=$(auditctl -s | awk '/^enabled/ {print $2}')
pid=$(auditctl -s | awk '/^pid/ {print $2}')
if [ "${pid:-0}" != 0 ]; then
	ALOG=/var/log/audit/audit.log # the machine's auditd, left as it is
	IF=""
else
	if [ "$was_enabled" = 0 ]; then
		# no auditd, audit off: a daemon says its records are off
		write_conf "$T_TMP/k.conf" yes
		: >"$DLOG"
		daemon_start --dry-run --config "$T_TMP/k.conf" &&
			daemon_stop
		t_check "$N/kernel-off: said once" \
			[ "$(grep -c 'kernel audit is disabled.*audit records are off' "$DLOG")" = 1 ]
	fi
	mkdir -m 0700 "$T_TMP/auditd"
	ALOG=$T_TMP/auditd/audit.log
	cat >"$T_TMP/auditd/auditd.conf" <<EOF
local_events = yes
write_logs = yes
log_file = $ALOG
log_format = ENRICHED
flush = INCREMENTAL_ASYNC
freq = 1
max_log_file = 8
num_logs = 2
max_log_file_action = ROTATE
space_left = 10
space_left_action = SYSLOG
admin_space_left = 5
admin_space_left_action = SYSLOG
disk_full_action = SYSLOG
disk_error_action = SYSLOG
end_of_event_timeout = 2
q_depth = 2000
overflow_action = SYSLOG
EOF
	chmod 0600 "$T_TMP/auditd/auditd.conf"
	auditd -c "$T_TMP/auditd" || { t_fail $N "auditd did not start"; exit 1; }
	t_wait 5 sh -c "[ \"\$(auditctl -s | awk '/^pid/ {print \$2}')\" != 0 ]"
	APID=$(auditctl -s | awk '/^pid/ {print $2}')
	t_cleanup "kill $APID; t_wait 5 sh -c '! kill -0 $APID'; auditctl -e $was_enabled"
	IF="-if $ALOG"
	t_pass "$N/auditd: started (pid $APID, log $ALOG)"
fi

# --- the switch: enabled = no --------------------------------------------
write_conf "$T_TMP/off.conf" no
: >"$DLOG"
daemon_start --dry-run --config "$T_TMP/off.conf" ||
	{ t_fail $N/off "daemon did not start"; exit 1; }
OFFPID=$DPID
"$CTL" --socket "$SOCK" penalty $U1 60 >/dev/null
daemon_stop
t_check "$N/off: enabled = no is said once" \
	[ "$(grep -c 'audit records are off' "$DLOG")" = 1 ]

# the history from T0 on: the next whole second, after the penalty above
T0=$(($(date +%s) + 1))
sleep 2
# --- the actions -------------------------------------------------------------
write_conf "$T_TMP/on.conf" yes
: >"$DLOG"
daemon_start --dry-run --config "$T_TMP/on.conf" ||
	{ t_fail $N "daemon did not start"; exit 1; }
ONPID=$DPID
# root, with the login uid of an admin who used sudo (this shell's is
# unset, so a child may set it once)
as_admin() {
	sh -c "echo $ADMIN_AUID >/proc/self/loginuid && exec \"\$@\"" as_admin "$@"
}
ctl_admin() { as_admin "$CTL" --socket "$SOCK" "$@"; }
ctl_admin penalty $U1 600 >/dev/null || t_fail $N "penalty failed"
ctl_admin release $U1 >/dev/null || t_fail $N "release failed"
ctl_admin limit $U1 --cpu 1.5 --memory 2G >/dev/null || t_fail $N "limit failed"
ctl_admin limit $U1 --tasks 50 --memory-high 1G --io-weight 300 >/dev/null ||
	t_fail $N "limit --tasks --memory-high --io-weight failed"
ctl_admin limit $U1 --tasks max >/dev/null || t_fail $N "limit --tasks max failed"
ctl_admin limit-clear $U1 >/dev/null || t_fail $N "limit-clear failed"
ctl_admin reload >/dev/null || t_fail $N "reload failed"
out=$(as_admin $SC "$SOCK" send "set cgroup cg_$U1 --cpulimit 50")
echo "$out" | grep -q 'Received valid command stream' ||
	t_fail $N "seed set cgroup: $out"
"$RUNAS" $U2 "$CTL" --socket "$SOCK" penalty $U1 >/dev/null 2>&1 &&
	t_fail $N "a non-admin's penalty was accepted"
kill -HUP "$DPID"
t_wait 5 grep -q "SIGHUP from pid" "$DLOG"
daemon_stop

# rec OP RES: the raw records of our daemon with op=OP and res=RES
rec() {
	# shellcheck disable=SC2086
	ausearch $IF -m USYS_CONFIG -p "$ONPID" -ts recent --format raw 2>/dev/null |
		grep "msg='op=$1 " | grep "res=$2'"
}
found() { [ -n "$(rec "$1" "$2")" ]; }
t_wait 5 found stop success
for a in "penalty success" "release success" "limit success" \
	"limit-clear success" "reload success" "penalty failed" \
	"start success" "stop success"; do
	# shellcheck disable=SC2086
	set -- $a
	r=$(rec "$1" "$2")
	if [ -z "$r" ]; then
		t_fail "$N/record $1 $2" "not found with ausearch -m USYS_CONFIG"
		continue
	fi
	t_pass "$N/record $1 $2: $(echo "$r" | head -1 | sed "s/.*msg='//; s/ exe=.*//")"
done

has() { rec "$1" "$2" | grep -q -- "$3"; }
t_check "$N/penalty: the admin's auid, not root's, and the session" \
	has penalty success "client-uid=0 client-pid=[0-9]* client-auid=$ADMIN_AUID client-ses=[0-9]*"
t_check "$N/penalty: target and seconds" \
	has penalty success "acct=\"*[^ ]* id=$U1 old-penalty=0 new-penalty=[56][0-9][0-9] "
t_check "$N/penalty: the client's executable" \
	has penalty success "client-exe=\"$(readlink -f "$CTL")\""
t_check "$N/release: old and new seconds" \
	has release success "old-penalty=[56][0-9][0-9] new-penalty=0 "
t_check "$N/limit: old and new values" \
	has limit success "old-cpu=none new-cpu=1.50 old-mem=none new-mem=2147483648 client-"
t_check "$N/limit --tasks --memory-high --io-weight: old and new values" \
	has limit success "id=$U1 old-tasks=none new-tasks=50 old-mem-high=none new-mem-high=1073741824 old-io-weight=none new-io-weight=300 client-"
t_check "$N/limit --tasks max: old and new tasks alone" \
	has limit success "id=$U1 old-tasks=50 new-tasks=max client-"
t_check "$N/limit-clear: old and new values" \
	has limit-clear success "old-cpu=1.50 new-cpu=none old-mem=2147483648 new-mem=none old-tasks=max new-tasks=none old-mem-high=1073741824 new-mem-high=none old-io-weight=300 new-io-weight=none client-"
t_check "$N/seed set cgroup --cpulimit 50: a limit record" \
	sh -c "[ \$(ausearch $IF -m USYS_CONFIG -p $ONPID -ts recent --format raw | grep -c \"msg='op=limit .*client-auid=$ADMIN_AUID.*res=success\") -ge 4 ]"
t_check "$N/refused: the non-admin named, with its executable" \
	has penalty failed "id=$U1 client-uid=$U2 .*client-exe=\"$(readlink -f "$CTL")\""
t_check "$N/SIGHUP: a reload record naming the sender" \
	has reload success "client-uid=0 client-pid=$$ "
# shellcheck disable=SC2086
text=$(ausearch $IF -m USYS_CONFIG -p "$ONPID" -ts recent --format text 2>/dev/null)
t_check "$N/ausearch --format text" sh -c "echo '$text' | grep -q 'unsuccessfully penalty'"
ids=$(ausearch $IF -m USYS_CONFIG -p "$ONPID" -ts recent --format raw |
	sed -n 's/.*msg=audit([0-9.]*:\([0-9]*\)).*/\1/p')
# shellcheck disable=SC2086
rep=$(aureport $IF -c -ts recent 2>/dev/null)
miss=0
for i in $ids; do
	echo "$rep" | grep -Eq "USYS_CONFIG .* $i\$" || miss=$((miss + 1))
done
t_check "$N/aureport -c lists every record ($(echo $ids | wc -w), $miss missing)" \
	[ "$miss" = 0 ] && [ -n "$ids" ] || t_fail "$N/aureport" "no record ids"

# --- the same actor and values in events.log ---------------------------------
ev=$(grep '"event":"admin_action"' "$T_TMP/events.log" | grep '"action":"penalty"' | grep '"status":0' | tail -1)
t_check "$N/events.log: the penalty's actor as in the audit record" \
	sh -c "echo '$ev' | grep -q '\"client_uid\":0,\"client_pid\":[0-9]*,\"client_auid\":$ADMIN_AUID,\"client_ses\":[0-9]*,\"client_exe\":\"$(readlink -f "$CTL")\"'"
t_check "$N/events.log: the penalty's seconds" \
	sh -c "echo '$ev' | grep -q '\"penalty_old_s\":0,\"penalty_new_s\":[56][0-9][0-9]'"
lim() { grep '"event":"admin_action"' "$T_TMP/events.log" | grep "\"action\":\"$1\"" | grep -q "$2"; }
t_check "$N/events.log: limit's tasks, memory high and io weight, old and new" \
	lim limit '"max_tasks_old":null,"max_tasks_new":50,"mem_high_old":null,"mem_high_new":1073741824,"io_weight_old":null,"io_weight_new":300'
t_check "$N/events.log: limit --tasks max" \
	lim limit '"max_tasks_old":50,"max_tasks_new":"max"'
t_check "$N/events.log: limit-clear's old and new values" \
	lim limit-clear '"cpu_cap_old":1.500,"cpu_cap_new":null,"mem_limit_old":2147483648,"mem_limit_new":null,"max_tasks_old":"max","max_tasks_new":null,"mem_high_old":1073741824,"mem_high_new":null,"io_weight_old":300,"io_weight_new":null'
ev=$(grep '"event":"penalty_on"' "$T_TMP/events.log" | tail -1)
t_check "$N/events.log: penalty_on carries the actor too" \
	sh -c "echo '$ev' | grep -q '\"client_auid\":$ADMIN_AUID'"
# shellcheck disable=SC2086
n=$(ausearch $IF -m USYS_CONFIG -p "$OFFPID" -ts recent --format raw 2>/dev/null | grep -c .)
t_check "$N/off: no record from the daemon with enabled = no" [ "$n" = 0 ]

# --- cgfairctl events --since: the history, from the journal ----------------
if [ -S /run/systemd/journal/socket ]; then
	out=$("$CTL" events --since "@$T0" --user $U1)
	echo "$out"
	t_check "$N/history: penalty_on and penalty_off of uid $U1" sh -c \
		"echo \"\$1\" | grep -q ' penalty_on ' && echo \"\$1\" | grep -q ' penalty_off '" _ "$out"
	out=$("$CTL" --json events --since "@$T0" --user $U1 --type admin_action)
	n=$(echo "$out" | grep -c '"event":"admin_action"')
	t_check "$N/history --type admin_action --json: the 7 done ($n)" [ "$n" = 7 ]
	t_check "$N/history --json: the actor's auid" sh -c \
		"echo \"\$1\" | grep -q '\"client_auid\":\"$ADMIN_AUID\"'" _ "$out"
	out=$("$CTL" events --since "@$T0" --user $U1 --type oom 2>&1)
	t_check "$N/history --type oom: none" sh -c "echo \"\$1\" | grep -q 'no events since'" _ "$out"
	out=$("$CTL" events --since "@$T0" --user $U2)
	t_check "$N/history --user $U2: nothing of $U1" sh -c "! echo \"\$1\" | grep -q ' penalty_on '" _ "$out"
else
	t_fail "$N/history" "no journal (no journald, no unshare)"
fi
"$CTL" events --since "not a time" >/dev/null 2>&1
t_check "$N/history --since garbage: usage error (2)" [ $? -eq 2 ]
"$CTL" events --since -1h --type 'Bad!' >/dev/null 2>&1
t_check "$N/history --type garbage: usage error (2)" [ $? -eq 2 ]
exit 0
