/*
 * The per-user bound on event records (event_limit.c): at most a budget
 * per user and window, the rest counted and summed up in one
 * EVENT_SUPPRESSED record per user and type when the window ends.
 */
#ifndef CGFAIR_EVENT_LIMIT_H
#define CGFAIR_EVENT_LIMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

#include "supervisor/event_types.h"

#define EVENT_USER_BUDGET 20 /* records per user and window */
#define EVENT_WINDOW_USEC (60 * 1000 * 1000ULL) /* one minute */

/* May this record go out? false: it is counted instead. */
bool event_limit_admit(enum event_type type, uid_t uid);
/* [log] max_user_events, and the window (tests shorten it). */
/* emit: where the window's summaries (EVENT_SUPPRESSED) go, events.c's
 * event_emit, given here so that this file calls nothing above it. */
/* e: the loop of the summary timer (NULL: summaries only when a user's
 * next record or removal comes); window_usec 0: EVENT_WINDOW_USEC */
void event_limit_configure(sd_event *e, event_emit_fn *emit, uint64_t budget,
			   uint64_t window_usec);

#endif
