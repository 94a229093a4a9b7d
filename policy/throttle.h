/* policy/throttle.c: throttle events. */
#ifndef CGFAIR_POLICY_THROTTLE_H
#define CGFAIR_POLICY_THROTTLE_H

#include "policy/types.h"

/* Feeds one interval's use against the cap that was in force; returns
 * true and fills *ev when an event starts or ends. */
bool policy_throttle_update(struct policy_throttle *t,
			    const struct config_cpu *cpu, unsigned ncpu,
			    double use, double cap, int64_t now_ms,
			    struct policy_event *ev);
#endif
