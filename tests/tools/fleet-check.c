/*
 * t-fleet CONNINFO: fleet mode's database side (workers/recorder/fleet.c)
 * against a real PostgreSQL (tests/integration/fleet-db.sh makes a
 * throwaway cluster): the schema is made once and a second migration
 * changes nothing; a node's local minutes arrive whole; a replay of them
 * adds no duplicate; minutes written while the database was unreachable
 * arrive at the next sync with no gap; two nodes' rows stay apart; the
 * hourly roll-up (schema 3) is made from a version 2 database's minutes,
 * stays the sum of its minutes when a minute is replayed with other
 * figures, and the report that reads it for whole hours (and minutes at
 * the edges) gives what the minutes alone give.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "workers/recorder/db.h"
#include "workers/recorder/fleet.h"
#include "workers/recorder/fleet_report.h"

#include <json.h>

static const char *conninfo;
static char dir[64];

static long long q(struct fleet *f, const char *sql)
{
	PGresult *r = PQexec(f->pg, sql);
	long long v = -1;

	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1)
		v = atoll(PQgetvalue(r, 0, 0));
	else
		fail_msg("%s: %s", sql, PQresultErrorMessage(r));
	PQclear(r);
	return v;
}

static void local_minutes(struct db *db, int64_t from, int64_t to)
{
	struct rec_minute v[64];
	size_t n = 0;

	for (int64_t m = from; m < to; m++)
		for (uint32_t uid = 1000; uid < 1002; uid++) {
			struct rec_minute r = {.minute = m,
					       .uid = uid,
					       .cpu_usec = 1000000ULL * uid,
					       .samples = 1,
					       .nprocs = 1,
					       .cap_permille = -1};
			snprintf(r.name, sizeof(r.name), "u%u", uid);
			v[n++] = r;
		}
	assert_int_equal(db_write(db, v, n), 0);
}

static void open_node(struct fleet *f, struct db *db, const char *node)
{
	char err[512], path[128];

	snprintf(path, sizeof(path), "%s/%s.db", dir, node);
	assert_int_equal(db_open(db, path), 0);
	if (fleet_connect(f, conninfo, node, err, sizeof(err)) < 0)
		fail_msg("%s", err);
}

static void test_migrations(void **state)
{
	struct fleet f;
	struct db db;
	char err[512];
	(void)state;

	open_node(&f, &db, "m");
	if (fleet_migrate(&f, err, sizeof(err)) < 0 ||
	    fleet_migrate(&f, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(q(&f, "SELECT count(*) FROM cgfair_migrations"),
			 FLEET_SCHEMA_VERSION);
	assert_int_equal(q(&f, "SELECT max(version) FROM cgfair_migrations"),
			 FLEET_SCHEMA_VERSION);
	fleet_close(&f);
	db_close(&db);
}

/* Rows of the roll-up that are not the sum of their minutes (or hours
 * with no row): 0 when it is right. */
static long long rollup_wrong(struct fleet *f)
{
	return q(f, "SELECT count(*) FROM cgfair_hours h FULL JOIN (SELECT"
		    " node, uid, minute / 60 AS hour, sum(cpu_usec) AS c,"
		    " sum(samples) AS s, count(*) AS n FROM cgfair_history"
		    " GROUP BY 1, 2, 3) m USING (node, uid, hour) WHERE"
		    " h.cpu_usec IS DISTINCT FROM m.c OR h.samples IS"
		    " DISTINCT FROM m.s OR h.minutes IS DISTINCT FROM m.n");
}

/* A version 2 database (no roll-up) with minutes in it: the migration to
 * 3 rolls them up. */
static void test_migration_from_v2(void **state)
{
	struct fleet f;
	struct db db;
	char err[512];
	(void)state;

	open_node(&f, &db, "v2");
	assert_int_equal(fleet_migrate(&f, err, sizeof(err)), 0);
	/* back to version 2: what migration 3 made, dropped */
	assert_int_equal(q(&f, "DROP TABLE cgfair_hours;"
			       " DROP FUNCTION cgfair_hours_fold() CASCADE;"
			       " DELETE FROM cgfair_migrations WHERE version = "
			       "3; SELECT max(version) FROM cgfair_migrations"),
			 2);
	local_minutes(&db, 50, 80);
	local_minutes(&db, 80, 100);
	assert_int_equal(fleet_sync(&f, &db, 100, err, sizeof(err)), 100);
	if (fleet_migrate(&f, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	assert_int_equal(q(&f, "SELECT max(version) FROM cgfair_migrations"),
			 3);
	assert_int_equal(q(&f, "SELECT count(*) FROM cgfair_hours WHERE "
			       "node = 'v2'"),
			 4); /* hours 0 and 1, two users */
	assert_int_equal(rollup_wrong(&f), 0);
	fleet_close(&f);
	db_close(&db);
}

/* A replayed minute replaces its share of the hour (the trigger takes
 * the old one out), and the report over whole hours and edge minutes
 * equals the minutes' sums. */
static void test_rollup_replay_report(void **state)
{
	struct fleet f;
	struct db db;
	char err[512], *text = NULL;
	struct ipc_report_request rq = {.flags = REPORT_ALL_USERS,
					.by = REPORT_BY_USER,
					.since = 110 * 60,
					.until = 229 * 60 + 59};
	(void)state;

	open_node(&f, &db, "r");
	assert_int_equal(fleet_migrate(&f, err, sizeof(err)), 0);
	for (int64_t m = 100; m < 250; m += 30)
		local_minutes(&db, m, m + 30);
	assert_int_equal(fleet_sync(&f, &db, 250, err, sizeof(err)), 300);
	assert_int_equal(rollup_wrong(&f), 0);
	/* the same minutes again, with other figures */
	sqlite3_exec(db.h,
		     "UPDATE minutes SET cpu_usec = cpu_usec * 3, samples = 2;"
		     " DELETE FROM fleet_sent",
		     NULL, NULL, NULL);
	assert_int_equal(fleet_sync(&f, &db, 250, err, sizeof(err)), 300);
	assert_int_equal(rollup_wrong(&f), 0);
	assert_int_equal(q(&f, "SELECT sum(minutes) FROM cgfair_hours WHERE "
			       "node = 'r'"),
			 300);
	/* minutes 110 to 229: hour 2 whole, 110-119 and 180-229 its edges */
	assert_int_equal(fleet_report_json(f.pg, &rq, &text, err, sizeof(err)),
			 0);
	json_object *o = json_tokener_parse(text), *rows;
	long long cpu = 0, minutes = 0;
	/* the report object itself (the frontend puts it under "report") */
	assert_true(json_object_object_get_ex(o, "rows", &rows));
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		json_object *r = json_object_array_get_idx(rows, i), *v;
		assert_true(json_object_object_get_ex(r, "cpu_seconds", &v));
		cpu += llround(json_object_get_double(v));
		assert_true(json_object_object_get_ex(r, "minutes", &v));
		minutes += json_object_get_int64(v);
	}
	assert_int_equal(cpu * 1000000LL,
			 q(&f, "SELECT sum(cpu_usec) FROM cgfair_history "
			       "WHERE minute BETWEEN 110 AND 229"));
	assert_int_equal(minutes, q(&f, "SELECT count(*) FROM cgfair_history "
					"WHERE minute BETWEEN 110 AND 229"));
	json_object_put(o);
	free(text);
	fleet_close(&f);
	db_close(&db);
}

static void test_sync_replay_outage(void **state)
{
	struct fleet f, off;
	struct db db;
	char err[512];
	(void)state;

	open_node(&f, &db, "a");
	assert_int_equal(fleet_migrate(&f, err, sizeof(err)), 0);
	local_minutes(&db, 100, 110);
	/* the minute in progress (110) is not sent */
	local_minutes(&db, 110, 111);
	assert_int_equal(fleet_sync(&f, &db, 110, err, sizeof(err)), 20);
	assert_int_equal(q(&f, "SELECT count(*) FROM cgfair_history WHERE "
			       "node = 'a'"),
			 20);
	/* nothing new: nothing sent; a replay from scratch: no duplicate */
	assert_int_equal(fleet_sync(&f, &db, 110, err, sizeof(err)), 0);
	sqlite3_exec(db.h, "DELETE FROM fleet_sent", NULL, NULL, NULL);
	assert_int_equal(fleet_sync(&f, &db, 110, err, sizeof(err)), 20);
	assert_int_equal(q(&f, "SELECT count(*) FROM cgfair_history WHERE "
			       "node = 'a'"),
			 20);
	assert_int_equal(q(&f, "SELECT sum(cpu_usec) FROM cgfair_history "
			       "WHERE node = 'a'"),
			 10LL * (1000 + 1001) * 1000000);
	/* the database unreachable: the node keeps writing locally */
	assert_int_equal(fleet_connect(&off, "host=/nonexistent port=1", "a",
				       err, sizeof(err)),
			 -1);
	local_minutes(&db, 111, 120);
	/* back: everything since the mark, no gap, no duplicate */
	assert_int_equal(fleet_sync(&f, &db, 120, err, sizeof(err)), 20);
	assert_int_equal(q(&f, "SELECT count(*) FROM cgfair_history WHERE "
			       "node = 'a'"),
			 40);
	assert_int_equal(q(&f, "SELECT count(DISTINCT minute) FROM "
			       "cgfair_history WHERE node = 'a' AND minute "
			       "BETWEEN 100 AND 119"),
			 20);
	fleet_close(&f);
	db_close(&db);
}

static void test_two_nodes(void **state)
{
	struct fleet f;
	struct db db;
	char err[512];
	(void)state;

	open_node(&f, &db, "b");
	assert_int_equal(fleet_migrate(&f, err, sizeof(err)), 0);
	local_minutes(&db, 100, 105);
	assert_int_equal(fleet_sync(&f, &db, 105, err, sizeof(err)), 10);
	assert_int_equal(q(&f, "SELECT count(*) FROM cgfair_history WHERE "
			       "node = 'b'"),
			 10);
	assert_int_equal(q(&f, "SELECT count(*) FROM cgfair_history WHERE "
			       "node = 'a'"),
			 40);
	fleet_close(&f);
	db_close(&db);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_migrations),
	    cmocka_unit_test(test_sync_replay_outage),
	    cmocka_unit_test(test_two_nodes),
	    cmocka_unit_test(test_migration_from_v2),
	    cmocka_unit_test(test_rollup_replay_report),
	};
	int r;
	char cmd[96];

	if (argc != 2) {
		fprintf(stderr, "usage: t-fleet CONNINFO\n");
		return 2;
	}
	conninfo = argv[1];
	snprintf(dir, sizeof(dir), "/tmp/cgfair-t-fleet.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		r = 1;
	return r;
}
