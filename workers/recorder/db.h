/*
 * The history database (SQLite): per-minute rows per user, written in
 * transactions to a WAL journal, so that a crash at any point leaves the
 * last committed minute and a sound file. A file SQLite finds damaged is
 * set aside (renamed with the time) and a new one started, with a log line.
 */
#ifndef CGFAIR_RECORDER_DB_H
#define CGFAIR_RECORDER_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "workers/recorder/minute.h"

#define DB_SCHEMA_VERSION 1

struct db {
	sqlite3 *h;
	char path[256];
};

/* Open (create) path, setting a damaged file aside. 0, or -1 (logged). */
int db_open(struct db *db, const char *path);
void db_close(struct db *db);
/* Add n minutes' figures (a minute written twice adds up) and the users'
 * names, in one transaction. 0, or -1 (logged; a damaged file is set
 * aside and a new one started: those rows are lost, later ones not). */
int db_write(struct db *db, const struct rec_minute *v, size_t n);
/* Delete the rows of minutes before `before` (retention). The number of
 * rows deleted, or -1 (logged). */
long db_expire(struct db *db, int64_t before);
/* The counters of uid's last stored minute, or, before its first, where
 * its counting began (db_keep_base): 1, 0 when none, -1 (logged). */
int db_totals(struct db *db, uint32_t uid, struct rec_totals *t);
/* A user seen for the first time (rec_take's fresh): where its counting
 * begins (rec_set_base), from db (this recorder restarted), else kept in
 * db, so that a recorder killed before the user's first minute is stored
 * does not lose that minute so far. db NULL: no history file. 0, or -1
 * (logged). */
int db_base_of(struct db *db, struct rec_user *u, bool started);
/* Begin (true) or commit (false) a transaction of many db_base_of. 0, or
 * -1 (logged). */
int db_batch(struct db *db, bool begin);

#endif
