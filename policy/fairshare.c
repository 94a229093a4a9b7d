/*
 * Dividing the CPU among the managed users. Each is one of:
 *   fixed:  a fixed cap (users.d or `limit set`); while it is active, that
 *           cap is held back from the pool (the F of the seed's formula);
 *   pooled: shares the pool P = max_percent x (CPUs - F): evenly in
 *           even_active mode, by max-min water-filling over demand in fair
 *           mode; in weight mode each is only capped at max_percent of the
 *           machine. In the penalty box's active mode a user takes the
 *           fraction f of a place and gets f of a share; in locked mode it
 *           takes a place and is capped at f x CPUs x max_percent.
 * Only active users hold back or divide: an idle user changes no one's
 * cap. Fair mode also leaves out of the pool what the idle users use.
 */
#include <math.h>
#include <stdlib.h>

#include "policy/fairshare.h"
#include "policy/penalty.h"

double policy_active_threshold(const struct config_cpu *cpu, unsigned ncpu)
{
	return cpu->active_cpus > 0 ? cpu->active_cpus
				    : cpu->active_share * ncpu;
}

bool policy_is_active(const struct config_cpu *cpu, unsigned ncpu, double use,
		      double cap, bool was_active)
{
	if (!(use >= 0)) /* NAN: no sample this time, nothing changed */
		return was_active;
	if (use >= policy_active_threshold(cpu, ncpu))
		return true;
	/* Without this, users held below the threshold by their caps (many
	 * active users on few CPUs) would all turn idle, the caps would jump
	 * up, and the next interval would swing back. The throttle
	 * hysteresis keeps a user whose cap moved up a little from flapping
	 * between the two. */
	if (!isfinite(cap))
		return false;
	return use >=
	       (was_active ? cpu->throttle_lower : cpu->throttle_upper) * cap;
}

static bool filling(const struct policy_user *u)
{
	return !u->out.exempt && u->out.pool && u->out.active;
}

struct fill {
	double left;	 /* capacity not given to the served users */
	double wsum;	 /* weight of the users not served */
	double wtotal;	 /* weight of all the users in the division */
	size_t unserved; /* counted, not judged by wsum's rounding */
};

/* Before the first round: no one served. */
static void fill_start(struct policy_user *u, size_t n, double capacity,
		       double extra, struct fill *f)
{
	f->left = capacity;
	f->wsum = extra;
	f->unserved = 0;
	for (size_t i = 0; i < n; i++) {
		u[i].out.served = false;
		if (!filling(&u[i]))
			continue;
		f->wsum += u[i].out.pool_weight;
		f->unserved++;
	}
}

/* Demand per unit of weight, the order in which users are served; an
 * unknown demand (NAN) first, as the test below serves it at any level. */
static double ratio(const struct policy_user *u)
{
	const struct policy_decision *d = &u->out;

	if (isnan(d->demand))
		return -INFINITY;
	return d->pool_weight > 0 ? d->demand / d->pool_weight : INFINITY;
}

struct ranked {
	double ratio;
	struct policy_decision *d;
};

static int by_ratio(const void *a, const void *b)
{
	double x = ((const struct ranked *)a)->ratio;
	double y = ((const struct ranked *)b)->ratio;

	return x < y ? -1 : x > y;
}

/* Users whose demand fits under the water level are served in full; as
 * they leave, the level for the others can only rise. Each round serves
 * every user under the level (the next ones in demand-per-weight order,
 * sorted once): O(n log n), never a pass over all users per round. The
 * level is per unit of weight and never above what is left: a user with
 * weight f < 1 (penalised) gets f of what a full user would, even when it
 * is alone. extra is the weight of one more user who wants everything, to
 * ask what a newcomer would get. Out of memory for the order, no one is
 * served in full: the level splits what there is by weight. */
static double fill_level(struct policy_user *u, size_t n, double capacity,
			 double extra, struct fill *f)
{
	struct ranked *order = NULL;
	size_t k = 0, next = 0;
	bool changed = true;

	fill_start(u, n, capacity, extra, f);
	f->wtotal = f->wsum - extra;
	if (f->unserved && (order = malloc(f->unserved * sizeof(*order)))) {
		for (size_t i = 0; i < n; i++)
			if (filling(&u[i]))
				order[k++] =
				    (struct ranked){ratio(&u[i]), &u[i].out};
		qsort(order, k, sizeof(*order), by_ratio);
	}
	while (changed && next < k) {
		double level = fmax(f->left, 0) / fmax(f->wsum, 1);
		changed = false;
		for (; next < k; next++) {
			struct policy_decision *d = order[next].d;
			if (d->demand > d->pool_weight * level)
				break;
			d->served = true;
			f->left -= d->demand;
			f->wsum -= d->pool_weight;
			f->unserved--;
			changed = true;
		}
	}
	free(order);
	return fmax(f->left, 0) / fmax(f->wsum, 1);
}

void policy_water_fill(struct policy_user *u, size_t n, double capacity)
{
	struct fill f;
	double level = fill_level(u, n, capacity, 0, &f);
	/* Demand is met: hand out the rest by weight, so that everyone has
	 * room to grow until the next pass. */
	double spare =
	    f.unserved == 0 ? fmax(f.left, 0) / fmax(f.wtotal, 1) : 0;

	for (size_t i = 0; i < n; i++) {
		struct policy_decision *d = &u[i].out;

		if (!filling(&u[i]))
			continue;
		d->target_cap = d->served ? d->demand + d->pool_weight * spare
					  : d->pool_weight * level;
	}
}

static double cap_in_force(const struct policy_user *u)
{
	return u->st.has_cap ? u->st.cap : POLICY_NO_CAP;
}

static void classify(const struct cgfair_config *cfg,
		     const struct policy_machine *m, struct policy_user *u)
{
	const struct policy_penalty *p = &u->st.penalty;
	struct policy_decision *d = &u->out;
	bool fixed = (u->ovr.set & POLICY_OVR(CONFIG_OVR_CPU_CAP)) &&
		     isfinite(u->ovr.cpu_cap);

	d->active = policy_is_active(&cfg->cpu, m->ncpu, u->cpu,
				     cap_in_force(u), u->st.active);
	u->st.active = d->active;
	d->pool = false;
	if (fixed) {
		d->fixed = true;
		d->target_cap = p->on
				    ? policy_penalty_cap(p, &cfg->cpu, m->ncpu,
							 u->ovr.cpu_cap)
				    : u->ovr.cpu_cap;
	} else {
		d->pool = true;
		d->locked = p->on && p->mode == CONFIG_PENALTY_LOCKED;
		d->pool_weight = p->on && !d->locked ? p->fraction : 1;
	}
}

/* A locked penalty: fraction x CPUs x max_percent. */
static double locked_cap(const struct config_cpu *cpu, unsigned ncpu,
			 const struct policy_user *u)
{
	return policy_penalty_cap(&u->st.penalty, cpu, ncpu, POLICY_NO_CAP);
}

/* Fair mode: what an active user could use. Held at its cap, it wants
 * more than we can tell; otherwise its use plus room to grow. */
static double fair_demand(const struct config_cpu *cpu, unsigned ncpu,
			  const struct policy_user *u)
{
	double cap = cap_in_force(u), d;

	if (u->out.cpu_bound ||
	    (isfinite(cap) && u->cpu >= cpu->throttle_upper * cap))
		d = INFINITY;
	else
		d = u->cpu * (1 + POLICY_FAIR_HEADROOM);
	return u->out.locked ? fmin(d, locked_cap(cpu, ncpu, u)) : d;
}

/* Fair mode, an idle user: the cap it would get if it turned active and
 * wanted everything. So turning active does not raise its cap, and a user
 * that fills this cap and turns active stays active (no flapping). */
static void fair_idle_caps(struct policy_user *users, size_t n, double pool)
{
	/* Weights are 1 or a penalty fraction: a few distinct values. */
	double w[4] = {NAN, NAN, NAN, NAN}, level[4] = {0};
	struct fill f;

	for (size_t i = 0; i < n; i++) {
		struct policy_decision *d = &users[i].out;
		size_t k = 0;

		if (d->exempt || !d->pool || d->active)
			continue;
		while (k < 3 && !isnan(w[k]) && w[k] != d->pool_weight)
			k++;
		if (w[k] != d->pool_weight) {
			w[k] = d->pool_weight;
			level[k] = fill_level(users, n, pool, w[k], &f);
		}
		d->target_cap = w[k] * level[k];
	}
}

/* A locked penalty is a share of the machine; with many users that can be
 * more than the others get, and a penalty never raises a cap. */
static void clamp_locked(const struct cgfair_config *cfg,
			 const struct policy_machine *m,
			 struct policy_user *users, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct policy_decision *d = &users[i].out;

		if (!d->exempt && d->locked)
			d->target_cap =
			    fmin(d->target_cap,
				 locked_cap(&cfg->cpu, m->ncpu, &users[i]));
	}
}

static void divide_pool(const struct cgfair_config *cfg,
			const struct policy_machine *m,
			struct policy_user *users, size_t n, double pool,
			double wactive)
{
	double share = pool / fmax(wactive, 1);

	if (cfg->cpu.mode == CONFIG_CPU_WEIGHT)
		share = cfg->cpu.max_share * m->ncpu;
	if (cfg->cpu.mode == CONFIG_CPU_FAIR) {
		for (size_t i = 0; i < n; i++) {
			if (filling(&users[i]))
				users[i].out.demand =
				    fair_demand(&cfg->cpu, m->ncpu, &users[i]);
		}
		policy_water_fill(users, n, pool);
		fair_idle_caps(users, n, pool);
	} else {
		for (size_t i = 0; i < n; i++) {
			struct policy_decision *d = &users[i].out;

			if (!d->exempt && d->pool)
				d->target_cap = d->pool_weight * share;
		}
	}
	clamp_locked(cfg, m, users, n);
}

static void divide(const struct cgfair_config *cfg,
		   const struct policy_machine *m, struct policy_user *users,
		   size_t n)
{
	double reserved = 0, wactive = 0, idle_use = 0, pool;

	for (size_t i = 0; i < n; i++) {
		const struct policy_decision *d = &users[i].out;

		if (d->exempt)
			continue;
		if (d->active && d->fixed)
			reserved += d->target_cap;
		if (d->active && d->pool)
			wactive += d->pool_weight;
		if (!d->active && users[i].cpu > 0)
			idle_use += users[i].cpu;
	}
	pool = cfg->cpu.max_share * fmax(m->ncpu - reserved, 0);
	/* Fair mode shares by demand, and reads demand from use held at the
	 * cap: the CPU the idle users take is not in the pool, or CFS would
	 * hold the active users below their caps and demand would be
	 * misread. */
	if (cfg->cpu.mode == CONFIG_CPU_FAIR)
		pool = fmax(pool - idle_use, 0);
	divide_pool(cfg, m, users, n, pool, wactive);
}

/* An idle user whose use would fill the cap it is about to get is held
 * down by it: it counts as active now, not one interval later (a fixed
 * one then holds its cap back from the pool). Counting it lowers the
 * others' caps, which may catch more: repeat. */
static bool promote_held(const struct config_cpu *cpu,
			 struct policy_user *users, size_t n)
{
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		struct policy_user *u = &users[i];

		if (u->out.exempt || u->out.active ||
		    !(u->cpu >= cpu->throttle_upper * u->out.target_cap))
			continue;
		u->out.active = u->st.active = true;
		any = true;
	}
	return any;
}

static double weight_in_force(const struct cgfair_config *cfg,
			      const struct policy_user *u)
{
	return u->st.weight ? u->st.weight : cfg->cpu.default_weight;
}

/* Fair mode reads demand from use held at the cap. Users without a cap
 * (new ones, or all of them at start) are held back by CFS instead when
 * the machine is full, which gives each that wants more the same use per
 * weight: those users want more than they use, like users held at their
 * caps. Once caps are in force, the pool leaves room for the idle users
 * and the caps, not CFS, hold users back. */
static void mark_cpu_bound(const struct cgfair_config *cfg,
			   const struct policy_machine *m,
			   struct policy_user *users, size_t n)
{
	double total = 0, level = 0;

	for (size_t i = 0; i < n; i++) {
		if (!(users[i].cpu >= 0))
			continue;
		total += users[i].cpu;
		level =
		    fmax(level, users[i].cpu / weight_in_force(cfg, &users[i]));
	}
	if (total < cfg->cpu.throttle_upper * m->ncpu)
		return;
	for (size_t i = 0; i < n; i++) {
		struct policy_user *u = &users[i];

		if (u->out.exempt || isfinite(cap_in_force(u)) ||
		    !(u->cpu >= cfg->cpu.throttle_upper * level *
				    weight_in_force(cfg, u)))
			continue;
		u->out.cpu_bound = u->out.active = u->st.active = true;
	}
}

void policy_cpu_caps(const struct cgfair_config *cfg,
		     const struct policy_machine *m, struct policy_user *users,
		     size_t n)
{
	int rounds = 0;

	for (size_t i = 0; i < n; i++) {
		if (!users[i].out.exempt)
			classify(cfg, m, &users[i]);
	}
	if (cfg->cpu.mode == CONFIG_CPU_FAIR)
		mark_cpu_bound(cfg, m, users, n);
	/* Each round only adds active users; the bound keeps a long cascade
	 * from costing more than a few divisions (it goes on next time). */
	do
		divide(cfg, m, users, n);
	while (++rounds < POLICY_PROMOTE_ROUNDS &&
	       promote_held(&cfg->cpu, users, n));
	for (size_t i = 0; i < n; i++) {
		struct policy_decision *d = &users[i].out;

		if (!d->exempt && isfinite(d->target_cap))
			d->target_cap = fmax(d->target_cap, cfg->cpu.min_cap);
	}
}

bool policy_cap_should_write(bool has_cap, double cur, double target,
			     double min_change)
{
	double delta;

	if (!has_cap)
		return true;
	if (isinf(cur) || isinf(target))
		return isinf(cur) != isinf(target);
	delta = fabs(target - cur);
	return delta > 0 && delta >= min_change * cur;
}
