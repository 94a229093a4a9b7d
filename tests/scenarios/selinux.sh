#!/bin/sh
# backends: selinux
# cgfair under SELinux (tier 3: the systemd guest with Debian's reference
# policy, enforcing, and selinux/cgfair.pp installed). As a package
# would, the installed files are relabeled; then cgfaird runs from its
# unit on its built-in defaults and does its whole job: adoption of
# processes into the users' slices over D-Bus, CPU caps, the admin socket
# (status, a penalty saved in /var/lib/cgfair), an OOM kill in the event
# log, a reload and a stop; with [history] on (cgfair-recorder's SQLite
# database, read back by `cgfairctl report`), [metrics] and [notify], each
# under its documented drop-in (cgfair-metrics: a scrape over TCP;
# cgfair-notify: the OOM kill's notice on the user's terminal, a mail to
# the relay attempted). Checked: each process runs in
# its own domain, its files have their types, and no access by a cgfair
# domain was denied.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/scenarios/lib/scn.sh"
N=selinux
t_need_root $N
SCN_BACKEND=systemd # the systemd backend, with SELinux on
# shellcheck disable=SC2086
set -- $SCN_UIDS
UA=$1 UB=$2
U=cgfaird.service
CTL=$(command -v cgfairctl)

if [ "$(cat /sys/fs/selinux/enforce 2>/dev/null)" != 1 ]; then
	t_fail $N/enforcing "SELinux is not enforcing here" \
		"$(cat /proc/cmdline)"
	exit 1
fi
t_check "$N/module: cgfair is installed ($(semodule -l | grep -w cgfair))" \
	sh -c "semodule -l | grep -qw cgfair"

# the payload was copied in unlabeled: what a package's postinst does
restorecon -R -F /usr/sbin/cgfaird /usr/libexec/cgfair /usr/bin/cgfairctl \
	/etc/cgfair /var/lib/cgfair /var/log/cgfair /run/cgfair 2>/dev/null
label() { ls -Zd "$1" | awk '{ print $1 }' | cut -d: -f3; }
for f in /usr/sbin/cgfaird:cgfaird_exec_t \
	/usr/libexec/cgfair/cgfair-scanner:cgfair_scanner_exec_t \
	/usr/libexec/cgfair/cgfair-oomwatch:cgfair_oomwatch_exec_t \
	/usr/libexec/cgfair/cgfair-frontend:cgfair_frontend_exec_t \
	/usr/libexec/cgfair/cgfair-recorder:cgfair_recorder_exec_t \
	/usr/libexec/cgfair/cgfair-notify:cgfair_notify_exec_t \
	/etc/cgfair:cgfair_conf_t /var/lib/cgfair:cgfair_var_lib_t \
	/var/log/cgfair:cgfair_log_t; do
	t_check "$N/label: ${f%%:*} is ${f#*:} ($(label "${f%%:*}"))" \
		[ "$(label "${f%%:*}")" = "${f#*:}" ]
done

# the denials logged so far are not this scenario's
. "$T_TOP/tests/vm/lib/guest-lib.sh"
mark=$(vm_avc_mark)
denials() { vm_avc_since "$mark" | grep 'scontext=[^ ]*:cgfair'; }

# [history], [metrics] and [notify]: the recorder, the HTTP listener and
# the notifier run too, the last two under the drop-ins they ship. The
# relay (127.0.0.1:25, nothing listens) refuses: the mail waits, retried.
CONF=/etc/cgfair/cgfair.conf
DROPIN=/etc/systemd/system/cgfaird.service.d
t_cleanup "rm -f $CONF $DROPIN/notify-relay.conf $DROPIN/metrics-listen.conf; systemctl daemon-reload"
cat >$CONF <<EOF
[history]
enable = yes
[metrics]
listen = 127.0.0.1:9747
[notify]
relay = 127.0.0.1:25
terminals = yes
rate_limit = 0
EOF
mkdir -p $DROPIN
cp /usr/share/doc/cgfair/notify-relay.conf \
	/usr/share/doc/cgfair/metrics-listen.conf $DROPIN/
systemctl daemon-reload

# a terminal of user A's: a logind session (su through PAM, in a pty of
# script(1)'s, which keeps what the pty shows), the pty A's with mesg y
NA=$(getent passwd "$UA" | cut -d: -f1)
TTYLOG=$T_TMP/tty-$UA.out
scn_login "$NA" "$TTYLOG"
PTY=$SCN_PTY
[ -n "$PTY" ] ||
	t_fail $N/notify-setup "no logind session with a pty for $NA: $(loginctl list-sessions --no-legend)"

scn_start || { t_fail $N/start "cgfaird did not start" "$(scn_journal)"; exit 1; }
domain() { cut -d: -f3 "/proc/$1/attr/current" 2>/dev/null; }
# the unit's RuntimeDirectory=, made by systemd at the start
t_check "$N/label: /run/cgfair is cgfair_runtime_t ($(label /run/cgfair))" \
	[ "$(label /run/cgfair)" = cgfair_runtime_t ]
t_check "$N/domain: cgfaird runs as cgfaird_t ($(domain "$DPID"))" \
	[ "$(domain "$DPID")" = cgfaird_t ]
for w in scanner:cgfair_scanner_t oomwatch:cgfair_oomwatch_t \
	frontend:cgfair_frontend_t metrics:cgfair_metrics_t \
	recorder:cgfair_recorder_t notify:cgfair_notify_t; do
	p=$(scn_children "$DPID" | awk -v n="cgfair-${w%%:*}" \
		'index(n, $2) == 1 { print $1; exit }')
	t_check "$N/domain: cgfair-${w%%:*} runs as ${w#*:} ($(domain "$p"))" \
		[ -n "$p" ] && [ "$(domain "$p")" = "${w#*:}" ]
done

# two busy users: adopted into their slices, capped
PIDS=""
t_cleanup 'kill $PIDS 2>/dev/null'
for u in "$UA" "$UB"; do
	"$SCN_TOOLS/t-run-as-uid" "$u" "$SCN_TOOLS/t-spin" >/dev/null 2>&1 &
	PIDS="$PIDS $!"
done
capped() { [ "$(systemctl show -p CPUQuotaPerSecUSec --value "user-$UA.slice")" != infinity ]; }
t_wait 30 capped
t_check "$N/caps: user-$UA.slice capped ($(systemctl show -p CPUQuotaPerSecUSec --value "user-$UA.slice"))" capped

# the admin socket: a status, a penalty (saved in the state directory)
t_check "$N/socket: cgfairctl status" sh -c "'$CTL' status >/dev/null"
t_check "$N/socket: cgfairctl penalty $UB 600" \
	sh -c "'$CTL' penalty $UB 600 >/dev/null"
t_wait 5 test -f /var/lib/cgfair/state.json
t_check "$N/label: state.json is cgfair_var_lib_t ($(label /var/lib/cgfair/state.json))" \
	[ "$(label /var/lib/cgfair/state.json)" = cgfair_var_lib_t ]

# an OOM kill in A's slice
scn_oom_kill "$UA"
rc=$?
t_wait 10 grep -q '"event":"oom"' /var/log/cgfair/events.log
t_check "$N/oom: the kill (status $rc) is in /var/log/cgfair/events.log" \
	grep -q '"event":"oom"' /var/log/cgfair/events.log
t_check "$N/label: events.log is cgfair_log_t ($(label /var/log/cgfair/events.log))" \
	[ "$(label /var/log/cgfair/events.log)" = cgfair_log_t ]

# cgfair-metrics: a scrape through the unit's IPAddressAllow=localhost
# (bash's /dev/tcp: the guest has no HTTP client)
scraped() {
	bash -c 'exec 3<>/dev/tcp/127.0.0.1/9747 &&
		printf "GET /metrics HTTP/1.0\r\n\r\n" >&3 && timeout 10 cat <&3' |
		grep -q "uid=\"$UA\""
}
t_check "$N/metrics: GET /metrics on 127.0.0.1:9747 shows uid $UA" scraped
# cgfair-notify: the kill's notice on A's terminal
if [ -n "$PTY" ]; then
	t_wait 20 grep -q "Message from cgfair@" "$TTYLOG"
	t_check "$N/notify: the OOM notice on $NA's $PTY" \
		grep -q "Message from cgfair@" "$TTYLOG"
fi
# cgfair-recorder: its database in its directory, a report read back (the
# recorder writes each minute; the report answers from what it has)
t_wait 10 test -f /var/lib/cgfair/history/history.db
t_check "$N/label: history/ is cgfair_history_t ($(label /var/lib/cgfair/history))" \
	[ "$(label /var/lib/cgfair/history)" = cgfair_history_t ]
t_check "$N/label: history.db is cgfair_history_t ($(label /var/lib/cgfair/history/history.db))" \
	[ "$(label /var/lib/cgfair/history/history.db)" = cgfair_history_t ]
t_check "$N/history: cgfairctl report answers" \
	sh -c "'$CTL' report --since 1h >/dev/null"

timeout 60 systemctl reload $U || echo "systemctl reload $U failed or did not end in 60 s"
sleep 2
t_check "$N/reload: still active" systemctl is-active -q $U
"$CTL" release "$UB" >/dev/null 2>&1
kill $PIDS 2>/dev/null
scn_stop
sleep 1

n=$(denials | wc -l)
if [ "$n" = 0 ]; then
	t_pass "$N/denials: no access by a cgfair domain was denied"
else
	t_fail "$N/denials: $n access(es) by cgfair domains denied" \
		"$(denials | sed 's/.*avc:  denied/denied/' | sort | uniq | head -40)"
fi
exit 0
