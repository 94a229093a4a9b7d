/* policy/penalty.c: the penalty box. */
#ifndef CGFAIR_POLICY_PENALTY_H
#define CGFAIR_POLICY_PENALTY_H

#include "policy/types.h"

/* timeout_ms 0: the configured timeout. Mode and fraction are taken from
 * the config now, so that a reload does not change a running penalty. */
void policy_penalty_start(struct policy_penalty *p,
			  const struct config_penalty *cfg, int64_t now_ms,
			  uint64_t timeout_ms);
bool policy_penalty_expired(const struct policy_penalty *p, int64_t now_ms);
void policy_penalty_end(struct policy_penalty *p);

/* The cap of a penalised user whose cap would otherwise be normal_cap. */
double policy_penalty_cap(const struct policy_penalty *p,
			  const struct config_cpu *cpu, unsigned ncpu,
			  double normal_cap);
#endif
