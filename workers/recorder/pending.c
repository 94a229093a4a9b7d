/* The writes kept for the fleet database; see pending.h. */
#include "workers/recorder/pending.h"
#include "common/log.h"

#include <string.h>

/* seq: the order of the writes (a write replacing a user's row moves it
 * to the end, which no other user's write depends on) */
static const char *const make =
    "CREATE TABLE IF NOT EXISTS fleet_pending ("
    " uid INTEGER PRIMARY KEY, seq INTEGER NOT NULL, fields INTEGER NOT NULL,"
    " flags INTEGER NOT NULL, penalty_until_ms INTEGER NOT NULL,"
    " cpu_permille INTEGER NOT NULL, mem_bytes INTEGER NOT NULL,"
    " max_tasks INTEGER NOT NULL, mem_high INTEGER NOT NULL,"
    " io_weight INTEGER NOT NULL)";

static bool made(struct db *db)
{
	if (sqlite3_exec(db->h, make, NULL, NULL, NULL) == SQLITE_OK)
		return true;
	log_warnx("fleet: cannot keep writes in %s: %s", db->path,
		  sqlite3_errmsg(db->h));
	return false;
}

int pending_save(struct db *db, const struct ipc_fleet_override *o)
{
	const int64_t v[] = {
	    o->uid,	     o->fields,	   o->flags,	 o->penalty_until_ms,
	    o->cpu_permille, o->mem_bytes, o->max_tasks, o->mem_high,
	    o->io_weight};
	sqlite3_stmt *st = NULL;
	int rc;

	if (!made(db))
		return -1;
	rc = sqlite3_prepare_v2(
	    db->h,
	    "INSERT OR REPLACE INTO fleet_pending (uid, seq, fields, flags,"
	    " penalty_until_ms, cpu_permille, mem_bytes, max_tasks, mem_high,"
	    " io_weight) VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM"
	    " fleet_pending), ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	    -1, &st, NULL);
	for (int i = 0; rc == SQLITE_OK && i < 9; i++)
		rc = sqlite3_bind_int64(st, i + 1, v[i]);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		return 0;
	log_warnx("fleet: uid %u's write kept in memory only: %s", o->uid,
		  sqlite3_errmsg(db->h));
	return -1;
}

void pending_drop(struct db *db, uint32_t uid)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db->h,
			       "DELETE FROM fleet_pending WHERE uid = ?1", -1,
			       &st, NULL) == SQLITE_OK &&
	    sqlite3_bind_int64(st, 1, uid) == SQLITE_OK)
		sqlite3_step(st);
	sqlite3_finalize(st);
}

size_t pending_load(struct db *db, struct ipc_fleet_override *v, size_t max)
{
	sqlite3_stmt *st = NULL;
	size_t n = 0;

	if (!made(db) ||
	    sqlite3_prepare_v2(db->h,
			       "SELECT uid, fields, flags, penalty_until_ms,"
			       " cpu_permille, mem_bytes, max_tasks, mem_high,"
			       " io_weight FROM fleet_pending ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;
	}
	while (n < max && sqlite3_step(st) == SQLITE_ROW) {
		struct ipc_fleet_override *o = &v[n++];
		memset(o, 0, sizeof(*o));
		o->uid = (uint32_t)sqlite3_column_int64(st, 0);
		o->fields = (uint32_t)sqlite3_column_int64(st, 1);
		o->flags = (uint32_t)sqlite3_column_int64(st, 2);
		o->penalty_until_ms = sqlite3_column_int64(st, 3);
		o->cpu_permille = sqlite3_column_int64(st, 4);
		o->mem_bytes = sqlite3_column_int64(st, 5);
		o->max_tasks = sqlite3_column_int64(st, 6);
		o->mem_high = sqlite3_column_int64(st, 7);
		o->io_weight = sqlite3_column_int64(st, 8);
	}
	sqlite3_finalize(st);
	return n;
}
