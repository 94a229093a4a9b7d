#!/bin/sh
# Fleet mode's database side (issue 14) against a real PostgreSQL 15
# (Debian's postgresql package): a throwaway cluster made here with
# initdb in $T_TMP, listening on a Unix socket there and on 127.0.0.1 on a
# free port only, stopped and removed at exit. tests/fleet-check then
# drives workers/recorder/fleet.c: schema migrations, a node's minutes
# sent whole, a replay without duplicates, an outage's minutes sent after
# it with no gap, two nodes apart. (The daemons' side of fleet mode is not
# written yet.)
. "$(dirname "$0")/../lib/t.sh"
t_need_root fleet-db
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] ||
	{ t_fail "fleet-db setup" "no PostgreSQL server (tools/deps.sh installs postgresql)"; exit 1; }
[ -x "$CGFAIR_BUILD/tests/fleet-check" ] ||
	{ t_fail "fleet-db setup" "$CGFAIR_BUILD/tests/fleet-check missing (make tests)"; exit 1; }
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
D=$T_TMP/pg
mkdir -p "$D" && chown postgres: "$D" && chmod 0700 "$D"
chmod 0711 "$T_TMP"
as_pg() { runuser -u postgres -- "$@"; }
as_pg "$PGBIN/initdb" -D "$D/data" -A trust -U cgfair >"$T_TMP/initdb.log" 2>&1 ||
	{ t_fail "fleet-db: initdb" "$(tail -3 "$T_TMP/initdb.log")"; exit 1; }
t_cleanup "as_pg '$PGBIN/pg_ctl' -D '$D/data' -m immediate stop"
as_pg "$PGBIN/pg_ctl" -D "$D/data" -w -l "$D/log" \
	-o "-k $D -h 127.0.0.1 -p $PORT -c fsync=off" start >/dev/null ||
	{ t_fail "fleet-db: the cluster starts" "$(tail -3 "$D/log")"; exit 1; }
# the listening sockets on PORT, from /proc/net/tcp{,6}: 127.0.0.1 alone
t_check "fleet-db: the throwaway cluster listens on 127.0.0.1 only" python3 -c '
import sys
port = "%04X" % int(sys.argv[1])
seen = set()
for f in ("/proc/net/tcp", "/proc/net/tcp6"):
    for line in open(f).readlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        addr, p = local.rsplit(":", 1)
        if p == port and state == "0A":
            seen.add(addr)
sys.exit(seen != {"0100007F"})' "$PORT"
as_pg "$PGBIN/createdb" -h "$D" -p "$PORT" -U cgfair fleet
if out=$("$CGFAIR_BUILD/tests/fleet-check" "host=$D port=$PORT user=cgfair dbname=fleet" 2>&1); then
	t_pass "fleet-db: migrations, whole minutes, replay and outage without duplicate or gap, two nodes ($(echo "$out" | grep -c '\[       OK \]') cases)"
else
	t_fail "fleet-db" "$(echo "$out" | grep -E 'ERROR|FAILED|LINE' | head -5 | tr '\n' ' ')"
fi
exit $T_FAILED
