/*
 * The automatic penalty box (Arbiter2's badness, on top of the penalty
 * box of penalty.c). Every interval, with dt the time since the last step
 * (at most two intervals) and the means taken over [penalty] window:
 *
 *   excess = max(0, cpu_mean / cpu_threshold - 1)
 *          + max(0, mem_mean / mem_threshold - 1)
 *   excess > 0: score += 100 * excess * dt / rise
 *   else:       score -= decay * dt / 1 minute
 *
 * so a user at twice a threshold for longer than the window gains 100
 * points in `rise`. At 100 the user gets the next of [penalty] tiers in
 * the box and the score starts again from 0; a tier falls back one step
 * after [penalty] forgive without a penalty. cgfair.conf(5) has a worked
 * example. A penalty in force (an admin's or an automatic one) stops the
 * score from growing: the box already holds the user.
 */
#include <math.h>
#include <string.h>

#include "policy/badness.h"
#include "policy/memory.h"
#include "policy/penalty.h"

double policy_counted_cpu(double use, double exempt)
{
	if (!(use > 0))
		return 0;
	if (!(exempt > 0))
		return use;
	return use - fmin(exempt, use);
}

double policy_cpu_threshold(const struct cgfair_config *cfg, unsigned ncpu,
			    const struct policy_override *ovr)
{
	struct config_threshold t = cfg->penalty.cpu_threshold;
	double cap = cfg->cpu.max_share * ncpu;

	if (ovr->set & POLICY_OVR(CONFIG_OVR_PENALTY_CPU))
		t = ovr->penalty_cpu;
	if ((ovr->set & POLICY_OVR(CONFIG_OVR_CPU_CAP)) &&
	    isfinite(ovr->cpu_cap))
		cap = ovr->cpu_cap;
	return t.share > 0 ? t.share * cap : t.amount;
}

double policy_mem_threshold(const struct cgfair_config *cfg,
			    const struct policy_override *ovr)
{
	struct config_threshold t = cfg->penalty.mem_threshold;
	uint64_t limit = policy_memory_target(cfg, ovr);

	if (ovr->set & POLICY_OVR(CONFIG_OVR_PENALTY_MEM))
		t = ovr->penalty_mem;
	if (t.share > 0)
		return limit == CONFIG_UNLIMITED ? 0 : t.share * (double)limit;
	return t.amount;
}

static int64_t slot_width(const struct config_penalty *pc)
{
	int64_t w = (int64_t)(pc->window_ms / POLICY_WINDOW_SLOTS);

	return w > 0 ? w : 1;
}

static bool slot_valid(const struct policy_badness *b, size_t i, int64_t cur)
{
	return b->epoch[i] > cur - POLICY_WINDOW_SLOTS && b->epoch[i] <= cur;
}

void policy_badness_means(const struct policy_badness *b,
			  const struct config_penalty *cfg, int64_t now_ms,
			  double *cpu, double *mem)
{
	double window_s = (double)cfg->window_ms / 1000.0;
	int64_t cur = b->slot_ms > 0 ? now_ms / b->slot_ms : 0;

	*cpu = 0;
	*mem = 0;
	if (b->slot_ms != slot_width(cfg) || window_s <= 0)
		return;
	for (size_t i = 0; i < POLICY_WINDOW_SLOTS; i++) {
		if (slot_valid(b, i, cur)) {
			*cpu += b->cpu_s[i] / window_s;
			*mem += b->mem_s[i] / window_s;
		}
	}
}

static void add_sample(struct policy_badness *b, int64_t now_ms, double cpu_s,
		       double mem_s)
{
	int64_t cur = now_ms / b->slot_ms;
	size_t i = (size_t)(cur % POLICY_WINDOW_SLOTS);

	if (b->epoch[i] != cur) {
		b->epoch[i] = cur;
		b->cpu_s[i] = 0;
		b->mem_s[i] = 0;
	}
	b->cpu_s[i] += cpu_s;
	b->mem_s[i] += mem_s;
}

/* The time this step stands for: since the last one, at most two
 * intervals (a restart or a stall must not count as time at this use). */
static int64_t step_ms(const struct policy_badness *b, int64_t now_ms,
		       uint64_t interval_ms)
{
	int64_t most = 2 * (int64_t)interval_ms;

	if (b->last_ms == 0)
		return (int64_t)interval_ms;
	if (now_ms <= b->last_ms)
		return 0; /* the clock went back: no time is known to pass */
	return now_ms - b->last_ms < most ? now_ms - b->last_ms : most;
}

static double over(double mean, double threshold)
{
	return threshold > 0 && mean > threshold ? mean / threshold - 1 : 0;
}

static void figures(const struct cgfair_config *cfg,
		    const struct policy_machine *m, const struct policy_user *u,
		    struct policy_badness_figures *f)
{
	const struct policy_badness *b = u->badness;

	memset(f, 0, sizeof(*f));
	f->score = b->score;
	f->tier = b->tier;
	f->window_ms = cfg->penalty.window_ms;
	policy_badness_means(b, &cfg->penalty, m->now_ms, &f->avg_cpu,
			     &f->avg_mem);
	f->cpu_threshold = policy_cpu_threshold(cfg, m->ncpu, &u->ovr);
	f->mem_threshold = policy_mem_threshold(cfg, &u->ovr);
}

static void emit_badness(const struct cgfair_config *cfg,
			 const struct policy_machine *m,
			 const struct policy_user *u,
			 enum policy_event_type type, uint64_t penalty_ms,
			 policy_event_fn emit, void *arg)
{
	struct policy_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.uid = u->uid;
	ev.start_ms = m->now_ms;
	ev.end_ms = u->st.penalty.expires_ms;
	ev.cpu = u->cpu;
	figures(cfg, m, u, &ev.bad);
	ev.bad.penalty_ms = penalty_ms;
	if (emit != NULL)
		emit(arg, &ev);
}

static void auto_penalty(const struct cgfair_config *cfg,
			 const struct policy_machine *m, struct policy_user *u,
			 policy_event_fn emit, void *arg)
{
	const struct config_penalty *pc = &cfg->penalty;
	struct policy_badness *b = u->badness;
	uint32_t n = pc->tiers.n ? pc->tiers.n : 1;
	uint32_t idx = b->tier < n ? b->tier : n - 1;
	uint64_t ms = pc->tiers.n ? pc->tiers.ms[idx] : pc->timeout_ms;

	policy_penalty_start(&u->st.penalty, pc, m->now_ms, ms);
	u->st.penalty.automatic = true;
	b->tier = b->tier < n ? b->tier + 1 : n;
	b->calm_since_ms = m->now_ms;
	/* the event names the score that led to it, then it starts over */
	emit_badness(cfg, m, u, POLICY_EV_AUTO_PENALTY, ms, emit, arg);
	b->score = 0;
	b->warned = false;
}

static bool applies(const struct cgfair_config *cfg,
		    const struct policy_user *u)
{
	if (!cfg->penalty.automatic || u->out.exempt || !u->badness)
		return false;
	return !(u->ovr.set & POLICY_OVR(CONFIG_OVR_AUTO_PENALTY)) ||
	       u->ovr.auto_penalty;
}

/* The score moves by what the window shows: up for dt (the time this
 * step stands for), down for the whole gap since the last step (a user
 * cgfair did not see used nothing it could count). Returns the excess. */
static double move_score(const struct cgfair_config *cfg,
			 const struct policy_machine *m, struct policy_user *u,
			 int64_t dt, int64_t gap)
{
	const struct config_penalty *pc = &cfg->penalty;
	struct policy_badness *b = u->badness;
	double cpu, mem, excess;

	policy_badness_means(b, pc, m->now_ms, &cpu, &mem);
	excess = over(cpu, policy_cpu_threshold(cfg, m->ncpu, &u->ovr)) +
		 over(mem, policy_mem_threshold(cfg, &u->ovr));
	if (excess > 0 && !u->st.penalty.on)
		b->score += 100.0 * excess * (double)dt / (double)pc->rise_ms;
	else if (excess == 0)
		b->score -= pc->decay * (double)gap / 60000.0;
	b->score = fmax(0, fmin(100, b->score));
	return excess;
}

/* One step back per `forgive` without a penalty: several at once for a
 * user cgfair did not see for a while (logged out, or cgfaird stopped). */
static void forgive_tiers(const struct cgfair_config *cfg,
			  const struct policy_machine *m, struct policy_user *u,
			  policy_event_fn emit, void *arg)
{
	struct policy_badness *b = u->badness;
	int64_t forgive = (int64_t)cfg->penalty.forgive_ms;
	bool down = false;

	while (b->tier > 0 && m->now_ms - b->calm_since_ms >= forgive) {
		b->tier--;
		b->calm_since_ms += forgive;
		down = true;
	}
	if (b->tier == 0 && down)
		b->calm_since_ms = m->now_ms;
	if (down)
		emit_badness(cfg, m, u, POLICY_EV_TIER_DOWN, 0, emit, arg);
}

void policy_badness_step(const struct cgfair_config *cfg,
			 const struct policy_machine *m, struct policy_user *u,
			 policy_event_fn emit, void *arg)
{
	const struct config_penalty *pc = &cfg->penalty;
	struct policy_badness *b = u->badness;
	int64_t dt, gap;

	if (!applies(cfg, u))
		return; /* kept as it is, for when it applies again */
	dt = step_ms(b, m->now_ms, cfg->daemon.interval_ms);
	gap =
	    b->last_ms && m->now_ms > b->last_ms ? m->now_ms - b->last_ms : dt;
	b->last_ms = m->now_ms;
	if (b->slot_ms != slot_width(pc)) { /* new, or the window changed */
		memset(b->epoch, 0, sizeof(b->epoch));
		memset(b->cpu_s, 0, sizeof(b->cpu_s));
		memset(b->mem_s, 0, sizeof(b->mem_s));
		b->slot_ms = slot_width(pc);
	}
	if (!(u->cpu >= 0))
		return; /* no figure this interval */
	add_sample(b, m->now_ms,
		   policy_counted_cpu(u->cpu, u->cpu_exempt) * (double)dt /
		       1000.0,
		   (double)u->mem_usage * (double)dt / 1000.0);
	move_score(cfg, m, u, dt, gap);
	if (u->st.penalty.on) {
		b->calm_since_ms = m->now_ms;
		return;
	}
	forgive_tiers(cfg, m, u, emit, arg);
	if (b->score <= 0)
		b->warned = false; /* the climb is over */
	if (!b->warned && pc->warn_at < 100 && b->score >= pc->warn_at) {
		b->warned = true;
		emit_badness(cfg, m, u, POLICY_EV_BADNESS_WARN, 0, emit, arg);
	}
	if (b->score >= 100)
		auto_penalty(cfg, m, u, emit, arg);
}

void policy_badness_forgive(struct policy_badness *b)
{
	memset(b, 0, sizeof(*b));
}
