/*
 * The supervisor's event loop: sd-event's own steps (prepare, wait,
 * dispatch, as sd_event_run does them), with the time each dispatch took
 * kept for status and the metrics (struct ipc_loop_stats).
 */
#ifndef CGFAIR_LOOP_H
#define CGFAIR_LOOP_H

#include "ipc/ipc.h"

#include <stdint.h>
#include <systemd/sd-event.h>

/* Run e until sd_event_exit(): its exit code, or a negative errno. */
int loop_run(sd_event *e);
/* The figures so far, as of now_us (CLOCK_MONOTONIC): max_recent_us of a
 * loop that has not dispatched for a minute ages out. */
void loop_stats(struct ipc_loop_stats *out, uint64_t now_us);

/* Pure parts, for the unit tests: count one dispatch of dur_us that ended
 * at now_us (CLOCK_MONOTONIC) into s; the recent maximum as of now_us. */
struct loop_tally {
	struct ipc_loop_stats s;
	uint64_t minute;   /* now_us / 60 s of the last dispatch */
	uint64_t max_cur;  /* longest in that minute */
	uint64_t max_prev; /* in the minute before it */
};
void loop_account(struct loop_tally *t, uint64_t dur_us, uint64_t now_us);
uint64_t loop_recent_max(const struct loop_tally *t, uint64_t now_us);

#endif
