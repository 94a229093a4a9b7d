#!/bin/sh
# Fleet mode at scale (issue 14): NODES simulated nodes x USERS users
# written through the recorder's own code (db_write, then fleet_sync) to a
# throwaway local PostgreSQL, rows and bytes per second per node; then a
# week of the whole fleet's history (WEEK_ACTIVE users active each minute
# on each node) and the time of a week-long `report --fleet`
# (fleet_report_json). Root; makes the cluster in a temporary directory
# (Unix socket there, no TCP) and removes it, even on failure.
#   sh bench/fleet.sh [NODES [USERS [MINUTES [WEEK_ACTIVE]]]]
#   defaults: 50 1000 5 20
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${CGFAIR_BUILD:-$TOP/build}
NODES=${1:-50}
USERS=${2:-1000}
MINUTES=${3:-5}
ACTIVE=${4:-20}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { echo "no PostgreSQL server (tools/deps.sh)"; exit 1; }
[ -x "$BUILD/bench/fleet-bench" ] || { echo "$BUILD/bench/fleet-bench missing (make tests)"; exit 1; }
T=$(mktemp -d /tmp/cgfair-fleet-bench.XXXXXX)
D=$T/pg
as_pg() { runuser -u postgres -- "$@"; }
cleanup() {
	as_pg "$PGBIN/pg_ctl" -D "$D/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$D" && chown postgres: "$D" && chmod 0711 "$T"
as_pg "$PGBIN/initdb" -D "$D/data" -A trust -U cgfair >"$T/initdb.log" 2>&1
# the server's defaults but for fsync off (the bench measures cgfair, not
# the disk) and no TCP listener
as_pg "$PGBIN/pg_ctl" -D "$D/data" -w -l "$D/log" \
	-o "-k $D -c listen_addresses= -c fsync=off" start >/dev/null
as_pg "$PGBIN/createdb" -h "$D" -U cgfair fleet
chown postgres: "$T"
echo "fleet bench: $NODES nodes x $USERS users x $MINUTES minutes; a week of $ACTIVE active users per node; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
as_pg "$BUILD/bench/fleet-bench" "host=$D user=cgfair dbname=fleet" "$T" \
	"$NODES" "$USERS" "$MINUTES" "$ACTIVE"
