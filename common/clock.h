/*
 * Clocks in microseconds, for code that has no sd-event loop at hand (the
 * scanner, the OOM watcher, a pidfd check) and for the loop's cached time.
 */
#ifndef CGFAIR_CLOCK_H
#define CGFAIR_CLOCK_H

#include <stdint.h>
#include <time.h>
#include <systemd/sd-event.h>

/* clock_gettime(id) in microseconds */
uint64_t clock_usec(clockid_t id);
/* CLOCK_MONOTONIC now */
uint64_t clock_mono_usec(void);
/* the loop's CLOCK_MONOTONIC of this iteration (sd_event_now); 0 without
 * a loop */
uint64_t clock_loop_usec(sd_event *e);

#endif
