/*
 * Table tests of the policy: the three CPU modes, fixed caps, the penalty
 * box, throttle hysteresis, min_change, memory steps, exemptions and what
 * policy_step() asks the supervisor to write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "policy/policy.h"

/* cmocka 1.1 compares floats only as float. */
static void near(double a, double b, double eps, const char *file, int line)
{
	if (a == b || fabs(a - b) <= eps)
		return;
	print_error("%.17g != %.17g (within %g)\n", a, b, eps);
	_fail(file, line);
}
#define assert_near(a, b, eps) near((a), (b), (eps), __FILE__, __LINE__)

#define GIB	  (1024ull * 1024 * 1024)
#define MEM_TOTAL (16 * GIB)
#define EPS	  1e-9
#define MAXU	  8
#define MAXEV	  16

static struct cgfair_config cfg;
static struct policy_event events[MAXEV];
static int nevents;

static int setup(void **state)
{
	(void)state;
	config_free(&cfg); /* the last test's lists */
	config_defaults(&cfg, MEM_TOTAL);
	nevents = 0;
	return 0;
}

static void record(void *arg, const struct policy_event *ev)
{
	(void)arg;
	if (nevents < MAXEV)
		events[nevents++] = *ev;
}

static const struct policy_event *find_event(enum policy_event_type type)
{
	for (int i = 0; i < nevents; i++) {
		if (events[i].type == type)
			return &events[i];
	}
	return NULL;
}

static void make_users(struct policy_user *u, const double *use, size_t n)
{
	memset(u, 0, n * sizeof(*u));
	for (size_t i = 0; i < n; i++) {
		u[i].uid = 1000 + (uint32_t)i;
		u[i].cpu = use[i];
	}
}

static void step(struct policy_user *u, size_t n, unsigned ncpu, int64_t now_ms)
{
	struct policy_machine m = {ncpu, now_ms};

	nevents = 0;
	policy_step(&cfg, &m, u, n, record, NULL);
}

/* --- even_active --- */

struct caps_case {
	unsigned ncpu;
	size_t n;
	double use[MAXU];
	double cap[MAXU];
};

static const struct caps_case even_cases[] = {
    /* two active users split 90% of 2 CPUs */
    {2, 2, {2.0, 1.0}, {0.9, 0.9}},
    /* one active user: 90% of the machine */
    {2, 1, {1.5}, {1.8}},
    /* an idle user (below 10% of the machine) lowers no one's cap, and
     * gets the same cap */
    {2, 2, {1.0, 0.05}, {1.8, 1.8}},
    {2, 3, {1.0, 0.9, 0.19}, {0.9, 0.9, 0.9}},
    /* no one active */
    {2, 2, {0.05, 0.0}, {1.8, 1.8}},
    {4, 4, {1, 1, 1, 1}, {0.9, 0.9, 0.9, 0.9}},
    {4, 3, {2, 0.3, 1}, {1.8, 1.8, 1.8}},
    {1, 3, {0.5, 0.3, 0.2}, {0.3, 0.3, 0.3}},
};

static void check_caps(const struct caps_case *c)
{
	struct policy_user u[MAXU];

	make_users(u, c->use, c->n);
	step(u, c->n, c->ncpu, 1000);
	for (size_t i = 0; i < c->n; i++) {
		assert_near(u[i].out.target_cap, c->cap[i], EPS);
		assert_true(u[i].out.write_cap);
		assert_near(u[i].st.cap, c->cap[i], EPS);
	}
}

static void test_even_active(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(even_cases) / sizeof(even_cases[0]); i++)
		check_caps(&even_cases[i]);
}

/* An active user with a fixed cap holds its cap back from the pool; an
 * idle one does not. */
static void test_even_active_fixed(void **state)
{
	double use[] = {1.0, 2.0, 2.0};
	struct policy_user u[3];

	(void)state;
	make_users(u, use, 3);
	u[0].ovr.set = POLICY_OVR(CONFIG_OVR_CPU_CAP);
	u[0].ovr.cpu_cap = 1.0;
	step(u, 3, 4, 1000);
	assert_near(u[0].out.target_cap, 1.0, EPS);
	assert_true(u[0].out.fixed);
	assert_near(u[1].out.target_cap, 0.9 * 3 / 2, EPS);
	assert_near(u[2].out.target_cap, 0.9 * 3 / 2, EPS);

	u[0].cpu = 0.1; /* idle now */
	step(u, 3, 4, 2000);
	assert_near(u[0].out.target_cap, 1.0, EPS);
	assert_near(u[1].out.target_cap, 1.8, EPS);

	/* "none" is no fixed cap */
	u[0].ovr.cpu_cap = POLICY_NO_CAP;
	u[0].cpu = 1.0;
	step(u, 3, 4, 3000);
	assert_near(u[0].out.target_cap, 1.2, EPS);
}

/* Active mode: a fraction of a share, taking that fraction of a place. */
static void test_penalty_active(void **state)
{
	double use[] = {1.0, 1.0, 1.0};
	struct policy_user u[3];
	double c = 1.8 / 2.3;

	(void)state;
	make_users(u, use, 3);
	policy_penalty_start(&u[2].st.penalty, &cfg.penalty, 1000, 0);
	step(u, 3, 2, 1000);
	assert_near(u[0].out.target_cap, c, EPS);
	assert_near(u[1].out.target_cap, c, EPS);
	assert_near(u[2].out.target_cap, 0.3 * c, EPS);
	assert_near(u[0].out.target_cap + u[1].out.target_cap +
			u[2].out.target_cap,
		    1.8, EPS);
}

/* Locked mode: fraction x CPUs x max_percent, but never more than the
 * user would get without the penalty; it counts as one user. */
static void test_penalty_locked(void **state)
{
	double use[] = {1.0, 1.0, 0.5, 1.0, 1.0};
	struct policy_user u[5];

	(void)state;
	cfg.penalty.mode = CONFIG_PENALTY_LOCKED;
	make_users(u, use, 3);
	policy_penalty_start(&u[2].st.penalty, &cfg.penalty, 1000, 0);
	step(u, 3, 2, 1000);
	assert_near(u[2].out.target_cap, 0.54, EPS);
	assert_near(u[0].out.target_cap, 0.6, EPS);

	u[2].cpu = 0; /* idle: the others split the pool */
	step(u, 3, 2, 2000);
	assert_near(u[2].out.target_cap, 0.54, EPS);
	assert_near(u[0].out.target_cap, 0.9, EPS);

	/* a penalty never raises a fixed cap */
	u[2].ovr.set = POLICY_OVR(CONFIG_OVR_CPU_CAP);
	u[2].ovr.cpu_cap = 0.2;
	step(u, 3, 2, 3000);
	assert_near(u[2].out.target_cap, 0.2, EPS);

	/* nor above the share of the others */
	make_users(u, use, 5);
	policy_penalty_start(&u[2].st.penalty, &cfg.penalty, 1000, 0);
	step(u, 5, 2, 1000);
	assert_near(u[0].out.target_cap, 0.36, EPS);
	assert_near(u[2].out.target_cap, 0.36, EPS);
}

static void test_penalty_expiry(void **state)
{
	double use[] = {1.0, 1.0};
	struct policy_user u[2];
	struct policy_penalty saved;
	const struct policy_event *ev;

	(void)state;
	make_users(u, use, 2);
	policy_penalty_start(&u[1].st.penalty, &cfg.penalty, 1000, 5000);
	assert_int_equal(u[1].st.penalty.expires_ms, 6000);

	/* the supervisor persists the plain struct and restores it */
	saved = u[1].st.penalty;
	memset(&u[1].st.penalty, 0, sizeof(saved));
	u[1].st.penalty = saved;

	step(u, 2, 2, 5999);
	assert_null(find_event(POLICY_EV_PENALTY_END));
	assert_true(u[1].st.penalty.on);
	assert_near(u[1].out.target_cap, 0.3 * 1.8 / 1.3, EPS);

	step(u, 2, 2, 6000);
	ev = find_event(POLICY_EV_PENALTY_END);
	assert_non_null(ev);
	assert_int_equal(ev->uid, 1001);
	assert_int_equal(ev->start_ms, 1000);
	assert_int_equal(ev->end_ms, 6000);
	assert_false(u[1].st.penalty.on);
	assert_near(u[1].out.target_cap, 0.9, EPS);

	/* the configured timeout, and "until released" */
	policy_penalty_start(&u[0].st.penalty, &cfg.penalty, 1000, 0);
	assert_int_equal(u[0].st.penalty.expires_ms, 1000 + 3600000);
	policy_penalty_start(&u[0].st.penalty, &cfg.penalty, 1000, UINT64_MAX);
	assert_int_equal(u[0].st.penalty.expires_ms, 0);
	assert_false(policy_penalty_expired(&u[0].st.penalty, INT64_MAX));
	policy_penalty_end(&u[0].st.penalty);
	assert_false(u[0].st.penalty.on);
}

/* --- fair --- */

static void test_fair(void **state)
{
	/* A and B want everything, C uses 10% of a CPU */
	double use[] = {0.95, 0.95, 0.1};
	struct policy_user u[3];
	double big = (1.8 - 0.125) / 2;

	(void)state;
	cfg.cpu.mode = CONFIG_CPU_FAIR;
	cfg.cpu.active_share = 0.02; /* C counts as active */
	make_users(u, use, 3);
	step(u, 3, 2, 1000);
	assert_near(u[2].out.target_cap, 0.125, EPS);
	assert_near(u[0].out.target_cap, big, EPS);
	assert_near(u[1].out.target_cap, big, EPS);

	/* held at their caps, A and B want more: the caps stay */
	u[0].cpu = u[1].cpu = big;
	step(u, 3, 2, 2000);
	assert_near(u[0].out.target_cap, big, EPS);
	assert_near(u[2].out.target_cap, 0.125, EPS);
	assert_false(u[0].out.write_cap);

	/* at the default threshold C is idle: A and B split what it leaves
	 * of the pool, and C gets what it would as a third active user */
	cfg.cpu.active_share = 0.10;
	make_users(u, use, 3);
	step(u, 3, 2, 1000);
	assert_false(u[2].out.active);
	assert_near(u[0].out.target_cap, 0.85, EPS);
	assert_near(u[1].out.target_cap, 0.85, EPS);
	assert_near(u[2].out.target_cap, 1.7 / 3, EPS);
}

/* The end-to-end case at the first interval, before any cap: A
 * and B are held back by CFS on a full machine, so they want more than
 * they use; C's 10% of a CPU is left alone. */
static void test_fair_start(void **state)
{
	double use[] = {0.95, 0.95, 0.1};
	struct policy_user u[3];

	(void)state;
	cfg.cpu.mode = CONFIG_CPU_FAIR;
	make_users(u, use, 3);
	step(u, 3, 2, 1000);
	assert_true(u[0].out.cpu_bound && u[1].out.cpu_bound);
	assert_false(u[2].out.cpu_bound || u[2].out.active);
	assert_near(u[0].out.target_cap, 0.85, EPS);
	assert_near(u[1].out.target_cap, 0.85, EPS);
	assert_true(u[2].out.target_cap > 0.1);

	/* A with 4 hogs, B with 1: CFS gave one CPU each */
	use[0] = use[1] = 1.0;
	make_users(u, use, 2);
	step(u, 2, 2, 1000);
	assert_near(u[0].out.target_cap, 0.9, EPS);
	assert_near(u[1].out.target_cap, 0.9, EPS);
}

/* Demand below the pool: the rest is shared, so the caps sum to it. */
static void test_fair_spare(void **state)
{
	double use[] = {0.3, 0.2};
	struct policy_user u[2];

	(void)state;
	cfg.cpu.mode = CONFIG_CPU_FAIR;
	make_users(u, use, 2);
	step(u, 2, 2, 1000);
	assert_near(u[0].out.target_cap, 0.375 + 0.5875, EPS);
	assert_near(u[1].out.target_cap, 0.25 + 0.5875, EPS);
}

struct fill_case {
	double capacity;
	size_t n;
	double demand[MAXU], weight[MAXU], cap[MAXU];
};

static const struct fill_case fill_cases[] = {
    {10, 4, {1, 2, INFINITY, INFINITY}, {1, 1, 1, 1}, {1, 2, 3.5, 3.5}},
    {8, 2, {INFINITY, INFINITY}, {1, 3}, {2, 6}},
    {4, 2, {1, 1}, {1, 1}, {2, 2}},
    {4, 2, {1, 1}, {1, 0.5}, {1 + 4.0 / 3, 1 + 2.0 / 3}},
    {3, 3, {0.5, 5, 5}, {1, 1, 1}, {0.5, 1.25, 1.25}},
    {0, 2, {1, 1}, {1, 1}, {0, 0}},
    /* ties in demand: order of the users does not matter */
    {6, 3, {2, 2, 2}, {1, 1, 1}, {2, 2, 2}},
};

static void test_water_fill(void **state)
{
	struct policy_user u[MAXU];

	(void)state;
	for (size_t c = 0; c < sizeof(fill_cases) / sizeof(fill_cases[0]);
	     c++) {
		const struct fill_case *f = &fill_cases[c];

		memset(u, 0, sizeof(u));
		for (size_t i = 0; i < f->n; i++) {
			u[i].out.pool = u[i].out.active = true;
			u[i].out.demand = f->demand[i];
			u[i].out.pool_weight = f->weight[i];
		}
		policy_water_fill(u, f->n, f->capacity);
		for (size_t i = 0; i < f->n; i++)
			assert_near(u[i].out.target_cap, f->cap[i], EPS);
	}
}

/* --- weight --- */

static void test_weight(void **state)
{
	double use[] = {2.0, 2.0, 2.0};
	struct policy_user u[3];

	(void)state;
	cfg.cpu.mode = CONFIG_CPU_WEIGHT;
	make_users(u, use, 3);
	u[1].ovr.set = POLICY_OVR(CONFIG_OVR_CPU_WEIGHT);
	u[1].ovr.cpu_weight = 300;
	policy_penalty_start(&u[2].st.penalty, &cfg.penalty, 0, 0);
	step(u, 3, 4, 1000);
	assert_near(u[0].out.target_cap, 3.6, EPS);
	assert_near(u[1].out.target_cap, 3.6, EPS);
	assert_near(u[2].out.target_cap, 0.3 * 3.6, EPS);
	assert_int_equal(u[0].st.weight, 100);
	assert_int_equal(u[1].st.weight, 300);
	assert_int_equal(u[2].st.weight, 30);
	assert_true(u[2].out.write_weight);
}

/* --- active users --- */

static void test_active(void **state)
{
	(void)state;
	/* 10% of 4 CPUs */
	assert_near(policy_active_threshold(&cfg.cpu, 4), 0.4, EPS);
	assert_true(policy_is_active(&cfg.cpu, 4, 0.4, POLICY_NO_CAP, false));
	assert_false(policy_is_active(&cfg.cpu, 4, 0.39, POLICY_NO_CAP, true));
	/* no sample: as it was */
	assert_false(policy_is_active(&cfg.cpu, 4, NAN, POLICY_NO_CAP, false));
	assert_true(policy_is_active(&cfg.cpu, 4, NAN, POLICY_NO_CAP, true));
	/* held at a cap below the threshold: active all the same */
	assert_true(policy_is_active(&cfg.cpu, 4, 0.3, 0.3, false));
	assert_false(policy_is_active(&cfg.cpu, 4, 0.2, 0.3, false));
	/* and it stays active down to throttle_lower of the cap */
	assert_true(policy_is_active(&cfg.cpu, 4, 0.25, 0.3, true));
	assert_false(policy_is_active(&cfg.cpu, 4, 0.23, 0.3, true));
	/* an absolute threshold */
	cfg.cpu.active_cpus = 0.5;
	assert_near(policy_active_threshold(&cfg.cpu, 64), 0.5, EPS);
	assert_true(policy_is_active(&cfg.cpu, 64, 0.5, POLICY_NO_CAP, false));
}

/* Many users on one CPU: caps below the threshold must not make them
 * idle (and the caps jump back up) every other interval. */
static void test_no_oscillation(void **state)
{
	double use[MAXU];
	struct policy_user u[MAXU];

	(void)state;
	cfg.cpu.active_share = 0.2; /* above the caps to come */
	for (size_t i = 0; i < MAXU; i++)
		use[i] = 1.0;
	make_users(u, use, MAXU);
	step(u, MAXU, 1, 1000);
	assert_near(u[0].st.cap, 0.9 / MAXU, EPS);
	for (int t = 2; t < 6; t++) {
		for (size_t i = 0; i < MAXU; i++)
			u[i].cpu = u[i].st.cap; /* held at the cap */
		step(u, MAXU, 1, t * 1000);
		for (size_t i = 0; i < MAXU; i++) {
			assert_true(u[i].out.active);
			assert_false(u[i].out.write_cap);
		}
	}
}

/* Users below the threshold whose use fills the cap they are about to
 * get are held down by it: counted at once, not an interval later. */
static void test_promote_held(void **state)
{
	double use[] = {0.25, 0.25, 0.25, 0.25, 0.25, 0.175, 0.175, 0.01};
	struct policy_user u[8];

	(void)state;
	cfg.cpu.active_share = 0.2;
	make_users(u, use, 8);
	step(u, 8, 1, 1000);
	assert_true(u[5].out.active && u[6].out.active);
	assert_false(u[7].out.active);
	for (int i = 0; i < 8; i++)
		assert_near(u[i].out.target_cap, 0.9 / 7, EPS);
}

static void test_min_cap(void **state)
{
	double use[MAXU];
	struct policy_user u[MAXU];

	(void)state;
	cfg.cpu.min_cap = 0.2;
	for (size_t i = 0; i < MAXU; i++)
		use[i] = 1;
	make_users(u, use, MAXU);
	step(u, MAXU, 1, 1000);
	assert_near(u[0].out.target_cap, 0.2, EPS);
}

/* --- writes --- */

static void test_should_write(void **state)
{
	(void)state;
	assert_true(policy_cap_should_write(false, 0, 1, 0.05));
	assert_false(policy_cap_should_write(true, 1, 1, 0.05));
	assert_false(policy_cap_should_write(true, 1, 1.04, 0.05));
	assert_false(policy_cap_should_write(true, 1, 0.96, 0.05));
	assert_true(policy_cap_should_write(true, 1, 1.05, 0.05));
	assert_true(policy_cap_should_write(true, 1, 0.95, 0.05));
	assert_true(policy_cap_should_write(true, 1, INFINITY, 0.05));
	assert_true(policy_cap_should_write(true, INFINITY, 1, 0.05));
	assert_false(policy_cap_should_write(true, INFINITY, INFINITY, 0.05));
	assert_true(policy_cap_should_write(true, 1, 1.0001, 0));
}

static void test_step_writes(void **state)
{
	double use[] = {2.0, 1.0};
	struct policy_user u[2];

	(void)state;
	make_users(u, use, 2);
	step(u, 2, 2, 1000);
	for (int i = 0; i < 2; i++) {
		assert_true(u[i].out.write_cap);
		assert_true(u[i].out.write_weight);
		assert_true(u[i].out.write_mem);
		assert_true(u[i].out.write_swap);
		assert_int_equal(u[i].st.mem_limit, MEM_TOTAL / 4);
		assert_int_equal(u[i].st.swap_limit, 0);
		assert_int_equal(u[i].st.weight, 100);
	}
	/* the same again: nothing to write */
	step(u, 2, 2, 2000);
	for (int i = 0; i < 2; i++) {
		assert_false(u[i].out.write_cap || u[i].out.write_weight ||
			     u[i].out.write_mem || u[i].out.write_swap);
	}
	/* a 4% move is not written, and the cap in force stays */
	cfg.cpu.max_share = 0.9 * 1.04;
	step(u, 2, 2, 3000);
	assert_false(u[0].out.write_cap);
	assert_near(u[0].st.cap, 0.9, EPS);
	cfg.cpu.max_share = 0.9 * 1.06;
	step(u, 2, 2, 4000);
	assert_true(u[0].out.write_cap);
	assert_near(u[0].st.cap, 0.9 * 1.06, EPS);
	/* a failed write: the caller forgets it, it is tried again */
	u[0].st.has_cap = false;
	step(u, 2, 2, 5000);
	assert_true(u[0].out.write_cap);
}

/* --- throttle --- */

static void test_throttle_hysteresis(void **state)
{
	static const struct {
		double use;
		int event; /* -1 none, else the type */
	} seq[] = {
	    {0.5, -1},
	    {0.96, POLICY_EV_THROTTLE_START}, /* >= 95% of the cap */
	    {0.90, -1},			      /* between: still on */
	    {0.85, -1},
	    {0.81, -1},
	    {0.80, POLICY_EV_THROTTLE_END}, /* <= 80% of the cap */
	    {0.90, -1},			    /* not again until 95% */
	    {0.95, POLICY_EV_THROTTLE_START},
	};
	struct policy_throttle t = {0};
	struct policy_event ev;

	(void)state;
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		bool got = policy_throttle_update(&t, &cfg.cpu, 4, seq[i].use,
						  1.0, (int64_t)i * 5000, &ev);

		assert_int_equal(got, seq[i].event >= 0);
		if (got)
			assert_int_equal(ev.type, seq[i].event);
		if (got && ev.type == POLICY_EV_THROTTLE_END) {
			assert_int_equal(ev.start_ms, 5000);
			assert_int_equal(ev.end_ms, 25000);
			assert_near(ev.avg_cpu, (0.96 + 0.90 + 0.85 + 0.81) / 4,
				    EPS);
			assert_near(ev.avg_percent, 100 * ev.avg_cpu / 4, EPS);
		}
	}
	/* no cap: an event under way ends, none starts */
	assert_true(
	    policy_throttle_update(&t, &cfg.cpu, 4, 3, POLICY_NO_CAP, 99, &ev));
	assert_int_equal(ev.type, POLICY_EV_THROTTLE_END);
	assert_false(
	    policy_throttle_update(&t, &cfg.cpu, 4, 3, POLICY_NO_CAP, 99, &ev));
	/* no sample, no judgement */
	assert_false(policy_throttle_update(&t, &cfg.cpu, 4, NAN, 1, 99, &ev));
}

/* Throttle events come out of policy_step against the cap in force. */
static void test_step_throttle_events(void **state)
{
	double use[] = {NAN, 1.0};
	struct policy_user u[2];

	(void)state;
	make_users(u, use, 2);
	step(u, 2, 2, 1000); /* first sample unknown: no event, idle */
	assert_int_equal(nevents, 0);
	assert_false(u[0].out.active);
	assert_near(u[1].st.cap, 1.8, EPS);

	u[0].cpu = 1.0;
	step(u, 2, 2, 2000); /* caps were 1.8: no one throttled yet */
	assert_int_equal(nevents, 0);
	assert_near(u[0].st.cap, 0.9, EPS);

	u[0].cpu = u[1].cpu = 0.9; /* held at 0.9 */
	step(u, 2, 2, 3000);
	assert_int_equal(nevents, 2);
	assert_int_equal(events[0].type, POLICY_EV_THROTTLE_START);
	assert_int_equal(events[0].uid, 1000);
	assert_int_equal(events[1].uid, 1001);

	u[0].cpu = 0.1;
	step(u, 2, 2, 4000);
	assert_int_equal(nevents, 1);
	assert_int_equal(events[0].type, POLICY_EV_THROTTLE_END);
	assert_int_equal(events[0].uid, 1000);
	assert_int_equal(events[0].start_ms, 3000);
	assert_int_equal(events[0].end_ms, 4000);
	assert_near(events[0].avg_cpu, 0.9, EPS);
	assert_near(events[0].avg_percent, 45, EPS);
}

/* --- memory --- */

static void test_memory_step(void **state)
{
	static const struct {
		uint64_t usage, target, next;
	} cases[] = {
	    {0, GIB, GIB},
	    {GIB, GIB, GIB},
	    {3 * GIB, 2 * GIB, 3 * GIB}, /* not below usage */
	    {GIB + 1, GIB, GIB + 4096},	 /* a page up */
	    {5 * GIB, CONFIG_UNLIMITED, CONFIG_UNLIMITED},
	    {UINT64_MAX - 10, GIB, CONFIG_UNLIMITED},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(
		    policy_memory_step(cases[i].usage, cases[i].target),
		    cases[i].next);
}

/* Lowering a limit under a big user: it follows usage down. */
static void test_memory_lowering(void **state)
{
	double use[] = {0};
	struct policy_user u[1];

	(void)state;
	make_users(u, use, 1);
	u[0].mem_usage = GIB;
	step(u, 1, 2, 1000);
	assert_int_equal(u[0].st.mem_limit, 4 * GIB);

	u[0].ovr.set = POLICY_OVR(CONFIG_OVR_MEMORY_LIMIT);
	u[0].ovr.memory_limit = 2 * GIB;
	u[0].mem_usage = 3 * GIB;
	step(u, 1, 2, 2000);
	assert_true(u[0].out.write_mem);
	assert_int_equal(u[0].st.mem_limit, 3 * GIB);
	assert_int_equal(u[0].out.mem_target, 2 * GIB);

	u[0].mem_usage = 2 * GIB + GIB / 2;
	step(u, 1, 2, 3000);
	assert_int_equal(u[0].st.mem_limit, 2 * GIB + GIB / 2);

	u[0].mem_usage = GIB;
	step(u, 1, 2, 4000);
	assert_int_equal(u[0].st.mem_limit, 2 * GIB);
	step(u, 1, 2, 5000);
	assert_false(u[0].out.write_mem);
}

/* --- exemptions --- */

static void test_exempt(void **state)
{
	double use[] = {1.0, 1.0, 1.0, 1.0};
	struct policy_user u[4];

	(void)state;
	make_users(u, use, 4);
	u[0].uid = 999;		      /* below min_uid */
	u[1].uid = CONFIG_UID_NOBODY; /* nobody */
	u[2].ovr.set = POLICY_OVR(CONFIG_OVR_EXEMPT);
	u[2].ovr.exempt = true;
	step(u, 4, 2, 1000);
	for (int i = 0; i < 3; i++) {
		assert_true(u[i].out.exempt);
		assert_false(u[i].out.write_cap || u[i].out.write_mem ||
			     u[i].out.write_weight || u[i].out.write_swap);
	}
	/* the exempt users do not count: the one managed user is alone */
	assert_near(u[3].st.cap, 1.8, EPS);

	/* exempt after being managed: everything goes back to no limit */
	u[3].ovr.set = POLICY_OVR(CONFIG_OVR_EXEMPT);
	u[3].ovr.exempt = true;
	step(u, 4, 2, 2000);
	assert_true(u[3].out.write_cap);
	assert_true(isinf(u[3].st.cap));
	assert_true(u[3].out.write_mem);
	assert_int_equal(u[3].st.mem_limit, CONFIG_UNLIMITED);
	assert_true(u[3].out.write_swap);
	assert_int_equal(u[3].st.swap_limit, CONFIG_UNLIMITED);
	assert_false(u[3].out.write_weight); /* already the default */
	step(u, 4, 2, 3000);
	assert_false(u[3].out.write_cap || u[3].out.write_mem);
}

/* max_tasks, memory high, io weight: written once, again only when a
 * target moves; an override wins; exempt lifts them. */
static void test_extra_limits(void **state)
{
	double use[] = {0.5, 0.5};
	struct policy_user u[2];

	(void)state;
	cfg.users.max_tasks = 512;
	cfg.memory.high.bytes = 2 * GIB;
	cfg.io.weight = 200;
	make_users(u, use, 2);
	u[1].ovr.set =
	    POLICY_OVR(CONFIG_OVR_MAX_TASKS) | POLICY_OVR(CONFIG_OVR_IO_WEIGHT);
	u[1].ovr.max_tasks = 64;
	u[1].ovr.io_weight = 10;
	step(u, 2, 2, 1000);
	assert_true(u[0].out.write_extra && u[1].out.write_extra);
	assert_int_equal(u[0].st.max_tasks, 512);
	assert_int_equal(u[0].st.mem_high, 2 * GIB);
	assert_int_equal(u[0].st.io_weight, 200);
	assert_int_equal(u[1].st.max_tasks, 64);
	assert_int_equal(u[1].st.mem_high, 2 * GIB);
	assert_int_equal(u[1].st.io_weight, 10);
	step(u, 2, 2, 2000);
	assert_false(u[0].out.write_extra || u[1].out.write_extra);
	cfg.users.max_tasks = CONFIG_UNLIMITED; /* a reload */
	step(u, 2, 2, 3000);
	assert_true(u[0].out.write_extra);
	assert_int_equal(u[0].st.max_tasks, CONFIG_UNLIMITED);
	assert_false(u[1].out.write_extra); /* its own stays */
	u[1].ovr.set = POLICY_OVR(CONFIG_OVR_EXEMPT);
	u[1].ovr.exempt = true;
	step(u, 2, 2, 4000);
	assert_true(u[1].out.write_extra);
	assert_int_equal(u[1].st.max_tasks, CONFIG_UNLIMITED);
	assert_int_equal(u[1].st.mem_high, CONFIG_UNLIMITED);
	assert_int_equal(u[1].st.io_weight, 100);
}

static void test_override_merge(void **state)
{
	struct policy_override base = {0}, top = {0};

	(void)state;
	base.set = POLICY_OVR(CONFIG_OVR_CPU_CAP) |
		   POLICY_OVR(CONFIG_OVR_MEMORY_LIMIT);
	base.cpu_cap = 2;
	base.memory_limit = GIB;
	top.set = POLICY_OVR(CONFIG_OVR_CPU_CAP);
	top.cpu_cap = 0.5;
	policy_override_merge(&base, &top);
	assert_near(base.cpu_cap, 0.5, EPS);
	assert_int_equal(base.memory_limit, GIB);
	assert_int_equal(base.set, POLICY_OVR(CONFIG_OVR_CPU_CAP) |
				       POLICY_OVR(CONFIG_OVR_MEMORY_LIMIT));
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
	    T(test_even_active),
	    T(test_even_active_fixed),
	    T(test_penalty_active),
	    T(test_penalty_locked),
	    T(test_penalty_expiry),
	    T(test_fair),
	    T(test_fair_start),
	    T(test_fair_spare),
	    T(test_water_fill),
	    T(test_promote_held),
	    T(test_weight),
	    T(test_active),
	    T(test_no_oscillation),
	    T(test_min_cap),
	    T(test_should_write),
	    T(test_step_writes),
	    T(test_throttle_hysteresis),
	    T(test_step_throttle_events),
	    T(test_memory_step),
	    T(test_memory_lowering),
	    T(test_exempt),
	    T(test_override_merge),
	    T(test_extra_limits),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
