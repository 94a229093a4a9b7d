/*
 * Fleet mode's database side ([fleet] database, PostgreSQL through libpq):
 * the schema, created and upgraded by cgfair itself (a migrations table,
 * one transaction per version, serialised between nodes by an advisory
 * lock), and the history rows of this node sent from the local SQLite
 * database: every whole minute after the last one the shared database
 * acknowledged, upserted on (node, uid, minute), so that a replay after
 * an outage leaves no gap and no duplicate.
 *
 * The admins' values of the users (penalties, fixed limits) are one row
 * per uid in cgfair_overrides, each write replacing the fields it names.
 */
#ifndef CGFAIR_RECORDER_FLEET_H
#define CGFAIR_RECORDER_FLEET_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "ipc/ipc.h"

#include "workers/recorder/db.h"

#define FLEET_SCHEMA_VERSION 3
/* The hourly roll-up of cgfair_history's minutes, as cgfair_hours rows
 * (a WHERE and the GROUP BY node, uid, minute / 60 follow): migration 3
 * rolls up the minutes already there with it (so, like a migration, it
 * is never edited), bench/fleet-bench its week. */
#define FLEET_HOURS_OF_MINUTES                                                 \
	"SELECT node, uid, minute / 60, max(name), sum(cpu_usec),"             \
	" sum(mem_sum), sum(samples), max(mem_peak), sum(throttled_usec),"     \
	" sum(oom_kills), count(*) FILTER (WHERE flags & 4 != 0), count(*)"    \
	" FROM cgfair_history"
/* rows of cgfair_overrides read at most (users with an admin's values) */
#define FLEET_OVERRIDES_MAX_TEXT "100000"

struct fleet {
	PGconn *pg;
	char node[64];
};

/* Connect with a libpq connection string. 0, or -1 with libpq's reason
 * in err. */
int fleet_connect(struct fleet *f, const char *conninfo, const char *node,
		  char *err, size_t errlen);
void fleet_close(struct fleet *f);
/* Bring the schema to FLEET_SCHEMA_VERSION. 0, or -1 (err). */
int fleet_migrate(struct fleet *f, char *err, size_t errlen);
/* Send the local minutes after the last one sent and before `before` (the
 * minute in progress is not whole yet), in chunks of about 2,000 rows, one
 * transaction each, moving the local mark after each; at most ten chunks
 * a call (fleet_backlog says whether more are left). The number of rows
 * sent, or -1 (err; the mark stays after the last committed chunk: the
 * next call sends the rest, and a minute sent twice replaces itself). */
long fleet_sync(struct fleet *f, struct db *local, int64_t before, char *err,
		size_t errlen);
/* Whole minutes before `before` not sent yet (0 before the first send). */
uint64_t fleet_backlog(struct db *local, int64_t before);
/* Write a user's values: the fields o->fields names (all of them for a
 * new row); node is f's, written the database's clock. 0, or -1 (err). */
int fleet_put(struct fleet *f, const struct ipc_fleet_override *o, char *err,
	      size_t errlen);
/* Call fn with every user's values as the database holds them (node and
 * written_us set; nothing of them checked: the caller does). The number
 * of rows, or -1 (err). */
long fleet_poll(struct fleet *f, void (*fn)(const struct ipc_fleet_override *),
		char *err, size_t errlen);

#endif
