/*
 * fleet-bench CONNINFO DIR NODES USERS MINUTES WEEK_ACTIVE: fleet mode's
 * database side at scale, through the recorder's own code (bench/fleet.sh
 * makes the throwaway cluster and reads the figures).
 *   1. NODES simulated nodes: each writes MINUTES minutes of USERS users to
 *      its own SQLite file with db_write (as cgfair-recorder does each
 *      minute), then sends them with fleet_sync (as link.c does): the send
 *      time per node gives rows per second; the table's growth gives
 *      bytes per row, hence bytes per second of a node in steady state.
 *   2. A week of history for the whole fleet (WEEK_ACTIVE users active
 *      each minute on each node, made inside PostgreSQL), then a
 *      week-long report over every user with fleet_report_json (report
 *      --fleet's code) timed.
 */
#include "workers/recorder/db.h"
#include "workers/recorder/fleet.h"
#include "workers/recorder/fleet_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long long q(PGconn *pg, const char *sql)
{
	PGresult *r = PQexec(pg, sql);
	long long v = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = atoll(PQgetvalue(r, 0, 0));
	else if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fprintf(stderr, "%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	return v;
}

/* One simulated node's minutes, written locally as the recorder writes. */
static void fill_local(struct db *db, int users, int64_t first, int minutes)
{
	struct rec_minute *v = calloc((size_t)users, sizeof(*v));

	for (int m = 0; m < minutes; m++) {
		for (int u = 0; u < users; u++) {
			v[u] = (struct rec_minute){.minute = first + m,
						   .uid = 100000 + (uint32_t)u,
						   .nprocs = 3,
						   .flags = 1,
						   .samples = 12,
						   .cap_permille = 500,
						   .cpu_usec = 30000000,
						   .mem_sum = 12ULL << 30,
						   .mem_peak = 1ULL << 30};
			snprintf(v[u].name, sizeof(v[u].name), "user%d", u);
		}
		db_write(db, v, (size_t)users);
	}
	free(v);
}

static int sync_nodes(const char *conninfo, const char *dir, int nodes,
		      int users, int minutes)
{
	int64_t first = (int64_t)time(NULL) / 60 - minutes - 1;
	double worst = 0, sum = 0;
	long long rows = 0, before_bytes, after_bytes;
	struct fleet f;
	char err[512], path[512], node[32];

	if (fleet_connect(&f, conninfo, "bench", err, sizeof(err)) < 0 ||
	    fleet_migrate(&f, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	before_bytes =
	    q(f.pg, "SELECT pg_total_relation_size('cgfair_history') + "
		    "pg_total_relation_size('cgfair_hours')");
	for (int n = 0; n < nodes; n++) {
		struct db db;
		snprintf(path, sizeof(path), "%s/node%d.db", dir, n);
		snprintf(node, sizeof(node), "node%d", n);
		snprintf(f.node, sizeof(f.node), "%s", node);
		if (db_open(&db, path) < 0)
			return 1;
		fill_local(&db, users, first, minutes);
		double t0 = now_s();
		long sent = 0, k;
		while ((k = fleet_sync(&f, &db, first + minutes, err,
				       sizeof(err))) > 0)
			sent += k;
		double t = now_s() - t0;
		if (k < 0) {
			fprintf(stderr, "node %d: %s\n", n, err);
			return 1;
		}
		rows += sent;
		sum += t;
		worst = t > worst ? t : worst;
		db_close(&db);
	}
	after_bytes =
	    q(f.pg, "SELECT pg_total_relation_size('cgfair_history') + "
		    "pg_total_relation_size('cgfair_hours')");
	double per_row = rows ? (double)(after_bytes - before_bytes) / rows : 0;
	printf("sync: %d nodes x %d users x %d minutes = %lld rows; per node "
	       "%.0f rows/s (mean), slowest node %.2f s for %d rows\n",
	       nodes, users, minutes, rows, rows / sum, worst, users * minutes);
	printf("sync: %.0f bytes per row in the database (minutes, hours, "
	       "indexes); "
	       "a node of %d active users in steady state: %d rows/min, "
	       "%.0f bytes/s\n",
	       per_row, users, users, per_row * users / 60);
	fleet_close(&f);
	return 0;
}

static int week_report(const char *conninfo, int nodes, int active)
{
	struct ipc_report_request rq = {.flags = REPORT_ALL_USERS,
					.by = REPORT_BY_USER};
	int64_t end = (int64_t)time(NULL) / 60, start = end - 7 * 1440;
	struct fleet f;
	char err[512], sql[1024], *text = NULL;

	if (fleet_connect(&f, conninfo, "bench", err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* a week of every node's active users, made by the server (the
	 * recorder's path is timed above; this is the report's data) */
	snprintf(
	    sql, sizeof(sql),
	    "INSERT INTO cgfair_history (node, uid, minute, name, cpu_usec,"
	    " cap_permille, mem_sum, samples, mem_peak, throttled_usec,"
	    " oom_kills, nprocs, flags) SELECT 'week' || n, 200000 + u, m,"
	    " 'u' || u, 30000000, 500, 12 * 1073741824::bigint, 12,"
	    " 1073741824, 0, 0, 3, 1 FROM generate_series(0, %d) n,"
	    " generate_series(0, %d) u, generate_series(%lld, %lld) m"
	    " ON CONFLICT DO NOTHING",
	    nodes - 1, active - 1, (long long)start, (long long)end);
	double t0 = now_s();
	/* made around the roll-up's trigger (a row at a time would take
	 * minutes here), then rolled up at once, as migration 3 does */
	q(f.pg, "SET session_replication_role = replica");
	q(f.pg, sql);
	q(f.pg, "RESET session_replication_role");
	q(f.pg, "INSERT INTO cgfair_hours " FLEET_HOURS_OF_MINUTES
		" WHERE node LIKE 'week%'"
		" GROUP BY 1, 2, 3 ON CONFLICT DO NOTHING");
	q(f.pg, "ANALYZE cgfair_history");
	q(f.pg, "ANALYZE cgfair_hours");
	printf("week: %lld rows in cgfair_history, %lld in cgfair_hours "
	       "(made in %.1f s)\n",
	       q(f.pg, "SELECT count(*) FROM cgfair_history"),
	       q(f.pg, "SELECT count(*) FROM cgfair_hours"), now_s() - t0);
	rq.since = start * 60;
	rq.until = end * 60;
	t0 = now_s();
	int r = fleet_report_json(f.pg, &rq, &text, err, sizeof(err));
	double t = now_s() - t0;
	printf("week: report --fleet over 7 days, every user: %.3f s, %zu "
	       "bytes of JSON%s%s\n",
	       t, text ? strlen(text) : 0, r ? ": " : "", r ? err : "");
	rq.flags = 0;
	rq.uid = 200000;
	t0 = now_s();
	free(text);
	r = fleet_report_json(f.pg, &rq, &text, err, sizeof(err));
	printf("week: report --fleet over 7 days, one user: %.3f s%s%s\n",
	       now_s() - t0, r ? ": " : "", r ? err : "");
	free(text);
	fleet_close(&f);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: fleet-bench CONNINFO DIR NODES USERS "
				"MINUTES WEEK_ACTIVE\n");
		return 2;
	}
	int nodes = atoi(argv[3]), users = atoi(argv[4]),
	    minutes = atoi(argv[5]), active = atoi(argv[6]);
	if (sync_nodes(argv[1], argv[2], nodes, users, minutes))
		return 1;
	return week_report(argv[1], nodes, active);
}
