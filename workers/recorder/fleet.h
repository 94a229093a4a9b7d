/*
 * Fleet mode's database side ([fleet] database, PostgreSQL through libpq):
 * the schema, created and upgraded by cgfair itself (a migrations table,
 * one transaction per version, serialised between nodes by an advisory
 * lock), and the history rows of this node sent from the local SQLite
 * database: every whole minute after the last one the shared database
 * acknowledged, upserted on (node, uid, minute), so that a replay after
 * an outage leaves no gap and no duplicate.
 *
 * Not wired into cgfair-recorder yet: see the report of issue 14.
 */
#ifndef CGFAIR_RECORDER_FLEET_H
#define CGFAIR_RECORDER_FLEET_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

#include "workers/recorder/db.h"

#define FLEET_SCHEMA_VERSION 1

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
 * minute in progress is not whole yet), then move the local mark. The
 * number of rows sent, or -1 (err; the mark stays: the next call sends
 * them again). */
long fleet_sync(struct fleet *f, struct db *local, int64_t before, char *err,
		size_t errlen);

#endif
