/*
 * The penalty box: an admin puts a user in it for a while. In the seed's
 * "active" mode the user keeps its place but gets a fraction of its cap;
 * in "locked" mode it gets a fixed fraction of the pool, whatever the
 * others do. A penalty never raises a cap.
 */
#include <math.h>
#include <string.h>

#include "policy/penalty.h"

void policy_penalty_start(struct policy_penalty *p,
			  const struct config_penalty *cfg, int64_t now_ms,
			  uint64_t timeout_ms)
{
	if (timeout_ms == 0)
		timeout_ms = cfg->timeout_ms;
	p->on = true;
	p->automatic = false; /* policy_badness_step() says so when it is */
	p->mode = cfg->mode;
	p->fraction = cfg->fraction;
	p->since_ms = now_ms;
	/* UINT64_MAX, or a time beyond what int64_t holds: until released */
	p->expires_ms = timeout_ms >= (uint64_t)(INT64_MAX - now_ms)
			    ? 0
			    : now_ms + (int64_t)timeout_ms;
}

bool policy_penalty_expired(const struct policy_penalty *p, int64_t now_ms)
{
	return p->on && p->expires_ms != 0 && now_ms >= p->expires_ms;
}

void policy_penalty_end(struct policy_penalty *p)
{
	memset(p, 0, sizeof(*p));
}

double policy_penalty_cap(const struct policy_penalty *p,
			  const struct config_cpu *cpu, unsigned ncpu,
			  double normal_cap)
{
	double whole = cpu->max_share * ncpu;

	if (p->mode == CONFIG_PENALTY_LOCKED)
		return fmin(normal_cap, p->fraction * whole);
	return p->fraction * (isfinite(normal_cap) ? normal_cap : whole);
}
