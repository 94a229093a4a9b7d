#!/bin/sh
# Desktop notices ([notify] desktop, issue 13), end to end on this host:
# the real cgfaird, its cgfair-notify worker, a real dbus-daemon as the
# test user at /run/user/UID/bus and a test notification service on it
# (t-notifyd: owns org.freedesktop.Notifications, writes down each Notify
# call with the sender's uid and its NoNewPrivs and CapEff):
#   - an OOM kill: one notice, from app "cgfair", urgency critical, with
#     the victim's pid and command and the limit; its sender ran as the
#     user with no capability and NoNewPrivs set;
#   - a second kill within rate_limit: no second notice;
#   - a victim whose command name is markup and escape sequences: the
#     notice carries them escaped (&lt;), never as markup or ESC bytes;
#   - a user whose bus is a symlink, and one whose bus socket belongs to
#     another uid: no helper, a log line that says why.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/lib/oom.sh"
N=notify-desktop
oom_need $N
for p in cgfair-notify cgfair-desktop-notify tests/t-notifyd; do
	[ -x "$OOM_BUILD/$p" ] || {
		t_fail $N "$OOM_BUILD/$p missing (make; make tests)"
		exit 1
	}
done
DBUS=$(command -v dbus-daemon) || {
	t_skip $N "dbus-daemon missing (sh tools/deps.sh)"
	exit 0
}
base=$((420000 + $$ % 1000 * 10))
U1=$((base + 1)) # a session bus and the notification service
U2=$((base + 2)) # /run/user/U2/bus: a symlink to U1's
U3=$((base + 3)) # /run/user/U3/bus: a socket of U1's
RATE=8
RUN="$OOM_BUILD/tests/t-run-as-uid"

# --- U1's account (dbus-daemon wants a passwd entry for its uid), the
# users' runtime directories and U1's bus ---------------------------------
NAME=cgft$U1
getent passwd $U1 >/dev/null || getent group $U1 >/dev/null && {
	t_fail $N "uid or gid $U1 exists already"
	exit 1
}
groupadd -g $U1 $NAME && t_cleanup "groupdel $NAME" &&
	useradd -u $U1 -g $U1 -M -N -d /nonexistent -s /usr/sbin/nologin $NAME &&
	t_cleanup "userdel $NAME" || {
	t_fail $N "cannot add user $NAME ($U1)"
	exit 1
}
for u in $U1 $U2 $U3; do
	[ -e /run/user/$u ] && {
		t_fail $N "/run/user/$u exists already"
		exit 1
	}
	install -d -m 0700 -o $u -g $u /run/user/$u
	t_cleanup "rm -rf /run/user/$u"
done
BUS=/run/user/$U1/bus
cat >"$T_TMP/bus.conf" <<XML
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$BUS</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
XML
chmod 644 "$T_TMP/bus.conf"
chmod 755 "$T_TMP"
"$RUN" $U1 "$DBUS" --config-file="$T_TMP/bus.conf" --nofork --nopidfile \
	>"$T_TMP/dbus.log" 2>&1 &
DBUS_PID=$!
t_cleanup "kill $DBUS_PID 2>/dev/null; wait $DBUS_PID 2>/dev/null"
t_wait 10 test -S $BUS || {
	t_fail $N/bus "dbus-daemon did not listen at $BUS: $(cat "$T_TMP/dbus.log")"
	exit 1
}
# The bus and the service share U1's cgroup with the hogs: never the OOM
# killer's pick (a second kill right after the hog's took the bus once,
# the kernel's log said)
echo -1000 >/proc/$DBUS_PID/oom_score_adj
OUTDIR=$T_TMP/desk
install -d -m 0755 -o $U1 -g $U1 "$OUTDIR"
OUT=$OUTDIR/notices
DBUS_SESSION_BUS_ADDRESS=unix:path=$BUS "$RUN" $U1 \
	"$OOM_BUILD/tests/t-notifyd" "$OUT" >"$T_TMP/notifyd.log" 2>&1 &
NOTIFYD_PID=$!
echo -1000 >/proc/$NOTIFYD_PID/oom_score_adj
t_cleanup "kill $NOTIFYD_PID 2>/dev/null; wait $NOTIFYD_PID 2>/dev/null"
t_wait 10 test -e "$OUT.ready" || {
	t_fail $N/service "t-notifyd did not own its name: $(cat "$T_TMP/notifyd.log")"
	exit 1
}
# U2's bus: a symlink to U1's; U3's: a socket, but U1's
ln -s $BUS /run/user/$U2/bus
python3 -c "import socket; socket.socket(socket.AF_UNIX).bind('/run/user/$U3/bus')"
chown $U1 /run/user/$U3/bus

# no terminals =, no desktop =: both on by default; no mail
OOM_EXTRA_CONF="[notify]
rate_limit = ${RATE}s"
oom_start "$U1" "$U3" --debug || {
	t_fail $N/start "cgfaird did not start"
	exit 1
}
oom_user_up "$U1" || t_fail $N/setup "uid $U1: no cgroup with a 64 MiB limit"
notices() { grep -c "^uid=" "$OUT" 2>/dev/null || echo 0; }

# --- an OOM kill: the notice, sent as the user without privilege --------
oom_hog "$U1" 256
if t_wait 20 sh -c "[ \$(grep -c '^uid=' '$OUT' 2>/dev/null || echo 0) -ge 1 ]"; then
	l=$(grep "^uid=" "$OUT" | head -1)
	pid=$(grep '"event":"oom"' "$OOM_LOG" | grep "\"uid\":$U1," | head -1 |
		sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
	if echo "$l" | grep -q " app=cgfair " &&
		echo "$l" | grep -q " urgency=2 " &&
		echo "$l" | grep -q "t-memhog" &&
		echo "$l" | grep -q "64 MiB" &&
		[ -n "$pid" ] && echo "$l" | grep -q "\b$pid\b"; then
		t_pass "$N/oom-notice"
	else
		t_fail "$N/oom-notice" "pid $pid; got: $l"
	fi
	if echo "$l" | grep -q "^uid=$U1 " &&
		echo "$l" | grep -q " nnp=1 " &&
		echo "$l" | grep -q " capeff=0000000000000000 "; then
		t_pass "$N/unprivileged-sender"
	else
		t_fail "$N/unprivileged-sender" "got: $l"
	fi
	if grep -q "desktop notice: sent to uid $U1" "$OOM_DLOG"; then
		t_pass "$N/helper-status"
	else
		t_fail "$N/helper-status" "$(grep -i desktop "$OOM_DLOG" | tail -3)"
	fi
else
	t_fail "$N/oom-notice" "no notice: $(grep -i "desktop\|notify" "$OOM_DLOG" | tail -5)"
fi

# --- a second kill within rate_limit: no second notice ------------------
T1=$(date +%s)
oom_hog "$U1" 256
sleep 3
if [ "$(notices)" -eq 1 ]; then
	t_pass "$N/rate-limit"
else
	t_fail "$N/rate-limit" "$(notices) notices: $(cat "$OUT")"
fi

# --- a command name of markup and escape sequences arrives as text ------
HOGDIR=$(mktemp -d)
t_cleanup "rm -rf $HOGDIR"
chmod 755 "$HOGDIR"
bad=$(printf '<b>\033[2J&x')
ln -s "$OOM_BUILD/tests/t-memhog" "$HOGDIR/$bad"
sleep $((RATE + 1 - ($(date +%s) - T1)))
OOM_HOG="$HOGDIR/$bad" oom_hog "$U1" 256
if t_wait 20 sh -c "[ \$(grep -c '^uid=' '$OUT' 2>/dev/null || echo 0) -ge 2 ]"; then
	l=$(grep "^uid=" "$OUT" | sed -n 2p)
	# the ESC already shown as ^[ by the victim's reader (as for the
	# terminals); the helper escapes the markup
	if printf '%s' "$l" | grep -qF '(&lt;b&gt;^[[2J&amp;x)' &&
		! echo "$l" | grep -qF '<b>' &&
		! printf '%s' "$l" | LC_ALL=C grep -q '[[:cntrl:]]'; then
		t_pass "$N/escapes"
	else
		t_fail "$N/escapes" "got: $(printf "%s" "$l" | tr "\\\\" / | cat -v)"
	fi
else
	t_fail "$N/escapes" "no second notice: $(grep -i desktop "$OOM_DLOG" | tail -3)"
fi

# --- the helper alone, as the supervisor runs it: raw control bytes, bad
# UTF-8 and markup in its input leave as '?' and entities ---------------
printf '2\000sum\033[1m<u>\000body\007\r\377\n<i>&\000' |
	env -i DBUS_SESSION_BUS_ADDRESS=unix:path=$BUS \
		"$RUN" $U1 "$OOM_BUILD/cgfair-desktop-notify"
rc=$?
l=$(grep "^uid=" "$OUT" | sed -n 3p)
if [ $rc -eq 0 ] && printf '%s' "$l" | grep -qF ' summary=sum?[1m&lt;u&gt; body=body???\n&lt;i&gt;&amp;' &&
	! printf '%s' "$l" | LC_ALL=C grep -q '[[:cntrl:]]'; then
	t_pass "$N/helper-cleans"
else
	t_fail "$N/helper-cleans" "status $rc; got: $(printf "%s" "$l" | cat -v)"
fi

# --- a bus that is a symlink, or another uid's socket: no helper -------
for u in $U2 $U3; do
	oom_user_up "$u" || t_fail $N/setup "uid $u: no cgroup with a 64 MiB limit"
	oom_hog "$u" 256
	if t_wait 20 grep -q "desktop notice for uid $u: /run/user/$u/bus is not a socket of uid $u" "$OOM_DLOG" &&
		! grep -q "desktop notice for uid $u: helper pid" "$OOM_DLOG" &&
		! grep -q "^uid=$u " "$OUT"; then
		t_pass "$N/bad-bus-$u"
	else
		t_fail "$N/bad-bus-$u" "$(grep "uid $u" "$OOM_DLOG" | tail -3)"
	fi
done
oom_stop
exit $T_FAILED
