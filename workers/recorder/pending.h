/*
 * Fleet mode: the admins' writes made while the database is away, kept in
 * the local history database (table fleet_pending, one row per user: the
 * last write's values and the fields of every write since), so that a
 * recorder restarted during an outage still sends them when the database
 * is back. Written at each write, deleted once the database committed it.
 */
#ifndef CGFAIR_RECORDER_PENDING_H
#define CGFAIR_RECORDER_PENDING_H

#include <stddef.h>

#include "ipc/ipc.h"
#include "workers/recorder/db.h"

/* Keep o (replacing uid's row). 0, or -1 (logged: kept in memory only). */
int pending_save(struct db *db, const struct ipc_fleet_override *o);
/* uid's write is committed: forget it. */
void pending_drop(struct db *db, uint32_t uid);
/* The kept writes, oldest first, at most max of them, into v: how many. */
size_t pending_load(struct db *db, struct ipc_fleet_override *v, size_t max);

#endif
