/*
 * Fleet mode's supervisor side ([fleet] database): the recorder carries
 * the connection (workers/recorder/link.c); here, what it is told and
 * what is taken from it.
 * - At each recorder start: IPC_FLEET_SETUP with the credentials file,
 *   opened here (root's, not readable by group or others, else refused)
 *   so that the worker never needs the right to read it.
 * - An admin's penalty, release or fixed limits (control.c) go out as the
 *   fields of the user's row the action changed (IPC_FLEET_PUT), also for
 *   a uid this node does not manage (the node that does applies them).
 * - A row from the database (IPC_FLEET_OVERRIDE) is a claim of a
 *   compromisable worker about a database anyone on the fleet writes: it
 *   is applied only to a user this node manages, each value clamped to
 *   this node's bounds (CPUs, RAM, [fleet] max_penalty), and logged with
 *   the node it came from.
 * - The connection's state (IPC_FLEET_STATE) goes to status.
 */
#ifndef CGFAIR_SUPERVISOR_FLEET_H
#define CGFAIR_SUPERVISOR_FLEET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipc/ipc.h"
#include "policy/config.h"

struct worker;

struct fleet_settings {
	char database[CONFIG_CONNINFO_MAX]; /* "": fleet mode off */
	char node[CONFIG_NAME_MAX];
	char credentials[CONFIG_PATH_MAX];
	uint64_t max_penalty_ms;
	uint64_t poll_ms; /* the daemon's interval */
	uint64_t mem_total;
	struct config_penalty penalty; /* how a penalty is served here */
};

/* At start and at each reload (a new database or node reaches the
 * recorder at once). */
void fleet_configure(const struct fleet_settings *s);
bool fleet_enabled(void);
/* The recorder (re)started: its setup, and the writes it did not take. */
void fleet_on_start(struct worker *w);
/* IPC_FLEET_STATE or IPC_FLEET_OVERRIDE from the recorder: false for
 * anything else (a protocol violation). */
bool fleet_on_message(struct ipc_msg *msg);
/* An admin changed uid's values (state.c): write the fields the action
 * changed (FLEET_F_*) for every node. */
void fleet_publish(uid_t uid, uint32_t fields);
/* The connection's state for status; NULL when fleet mode is off. */
const struct ipc_fleet_state *fleet_state(void);

#endif
