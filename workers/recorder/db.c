/* The history database; see db.h. */
#include "workers/recorder/db.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* WAL: readers (an admin's sqlite3) never block the writer, and a commit
 * is one append. synchronous NORMAL in WAL mode loses at most the last
 * commits at a power cut, never the file. auto_vacuum INCREMENTAL (set
 * before the first table) lets the file give back what retention frees;
 * journal_size_limit bounds the WAL after a checkpoint; temp_store in
 * memory: the recorder is chrooted to the database's directory. */
static const char *const pragmas = "PRAGMA auto_vacuum = INCREMENTAL;"
				   "PRAGMA journal_mode = WAL;"
				   "PRAGMA synchronous = NORMAL;"
				   "PRAGMA journal_size_limit = 4194304;"
				   "PRAGMA temp_store = MEMORY;"
				   "PRAGMA busy_timeout = 1000;";

/* swap_bytes stays NULL until the scanner measures swap (not yet). */
static const char *const schema =
    "CREATE TABLE IF NOT EXISTS users ("
    " uid INTEGER PRIMARY KEY, name TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS minutes ("
    " minute INTEGER NOT NULL, uid INTEGER NOT NULL,"
    " cpu_usec INTEGER NOT NULL, cap_permille INTEGER NOT NULL,"
    " mem_sum INTEGER NOT NULL, samples INTEGER NOT NULL,"
    " mem_peak INTEGER NOT NULL, swap_bytes INTEGER,"
    " throttled_usec INTEGER NOT NULL, oom_kills INTEGER NOT NULL,"
    " nprocs INTEGER NOT NULL, flags INTEGER NOT NULL,"
    " cpu_total INTEGER NOT NULL, throttled_total INTEGER NOT NULL,"
    " oom_total INTEGER NOT NULL,"
    " PRIMARY KEY (minute, uid)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS minutes_by_uid ON minutes (uid, minute);"
    /* where a user's counting began, kept from first sight until its
     * first minute is stored: a recorder killed within a user's first
     * minute would otherwise take the counter as it finds it for the
     * start, and that minute's CPU so far would be lost */
    "CREATE TABLE IF NOT EXISTS bases ("
    " uid INTEGER PRIMARY KEY, cpu INTEGER NOT NULL,"
    " throttled INTEGER NOT NULL, oom INTEGER NOT NULL);"
    "PRAGMA user_version = 1;";

static const char *const keep_base =
    "INSERT OR REPLACE INTO bases (uid, cpu, throttled, oom)"
    " VALUES (?1, ?2, ?3, ?4)";

static const char *const upsert_minute =
    "INSERT INTO minutes (minute, uid, cpu_usec, cap_permille, mem_sum,"
    " samples, mem_peak, throttled_usec, oom_kills, nprocs, flags,"
    " cpu_total, throttled_total, oom_total)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    " ON CONFLICT (minute, uid) DO UPDATE SET"
    " cpu_usec = cpu_usec + excluded.cpu_usec,"
    " cap_permille = excluded.cap_permille,"
    " mem_sum = mem_sum + excluded.mem_sum,"
    " samples = samples + excluded.samples,"
    " mem_peak = max(mem_peak, excluded.mem_peak),"
    " throttled_usec = throttled_usec + excluded.throttled_usec,"
    " oom_kills = oom_kills + excluded.oom_kills,"
    " nprocs = max(nprocs, excluded.nprocs),"
    " flags = flags | excluded.flags,"
    " cpu_total = excluded.cpu_total,"
    " throttled_total = excluded.throttled_total,"
    " oom_total = excluded.oom_total";

static const char *const upsert_user =
    "INSERT INTO users (uid, name) VALUES (?1, ?2)"
    " ON CONFLICT (uid) DO UPDATE SET name = excluded.name"
    " WHERE name != excluded.name";

static bool damaged(int rc)
{
	rc &= 0xff; /* the primary code of an extended one */
	return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

/* Rename path (and its WAL) to path.damaged-TIME; the shared-memory index
 * is derived from the WAL and goes. */
static void set_aside(const char *path, const char *why)
{
	char to[300], from[300];
	long now = (long)time(NULL);

	snprintf(to, sizeof(to), "%s.damaged-%ld", path, now);
	if (rename(path, to) < 0 && errno != ENOENT)
		log_warn("history: cannot set %s aside", path);
	snprintf(from, sizeof(from), "%s-wal", path);
	snprintf(to, sizeof(to), "%s.damaged-%ld-wal", path, now);
	if (rename(from, to) < 0 && errno != ENOENT)
		log_warn("history: cannot set %s aside", from);
	snprintf(from, sizeof(from), "%s-shm", path);
	unlink(from);
	log_warnx("history: %s is damaged (%s): set aside as %s.damaged-%ld, "
		  "starting a new one",
		  path, why, path, now);
}

/* Open and set up; the SQLite code of the first failure. */
static int try_open(struct db *db)
{
	int rc = sqlite3_open_v2(db->path, &db->h,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_extended_result_codes(db->h, 1);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db->h, pragmas, NULL, NULL, NULL);
	/* reading the schema is what finds a file that is not a database */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db->h, schema, NULL, NULL, NULL);
	return rc;
}

static const char *errmsg(struct db *db, int rc)
{
	return db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc);
}

int db_open(struct db *db, const char *path)
{
	int rc;

	snprintf(db->path, sizeof(db->path), "%s", path);
	db->h = NULL;
	rc = try_open(db);
	if (damaged(rc)) {
		set_aside(db->path, errmsg(db, rc));
		db_close(db);
		rc = try_open(db);
	}
	if (rc != SQLITE_OK) {
		log_warnx("history: cannot open %s: %s", db->path,
			  errmsg(db, rc));
		db_close(db);
		return -1;
	}
	return 0;
}

void db_close(struct db *db)
{
	if (db->h)
		sqlite3_close_v2(db->h);
	db->h = NULL;
}

/* After a failure: a damaged file is set aside and a new one opened. */
static int failed(struct db *db, int rc, const char *what)
{
	log_warnx("history: %s: %s", what, errmsg(db, rc));
	if (!damaged(rc))
		return -1;
	set_aside(db->path, errmsg(db, rc));
	db_close(db);
	if (db_open(db, db->path) < 0)
		fatalx(EXIT_FATAL, "history: no database to write to");
	return -1;
}

static int bind_minute(sqlite3_stmt *st, const struct rec_minute *m)
{
	const int64_t v[] = {m->minute,
			     m->uid,
			     (int64_t)m->cpu_usec,
			     m->cap_permille,
			     (int64_t)m->mem_sum,
			     m->samples,
			     (int64_t)m->mem_peak,
			     (int64_t)m->throttled_usec,
			     (int64_t)m->oom_kills,
			     m->nprocs,
			     m->flags,
			     (int64_t)m->total.cpu_usec,
			     (int64_t)m->total.throttled_usec,
			     (int64_t)m->total.oom_kills};
	int rc = SQLITE_OK;

	sqlite3_reset(st);
	for (int i = 0; rc == SQLITE_OK && i < (int)(sizeof(v) / sizeof(v[0]));
	     i++)
		rc = sqlite3_bind_int64(st, i + 1, v[i]);
	return rc;
}

static int write_rows(struct db *db, sqlite3_stmt *ms, sqlite3_stmt *us,
		      const struct rec_minute *v, size_t n)
{
	int rc = SQLITE_OK;

	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		rc = bind_minute(ms, &v[i]);
		if (rc == SQLITE_OK && (rc = sqlite3_step(ms)) == SQLITE_DONE)
			rc = SQLITE_OK;
		if (rc != SQLITE_OK || !v[i].name[0])
			continue;
		sqlite3_reset(us);
		rc = sqlite3_bind_int64(us, 1, v[i].uid);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_text(us, 2, v[i].name, -1,
					       SQLITE_STATIC);
		if (rc == SQLITE_OK && (rc = sqlite3_step(us)) == SQLITE_DONE)
			rc = SQLITE_OK;
	}
	(void)db;
	return rc;
}

int db_write(struct db *db, const struct rec_minute *v, size_t n)
{
	sqlite3_stmt *ms = NULL, *us = NULL;
	int rc;

	if (!n)
		return 0;
	rc = sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db->h, upsert_minute, -1, &ms, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db->h, upsert_user, -1, &us, NULL);
	if (rc == SQLITE_OK)
		rc = write_rows(db, ms, us, v, n);
	sqlite3_finalize(ms);
	sqlite3_finalize(us);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return 0;
	sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
	return failed(db, rc, "writing the minute's rows");
}

long db_expire(struct db *db, int64_t before)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(
	    db->h, "DELETE FROM minutes WHERE minute < ?1", -1, &st, NULL);
	long n = 0;

	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, before);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return failed(db, rc, "deleting old rows");
	n = (long)sqlite3_changes(db->h);
	/* users without a row left go too; the freed pages go back */
	if (n > 0)
		sqlite3_exec(db->h,
			     "DELETE FROM users WHERE uid NOT IN"
			     " (SELECT DISTINCT uid FROM minutes);"
			     "PRAGMA incremental_vacuum;",
			     NULL, NULL, NULL);
	/* a stored minute has the totals now (a lookup in minutes_by_uid
	 * per start kept: the starts are few, the minutes many) */
	sqlite3_exec(db->h,
		     "DELETE FROM bases WHERE EXISTS"
		     " (SELECT 1 FROM minutes WHERE minutes.uid = bases.uid)",
		     NULL, NULL, NULL);
	return n;
}

static int db_keep_base(struct db *db, uint32_t uid, const struct rec_totals *b)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db->h, keep_base, -1, &st, NULL);
	const int64_t v[] = {uid, (int64_t)b->cpu_usec,
			     (int64_t)b->throttled_usec, (int64_t)b->oom_kills};

	for (int i = 0; rc == SQLITE_OK && i < 4; i++)
		rc = sqlite3_bind_int64(st, i + 1, v[i]);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_DONE)
		rc = SQLITE_OK;
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : failed(db, rc, "keeping a user's start");
}

int db_base_of(struct db *db, struct rec_user *u, bool started)
{
	struct rec_totals t;
	int found = db ? db_totals(db, u->row.uid, &t) : 0;

	rec_set_base(u, found == 1 ? &t : NULL, started);
	if (found == 0 && db)
		return db_keep_base(db, u->row.uid, &u->base);
	return found < 0 ? -1 : 0;
}

int db_batch(struct db *db, bool begin)
{
	int rc = sqlite3_exec(db->h, begin ? "BEGIN IMMEDIATE" : "COMMIT", NULL,
			      NULL, NULL);

	return rc == SQLITE_OK ? 0 : failed(db, rc, "a batch of users' starts");
}

int db_totals(struct db *db, uint32_t uid, struct rec_totals *t)
{
	sqlite3_stmt *st = NULL;
	/* the last stored minute's, else where the counting began */
	int rc = sqlite3_prepare_v2(
	    db->h,
	    "SELECT * FROM (SELECT cpu_total, throttled_total, oom_total"
	    " FROM minutes WHERE uid = ?1 ORDER BY minute DESC LIMIT 1)"
	    " UNION ALL SELECT * FROM (SELECT cpu, throttled, oom FROM bases"
	    " WHERE uid = ?1) LIMIT 1",
	    -1, &st, NULL);
	int found = 0;

	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 1, uid);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		t->cpu_usec = (uint64_t)sqlite3_column_int64(st, 0);
		t->throttled_usec = (uint64_t)sqlite3_column_int64(st, 1);
		t->oom_kills = (uint64_t)sqlite3_column_int64(st, 2);
		found = 1;
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return failed(db, rc, "reading a user's totals");
	return found;
}
