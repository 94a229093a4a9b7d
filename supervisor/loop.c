/* The supervisor's event loop and its dispatch times; see loop.h. */
#include "supervisor/loop.h"
#include "common/clock.h"

#define MINUTE_US (60ull * 1000 * 1000)

static const uint64_t bounds[IPC_LOOP_BUCKETS] = IPC_LOOP_BOUNDS_US;
static struct loop_tally tally;

/* A new minute moves the current maximum to the previous one (or drops
 * it, when a whole minute passed without a dispatch). */
static void roll(struct loop_tally *t, uint64_t minute)
{
	if (minute == t->minute)
		return;
	t->max_prev = minute == t->minute + 1 ? t->max_cur : 0;
	t->max_cur = 0;
	t->minute = minute;
}

void loop_account(struct loop_tally *t, uint64_t dur_us, uint64_t now_us)
{
	struct ipc_loop_stats *s = &t->s;

	s->dispatches++;
	s->busy_us += dur_us;
	for (size_t i = 0; i < IPC_LOOP_BUCKETS; i++)
		if (dur_us <= bounds[i]) {
			s->bucket[i]++;
			break;
		}
	if (dur_us > s->max_us)
		s->max_us = dur_us;
	roll(t, now_us / MINUTE_US);
	if (dur_us > t->max_cur)
		t->max_cur = dur_us;
}

uint64_t loop_recent_max(const struct loop_tally *t, uint64_t now_us)
{
	uint64_t minute = now_us / MINUTE_US;

	if (minute == t->minute)
		return t->max_cur > t->max_prev ? t->max_cur : t->max_prev;
	return minute == t->minute + 1 ? t->max_cur : 0;
}

void loop_stats(struct ipc_loop_stats *out, uint64_t now_us)
{
	*out = tally.s;
	out->max_recent_us = loop_recent_max(&tally, now_us);
}

/* sd_event_loop() with a clock around each dispatch: sd-event has no
 * hook that sees a dispatch's end, so the loop is run by its documented
 * steps (sd_event_prepare(3)); the prepare callbacks and the wait are
 * not a stall and are not counted. */
int loop_run(sd_event *e)
{
	int r, code = 0;

	while ((r = sd_event_get_state(e)) != SD_EVENT_FINISHED) {
		if (r < 0)
			return r;
		r = sd_event_prepare(e);
		if (r == 0)
			r = sd_event_wait(e, UINT64_MAX);
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		uint64_t t0 = clock_mono_usec();
		r = sd_event_dispatch(e);
		uint64_t t1 = clock_mono_usec();
		loop_account(&tally, t1 - t0, t1);
		if (r < 0)
			return r;
	}
	r = sd_event_get_exit_code(e, &code);
	return r < 0 ? r : code;
}
