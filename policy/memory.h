/* policy/memory.c: memory limits and their steps. */
#ifndef CGFAIR_POLICY_MEMORY_H
#define CGFAIR_POLICY_MEMORY_H

#include "policy/types.h"

/* The memory limit of a user: its override, else the configured one. */
uint64_t policy_memory_target(const struct cgfair_config *cfg,
			      const struct policy_override *ovr);
uint64_t policy_swap_target(const struct cgfair_config *cfg,
			    const struct policy_override *ovr);

/* The other limits of a user (max_tasks, memory high, io weight): its
 * overrides, else the configured ones; an exempt user's are lifted. */
void policy_extra_targets(const struct cgfair_config *cfg,
			  const struct policy_override *ovr, bool exempt,
			  uint64_t *max_tasks, uint64_t *mem_high,
			  uint32_t *io_weight);

/* The next limit to write on the way to target: target itself, unless
 * that is below what the cgroup uses now; then the usage (rounded up to a
 * page), so that no limit is set below usage in one step and the limit
 * follows usage down as memory is freed. */
uint64_t policy_memory_step(uint64_t usage, uint64_t target);
#endif
