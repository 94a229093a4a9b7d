/*
 * t-fleet CONNINFO: fleet mode's database side (workers/recorder/fleet.c)
 * against a real PostgreSQL (tests/integration/fleet-db.sh makes a
 * throwaway cluster): the schema is made once and a second migration
 * changes nothing; a node's local minutes arrive whole; a replay of them
 * adds no duplicate; minutes written while the database was unreachable
 * arrive at the next sync with no gap; two nodes' rows stay apart.
 */
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
