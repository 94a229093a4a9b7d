#!/bin/sh
# backends: selinux
# Fleet mode under the hardened unit as installed (issue 11: a feature
# that needs IP ships a drop-in that opens exactly that, and its test runs
# under the unit with it), in tier 3 (SELinux enforcing). No PostgreSQL
# in the guest: the recorder's connection to 127.0.0.1:5432, where
# nothing listens, tells which layer let it through. Without the drop-in
# the unit's RestrictAddressFamilies= refuses the socket itself; with
# etc/cgfaird.service.d/fleet-database.conf (IPAddressAllow= set to the
# database's address) and the policy's boolean cgfair_fleet_connect_db on,
# the SYN reaches the loopback and is refused there: "Connection
# refused", and no denial of a cgfair domain (tier 3 fails on any).
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/scenarios/lib/scn.sh"
N=fleet-unit
t_need_root $N
CONF=/etc/cgfair/cgfair.conf
DROPIN=/etc/systemd/system/cgfaird.service.d
SRC=/usr/share/doc/cgfair/fleet-database.conf
[ -f "$SRC" ] || SRC=$T_TOP/etc/cgfaird.service.d/fleet-database.conf
[ -f "$SRC" ] || { t_fail $N/setup "no fleet-database.conf drop-in shipped"; exit 1; }
t_cleanup "rm -f $CONF $DROPIN/fleet-database.conf; systemctl daemon-reload; setsebool cgfair_fleet_connect_db off"
cat >$CONF <<EOF
[history]
enable = yes
[fleet]
database = hostaddr=127.0.0.1 port=5432 user=cgfair dbname=fleet
node = guest
EOF
# the recorder's one line per outage, since T
said() { journalctl -b --no-pager -u cgfaird.service --since "@$1" |
	grep 'fleet: the database is unreachable' | tail -1; }

T=$(date +%s)
scn_start || { t_fail $N/start "cgfaird did not start" "$(scn_journal)"; exit 1; }
t_wait 30 sh -c "journalctl -b --no-pager -u cgfaird.service --since @$T | grep -q 'fleet: the database is unreachable'"
l=$(said "$T")
case $l in
*refused*) t_fail "$N/without the drop-in: the unit refuses IP" "the connection reached the loopback: $l" ;;
"") t_fail "$N/without the drop-in: the unit refuses IP" "no 'unreachable' line: $(scn_journal | tail -5)" ;;
*) t_pass "$N/without the drop-in: the unit refuses IP (${l##*unreachable })" ;;
esac
scn_stop

mkdir -p $DROPIN
sed 's/^IPAddressAllow=.*/IPAddressAllow=127.0.0.1/' "$SRC" >$DROPIN/fleet-database.conf
systemctl daemon-reload
setsebool cgfair_fleet_connect_db on
t_check "$N/the boolean cgfair_fleet_connect_db is on" sh -c "getsebool cgfair_fleet_connect_db | grep -q 'on\$'"
T=$(date +%s)
scn_start || { t_fail $N/start "cgfaird did not start with the drop-in" "$(scn_journal)"; exit 1; }
t_wait 30 sh -c "journalctl -b --no-pager -u cgfaird.service --since @$T | grep -q 'fleet: the database is unreachable'"
l=$(said "$T")
case $l in
*refused*) t_pass "$N/with the drop-in: the recorder's connection reaches 127.0.0.1:5432 (refused there)" ;;
*) t_fail "$N/with the drop-in: the recorder's connection reaches 127.0.0.1:5432" "${l:-no 'unreachable' line: $(scn_journal | tail -5)}" ;;
esac
exit 0
