/*
 * Throttle events with the seed's hysteresis: one starts when a user's
 * use reaches throttle_upper x the cap in force, and ends at the first
 * interval its use is at or below throttle_lower x the cap (or the cap is
 * gone). The end event carries the span and the mean use, which the seed's
 * throttleCPU record (START_TIME, END_TIME, CPU) needs.
 */
#include <math.h>
#include <string.h>

#include "policy/throttle.h"

static void throttle_event(struct policy_event *ev, enum policy_event_type type,
			   double use, double cap)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->cpu = use;
	ev->cap = cap;
}

static void end_event(struct policy_throttle *t, unsigned ncpu, double use,
		      double cap, int64_t now_ms, struct policy_event *ev)
{
	throttle_event(ev, POLICY_EV_THROTTLE_END, use, cap);
	ev->start_ms = t->start_ms;
	ev->end_ms = now_ms;
	ev->avg_cpu = t->samples ? t->cpu_sum / t->samples : 0;
	ev->avg_percent = ncpu ? 100 * ev->avg_cpu / ncpu : 0;
	memset(t, 0, sizeof(*t));
}

bool policy_throttle_update(struct policy_throttle *t,
			    const struct config_cpu *cpu, unsigned ncpu,
			    double use, double cap, int64_t now_ms,
			    struct policy_event *ev)
{
	if (!(use >= 0)) /* no sample: nothing to judge */
		return false;
	if (!t->on) {
		if (!isfinite(cap) || use < cpu->throttle_upper * cap)
			return false;
		t->on = true;
		t->start_ms = now_ms;
		t->cpu_sum = use;
		t->samples = 1;
		throttle_event(ev, POLICY_EV_THROTTLE_START, use, cap);
		ev->start_ms = now_ms;
		return true;
	}
	if (!isfinite(cap) || use <= cpu->throttle_lower * cap) {
		end_event(t, ncpu, use, cap, now_ms, ev);
		return true;
	}
	t->cpu_sum += use;
	t->samples++;
	return false;
}
