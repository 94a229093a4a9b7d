/*
 * Unit tests of the usage history (cgfair-recorder's pure parts and its
 * database, on a real SQLite file in a temporary directory): rows folded
 * into minutes (CPU from the counters, mean and peak memory, idle users
 * left out, counters that go back), where a new user's counters count
 * from, the aggregation of the reports (per user, per hour, one user, the
 * busiest), retention, and a damaged file set aside.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <json.h>
#include <glob.h>

#include "workers/recorder/db.h"
#include "workers/recorder/minute.h"
#include "workers/recorder/pending.h"
#include "workers/recorder/report.h"

#define MIB (1024ULL * 1024)

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cgfair-unit-rec.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/history.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct ipc_user_state row(uint32_t uid, uint64_t cpu_usec, uint64_t mem,
				 uint32_t flags)
{
	struct ipc_user_state r = {.uid = uid,
				   .cpu_usec = cpu_usec,
				   .mem_bytes = mem,
				   .nprocs = mem ? 1 : 0,
				   .flags = flags,
				   .cap_permille = -1};
	snprintf(r.name, sizeof(r.name), "u%u", uid);
	return r;
}

static struct rec_user *take(struct rec_table *t, struct ipc_user_state r,
			     bool started)
{
	bool fresh;
	struct rec_user *u = rec_take(t, &r, &fresh);

	if (u && fresh)
		rec_set_base(u, NULL, started);
	return u;
}

static const struct rec_minute *find(const struct rec_minute *v, size_t n,
				     uint32_t uid)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].uid == uid)
			return &v[i];
	return NULL;
}

/* --- minutes ------------------------------------------------------------- */

static void test_minute_from_counters(void **state)
{
	struct rec_table t = {0};
	struct rec_minute *v;
	size_t n;
	(void)state;

	/* seen at the recorder's start: counted from now on */
	take(&t, row(1000, 50 * 1000000ULL, 100 * MIB, STATE_ACTIVE), false);
	take(&t, row(1001, 7 * 1000000ULL, 0, 0), false); /* idle */
	rec_sample(&t);
	take(&t, row(1000, 80 * 1000000ULL, 300 * MIB, STATE_ACTIVE), false);
	rec_sample(&t);
	take(&t, row(1000, 90 * 1000000ULL, 200 * MIB, STATE_PENALTY), false);
	rec_sample(&t);
	assert_int_equal(rec_flush(&t, 500, &v, &n), 0);
	assert_int_equal(n, 1); /* 1001 did nothing */
	assert_int_equal(v[0].uid, 1000);
	assert_int_equal(v[0].minute, 500);
	assert_int_equal(v[0].cpu_usec, 40 * 1000000ULL);
	assert_int_equal(v[0].samples, 3);
	assert_int_equal(v[0].mem_sum / v[0].samples, 200 * MIB);
	assert_int_equal(v[0].mem_peak, 300 * MIB);
	assert_true(v[0].flags & STATE_PENALTY);
	assert_int_equal(v[0].total.cpu_usec, 90 * 1000000ULL);
	free(v);
	/* the next minute counts from the last flush */
	take(&t, row(1000, 95 * 1000000ULL, 200 * MIB, 0), false);
	assert_int_equal(rec_flush(&t, 501, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].cpu_usec, 5 * 1000000ULL);
	assert_false(v[0].flags & STATE_PENALTY);
	free(v);
	/* a counter that went back (cgroup made again) counts from zero */
	take(&t, row(1000, 2 * 1000000ULL, 0, 0), false);
	assert_int_equal(rec_flush(&t, 502, &v, &n), 0);
	assert_int_equal(v[0].cpu_usec, 2 * 1000000ULL);
	free(v);
	rec_clear(&t);
}

static void test_gone_and_new_users(void **state)
{
	struct rec_table t = {0};
	struct ipc_user_state gone = {.uid = 1000, .flags = STATE_GONE};
	struct rec_minute *v;
	size_t n;
	bool fresh;
	(void)state;

	take(&t, row(1000, 10 * 1000000ULL, 0, 0), false);
	/* a user who comes after the first sample: from zero */
	take(&t, row(1002, 3 * 1000000ULL, MIB, 0), true);
	take(&t, row(1000, 12 * 1000000ULL, 0, 0), false);
	rec_take(&t, &gone, &fresh);
	assert_int_equal(rec_flush(&t, 10, &v, &n), 0);
	assert_int_equal(n, 2); /* the gone user's last seconds still count */
	assert_int_equal(find(v, n, 1000)->cpu_usec, 2 * 1000000ULL);
	assert_int_equal(find(v, n, 1002)->cpu_usec, 3 * 1000000ULL);
	free(v);
	assert_int_equal(t.n, 1); /* and then it is forgotten */
	/* a STATE_GONE for no one is nothing */
	assert_null(rec_take(&t, &gone, &fresh));
	rec_clear(&t);
}

/* Seen in fleet.sh and history.sh: a user whose processes stop in the
 * middle of a minute is removed two idle intervals later (STATE_GONE),
 * and the scanner reports it once more (its stray processes' retired
 * CPU time), so that its cgroup is made again, with counters from zero,
 * before the minute is flushed: the minute must still hold what the old
 * cgroup counted, once, and the new cgroup's time beside it. */
static void test_gone_and_back_within_minute(void **state)
{
	struct rec_table t = {0};
	struct ipc_user_state gone = {.uid = 1000, .flags = STATE_GONE};
	struct ipc_user_state r = row(1000, 40 * 1000000ULL, MIB, 0);
	struct rec_minute *v;
	size_t n;
	bool fresh;
	(void)state;

	r.throttled_usec = 4 * 1000000ULL;
	r.oom_kills = 1;
	take(&t, r, true);
	assert_int_equal(rec_flush(&t, 20, &v, &n), 0);
	free(v);
	/* the partial minute: 30 s more, then the processes stop */
	r.cpu_usec = 70 * 1000000ULL;
	r.throttled_usec = 6 * 1000000ULL;
	r.oom_kills = 2;
	take(&t, r, true);
	rec_take(&t, &gone, &fresh);
	/* made again: its counters from zero */
	take(&t, row(1000, 60000, 0, 0), true);
	take(&t, row(1000, 80000, 0, 0), true);
	assert_int_equal(rec_flush(&t, 21, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].cpu_usec, 30 * 1000000ULL + 80000);
	assert_int_equal(v[0].throttled_usec, 2 * 1000000ULL);
	assert_int_equal(v[0].oom_kills, 1);
	assert_int_equal(v[0].total.cpu_usec, 80000); /* the next base */
	free(v);
	/* the carry went into that minute only */
	take(&t, row(1000, 90000, 0, 0), true);
	assert_int_equal(rec_flush(&t, 22, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].cpu_usec, 10000);
	assert_int_equal(v[0].throttled_usec, 0);
	free(v);
	rec_clear(&t);
}

static void test_base_from_totals(void **state)
{
	struct rec_table t = {0};
	struct rec_totals db = {.cpu_usec = 40 * 1000000ULL};
	struct ipc_user_state r = row(1000, 70 * 1000000ULL, MIB, 0);
	struct rec_minute *v;
	size_t n;
	bool fresh;
	(void)state;

	/* a restarted recorder: what was used since the last stored minute
	 * is not lost */
	rec_set_base(rec_take(&t, &r, &fresh), &db, false);
	assert_true(fresh);
	assert_int_equal(rec_flush(&t, 1, &v, &n), 0);
	assert_int_equal(v[0].cpu_usec, 30 * 1000000ULL);
	free(v);
	rec_clear(&t);
	/* below the stored total: the cgroup is new, from zero */
	r.cpu_usec = 5 * 1000000ULL;
	rec_set_base(rec_take(&t, &r, &fresh), &db, false);
	assert_int_equal(rec_flush(&t, 2, &v, &n), 0);
	assert_int_equal(v[0].cpu_usec, 5 * 1000000ULL);
	free(v);
	rec_clear(&t);
}

/* --- the database and the reports ----------------------------------------- */

static struct rec_minute minute(int64_t m, uint32_t uid, uint64_t cpu_s,
				uint64_t mem, uint32_t flags)
{
	struct rec_minute r = {.minute = m,
			       .uid = uid,
			       .cpu_usec = cpu_s * 1000000ULL,
			       .mem_sum = mem,
			       .samples = 1,
			       .mem_peak = mem,
			       .nprocs = 1,
			       .flags = flags,
			       .cap_permille = -1};
	r.total.cpu_usec = 1000000ULL * (uint64_t)m;
	snprintf(r.name, sizeof(r.name), "u%u", uid);
	return r;
}

static json_object *report(struct db *db, uint32_t by, int64_t since,
			   int64_t until, int64_t uid, uint32_t top)
{
	struct ipc_report_request rq = {.by = by,
					.since = since,
					.until = until,
					.top = top,
					.uid = uid < 0 ? 0 : (uint32_t)uid,
					.flags =
					    uid < 0 ? REPORT_ALL_USERS : 0};
	char err[256], *text = NULL;
	json_object *o, *rows;

	assert_int_equal(report_json(db->h, &rq, &text, err, sizeof(err)), 0);
	o = json_tokener_parse(text);
	free(text);
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "rows", &rows));
	json_object_get(rows);
	json_object_put(o);
	return rows;
}

static double field(json_object *rows, size_t i, const char *key)
{
	json_object *v;

	assert_true(json_object_object_get_ex(
	    json_object_array_get_idx(rows, i), key, &v));
	return json_object_get_double(v);
}

/* Minutes 600..719 (two hours): uid 1000 uses 40 s a minute, 1001 60 s
 * in the first hour only; 1001 is penalised for 10 minutes. */
static void fill(struct db *db)
{
	struct rec_minute v[240];
	size_t n = 0;

	for (int64_t m = 600; m < 720; m++) {
		v[n++] = minute(m, 1000, 40, 100 * MIB, 0);
		if (m < 660)
			v[n++] = minute(m, 1001, 60, (m < 630 ? 1 : 3) * MIB,
					m < 610 ? STATE_PENALTY : 0);
	}
	assert_int_equal(db_write(db, v, n), 0);
}

static void test_report_aggregation(void **state)
{
	struct db db;
	json_object *rows;
	(void)state;

	assert_int_equal(db_open(&db, path), 0);
	fill(&db);
	/* per user over both hours, busiest first */
	rows = report(&db, REPORT_BY_USER, 600 * 60, 719 * 60, -1, 0);
	assert_int_equal(json_object_array_length(rows), 2);
	assert_int_equal(field(rows, 0, "uid"), 1000);
	assert_float_equal(field(rows, 0, "cpu_seconds"), 4800, 1e-6);
	assert_float_equal(field(rows, 0, "cpu_hours"), 4800.0 / 3600, 1e-9);
	assert_int_equal(field(rows, 0, "minutes"), 120);
	assert_int_equal(field(rows, 1, "uid"), 1001);
	assert_float_equal(field(rows, 1, "cpu_seconds"), 3600, 1e-6);
	assert_int_equal(field(rows, 1, "memory_mean"), 2 * MIB);
	assert_int_equal(field(rows, 1, "memory_peak"), 3 * MIB);
	assert_int_equal(field(rows, 1, "penalised_minutes"), 10);
	json_object_put(rows);
	/* the second hour alone: 1001 did nothing */
	rows = report(&db, REPORT_BY_USER, 660 * 60, 719 * 60, -1, 0);
	assert_int_equal(json_object_array_length(rows), 1);
	assert_float_equal(field(rows, 0, "cpu_seconds"), 2400, 1e-6);
	json_object_put(rows);
	/* per hour: three rows, in time order, the busiest first */
	rows = report(&db, REPORT_BY_HOUR, 600 * 60, 719 * 60, -1, 0);
	assert_int_equal(json_object_array_length(rows), 3);
	assert_int_equal(field(rows, 0, "start"), 600 * 60);
	assert_int_equal(field(rows, 0, "uid"), 1001);
	assert_float_equal(field(rows, 0, "cpu_seconds"), 3600, 1e-6);
	assert_int_equal(field(rows, 2, "start"), 660 * 60);
	json_object_put(rows);
	/* one user; and the busiest one of the first hour */
	rows = report(&db, REPORT_BY_USER, 600 * 60, 719 * 60, 1001, 0);
	assert_int_equal(json_object_array_length(rows), 1);
	assert_int_equal(field(rows, 0, "uid"), 1001);
	json_object_put(rows);
	rows = report(&db, REPORT_BY_USER, 600 * 60, 659 * 60, -1, 1);
	assert_int_equal(json_object_array_length(rows), 1);
	assert_int_equal(field(rows, 0, "uid"), 1001);
	json_object_put(rows);
	db_close(&db);
}

static void test_same_minute_adds_up(void **state)
{
	struct db db;
	struct rec_minute a = minute(100, 1000, 10, 4 * MIB, 0);
	struct rec_minute b = minute(100, 1000, 5, 2 * MIB, STATE_PENALTY);
	struct rec_totals t;
	json_object *rows;
	(void)state;

	assert_int_equal(db_open(&db, path), 0);
	/* a minute flushed before a report, then at its end */
	assert_int_equal(db_write(&db, &a, 1), 0);
	b.total.cpu_usec = 15 * 1000000ULL;
	assert_int_equal(db_write(&db, &b, 1), 0);
	rows = report(&db, REPORT_BY_USER, 100 * 60, 100 * 60, -1, 0);
	assert_int_equal(json_object_array_length(rows), 1);
	assert_float_equal(field(rows, 0, "cpu_seconds"), 15, 1e-6);
	assert_int_equal(field(rows, 0, "memory_mean"), 3 * MIB);
	assert_int_equal(field(rows, 0, "memory_peak"), 4 * MIB);
	assert_int_equal(field(rows, 0, "penalised_minutes"), 1);
	assert_int_equal(field(rows, 0, "minutes"), 1);
	json_object_put(rows);
	assert_int_equal(db_totals(&db, 1000, &t), 1);
	assert_int_equal(t.cpu_usec, 15 * 1000000ULL);
	assert_int_equal(db_totals(&db, 4242, &t), 0);
	db_close(&db);
}

static void test_retention(void **state)
{
	struct db db;
	json_object *rows;
	(void)state;

	assert_int_equal(db_open(&db, path), 0);
	fill(&db);
	/* everything before minute 660 goes: 60 + 60 rows */
	assert_int_equal(db_expire(&db, 660), 120);
	assert_int_equal(db_expire(&db, 660), 0);
	rows = report(&db, REPORT_BY_USER, 0, 10000 * 60, -1, 0);
	assert_int_equal(json_object_array_length(rows), 1);
	assert_int_equal(field(rows, 0, "uid"), 1000);
	assert_int_equal(field(rows, 0, "minutes"), 60);
	json_object_put(rows);
	db_close(&db);
}

/* A recorder killed within a user's first minute (the fleet test's CI
 * run lost 23 s of 87 so): the next one counts from where the first
 * began, not from the counter as it finds it. */
static void test_base_kept_before_first_minute(void **state)
{
	struct db db;
	struct rec_table t = {0};
	struct ipc_user_state r = row(1000, 70 * 1000000ULL, MIB, 0);
	struct rec_minute *v;
	struct rec_totals tot;
	size_t n;
	bool fresh;
	(void)state;

	assert_int_equal(db_open(&db, path), 0);
	/* a user who came after the recorder's first sample: from zero */
	assert_int_equal(db_base_of(&db, rec_take(&t, &r, &fresh), true), 0);
	assert_true(fresh);
	rec_clear(&t); /* killed: nothing flushed */
	/* the restarted recorder takes the user at 90 s, before its sample */
	r.cpu_usec = 90 * 1000000ULL;
	assert_int_equal(db_base_of(&db, rec_take(&t, &r, &fresh), false), 0);
	assert_int_equal(rec_flush(&t, 5, &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].cpu_usec, 90 * 1000000ULL);
	assert_int_equal(db_write(&db, v, n), 0);
	free(v);
	rec_clear(&t);
	/* once a minute is stored, its totals count, and the start goes */
	assert_int_equal(db_expire(&db, 0), 0);
	assert_int_equal(db_totals(&db, 1000, &tot), 1);
	assert_int_equal(tot.cpu_usec, 90 * 1000000ULL);
	assert_int_equal(db_totals(&db, 4242, &tot), 0);
	/* a user already there at the first sample: from the counter as
	 * found, and so again after a kill */
	r = row(2000, 40 * 1000000ULL, MIB, 0);
	assert_int_equal(db_base_of(&db, rec_take(&t, &r, &fresh), false), 0);
	rec_clear(&t);
	r.cpu_usec = 45 * 1000000ULL;
	assert_int_equal(db_base_of(&db, rec_take(&t, &r, &fresh), false), 0);
	assert_int_equal(rec_flush(&t, 6, &v, &n), 0);
	assert_int_equal(v[0].cpu_usec, 5 * 1000000ULL);
	free(v);
	rec_clear(&t);
	db_close(&db);
}

static void test_damaged_file_set_aside(void **state)
{
	struct db db;
	FILE *f = fopen(path, "w");
	glob_t g;
	char pattern[160];
	json_object *rows;
	(void)state;

	assert_non_null(f);
	for (int i = 0; i < 4096; i++)
		fputc((i * 7919) & 0xff, f);
	fclose(f);
	assert_int_equal(db_open(&db, path), 0);
	snprintf(pattern, sizeof(pattern), "%s.damaged-*", path);
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_int_equal(g.gl_pathc, 1);
	globfree(&g);
	/* the new one works */
	fill(&db);
	rows = report(&db, REPORT_BY_USER, 0, 10000 * 60, -1, 0);
	assert_int_equal(json_object_array_length(rows), 2);
	json_object_put(rows);
	db_close(&db);
}

/* Fleet mode's writes kept while the database is away: on disk, so that
 * a recorder opening the file again (a restart) finds them; one per user,
 * the last one's values; gone once committed. */
static void test_pending_writes_kept(void **state)
{
	struct db db;
	struct ipc_fleet_override o = {.uid = 1000,
				       .fields = 1,
				       .flags = 1,
				       .penalty_until_ms = 5000,
				       .cpu_permille = -1},
				  v[4];
	(void)state;

	assert_int_equal(db_open(&db, path), 0);
	assert_int_equal(pending_save(&db, &o), 0);
	o.uid = 1001;
	o.cpu_permille = 500;
	o.fields = 3;
	assert_int_equal(pending_save(&db, &o), 0);
	db_close(&db);
	/* a new recorder */
	assert_int_equal(db_open(&db, path), 0);
	assert_int_equal(pending_load(&db, v, 4), 2);
	assert_int_equal(v[0].uid, 1000);
	assert_int_equal(v[0].penalty_until_ms, 5000);
	assert_int_equal(v[1].uid, 1001);
	assert_int_equal(v[1].cpu_permille, 500);
	assert_int_equal(v[1].fields, 3);
	/* a later write of 1000 replaces its row */
	o.uid = 1000;
	o.fields = 5;
	assert_int_equal(pending_save(&db, &o), 0);
	assert_int_equal(pending_load(&db, v, 4), 2);
	assert_int_equal(v[1].uid, 1000);
	assert_int_equal(v[1].fields, 5);
	/* committed: forgotten; the bound holds */
	pending_drop(&db, 1001);
	assert_int_equal(pending_load(&db, v, 4), 1);
	assert_int_equal(pending_load(&db, v, 0), 0);
	db_close(&db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_minute_from_counters),
	    cmocka_unit_test(test_gone_and_new_users),
	    cmocka_unit_test(test_gone_and_back_within_minute),
	    cmocka_unit_test(test_base_from_totals),
	    cmocka_unit_test_setup_teardown(test_pending_writes_kept, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_report_aggregation, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_same_minute_adds_up, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_retention, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_base_kept_before_first_minute,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_damaged_file_set_aside, setup,
					    teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
