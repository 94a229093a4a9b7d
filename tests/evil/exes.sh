#!/bin/sh
# Worker executables (issue 10, item 7): opened and checked once at start
# (owned by root, writable by root alone, and so every directory above
# them) and run from that open file on every restart. A worker file
# replaced after start (here by the impostor frontend) is not what a
# restart runs; a worker directory others may write is refused.
. "$(dirname "$0")/../lib/t.sh"
t_need_root evil-exes
sh "$T_TOP/tools/ensure-user.sh"
. "$T_TOP/tests/lib/daemon.sh"
. "$T_TOP/tests/lib/impostor.sh"

cat >"$T_TMP/cgfair.conf" <<EOF
[daemon]
interval = 1s
state_dir = $T_TMP/state
subtree = $T_ID
[users]
min_uid = 4000000000
max_uid = 4000000009
[socket]
path = $T_TMP/cgfair.sock
[log]
event_log = $T_TMP/events.log
EOF
impostor_setup frontend || { t_fail evil-exes "cannot stage"; exit 1; }
# the real frontend first; the impostor waits beside it
install -m 0755 "$REAL_BUILD/cgfair-frontend" "$CGFAIR_BUILD/cgfair-frontend"
install -m 0755 "$REAL_BUILD/tests/evil-frontend" "$T_TMP/impostor"

daemon_start --dry-run --config "$T_TMP/cgfair.conf" ||
	{ t_fail "evil-exes: daemon starts" "see its log above"; exit 1; }
fe_pid() { pgrep -P "$DPID" -x cgfair-frontend | head -1; }
P0=$(fe_pid)
mv -f "$T_TMP/impostor" "$CGFAIR_BUILD/cgfair-frontend"
kill -KILL "$P0"
t_check "the frontend is restarted" t_wait 10 sh -c "p=\$(pgrep -P $DPID -x cgfair-frontend); [ -n \"\$p\" ] && [ \"\$p\" != $P0 ]"
P1=$(fe_pid)
exe=$(readlink "/proc/$P1/exe")
t_check "... from the file opened at start, not the one now at its path ($exe)" \
	sh -c "echo '$exe' | grep -q ' (deleted)\$'"
# (timeout: the impostor, should it run, would never answer)
t_check "... which answers as the real frontend" t_wait 5 sh -c \
	"timeout 2 '$REAL_BUILD/cgfairctl' --socket '$T_TMP/cgfair.sock' version >/dev/null"
daemon_stop

# a worker directory anyone may write: refused (there is no installed
# libexec directory to fall back on here, or it would be used instead)
chmod 0777 "$CGFAIR_BUILD"
"$CGFAIR_BUILD/cgfaird" --foreground --dry-run --config "$T_TMP/cgfair.conf" >"$T_TMP/unsafe.log" 2>&1 &
UP=$!
t_wait 5 sh -c "! kill -0 $UP" || kill -KILL $UP
t_check "a world-writable worker directory is refused" \
	grep -q "no usable workers" "$T_TMP/unsafe.log"
chmod 0755 "$CGFAIR_BUILD"
exit 0
