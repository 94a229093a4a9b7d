/*
 * One policy interval. Order matters: penalties expire first (so the caps
 * below already see it), throttle events are judged against the cap that
 * was in force while the use was measured, and only then are new caps
 * decided.
 */
#include <math.h>
#include <string.h>

#include "policy/policy.h"

static void emit_event(policy_event_fn emit, void *arg, uint32_t uid,
		       struct policy_event *ev)
{
	ev->uid = uid;
	if (emit != NULL)
		emit(arg, ev);
}

static void expire_penalty(const struct policy_machine *m,
			   struct policy_user *u, policy_event_fn emit,
			   void *arg)
{
	struct policy_event ev;

	if (!policy_penalty_expired(&u->st.penalty, m->now_ms))
		return;
	memset(&ev, 0, sizeof(ev));
	ev.type = POLICY_EV_PENALTY_END;
	ev.start_ms = u->st.penalty.since_ms;
	ev.end_ms = m->now_ms;
	ev.cpu = u->cpu;
	ev.cap = u->st.has_cap ? u->st.cap : POLICY_NO_CAP;
	policy_penalty_end(&u->st.penalty);
	emit_event(emit, arg, u->uid, &ev);
}

static void begin_user(const struct cgfair_config *cfg,
		       const struct policy_machine *m, struct policy_user *u,
		       policy_event_fn emit, void *arg)
{
	double cap = u->st.has_cap ? u->st.cap : POLICY_NO_CAP;
	struct policy_event ev;

	memset(&u->out, 0, sizeof(u->out));
	u->out.target_cap = POLICY_NO_CAP;
	u->out.exempt =
	    policy_uid_exempt(cfg, u->uid) ||
	    ((u->ovr.set & POLICY_OVR(CONFIG_OVR_EXEMPT)) && u->ovr.exempt);
	expire_penalty(m, u, emit, arg);
	if (policy_throttle_update(&u->st.throttle, &cfg->cpu, m->ncpu, u->cpu,
				   cap, m->now_ms, &ev))
		emit_event(emit, arg, u->uid, &ev);
	policy_badness_step(cfg, m, u, emit, arg);
}

static uint32_t weight_target(const struct cgfair_config *cfg,
			      const struct policy_user *u)
{
	const struct policy_penalty *p = &u->st.penalty;
	uint32_t w = cfg->cpu.default_weight;

	if (u->ovr.set & POLICY_OVR(CONFIG_OVR_CPU_WEIGHT))
		w = u->ovr.cpu_weight;
	/* In weight mode the weight is what divides the CPU, so that is
	 * where the penalty bites too. */
	if (cfg->cpu.mode == CONFIG_CPU_WEIGHT && p->on && !u->out.exempt)
		w = (uint32_t)fmax(1, lround(w * p->fraction));
	return w;
}

static void decide_cpu(const struct cgfair_config *cfg, struct policy_user *u)
{
	struct policy_state *st = &u->st;
	struct policy_decision *d = &u->out;
	uint32_t w = weight_target(cfg, u);

	/* An exempt user keeps nothing we wrote: its cap goes away. */
	if (d->exempt
		? st->has_cap && isfinite(st->cap)
		: policy_cap_should_write(st->has_cap, st->cap, d->target_cap,
					  cfg->cpu.min_change)) {
		st->cap = d->target_cap;
		st->has_cap = true;
		d->write_cap = true;
	}
	if (st->weight != w && !(d->exempt && st->weight == 0)) {
		st->weight = w;
		d->write_weight = true;
	}
}

static void decide_memory(const struct cgfair_config *cfg,
			  struct policy_user *u)
{
	struct policy_state *st = &u->st;
	struct policy_decision *d = &u->out;
	uint64_t swap =
	    d->exempt ? CONFIG_UNLIMITED : policy_swap_target(cfg, &u->ovr);
	uint64_t next;

	d->mem_target =
	    d->exempt ? CONFIG_UNLIMITED : policy_memory_target(cfg, &u->ovr);
	next = policy_memory_step(u->mem_usage, d->mem_target);
	if ((!st->has_mem && !d->exempt) ||
	    (st->has_mem && st->mem_limit != next)) {
		st->mem_limit = next;
		st->has_mem = true;
		d->write_mem = true;
	}
	if ((!st->has_swap && !d->exempt) ||
	    (st->has_swap && st->swap_limit != swap)) {
		st->swap_limit = swap;
		st->has_swap = true;
		d->write_swap = true;
	}
}

/* Written once, then only when a target moves (reload, limit set); an
 * exempt user never limited has nothing to lift. */
static void decide_extra(const struct cgfair_config *cfg, struct policy_user *u)
{
	struct policy_state *st = &u->st;
	uint64_t tasks, high;
	uint32_t io;

	policy_extra_targets(cfg, &u->ovr, u->out.exempt, &tasks, &high, &io);
	if (st->has_extra ? st->max_tasks == tasks && st->mem_high == high &&
				st->io_weight == io
			  : u->out.exempt)
		return;
	st->has_extra = true;
	st->max_tasks = tasks;
	st->mem_high = high;
	st->io_weight = io;
	u->out.write_extra = true;
}

void policy_step(const struct cgfair_config *cfg,
		 const struct policy_machine *m, struct policy_user *users,
		 size_t n, policy_event_fn emit, void *arg)
{
	for (size_t i = 0; i < n; i++)
		begin_user(cfg, m, &users[i], emit, arg);
	policy_cpu_caps(cfg, m, users, n);
	for (size_t i = 0; i < n; i++) {
		decide_cpu(cfg, &users[i]);
		decide_memory(cfg, &users[i]);
		decide_extra(cfg, &users[i]);
	}
}
