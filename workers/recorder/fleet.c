/* Fleet mode's database side; see fleet.h. */
#include "workers/recorder/fleet.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    " LEFT JOIN users u USING (uid) WHERE m.minute > ?1 AND m.minute < ?2"
    " ORDER BY m.minute, m.uid";

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

/* One local row, upserted. */
static bool send_row(struct fleet *f, sqlite3_stmt *st, char *err, size_t len)
{
	char num[11][24];
	const char *v[13];
	PGresult *r;
	bool ok;

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
	r = PQexecParams(f->pg, upsert, 13, NULL, v, NULL, NULL, 0);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK;
	if (!ok)
		fail(err, len, "sending a row", PQresultErrorMessage(r));
	PQclear(r);
	return ok;
}

long fleet_sync(struct fleet *f, struct db *local, int64_t before, char *err,
		size_t errlen)
{
	int64_t mark = local_mark(local), upto = mark;
	sqlite3_stmt *st = NULL;
	long n = 0;
	bool ok = run(f, "BEGIN", err, errlen);

	if (ok && sqlite3_prepare_v2(local->h, local_rows, -1, &st, NULL) !=
		      SQLITE_OK)
		ok = fail(err, errlen, "reading the local history",
			  sqlite3_errmsg(local->h)) == 0;
	if (ok) {
		sqlite3_bind_int64(st, 1, mark);
		sqlite3_bind_int64(st, 2, before);
	}
	while (ok && sqlite3_step(st) == SQLITE_ROW) {
		ok = send_row(f, st, err, errlen);
		upto = sqlite3_column_int64(st, 1);
		n++;
	}
	sqlite3_finalize(st);
	if (ok)
		ok = run(f, "COMMIT", err, errlen);
	else
		PQclear(PQexec(f->pg, "ROLLBACK"));
	if (!ok)
		return -1;
	/* minutes without rows up to before - 1 are whole too */
	if (before - 1 > upto)
		upto = before - 1;
	if (upto != mark && set_mark(local, upto) < 0)
		return fail(err, errlen, "the local mark",
			    sqlite3_errmsg(local->h));
	return n;
}
