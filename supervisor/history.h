/*
 * The usage history's supervisor side ([history]): the directory the
 * recorder is chrooted to (<state_dir>/history, made here, root's, with an
 * ACL that lets the workers' user in), the cgfair-recorder worker class,
 * the users' rows sent to it (it is a row consumer, like the frontend),
 * and the reports: the supervisor passes each allowed request on and
 * forwards the recorder's answer to the frontend, checking only that it
 * answers a request in flight.
 */
#ifndef CGFAIR_SUPERVISOR_HISTORY_H
#define CGFAIR_SUPERVISOR_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/config.h"

struct history_settings {
	bool enable;
	uint64_t keep_minutes;
	char state_dir[CONFIG_PATH_MAX];
	char worker_user[CONFIG_NAME_MAX];
};

/* Disabled: nothing. Otherwise make the directory (a failure is logged and
 * cgfaird runs without history) and register the worker class. Call
 * before caps_reduce(). */
void history_register(const struct history_settings *s);
/* A reload: a new retention goes to the recorder; enable and the state
 * directory change at the next start (said). */
void history_reconfigure(const struct history_settings *s);

#endif
