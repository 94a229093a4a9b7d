/* Clocks in microseconds (see clock.h). */
#include "common/clock.h"

uint64_t clock_usec(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t clock_mono_usec(void)
{
	return clock_usec(CLOCK_MONOTONIC);
}

uint64_t clock_loop_usec(sd_event *e)
{
	uint64_t t = 0;

	sd_event_now(e, CLOCK_MONOTONIC, &t);
	return t;
}
