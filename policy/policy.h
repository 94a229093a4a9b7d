/*
 * cgfair policy: numbers in, limits out. Pure code: no I/O, no globals, no
 * clock (the time is an argument), no allocation. The supervisor keeps one
 * struct policy_user per managed user, fills in what the scanner measured,
 * calls policy_step() once per interval and applies what it decided.
 *
 * Units: CPU amounts are CPUs ("cores", cpu-seconds per second), INFINITY
 * meaning no cap; memory in bytes, CONFIG_UNLIMITED meaning no limit; time
 * is wall-clock milliseconds since the epoch (so that penalty expiry times
 * survive a restart).
 *
 * Files: fairshare.c (caps per mode), throttle.c (throttle events),
 * penalty.c (penalty box), badness.c (the automatic penalty box: score,
 * tiers, forgiveness), memory.c (memory limits and steps), overrides.c
 * (exemptions and users.d overrides), policy.c (the per-interval step);
 * each with a header of its name, the shared types in types.h. This
 * header includes them all, for the supervisor and the tests.
 */
#ifndef CGFAIR_POLICY_POLICY_H
#define CGFAIR_POLICY_POLICY_H

#include "policy/types.h"
#include "policy/badness.h"
#include "policy/fairshare.h"
#include "policy/memory.h"
#include "policy/overrides.h"
#include "policy/penalty.h"
#include "policy/throttle.h"

/* One interval: expire penalties, throttle events, CPU caps per the mode,
 * weights, memory limits. emit may be NULL. */
void policy_step(const struct cgfair_config *cfg,
		 const struct policy_machine *m, struct policy_user *users,
		 size_t n, policy_event_fn emit, void *arg);

#endif
