#!/bin/sh
# backends: systemd
# Who did it, in the systemd guest (issue 12): auditd runs there as a
# service. A test user logs in - a PAM "login" session opened by systemd,
# as a console login opens one: pam_loginuid gives it its login uid, logind
# a session - and from that session runs `sudo cgfairctl penalty` on
# another user, and again `release`, `limit` (tasks, memory high, io
# weight) and `limit-clear`. The audit records (ausearch, aureport) name
# that user's auid and session, not root's, and the old and new values;
# the event log and the journal carry the same actor; `cgfairctl events
# --since` reads the history back from the journal, by user and by type.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/scenarios/lib/scn.sh"
N=audit-systemd
t_need_root $N
# shellcheck disable=SC2086
set -- $SCN_UIDS
A=$1 # the admin who logs in and uses sudo
U=$2 # the target
AN=$(getent passwd "$A" | cut -d: -f1)
CTL=$(command -v cgfairctl)
for c in auditctl ausearch aureport sudo systemd-run "$CTL"; do
	command -v "$c" >/dev/null ||
		{ t_fail $N "$c missing in the guest image"; exit 1; }
done
if [ "$(auditctl -s | awk '/^pid/ {print $2}')" = 0 ]; then
	t_fail $N/auditd "auditd is not running: $(systemctl is-active auditd)"
	exit 1
fi
t_pass "$N/auditd: running as a service"

CONF=/etc/cgfair/cgfair.conf
mkdir -p /etc/cgfair
t_cleanup "rm -f $CONF /etc/sudoers.d/cgfair-test"
cat >"$CONF" <<EOF
[users]
min_uid = $U
max_uid = $U
[log]
event_log = $SCN_EVLOG
EOF
# the admin may run cgfairctl as root without a password
echo "$AN ALL=(root) NOPASSWD: $CTL" >/etc/sudoers.d/cgfair-test
chmod 0440 /etc/sudoers.d/cgfair-test
T0=$(date +%s)
scn_start || { t_fail $N/start "cgfaird did not start"; exit 1; }

# as_login CMD...: CMD in a fresh login session of the admin, its output
# and its status. The output through a file systemd opens, not --pipe:
# under SELinux (tier 3) the D-Bus daemon may not pass the harness's
# descriptors on to systemd. CMD runs from the admin's shell, as typed at
# a prompt: under SELinux the session's domain (unconfined_t from
# pam_selinux) is entered through a shell, not through sudo itself
# (systemd's exec of sudo there fails with status 203).
as_login() {
	: >"$T_TMP/login.out"
	systemd-run --quiet --wait --collect -p PAMName=login \
		-p User="$AN" -p StandardOutput="file:$T_TMP/login.out" \
		/bin/sh -c 'exec "$@"' sh "$@"
	_rc=$?
	cat "$T_TMP/login.out"
	return $_rc
}
out=$(as_login sh -c 'cat /proc/self/loginuid; echo; cat /proc/self/sessionid')
auid=$(echo "$out" | sed -n 1p)
t_check "$N/login: the session has $AN's login uid ($auid)" [ "$auid" = "$A" ]
[ "$auid" = "$A" ] || journalctl -b --no-pager -n 30 _PID=1 + SYSLOG_IDENTIFIER=systemd-run
as_login sudo -n "$CTL" penalty "$U" 300 >"$T_TMP/pen.out" 2>&1
t_check "$N/sudo cgfairctl penalty: accepted" [ $? -eq 0 ]
as_login sudo -n "$CTL" release "$U" >/dev/null 2>&1
t_check "$N/sudo cgfairctl release: accepted" [ $? -eq 0 ]
as_login sudo -n "$CTL" limit "$U" --tasks 64 --memory-high 512M --io-weight 200 >/dev/null 2>&1
t_check "$N/sudo cgfairctl limit --tasks --memory-high --io-weight: accepted" [ $? -eq 0 ]
as_login sudo -n "$CTL" limit-clear "$U" >/dev/null 2>&1
t_check "$N/sudo cgfairctl limit-clear: accepted" [ $? -eq 0 ]
as_login "$CTL" penalty "$U" >/dev/null 2>&1
t_check "$N/cgfairctl penalty without sudo: refused" [ $? -eq 4 ]

# rec OP RES: the raw records of cgfaird with op=OP and res=RES
rec() {
	ausearch -m USYS_CONFIG -p "$DPID" -ts recent --format raw 2>/dev/null |
		grep "msg='op=$1 " | grep "res=$2'"
}
found() { [ -n "$(rec "$1" "$2")" ]; }
t_wait 10 found penalty failed
r=$(rec penalty success)
echo "penalty record: $r"
case $r in
*"id=$U old-penalty=0 new-penalty="*"client-uid=0 client-pid="*" client-auid=$A client-ses="*)
	t_pass "$N/audit: the penalty by sudo names auid $A, not root" ;;
*) t_fail "$N/audit" "penalty record: '$r'" ;;
esac
t_check "$N/audit: the release, same auid" sh -c "echo \"\$1\" | grep -q 'client-auid=$A '" _ "$(rec release success)"
t_check "$N/audit: the limit's old and new tasks, memory high, io weight" sh -c \
	"echo \"\$1\" | grep -q 'id=$U old-tasks=none new-tasks=64 old-mem-high=none new-mem-high=536870912 old-io-weight=none new-io-weight=200 client-uid=0 client-pid=[0-9]* client-auid=$A '" _ "$(rec limit success)"
t_check "$N/audit: limit-clear, back to none" sh -c \
	"echo \"\$1\" | grep -q 'old-tasks=64 new-tasks=none old-mem-high=536870912 new-mem-high=none old-io-weight=200 new-io-weight=none client-uid=0 '" _ "$(rec limit-clear success)"
t_check "$N/audit: the refused attempt, uid $A" sh -c "echo \"\$1\" | grep -q 'client-uid=$A '" _ "$(rec penalty failed)"
t_check "$N/audit: ausearch --format text" sh -c \
	"ausearch -m USYS_CONFIG -p $DPID -ts recent --format text | grep -q 'penalty'"
t_check "$N/audit: aureport -c" sh -c "aureport -c -ts recent | grep -q USYS_CONFIG"

ev=$(grep '"event":"admin_action"' "$SCN_EVLOG" | grep '"action":"penalty"' | grep '"status":0' | head -1)
t_check "$N/events.log: the same actor" sh -c "echo '$ev' | grep -q '\"client_uid\":0,\"client_pid\":[0-9]*,\"client_auid\":$A,'"
t_wait 5 sh -c "journalctl --no-pager -o json --since @$T0 CGFAIR_EVENT=admin_action CGFAIR_CLIENT_AUID=$A | grep -q ."
t_check "$N/journal: CGFAIR_CLIENT_AUID=$A" sh -c \
	"journalctl --no-pager -o json --since @$T0 CGFAIR_EVENT=admin_action CGFAIR_CLIENT_AUID=$A | grep -q ."

# --- cgfairctl events --since: the history from the journal --------------
out=$("$CTL" events --since "@$T0" --user "$U")
echo "$out"
t_check "$N/history: penalty_on and penalty_off of uid $U" \
	sh -c "echo \"\$1\" | grep -q ' penalty_on ' && echo \"\$1\" | grep -q ' penalty_off '" _ "$out"
out=$("$CTL" --json events --since "@$T0" --user "$U" --type admin_action)
n=$(echo "$out" | grep -c '"event":"admin_action"')
t_check "$N/history --type admin_action --json: the 4 requests done ($n)" [ "$n" = 4 ]
t_check "$N/history --json: the actor's auid" sh -c "echo \"\$1\" | grep -q '\"client_auid\":\"$A\"'" _ "$out"
out=$("$CTL" events --since "@$T0" --user "$U" --type oom 2>&1)
t_check "$N/history --type oom: none" sh -c "echo \"\$1\" | grep -q 'no events since'" _ "$out"
"$CTL" events --since "not a time" >/dev/null 2>&1
t_check "$N/history --since garbage: usage error (2)" [ $? -eq 2 ]
exit 0
