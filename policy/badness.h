/* policy/badness.c: the automatic penalty box: score, tiers, forgiveness. */
#ifndef CGFAIR_POLICY_BADNESS_H
#define CGFAIR_POLICY_BADNESS_H

#include "policy/types.h"

/* The CPUs that count toward badness: use less what exempt commands used,
 * that figure bounded to 0..use (it comes from a worker). */
double policy_counted_cpu(double use, double exempt);

/* The thresholds of a user, in CPUs and bytes (0: none): its users.d
 * override, else the config's; a share is of its cap (the fixed one, else
 * what max_percent gives one user alone) or of its memory limit. */
double policy_cpu_threshold(const struct cgfair_config *cfg, unsigned ncpu,
			    const struct policy_override *ovr);
double policy_mem_threshold(const struct cgfair_config *cfg,
			    const struct policy_override *ovr);

/* One interval of the automatic penalty box for u (policy_step calls it
 * after expiry and before the caps, so a new penalty bites at once). */
void policy_badness_step(const struct cgfair_config *cfg,
			 const struct policy_machine *m, struct policy_user *u,
			 policy_event_fn emit, void *arg);

/* The means over the window ending now (CPUs, bytes). */
void policy_badness_means(const struct policy_badness *b,
			  const struct config_penalty *cfg, int64_t now_ms,
			  double *cpu, double *mem);

/* An admin's forgive: score, tier and window back to nothing. */
void policy_badness_forgive(struct policy_badness *b);
#endif
