/*
 * Memory limits are static per user (changing a memory ceiling under a
 * running job kills it), with one exception: a limit is lowered in steps,
 * never below what the cgroup uses at that moment. cgroup v1 refuses such
 * a write (EBUSY) and v2 would reclaim or OOM-kill at once.
 */
#include "policy/memory.h"

#define PAGE 4096u

uint64_t policy_memory_target(const struct cgfair_config *cfg,
			      const struct policy_override *ovr)
{
	if (ovr->set & POLICY_OVR(CONFIG_OVR_MEMORY_LIMIT))
		return ovr->memory_limit;
	return cfg->memory.limit.bytes;
}

uint64_t policy_swap_target(const struct cgfair_config *cfg,
			    const struct policy_override *ovr)
{
	if (ovr->set & POLICY_OVR(CONFIG_OVR_SWAP_LIMIT))
		return ovr->swap_limit;
	return cfg->memory.swap_limit.bytes;
}

void policy_extra_targets(const struct cgfair_config *cfg,
			  const struct policy_override *ovr, bool exempt,
			  uint64_t *max_tasks, uint64_t *mem_high,
			  uint32_t *io_weight)
{
	*max_tasks = cfg->users.max_tasks;
	*mem_high = cfg->memory.high.bytes;
	*io_weight = cfg->io.weight;
	if (ovr->set & POLICY_OVR(CONFIG_OVR_MAX_TASKS))
		*max_tasks = ovr->max_tasks;
	if (ovr->set & POLICY_OVR(CONFIG_OVR_MEMORY_HIGH))
		*mem_high = ovr->memory_high;
	if (ovr->set & POLICY_OVR(CONFIG_OVR_IO_WEIGHT))
		*io_weight = ovr->io_weight;
	if (exempt) {
		*max_tasks = CONFIG_UNLIMITED;
		*mem_high = CONFIG_UNLIMITED;
		*io_weight = 100;
	}
}

uint64_t policy_memory_step(uint64_t usage, uint64_t target)
{
	if (target >= usage)
		return target;
	/* The kernel keeps limits in pages, rounding down: round up so that
	 * the written limit is not a page below the usage. */
	if (usage > UINT64_MAX - PAGE)
		return CONFIG_UNLIMITED;
	return (usage + PAGE - 1) / PAGE * PAGE;
}
