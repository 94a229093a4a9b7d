/*
 * Property tests of the policy on random inputs, from a fixed seed so that
 * every run checks the same cases (a failure prints its case seed):
 *   - the caps of the active users sum to at most the capacity;
 *   - no active user gets less than min(its use, capacity / N);
 *   - the same inputs give the same outputs, in any order of the users;
 *   - under a steady load the caps settle within 3 intervals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

#ifndef CASES
#define CASES 2000
#endif
#define MAXN 40
#define EPS  1e-9
#define SEED 0x5eed2024cafef00dull

struct rng {
	uint64_t s;
};

/* splitmix64: small, and the same sequence everywhere */
static uint64_t next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double uniform(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * (double)(next(r) >> 11) / 9007199254740992.0;
}

static bool chance(struct rng *r, double p)
{
	return uniform(r, 0, 1) < p;
}

struct scenario {
	uint64_t seed;
	struct cgfair_config cfg;
	struct policy_machine m;
	size_t n;
	double demand[MAXN]; /* what each user would use without limits */
	struct policy_user u[MAXN];
};

static void gen_config(struct rng *r, struct scenario *s)
{
	static const unsigned cpus[] = {1, 2, 3, 4, 8, 16, 64};
	struct config_cpu *c = &s->cfg.cpu;

	config_defaults(&s->cfg, 16ull << 30);
	/* no lists: scenarios are copied by value, and none has exemptions */
	config_free(&s->cfg);
	c->mode = (enum config_cpu_mode)(next(r) % 3);
	c->max_share = uniform(r, 0.5, 1);
	if (chance(r, 0.2))
		c->active_cpus = uniform(r, 0.05, 1);
	else
		c->active_share = uniform(r, 0.01, 0.3);
	c->min_cap = 0.001;
	c->min_change = (double)(next(r) % 3) * 0.05;
	s->cfg.penalty.mode = (enum config_penalty_mode)(next(r) % 2);
	s->cfg.penalty.fraction = uniform(r, 0.1, 0.9);
	s->m.ncpu = cpus[next(r) % (sizeof(cpus) / sizeof(cpus[0]))];
	s->m.now_ms = 1000000;
}

/* A user: idle or busy, sometimes with a fixed cap or a penalty. */
static void gen_user(struct rng *r, struct scenario *s, size_t i)
{
	struct policy_user *u = &s->u[i];
	double thr = policy_active_threshold(&s->cfg.cpu, s->m.ncpu);

	memset(u, 0, sizeof(*u));
	u->uid = 1000 + (uint32_t)i;
	s->demand[i] = chance(r, 0.3) ? uniform(r, 0, thr * 0.5)
				      : uniform(r, thr, s->m.ncpu);
	u->cpu = s->demand[i];
	u->mem_usage = next(r) % (8ull << 30);
	if (chance(r, 0.1)) {
		u->ovr.set |= POLICY_OVR(CONFIG_OVR_CPU_CAP);
		u->ovr.cpu_cap = uniform(r, 0.1, s->m.ncpu / 2.0);
	}
	if (chance(r, 0.1))
		policy_penalty_start(&u->st.penalty, &s->cfg.penalty, 0, 0);
}

static void gen(struct scenario *s, uint64_t seed)
{
	struct rng r = {seed};

	memset(s, 0, sizeof(*s));
	s->seed = seed;
	gen_config(&r, s);
	s->n = 1 + next(&r) % MAXN;
	for (size_t i = 0; i < s->n; i++)
		gen_user(&r, s, i);
	/* caps already in force, from a previous interval */
	for (size_t i = 0; i < s->n; i++) {
		if (chance(&r, 0.5)) {
			s->u[i].st.has_cap = true;
			s->u[i].st.cap = uniform(&r, 0.01, s->m.ncpu);
		}
	}
}

static void fail_case(const struct scenario *s, const char *what)
{
	print_error("seed %#llx (mode %d, %u cpus, %zu users): %s\n",
		    (unsigned long long)s->seed, s->cfg.cpu.mode, s->m.ncpu,
		    s->n, what);
	fail();
}

static bool normal_pool(const struct policy_user *u)
{
	return u->out.pool && !u->out.exempt && !u->st.penalty.on;
}

/* The pool the active users share: max_percent x (CPUs - held back). */
static double pool_of(const struct scenario *s, size_t *nactive)
{
	double held = 0, idle = 0, pool;

	*nactive = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct policy_decision *d = &s->u[i].out;

		if (d->active && d->fixed)
			held += d->target_cap;
		if (d->active && d->pool)
			(*nactive)++;
		if (!d->active)
			idle += s->u[i].cpu;
	}
	pool = s->cfg.cpu.max_share * fmax(s->m.ncpu - held, 0);
	/* fair mode: less what the idle users use */
	return s->cfg.cpu.mode == CONFIG_CPU_FAIR ? fmax(pool - idle, 0) : pool;
}

static void check_sum_and_floor(const struct scenario *s)
{
	size_t nactive;
	double pool = pool_of(s, &nactive), sum = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct policy_user *u = &s->u[i];

		if (!u->out.active || !u->out.pool)
			continue;
		sum += u->out.target_cap;
		/* no active user below min(its use, pool / N) */
		if (normal_pool(u) &&
		    u->out.target_cap <
			fmin(u->cpu, pool / (double)nactive) - EPS)
			fail_case(s, "an active user got less than its due");
	}
	/* weight mode is work-conserving by design: caps only bound users */
	if (s->cfg.cpu.mode != CONFIG_CPU_WEIGHT &&
	    sum > pool + nactive * s->cfg.cpu.min_cap + EPS)
		fail_case(s, "the caps of the active users exceed the pool");
}

static void test_capacity_and_fairness(void **state)
{
	static struct scenario s;

	(void)state;
	for (uint64_t c = 0; c < CASES; c++) {
		gen(&s, SEED + c);
		policy_step(&s.cfg, &s.m, s.u, s.n, NULL, NULL);
		check_sum_and_floor(&s);
	}
}

static void test_deterministic(void **state)
{
	static struct scenario a, b;

	(void)state;
	for (uint64_t c = 0; c < CASES; c++) {
		gen(&a, SEED + c);
		b = a;
		policy_step(&a.cfg, &a.m, a.u, a.n, NULL, NULL);
		policy_step(&b.cfg, &b.m, b.u, b.n, NULL, NULL);
		if (memcmp(a.u, b.u, sizeof(a.u)) != 0)
			fail_case(&a, "same inputs, different outputs");
		/* the order of the users changes nothing */
		gen(&b, SEED + c);
		for (size_t i = 0; i < b.n / 2; i++) {
			struct policy_user t = b.u[i];

			b.u[i] = b.u[b.n - 1 - i];
			b.u[b.n - 1 - i] = t;
		}
		policy_step(&b.cfg, &b.m, b.u, b.n, NULL, NULL);
		for (size_t i = 0; i < a.n; i++) {
			double x = a.u[i].st.cap, y = b.u[a.n - 1 - i].st.cap;

			if (!(x == y || fabs(x - y) <= EPS * fmax(1, x)))
				fail_case(&a, "the order of users matters");
		}
	}
}

/* What CFS gives: max-min fair by cgroup weight, each user up to its
 * demand or its cap. Written apart from the policy's water-filling. */
static void cfs_share(const struct scenario *s, double *use)
{
	double want[MAXN], left = s->m.ncpu;
	bool done[MAXN] = {false};
	size_t ndone = 0;

	for (size_t i = 0; i < s->n; i++) {
		const struct policy_state *st = &s->u[i].st;

		want[i] = s->demand[i];
		if (st->has_cap && st->cap < want[i])
			want[i] = st->cap;
	}
	while (ndone < s->n) {
		double wsum = 0, level;
		bool any = false;

		for (size_t i = 0; i < s->n; i++)
			wsum += done[i] ? 0 : s->u[i].st.weight;
		level = left / wsum;
		for (size_t i = 0; i < s->n; i++) {
			if (done[i] || want[i] > s->u[i].st.weight * level)
				continue;
			use[i] = want[i];
			left -= want[i];
			done[i] = any = true;
			ndone++;
		}
		if (any)
			continue;
		for (size_t i = 0; i < s->n; i++) {
			if (!done[i])
				use[i] = s->u[i].st.weight * level;
		}
		break;
	}
}

static void test_settles(void **state)
{
	static struct scenario s;
	double use[MAXN];

	(void)state;
	for (uint64_t c = 0; c < CASES; c++) {
		gen(&s, SEED + c);
		/* "settled" is "no cap rewritten": with min_change 0, a cap
		 * closing in on its value would be rewritten for ever */
		s.cfg.cpu.min_change = fmax(s.cfg.cpu.min_change, 0.05);
		for (size_t i = 0; i < s.n; i++) {
			s.u[i].st.has_cap = false;
			s.u[i].st.weight = 100;
		}
		for (int t = 1; t <= 10; t++) {
			cfs_share(&s, use);
			for (size_t i = 0; i < s.n; i++)
				s.u[i].cpu = use[i];
			s.m.now_ms += 5000;
			policy_step(&s.cfg, &s.m, s.u, s.n, NULL, NULL);
			for (size_t i = 0; i < s.n && t > 3; i++) {
				if (s.u[i].out.write_cap)
					fail_case(&s, "caps still moving after "
						      "3 intervals");
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_capacity_and_fairness),
	    cmocka_unit_test(test_deterministic),
	    cmocka_unit_test(test_settles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
