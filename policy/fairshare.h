/* policy/fairshare.c: dividing the CPU: caps per mode. */
#ifndef CGFAIR_POLICY_FAIRSHARE_H
#define CGFAIR_POLICY_FAIRSHARE_H

#include "policy/types.h"

/* The CPU use at or above which a user counts as active, in CPUs. */
double policy_active_threshold(const struct config_cpu *cpu, unsigned ncpu);

/* Active: use >= the threshold, or use >= throttle_upper x its cap (a user
 * held down by a cap below the threshold still wants the CPU), staying
 * active down to throttle_lower x its cap. NAN use: was_active.
 * policy_cpu_caps() also counts a user whose use would fill the cap it is
 * about to get. */
bool policy_is_active(const struct config_cpu *cpu, unsigned ncpu, double use,
		      double cap, bool was_active);

/* Weighted max-min fair division of capacity over the active users with
 * out.pool set, by out.demand and out.pool_weight, into out.target_cap;
 * what no one demands is shared by weight, so the caps sum to capacity
 * (less when the weights sum to less than 1: a weight is a fraction of
 * what a full user would get, never more). */
void policy_water_fill(struct policy_user *users, size_t n, double capacity);

/* Fills out.active, out.fixed and out.target_cap of every user that is
 * not exempt. */
void policy_cpu_caps(const struct cgfair_config *cfg,
		     const struct policy_machine *m, struct policy_user *users,
		     size_t n);

/* Is target different enough from what is in force to be written? */
bool policy_cap_should_write(bool has_cap, double cur, double target,
			     double min_change);
#endif
