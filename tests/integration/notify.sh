#!/bin/sh
# Notices to users and admins (issue 13), end to end on this host: the
# real cgfaird with a [notify] section, its cgfair-notify worker, a real
# SMTP relay (python3-aiosmtpd on 127.0.0.1, a maildir read back with
# Python's email package) and two terminals of the test user (ptys
# registered in utmp as the user's: one mesg y, one mesg n):
#   - an OOM kill: one mail to the user (at the address of its [user:]
#     section's email =), one to the admin (headers, the
#     victim's pid and command), the notice on the mesg-y terminal, nothing
#     on the mesg-n one; no control byte but CR/LF reaches the terminal;
#   - a second kill within rate_limit: nothing; the next one after it: a
#     mail that says 1 was held back;
#   - the relay stopped: a kill's mail waits, and arrives once the relay
#     is back;
#   - a victim whose command name is made of escape sequences: the
#     terminal gets them as ^[ text, never as ESC bytes;
#   - cgfairctl penalty USER DURATION REASON: the reason in status, in the
#     event, on the terminal and in the start and end mails; a reason
#     with an escape sequence refused by the frontend.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/lib/oom.sh"
N=notify
oom_need $N
[ -x "$OOM_BUILD/cgfair-notify" ] || {
	t_fail $N "$OOM_BUILD/cgfair-notify missing (make)"
	exit 1
}
# aiosmtpd is Debian's (tools/deps.sh): the system python3's
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
$PY -c 'import aiosmtpd' 2>/dev/null || {
	t_skip $N "python3-aiosmtpd missing (sh tools/deps.sh)"
	exit 0
}
base=$((410000 + $$ % 1000 * 10))
U1=$((base + 1))
RATE=10
PORT=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
MAILDIR=$T_TMP/maildir
# the user's users.d email = (in cgfair.conf's [user:] section), not
# $U1@user_domain
USER_TO=person.$U1@user.test
ADMIN_TO=admin@admin.test

# --- the relay ------------------------------------------------------------
RELAY_PID=""
relay_start() {
	$PY -m aiosmtpd -n -l "127.0.0.1:$PORT" -c aiosmtpd.handlers.Mailbox \
		"$MAILDIR" >>"$T_TMP/relay.log" 2>&1 &
	RELAY_PID=$!
	t_wait 10 $PY -c "import socket; socket.create_connection(('127.0.0.1', $PORT))" 2>/dev/null
}
relay_stop() {
	[ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null
	RELAY_PID=""
}
t_cleanup relay_stop
mails() { $PY "$T_TOP/tests/lib/mail-check.py" "$MAILDIR" count "$1" 2>/dev/null || echo 0; }
mail_text() { $PY "$T_TOP/tests/lib/mail-check.py" "$MAILDIR" show "$1" "$2"; }
wait_mails() { t_wait "$3" sh -c "[ \$($PY '$T_TOP/tests/lib/mail-check.py' '$MAILDIR' count '$1' 2>/dev/null || echo 0) -ge $2 ]"; }

# --- the user's terminals -------------------------------------------------
UTMP=/var/run/utmp
if [ ! -e $UTMP ]; then
	install -m 0664 /dev/null $UTMP
	t_cleanup "rm -f $UTMP"
fi
TTY_PIDS=""
tty_start() { # NAME MODE
	$PY "$T_TOP/tests/lib/pty-user.py" "$U1" "$U1" "$2" "$T_TMP/$1.out" \
		"$T_TMP/$1.ready" &
	TTY_PIDS="$TTY_PIDS $!"
	t_wait 10 test -s "$T_TMP/$1.ready"
}
tty_stop() {
	[ -n "$TTY_PIDS" ] && kill $TTY_PIDS 2>/dev/null
	for p in $TTY_PIDS; do wait "$p" 2>/dev/null; done
	TTY_PIDS=""
}
t_cleanup tty_stop

$PY -c "import mailbox; mailbox.Maildir('$MAILDIR', create=True)"
# the admin's template for the admin's mail (the user's is built in);
# readable by the worker (user cgfair), as /etc/cgfair/templates is
TPL=$(mktemp -d)
t_cleanup "rm -rf $TPL"
chmod 755 "$TPL"
printf 'Subject: [test] OOM {user}/{uid} on {node}\n\nKilled: {pid} {command}\n{held}\n' \
	>"$TPL/oom-admin.txt"
chmod 644 "$TPL/oom-admin.txt"
relay_start || {
	t_fail $N/relay "aiosmtpd did not listen on 127.0.0.1:$PORT: $(cat "$T_TMP/relay.log")"
	exit 1
}
tty_start yes 620 && tty_start no 600 || {
	t_fail $N/tty "no pty registered in utmp"
	exit 1
}
# no terminals = : the default writes to the user's terminals (issue 13:
# terminals on for OOM)
OOM_EXTRA_CONF="[notify]
relay = 127.0.0.1:$PORT
from = cgfair@node.test
admin = $ADMIN_TO
user_domain = user.test
rate_limit = ${RATE}s
retry_max = 1s
templates = $TPL
[history]
enable = yes
[user:$U1]
email = $USER_TO"
oom_start "$U1" "$U1" --debug || {
	t_fail $N/start "cgfaird did not start"
	exit 1
}
oom_user_up "$U1" || t_fail $N/setup "uid $U1: no cgroup with a 64 MiB limit"
# [history]: the recorder has the user's minutes for the OOM mail's plot
t_wait 20 grep -q "history: recording" "$OOM_DLOG" ||
	t_fail $N/setup "the recorder did not start: $(grep -i recorder "$OOM_DLOG" | tail -3)"
# mail_png N: the user's Nth mail has the plot attached (a real PNG)
mail_png() { $PY "$T_TOP/tests/lib/mail-check.py" "$MAILDIR" png "$USER_TO" "$1" 2>&1; }

# --- two kills in a row: one mail to the user and one to the admin (the
# second kill is within rate_limit), the notice on the terminal ----------
oom_hog "$U1" 256
T1=$(date +%s)
oom_hog "$U1" 256
t_wait 10 sh -c "[ \$(grep '\"event\":\"oom\"' '$OOM_LOG' | grep -c '\"uid\":$U1,') -ge 2 ]"
if wait_mails "$USER_TO" 1 30 && wait_mails "$ADMIN_TO" 1 30; then
	m=$(mail_text "$USER_TO" 1)
	if echo "$m" | grep -q "^From: cgfair@node.test" &&
		echo "$m" | grep -q "^Subject: .*$U1.*out of memory" &&
		echo "$m" | grep -q "t-memhog" && echo "$m" | grep -q "64 MiB"; then
		t_pass "$N/oom-mail-user"
	else
		t_fail "$N/oom-mail-user" "unexpected mail: $m"
	fi
	if p=$(mail_png 1) && echo "$m" | grep -q "^Attached (usage.png)"; then
		t_pass "$N/oom-mail-plot ($p)"
	else
		t_fail "$N/oom-mail-plot" "$p; $(grep -i plot "$OOM_DLOG" | tail -3)"
	fi
	m=$(mail_text "$ADMIN_TO" 1)
	if echo "$m" | grep -q "^Subject: \[test\] OOM $U1/$U1 on " &&
		echo "$m" | grep -q "^Killed: [0-9]* t-memhog"; then
		t_pass "$N/oom-mail-admin"
	else
		t_fail "$N/oom-mail-admin" "unexpected mail: $m"
	fi
else
	t_fail "$N/oom-mail" "user: $(mails "$USER_TO"), admin: $(mails "$ADMIN_TO") mails; $(grep -i notify "$OOM_DLOG" | tail -5)"
fi
if t_wait 10 grep -q "Message from cgfair@" "$T_TMP/yes.out"; then
	t_pass "$N/terminal"
else
	t_fail "$N/terminal" "nothing on the mesg-y terminal: $(grep -i "terminal" "$OOM_DLOG" | tail -3)"
fi

# --- the next kill after rate_limit: a mail that says 1 was held back ----
left=$((T1 + RATE + 1 - $(date +%s)))
[ "$left" -gt 0 ] && sleep "$left" # past the rate limit (a wait, not a check)
oom_hog "$U1" 256
if wait_mails "$USER_TO" 2 30; then
	n=$(mails "$USER_TO")
	m=$(mail_text "$USER_TO" 2)
	if [ "$n" = 2 ] && echo "$m" | grep -q "1 more of these .* held"; then
		t_pass "$N/rate-limit"
	else
		t_fail "$N/rate-limit" "$n mails to the user; the second: $m"
	fi
else
	t_fail "$N/rate-limit" "no mail after the rate limit: $(mails "$USER_TO")"
fi

# --- the relay down: the mail waits and arrives after it is back ----------
relay_stop
sleep $((RATE + 1))
oom_hog "$U1" 256
t_wait 20 grep -q "mail to $USER_TO: .*attempt" "$OOM_DLOG"
relay_start
if wait_mails "$USER_TO" 3 30; then
	t_pass "$N/relay-down"
else
	t_fail "$N/relay-down" "mail lost: $(grep -i "mail to" "$OOM_DLOG" | tail -3)"
fi

# --- with a relay, mail is on: cgfair-notify started with --network, and
# libcurl (dlopen()ed before its sandbox) in its mappings ------------------
np=$(ps -o pid=,comm= --ppid "$OOM_DPID" | awk '$2 == "cgfair-notify" { print $1 }')
t_check "$N/mail-network: started with --network ($(tr '\0' ' ' </proc/$np/cmdline))" \
	sh -c "tr '\\0' '\\n' </proc/$np/cmdline | grep -qx -- --network"
t_check "$N/mail-libcurl: libcurl loaded" grep -q 'libcurl' "/proc/$np/maps"

# --- cgfair-notify and cgfair-recorder killed (-9) and restarted: the next
# OOM mail still has its plot (drawn without fonts: nothing is opened
# lazily under a restarted worker's sandbox) ------------------------------
child() { ps -o pid=,comm= --ppid "$OOM_DPID" | awk -v n="$1" '$2 == n { print $1 }'; }
for w in cgfair-notify cgfair-recorder; do
	old=$(child $w)
	[ -n "$old" ] && kill -9 "$old"
	t_wait 10 sh -c "p=\$(ps -o pid=,comm= --ppid $OOM_DPID | awk '\$2 == \"$w\" { print \$1 }'); [ -n \"\$p\" ] && [ \"\$p\" != '$old' ]" ||
		t_fail "$N/restart" "$w not back"
done
t_wait 20 sh -c "[ \$(grep -c 'history: recording' '$OOM_DLOG') -ge 2 ]"
sleep $((RATE + 1))
oom_hog "$U1" 256
if wait_mails "$USER_TO" 4 30 && p=$(mail_png 4); then
	t_pass "$N/plot-after-restart ($p)"
else
	t_fail "$N/plot-after-restart" "$(mails "$USER_TO") mails; ${p:-}; $(grep -i "plot\|recorder\|notify" "$OOM_DLOG" | tail -5)"
fi

# --- the mesg-n terminal got nothing; no control byte on the other -------
if [ -s "$T_TMP/no.out" ]; then
	t_fail "$N/mesg-n" "$(wc -c <"$T_TMP/no.out") bytes on a mesg-n terminal"
else
	t_pass "$N/mesg-n"
fi

# --- a command name of escape sequences arrives as text -------------------
HOGDIR=$(mktemp -d)
t_cleanup "rm -rf $HOGDIR"
chmod 755 "$HOGDIR"
esc=$(printf '\033]0;\033[2J\007')
ln -s "$OOM_BUILD/tests/t-memhog" "$HOGDIR/$esc"
relay_stop # its mail is not this part's business
: >"$T_TMP/yes.out"
sleep $((RATE + 1))
OOM_HOG="$HOGDIR/$esc" oom_hog "$U1" 256
if t_wait 20 grep -q "Message from cgfair@" "$T_TMP/yes.out" && sleep 1 &&
	grep -q '\^\[\]0;\^\[\[2J\^G' "$T_TMP/yes.out" &&
	! LC_ALL=C tr -d '\r\n' <"$T_TMP/yes.out" | LC_ALL=C grep -q '[[:cntrl:]]'; then
	t_pass "$N/escapes"
else
	t_fail "$N/escapes" "terminal got: $(od -c "$T_TMP/yes.out" | head -20)"
fi

# --- a penalty with the admin's reason (cgfairctl penalty USER DURATION
# REASON): in status, in the event, on the terminal and in the mail; the
# end notice says it again ------------------------------------------------
relay_start
: >"$T_TMP/yes.out"
WHY='twenty jobs on <login1> & "more"'
# the mails to the user that say $1, at least one within 30 s
found() { t_wait 30 sh -c "[ \$($PY '$T_TOP/tests/lib/mail-check.py' '$MAILDIR' find '$USER_TO' \"\$0\" 2>/dev/null || echo 0) -ge 1 ]" "$1"; }
CTL="$OOM_BUILD/cgfairctl --socket $OOM_SOCK"
$CTL penalty "$U1" 10m $WHY >"$T_TMP/penalty.out" 2>&1 ||
	t_fail "$N/penalty-reason" "cgfairctl penalty: $(cat "$T_TMP/penalty.out")"
t_check "$N/penalty-reason-status" sh -c "$CTL status $U1 | grep -qF 'penalty of $U1: $WHY'"
t_check "$N/penalty-reason-event" grep -qF "\"note\":\"twenty jobs on <login1> & \\\"more\\\"\"" "$OOM_LOG"
t_check "$N/penalty-reason-terminal" t_wait 10 grep -qF "Reason: $WHY" "$T_TMP/yes.out"
t_check "$N/penalty-reason-mail" found "Reason: $WHY"
$CTL release "$U1" >/dev/null 2>&1
t_check "$N/penalty-end-reason-mail" found "It was given for: $WHY"
t_check "$N/penalty-end-status" sh -c "! $CTL status $U1 | grep -q 'penalty of'"
# the frontend refuses a reason of more than one line
if $CTL penalty "$U1" 10m "$(printf 'a\033[2Jb')" >"$T_TMP/penalty.out" 2>&1; then
	t_fail "$N/penalty-reason-control" "accepted: $(cat "$T_TMP/penalty.out")"
else
	t_check "$N/penalty-reason-control" grep -q "control character 0x1b" "$T_TMP/penalty.out"
fi

# --- the sandbox: each forbidden call (--debug's SIGUSR2 hook: open for
# writing, an AF_INET socket of protocol 0, execve, O_ASYNC, sendmsg on
# stderr) kills cgfair-notify by SIGSYS; it is restarted --------------
killed() { grep -c "worker notify (pid [0-9]*) killed by signal SYS" "$OOM_DLOG"; }
ready() { grep -c "worker notify (pid [0-9]*) ready" "$OOM_DLOG"; }
for call in open-write socket execve fcntl-async sendmsg-other; do
	k0=$(killed) r0=$(ready)
	kill -USR2 "$OOM_DPID"
	if t_wait 10 sh -c "[ \$(grep -c 'worker notify (pid [0-9]*) killed by signal SYS' '$OOM_DLOG') -gt $k0 ]" &&
		t_wait 10 sh -c "[ \$(grep -c 'worker notify (pid [0-9]*) ready' '$OOM_DLOG') -gt $r0 ]"; then
		t_pass "$N/sandbox-$call"
	else
		t_fail "$N/sandbox-$call" "not killed by SIGSYS ($(killed) kills, from $k0)"
	fi
done
test -e /tmp/cgfair-sandbox-test && t_fail "$N/sandbox" "a worker wrote /tmp/cgfair-sandbox-test" && rm -f /tmp/cgfair-sandbox-test
exit $T_FAILED
