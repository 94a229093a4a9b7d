/* Fleet mode's database side; see fleet.h. */
#include "workers/recorder/fleet.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* rows per chunk of the history sent in one transaction (pipelined: one
 * round trip), and chunks per fleet_sync call: the recorder answers its
 * pings between two calls */
#define CHUNK_OFFSET	"1999"
#define CHUNKS_PER_CALL 10

/* One advisory lock key for cgfair's migrations ("cgfair" in ASCII). */
#define MIGRATION_LOCK "106799543265906"

/* Version k is migrations[k - 1]; a new version is appended, never
 * edited. */
static const char *const migrations[FLEET_SCHEMA_VERSION] = {
    "CREATE TABLE cgfair_history ("
    " node text NOT NULL, uid bigint NOT NULL, minute bigint NOT NULL,"
    " name text NOT NULL DEFAULT '', cpu_usec bigint NOT NULL,"
    " cap_permille bigint NOT NULL, mem_sum bigint NOT NULL,"
    " samples integer NOT NULL, mem_peak bigint NOT NULL,"
    " throttled_usec bigint NOT NULL, oom_kills bigint NOT NULL,"
    " nprocs integer NOT NULL, flags integer NOT NULL,"
    " PRIMARY KEY (node, uid, minute));"
    "CREATE INDEX cgfair_history_minute ON cgfair_history (minute);",
    /* 2: the admins' values of each user, one row per uid, each write
     * replacing the fields it names (last writer wins; written: the
     * database's clock at the last write); the history by user */
    "CREATE TABLE cgfair_overrides ("
    " uid bigint PRIMARY KEY, node text NOT NULL, flags integer NOT NULL,"
    " penalty_until_ms bigint NOT NULL, cpu_permille bigint NOT NULL,"
    " mem_bytes bigint NOT NULL, max_tasks bigint NOT NULL,"
    " mem_high bigint NOT NULL, io_weight bigint NOT NULL,"
    " written timestamptz NOT NULL DEFAULT clock_timestamp());"
    "CREATE INDEX cgfair_history_uid ON cgfair_history (uid, minute);",
    /* 3: the hourly roll-up that week-long reports read (a week of a
     * fleet is millions of minutes, and only 168 hours a user and node).
     * A trigger keeps it: each minute written adds its share, a minute
     * replaced (a replay) takes its old share out first, so the hour is
     * always the sum of its minutes (the peak: the most ever seen).
     * Existing minutes are rolled up once. */
    "CREATE TABLE cgfair_hours ("
    " node text NOT NULL, uid bigint NOT NULL, hour bigint NOT NULL,"
    " name text NOT NULL DEFAULT '', cpu_usec bigint NOT NULL,"
    " mem_sum bigint NOT NULL, samples bigint NOT NULL,"
    " mem_peak bigint NOT NULL, throttled_usec bigint NOT NULL,"
    " oom_kills bigint NOT NULL, penalised bigint NOT NULL,"
    " minutes bigint NOT NULL, PRIMARY KEY (node, uid, hour));"
    "CREATE INDEX cgfair_hours_hour ON cgfair_hours (hour);"
    "CREATE INDEX cgfair_hours_uid ON cgfair_hours (uid, hour);"
    "CREATE FUNCTION cgfair_hours_fold() RETURNS trigger"
    " LANGUAGE plpgsql AS $$ BEGIN"
    " IF TG_OP != 'INSERT' THEN"
    "  UPDATE cgfair_hours SET cpu_usec = cpu_usec - OLD.cpu_usec,"
    "  mem_sum = mem_sum - OLD.mem_sum, samples = samples - OLD.samples,"
    "  throttled_usec = throttled_usec - OLD.throttled_usec,"
    "  oom_kills = oom_kills - OLD.oom_kills,"
    "  penalised = penalised - (OLD.flags & 4 != 0)::int,"
    "  minutes = minutes - 1 WHERE node = OLD.node AND uid = OLD.uid"
    "  AND hour = OLD.minute / 60;"
    " END IF;"
    " IF TG_OP != 'DELETE' THEN"
    "  INSERT INTO cgfair_hours AS h VALUES (NEW.node, NEW.uid,"
    "  NEW.minute / 60, NEW.name, NEW.cpu_usec, NEW.mem_sum, NEW.samples,"
    "  NEW.mem_peak, NEW.throttled_usec, NEW.oom_kills,"
    "  (NEW.flags & 4 != 0)::int, 1) ON CONFLICT (node, uid, hour) DO"
    "  UPDATE SET name = excluded.name,"
    "  cpu_usec = h.cpu_usec + excluded.cpu_usec,"
    "  mem_sum = h.mem_sum + excluded.mem_sum,"
    "  samples = h.samples + excluded.samples,"
    "  mem_peak = greatest(h.mem_peak, excluded.mem_peak),"
    "  throttled_usec = h.throttled_usec + excluded.throttled_usec,"
    "  oom_kills = h.oom_kills + excluded.oom_kills,"
    "  penalised = h.penalised + excluded.penalised,"
    "  minutes = h.minutes + 1;"
    " END IF;"
    " RETURN NULL; END $$;"
    "CREATE TRIGGER cgfair_hours_fold AFTER INSERT OR UPDATE OR DELETE"
    " ON cgfair_history FOR EACH ROW EXECUTE FUNCTION cgfair_hours_fold();"
    "INSERT INTO cgfair_hours " FLEET_HOURS_OF_MINUTES
    " GROUP BY node, uid, minute / 60;",
};

/* A whole minute replaces what a node sent before for it: a replay
 * changes nothing. */
static const char *const upsert =
    "INSERT INTO cgfair_history (node, uid, minute, name, cpu_usec,"
    " cap_permille, mem_sum, samples, mem_peak, throttled_usec, oom_kills,"
    " nprocs, flags) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
    " $12, $13) ON CONFLICT (node, uid, minute) DO UPDATE SET"
    " name = excluded.name, cpu_usec = excluded.cpu_usec,"
    " cap_permille = excluded.cap_permille, mem_sum = excluded.mem_sum,"
    " samples = excluded.samples, mem_peak = excluded.mem_peak,"
    " throttled_usec = excluded.throttled_usec,"
    " oom_kills = excluded.oom_kills, nprocs = excluded.nprocs,"
    " flags = excluded.flags";

static const char *const local_rows =
    "SELECT m.uid, m.minute, coalesce(u.name, ''), m.cpu_usec,"
    " m.cap_permille, m.mem_sum, m.samples, m.mem_peak, m.throttled_usec,"
    " m.oom_kills, m.nprocs, m.flags FROM minutes m"
    " LEFT JOIN users u USING (uid) WHERE m.minute > ?1 AND m.minute <= ?2"
    " ORDER BY m.minute, m.uid";

/* The last minute of the next chunk: the minute of its CHUNK_ROWS-th row
 * (that minute is sent whole, however many rows it has). */
static const char *const chunk_end =
    "SELECT minute FROM minutes WHERE minute > ?1 AND minute < ?2"
    " ORDER BY minute LIMIT 1 OFFSET " CHUNK_OFFSET;

/* $10: the fields the write replaces (FLEET_F_*); a new row takes them
 * all */
static const char *const put_row =
    "INSERT INTO cgfair_overrides AS o (uid, node, flags, penalty_until_ms,"
    " cpu_permille, mem_bytes, max_tasks, mem_high, io_weight)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (uid) DO"
    " UPDATE SET node = excluded.node, written = clock_timestamp(),"
    " flags = CASE WHEN $10::int & 1 != 0 THEN excluded.flags"
    "  ELSE o.flags END,"
    " penalty_until_ms = CASE WHEN $10::int & 1 != 0"
    "  THEN excluded.penalty_until_ms ELSE o.penalty_until_ms END,"
    " cpu_permille = CASE WHEN $10::int & 2 != 0 THEN excluded.cpu_permille"
    "  ELSE o.cpu_permille END,"
    " mem_bytes = CASE WHEN $10::int & 4 != 0 THEN excluded.mem_bytes"
    "  ELSE o.mem_bytes END,"
    " max_tasks = CASE WHEN $10::int & 8 != 0 THEN excluded.max_tasks"
    "  ELSE o.max_tasks END,"
    " mem_high = CASE WHEN $10::int & 16 != 0 THEN excluded.mem_high"
    "  ELSE o.mem_high END,"
    " io_weight = CASE WHEN $10::int & 32 != 0 THEN excluded.io_weight"
    "  ELSE o.io_weight END";

static const char *const get_rows =
    "SELECT uid, node, flags, penalty_until_ms, cpu_permille, mem_bytes,"
    " max_tasks, mem_high, io_weight,"
    " (extract(epoch FROM written) * 1000000)::bigint FROM cgfair_overrides"
    " ORDER BY uid LIMIT " FLEET_OVERRIDES_MAX_TEXT;

static int fail(char *err, size_t len, const char *what, const char *why)
{
	snprintf(err, len, "%s: %s", what, why);
	return -1;
}

int fleet_connect(struct fleet *f, const char *conninfo, const char *node,
		  char *err, size_t errlen)
{
	snprintf(f->node, sizeof(f->node), "%s", node);
	f->pg = PQconnectdb(conninfo);
	if (PQstatus(f->pg) == CONNECTION_OK)
		return 0;
	fail(err, errlen, "connecting", PQerrorMessage(f->pg));
	fleet_close(f);
	return -1;
}

void fleet_close(struct fleet *f)
{
	if (f->pg)
		PQfinish(f->pg);
	f->pg = NULL;
}

/* Run sql; false (err) unless it succeeded. */
static bool run(struct fleet *f, const char *sql, char *err, size_t len)
{
	PGresult *r = PQexec(f->pg, sql);
	ExecStatusType st = PQresultStatus(r);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok)
		fail(err, len, sql, PQresultErrorMessage(r));
	PQclear(r);
	return ok;
}

static int current_version(struct fleet *f)
{
	PGresult *r = PQexec(f->pg, "SELECT coalesce(max(version), 0) FROM "
				    "cgfair_migrations");
	int v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1
		    ? atoi(PQgetvalue(r, 0, 0))
		    : -1;

	PQclear(r);
	return v;
}

int fleet_migrate(struct fleet *f, char *err, size_t errlen)
{
	char sql[96];
	int v;

	if (!run(f, "BEGIN", err, errlen))
		return -1;
	if (!run(f, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")", err,
		 errlen) ||
	    !run(f,
		 "CREATE TABLE IF NOT EXISTS cgfair_migrations ("
		 " version integer PRIMARY KEY,"
		 " applied_at timestamptz NOT NULL DEFAULT now())",
		 err, errlen))
		goto rollback;
	v = current_version(f);
	if (v < 0 || v > FLEET_SCHEMA_VERSION) {
		fail(err, errlen, "schema",
		     v < 0 ? "cannot read cgfair_migrations"
			   : "newer than this cgfair knows");
		goto rollback;
	}
	for (; v < FLEET_SCHEMA_VERSION; v++) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO cgfair_migrations (version) VALUES (%d)",
			 v + 1);
		if (!run(f, migrations[v], err, errlen) ||
		    !run(f, sql, err, errlen))
			goto rollback;
	}
	return run(f, "COMMIT", err, errlen) ? 0 : -1;
rollback:
	PQclear(PQexec(f->pg, "ROLLBACK"));
	return -1;
}

/* The local mark: the last minute the shared database took. */
static int64_t local_mark(struct db *local)
{
	sqlite3_stmt *st = NULL;
	int64_t m = -1;

	sqlite3_exec(local->h,
		     "CREATE TABLE IF NOT EXISTS fleet_sent ("
		     " one INTEGER PRIMARY KEY CHECK (one = 1),"
		     " upto INTEGER NOT NULL)",
		     NULL, NULL, NULL);
	if (sqlite3_prepare_v2(local->h, "SELECT upto FROM fleet_sent", -1, &st,
			       NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		m = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return m;
}

static int set_mark(struct db *local, int64_t upto)
{
	char sql[128];

	snprintf(sql, sizeof(sql),
		 "INSERT OR REPLACE INTO fleet_sent (one, upto) VALUES (1, "
		 "%" PRId64 ")",
		 upto);
	return sqlite3_exec(local->h, sql, NULL, NULL, NULL) == SQLITE_OK ? 0
									  : -1;
}

/* One local row, upserted: queued in the pipeline. */
static bool send_row(struct fleet *f, sqlite3_stmt *st, char *err, size_t len)
{
	char num[11][24];
	const char *v[13];

	v[0] = f->node;
	for (int i = 0; i < 2; i++) {
		snprintf(num[i], sizeof(num[i]), "%lld",
			 (long long)sqlite3_column_int64(st, i));
		v[i + 1] = num[i];
	}
	v[3] = (const char *)sqlite3_column_text(st, 2);
	for (int i = 3; i < 12; i++) {
		snprintf(num[i - 1], sizeof(num[i - 1]), "%lld",
			 (long long)sqlite3_column_int64(st, i));
		v[i + 1] = num[i - 1];
	}
	if (PQsendQueryParams(f->pg, upsert, 13, NULL, v, NULL, NULL, 0))
		return true;
	fail(err, len, "sending a row", PQerrorMessage(f->pg));
	return false;
}

/* The results of a pipeline up to its sync: false (err) when one failed. */
static bool pipeline_results(struct fleet *f, char *err, size_t len)
{
	bool ok = true;
	PGresult *r;

	for (;;) {
		r = PQgetResult(f->pg);
		if (!r) {
			if (PQstatus(f->pg) == CONNECTION_BAD)
				return fail(err, len, "the pipeline",
					    PQerrorMessage(f->pg)) == 0;
			continue; /* the end of one query's results */
		}
		ExecStatusType st = PQresultStatus(r);
		if (st == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			return ok;
		}
		if (ok && st != PGRES_COMMAND_OK) {
			fail(err, len, "sending the history",
			     PQresultErrorMessage(r));
			ok = false;
		}
		PQclear(r);
	}
}

/* The minutes (mark, end] in one transaction, pipelined. */
static long send_chunk(struct fleet *f, struct db *local, int64_t mark,
		       int64_t end, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	long n = 0;
	bool ok;

	if (sqlite3_prepare_v2(local->h, local_rows, -1, &st, NULL) !=
	    SQLITE_OK)
		return fail(err, errlen, "reading the local history",
			    sqlite3_errmsg(local->h));
	sqlite3_bind_int64(st, 1, mark);
	sqlite3_bind_int64(st, 2, end);
	ok = PQenterPipelineMode(f->pg) &&
	     PQsendQueryParams(f->pg, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
	while (ok && sqlite3_step(st) == SQLITE_ROW) {
		ok = send_row(f, st, err, errlen);
		n++;
	}
	sqlite3_finalize(st);
	if (ok)
		ok = PQsendQueryParams(f->pg, "COMMIT", 0, NULL, NULL, NULL,
				       NULL, 0) &&
		     PQpipelineSync(f->pg);
	if (ok)
		ok = pipeline_results(f, err, errlen);
	else
		fail(err, errlen, "the pipeline", PQerrorMessage(f->pg));
	if (!PQexitPipelineMode(f->pg) || !ok) {
		if (ok)
			fail(err, errlen, "the pipeline",
			     PQerrorMessage(f->pg));
		PQclear(PQexec(f->pg, "ROLLBACK"));
		return -1;
	}
	return n;
}

/* The last minute of the chunk after mark: before - 1 when fewer rows
 * than a chunk are left. */
static int64_t next_end(struct db *local, int64_t mark, int64_t before)
{
	sqlite3_stmt *st = NULL;
	int64_t end = before - 1;

	if (sqlite3_prepare_v2(local->h, chunk_end, -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_int64(st, 1, mark);
		sqlite3_bind_int64(st, 2, before);
		if (sqlite3_step(st) == SQLITE_ROW)
			end = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return end;
}

long fleet_sync(struct fleet *f, struct db *local, int64_t before, char *err,
		size_t errlen)
{
	int64_t mark = local_mark(local);
	long total = 0;

	for (int i = 0; i < CHUNKS_PER_CALL && mark < before - 1; i++) {
		int64_t end = next_end(local, mark, before);
		long n = send_chunk(f, local, mark, end, err, errlen);
		if (n < 0)
			return -1;
		/* the chunk is committed: its minutes are sent for good */
		if (set_mark(local, end) < 0)
			return fail(err, errlen, "the local mark",
				    sqlite3_errmsg(local->h));
		mark = end;
		total += n;
	}
	return total;
}

uint64_t fleet_backlog(struct db *local, int64_t before)
{
	int64_t mark = local_mark(local);

	return mark >= 0 && mark < before - 1 ? (uint64_t)(before - 1 - mark)
					      : 0;
}

int fleet_put(struct fleet *f, const struct ipc_fleet_override *o, char *err,
	      size_t errlen)
{
	char num[9][24];
	const char *v[10];
	const int64_t n[9] = {
	    o->uid,	     o->flags,	   o->penalty_until_ms,
	    o->cpu_permille, o->mem_bytes, o->max_tasks,
	    o->mem_high,     o->io_weight, o->fields};
	PGresult *r;
	bool ok;

	for (int i = 0; i < 9; i++) {
		snprintf(num[i], sizeof(num[i]), "%lld", (long long)n[i]);
		v[i ? i + 1 : 0] = num[i];
	}
	v[1] = f->node;
	r = PQexecParams(f->pg, put_row, 10, NULL, v, NULL, NULL, 0);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fail(err, errlen, "writing a user's values",
		     PQresultErrorMessage(r));
	PQclear(r);
	return ok ? 0 : -1;
}

static int64_t cell(PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

long fleet_poll(struct fleet *f, void (*fn)(const struct ipc_fleet_override *),
		char *err, size_t errlen)
{
	PGresult *r = PQexec(f->pg, get_rows);
	long n = -1;

	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQnfields(r) != 10) {
		fail(err, errlen, "reading the users' values",
		     PQresultErrorMessage(r));
		PQclear(r);
		return -1;
	}
	n = PQntuples(r);
	for (int i = 0; i < n; i++) {
		struct ipc_fleet_override o = {0};
		int64_t uid = cell(r, i, 0);
		if (uid < 0 || uid > UINT32_MAX)
			continue;
		o.uid = (uint32_t)uid;
		snprintf(o.node, sizeof(o.node), "%s", PQgetvalue(r, i, 1));
		o.flags = (uint32_t)cell(r, i, 2);
		o.penalty_until_ms = cell(r, i, 3);
		o.cpu_permille = cell(r, i, 4);
		o.mem_bytes = cell(r, i, 5);
		o.max_tasks = cell(r, i, 6);
		o.mem_high = cell(r, i, 7);
		o.io_weight = cell(r, i, 8);
		o.written_us = cell(r, i, 9);
		fn(&o);
	}
	PQclear(r);
	return n;
}
