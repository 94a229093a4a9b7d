/*
 * The recorder's side of fleet mode ([fleet] database): one connection to
 * PostgreSQL (libpq, blocking calls bounded by connect_timeout), opened
 * after IPC_FLEET_SETUP and again with backoff (1 s doubling to 16 s)
 * whenever it is lost; an outage is said once in the log and to the
 * supervisor (IPC_FLEET_STATE). Each interval (and at each minute): the
 * admins' writes kept while away, then the users' values of every node
 * (each changed row passed on as IPC_FLEET_OVERRIDE), then the history
 * not sent yet (fleet.c keeps the mark in the local database, so an
 * outage leaves no gap and a replay no duplicate).
 */
#ifndef CGFAIR_RECORDER_LINK_H
#define CGFAIR_RECORDER_LINK_H

#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "ipc/ipc.h"
#include "workers/recorder/db.h"

/* The database and node (again at every start and reload: the same ones
 * keep the connection); credentials: the fd of the file the supervisor
 * opened (closed here). local: the history database, open. */
void link_setup(sd_event *event, struct db *local,
		const struct ipc_fleet_setup *s, int credentials);
/* An admin's values of a user, to write now or when the database is
 * back. */
void link_put(const struct ipc_fleet_override *o);
/* The minute `flushed` was written locally, whole: send it (and tell the
 * supervisor the backlog). */
void link_minute(int64_t flushed);
/* A report over every node (REPORT_FLEET): as report_json(); EAGAIN while
 * the database is away, ENOTSUP without fleet mode. */
int link_report(const struct ipc_report_request *rq, char **text, char *err,
		size_t errlen);

#endif
