#!/bin/sh
# backends: systemd
# The OOM notice reaches a user who logs in after cgfaird started, on the
# installed unit (issue 13): the user's terminal and the user's desktop.
#   - the user logs in through PAM (su in a pty of script(1)'s):
#     pam_systemd registers a logind session, logind mounts
#     /run/user/UID, the user's manager starts its session bus
#     (dbus-user-session), all after cgfaird's start: the unit's view of
#     /run/user (ProtectHome=tmpfs, the directory bound back read-only)
#     must follow;
#   - a test notification service (t-notifyd) runs in the user's manager
#     as a desktop's would, owning org.freedesktop.Notifications;
#   - an OOM kill in the user's slice: the notice on the user's pty
#     ("Message from cgfair@") and a Notify call from app cgfair with the
#     victim's command, sent as the user with NoNewPrivs, no capability
#     and, under SELinux, from cgfair_desktop_notify_t (tier 3: no access
#     by a cgfair domain denied).
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/scenarios/lib/scn.sh"
N=notify-user
t_need_root $N
# shellcheck disable=SC2086
set -- $SCN_UIDS
U=$3 # one the other scenarios do not log in
PW=$(getent passwd "$U")
NAME=${PW%%:*}
[ -n "$NAME" ] || {
	t_fail $N/setup "uid $U has no passwd entry in this guest"
	exit 1
}
SELINUX=0
[ "$(cat /sys/fs/selinux/enforce 2>/dev/null)" = 1 ] && SELINUX=1
if [ $SELINUX = 1 ]; then
	. "$T_TOP/tests/vm/lib/guest-lib.sh"
	mark=$(vm_avc_mark)
	# a session bus (dbus-daemon as the user) cannot write to the audit
	# log: it logs the denials of D-Bus messages to the journal
	JMARK=$(date '+%Y-%m-%d %H:%M:%S')
fi

# --- the user logged out, and not lingering: no /run/user/UID -----------
user_gone() { ! systemctl is-active -q "user@$U.service" && ! mountpoint -q "/run/user/$U"; }
# what the other scenarios find: the user lingering, its manager up
t_cleanup "loginctl enable-linger $NAME; i=0; until systemctl is-active -q user@$U.service || [ \$i -ge 150 ]; do sleep 0.2; i=\$((i + 1)); done"
loginctl disable-linger "$NAME"
loginctl terminate-user "$NAME" 2>/dev/null
systemctl stop "user@$U.service" "user-runtime-dir@$U.service" 2>/dev/null
t_wait 30 user_gone || t_fail $N/setup "user@$U.service or /run/user/$U still there"

CONF=/etc/cgfair/cgfair.conf
t_cleanup "rm -f $CONF"
cat >$CONF <<EOF
[notify]
terminals = yes
desktop = yes
rate_limit = 0
EOF
scn_start || {
	t_fail $N/start "cgfaird did not start" "$(scn_journal)"
	exit 1
}

# --- the login, after cgfaird's start -----------------------------------
TTYLOG=$T_TMP/tty-$U.out
scn_login "$NAME" "$TTYLOG"
PTY=$SCN_PTY
if [ -n "$PTY" ]; then
	t_pass "$N/login: $NAME has a logind session on $PTY"
else
	t_fail $N/login "no logind session with a pty for $NAME" \
		"$(loginctl list-sessions --no-legend)"
fi
BUS=/run/user/$U/bus
t_wait 60 test -S $BUS
t_check "$N/login: the user's session bus $BUS" test -S $BUS

# --- the notification service, in the user's manager --------------------
# as_user CMD...: CMD as the user, talking to the user's manager
as_user() { runuser -u "$NAME" -- env XDG_RUNTIME_DIR=/run/user/$U "$@"; }
OUT=$(echo "$PW" | cut -d: -f6)/cgfair-notices
t_cleanup "rm -f $OUT $OUT.ready"
rm -f "$OUT" "$OUT.ready"
as_user DBUS_SESSION_BUS_ADDRESS=unix:path=$BUS \
	systemd-run --user --quiet --unit=cgfair-t-notifyd \
	"$SCN_TOOLS/t-notifyd" "$OUT" >"$T_TMP/notifyd-run.log" 2>&1
t_cleanup "as_user timeout 30 systemctl --user stop cgfair-t-notifyd.service"
t_wait 30 test -e "$OUT.ready" || {
	t_fail $N/service "t-notifyd did not own its name" \
		"$(cat "$T_TMP/notifyd-run.log")
$(as_user systemctl --user status --no-pager cgfair-t-notifyd.service 2>&1 | tail -5)"
}

# the bus and the service share the user's slice with the hog: never the
# OOM killer's pick (on the host a second kill took the bus once)
scn_oom_spare "$U" dbus-daemon t-notifyd

# --- an OOM kill in the user's slice ------------------------------------
scn_oom_kill "$U"
rc=$?
# the log has the earlier scenarios' kills too: wait for this user's
OOM_RE="\"event\":\"oom\".*\"uid\":$U,"
t_wait 20 grep -q "$OOM_RE" /var/log/cgfair/events.log
t_check "$N/oom: the kill (status $rc) is in the event log" \
	grep -q "$OOM_RE" /var/log/cgfair/events.log

if [ -n "$PTY" ]; then
	t_wait 20 grep -q "Message from cgfair@" "$TTYLOG"
	t_check "$N/terminal: the OOM notice on $NAME's $PTY" \
		grep -q "Message from cgfair@" "$TTYLOG"
fi

if t_wait 30 grep -q "^uid=$U " "$OUT"; then
	l=$(grep -m1 "^uid=" "$OUT")
	if echo "$l" | grep -q " app=cgfair " && echo "$l" | grep -q "t-memhog"; then
		t_pass "$N/desktop: the OOM notice on $NAME's session bus"
	else
		t_fail "$N/desktop: the OOM notice on $NAME's session bus" "got: $l"
	fi
	if echo "$l" | grep -q " nnp=1 capeff=0000000000000000 "; then
		t_pass "$N/desktop: sent as $NAME without privilege"
	else
		t_fail "$N/desktop: sent as $NAME without privilege" "got: $l"
	fi
	if [ $SELINUX = 1 ]; then
		ctx=$(echo "$l" | sed -n 's/.* context=\([^ ]*\) .*/\1/p')
		t_check "$N/desktop: sent from cgfair_desktop_notify_t ($ctx)" \
			[ "$(echo "$ctx" | cut -d: -f3)" = cgfair_desktop_notify_t ]
	fi
else
	t_fail "$N/desktop: the OOM notice on $NAME's session bus" \
		"none; the journal: $(journalctl -b --no-pager | grep -i 'desktop notice\|cgfair-desktop\|avc' | tail -8)
the kernel's seccomp records: $({ dmesg; cat /var/log/audit/audit.log 2>/dev/null; } | grep 'type=1326\|type=SECCOMP' | tail -3)"
fi
# for the log: who ran where (the session bus, the service, cgfaird)
[ $SELINUX = 0 ] || {
	ps -eo label,pid,user:12,args | grep -E "^LABEL|dbus|notifyd|systemd --user|cgfair" | grep -v grep
	ls -Zd /run/user /run/user/$U $BUS
}
scn_stop

if [ $SELINUX = 1 ]; then
	denied=$({
		vm_avc_since "$mark"
		journalctl --no-pager --since "$JMARK" | grep 'avc:  denied'
	} | grep 'scontext=[^ ]*:cgfair\|tcontext=[^ ]*:cgfair_desktop')
	if [ -z "$denied" ]; then
		t_pass "$N/denials: no access by or to a cgfair domain was denied"
	else
		t_fail "$N/denials: $(echo "$denied" | wc -l) access(es) denied" \
			"$(echo "$denied" | sed 's/.*avc:  denied/denied/' | sort | uniq | head -40)"
	fi
fi
exit 0
