/*
 * Table tests of the automatic penalty box (policy/badness.c) over
 * synthetic usage traces, driven through policy_step() one interval at a
 * time: steady above, bursty, just below, decaying, exempt commands (and
 * a worker that lies about them), tier escalation, forgiveness, a restart
 * in the middle, a manual penalty, memory. The times are checked against
 * the formula of cgfair.conf(5), within two intervals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "policy/policy.h"

#define GIB	  (1024ull * 1024 * 1024)
#define MEM_TOTAL (16 * GIB)
#define NCPU	  4
#define T0	  1700000000000LL /* a wall clock in ms */
#define STEP	  1000		  /* interval, ms */
#define WINDOW_S  10
#define RISE_S	  20
#define DECAY	  30.0 /* points per minute */
#define MAXEV	  64

struct rec {
	struct policy_event ev;
	double t; /* seconds since T0 */
};

static struct cgfair_config cfg;
static struct rec evs[MAXEV];
static int nev;
static int64_t now;

static int setup(void **state)
{
	(void)state;
	config_free(&cfg); /* the last test's lists */
	config_defaults(&cfg, MEM_TOTAL);
	cfg.daemon.interval_ms = STEP;
	cfg.penalty.automatic = true;
	cfg.penalty.window_ms = WINDOW_S * 1000;
	cfg.penalty.rise_ms = RISE_S * 1000;
	cfg.penalty.decay = DECAY;
	/* 1 CPU: 2 CPUs is twice the threshold */
	cfg.penalty.cpu_threshold = (struct config_threshold){0, 1};
	cfg.penalty.mem_threshold = (struct config_threshold){0, 0};
	cfg.penalty.warn_at = 50;
	cfg.penalty.tiers = (struct config_tiers){2, {5000, 10000}};
	cfg.penalty.forgive_ms = 30000;
	nev = 0;
	now = T0;
	return 0;
}

static void record(void *arg, const struct policy_event *ev)
{
	(void)arg;
	if (ev->type < POLICY_EV_BADNESS_WARN &&
	    ev->type != POLICY_EV_PENALTY_END)
		return; /* throttle events are test_policy's */
	assert_true(nev < MAXEV);
	evs[nev].ev = *ev;
	evs[nev].t = (double)(now - T0) / 1000.0;
	nev++;
}

/* the supervisor keeps a user's badness apart (policy_user.badness) */
static struct policy_badness kept[4];
static unsigned nkept;

static void new_user(struct policy_user *u)
{
	memset(u, 0, sizeof(*u));
	u->uid = 1000;
	u->badness = &kept[nkept++ % 4];
	memset(u->badness, 0, sizeof(*u->badness));
}

/* One interval at this use (CPUs), exempt share, memory. */
static void step(struct policy_user *u, double cpu, double exempt, uint64_t mem)
{
	struct policy_machine m = {NCPU, now};

	u->cpu = cpu;
	u->cpu_exempt = exempt;
	u->mem_usage = mem;
	policy_step(&cfg, &m, u, 1, record, NULL);
	now += STEP;
}

typedef double (*trace_fn)(int i);

static void run(struct policy_user *u, trace_fn f, int steps)
{
	for (int i = 0; i < steps; i++)
		step(u, f(i), 0, 0);
}

static const struct rec *nth(enum policy_event_type type, int n)
{
	for (int i = 0; i < nev; i++)
		if (evs[i].ev.type == type && n-- == 0)
			return &evs[i];
	return NULL;
}

static int count(enum policy_event_type type)
{
	int c = 0;

	for (int i = 0; i < nev; i++)
		c += evs[i].ev.type == type;
	return c;
}

/* cgfair.conf(5): a user going from idle to k x the threshold at t = 0
 * reaches the threshold's mean at W/k, has S(W) = 100 (W/rise) (k-1)^2/2k
 * points when the window is full, then gains 100 (k-1)/rise per second. */
static double predicted(double k, double w, double rise)
{
	double at_w = 100 * (w / rise) * (k - 1) * (k - 1) / (2 * k);

	return w + (100 - at_w) * rise / (100 * (k - 1));
}

static void assert_within(double t, double expect, double slack)
{
	if (fabs(t - expect) > slack)
		fail_msg("at %.1f s, expected %.1f s (within %.0f s)", t,
			 expect, slack);
}

static double steady_2(int i)
{
	(void)i;
	return 2;
}

static double steady_3(int i)
{
	(void)i;
	return 3;
}

static double just_below(int i)
{
	(void)i;
	return 0.99;
}

/* 4 CPUs one second in five: bursts above, a mean of 0.8 below */
static double bursty_below(int i)
{
	return i % 5 == 0 ? 4 : 0;
}

/* 3 CPUs every other second: a mean of 1.5 */
static double bursty_above(int i)
{
	return i % 2 == 0 ? 3 : 0;
}

static void test_steady_above(void **state)
{
	static const struct {
		trace_fn f;
		double k;
	} cases[] = {{steady_2, 2}, {steady_3, 3}, {bursty_above, 1.5}};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct policy_user u;
		const struct rec *warn, *pen;
		double t;

		setup(state);
		new_user(&u);
		run(&u, cases[c].f, 200);
		warn = nth(POLICY_EV_BADNESS_WARN, 0);
		pen = nth(POLICY_EV_AUTO_PENALTY, 0);
		assert_non_null(warn);
		assert_non_null(pen);
		t = predicted(cases[c].k, WINDOW_S, RISE_S);
		print_message("k=%.1f: penalty at %.0f s, formula %.1f s\n",
			      cases[c].k, pen->t, t);
		assert_within(pen->t, t, 2 * STEP / 1000.0);
		assert_true(warn->t < pen->t);
		/* the event names the figures that led to it */
		assert_true(pen->ev.bad.score >= 100);
		assert_true(pen->ev.bad.avg_cpu > 1);
		assert_true(pen->ev.bad.cpu_threshold == 1);
		assert_int_equal(pen->ev.bad.window_ms, WINDOW_S * 1000);
		assert_int_equal(pen->ev.bad.penalty_ms, 5000);
		assert_int_equal(pen->ev.bad.tier, 1);
		assert_true(pen->ev.end_ms > 0);
	}
}

/* A user the supervisor keeps no state for (policy_user.badness NULL)
 * is left be by the box, however far above the thresholds. */
static void test_no_state_left_be(void **state)
{
	struct policy_user u;

	(void)state;
	new_user(&u);
	u.badness = NULL;
	for (int i = 0; i < 600; i++)
		step(&u, 4, 0, 0);
	assert_int_equal(nev, 0);
	assert_false(u.st.penalty.on);
}

static void test_below_never_climbs(void **state)
{
	trace_fn traces[] = {just_below, bursty_below};

	for (size_t c = 0; c < 2; c++) {
		struct policy_user u;

		setup(state);
		new_user(&u);
		run(&u, traces[c], 600);
		assert_int_equal(nev, 0);
		assert_true(u.badness->score == 0);
		assert_false(u.st.penalty.on);
	}
}

/* Climb past warn_at, then stop: the score decays at `decay` per minute
 * once the window's mean is below the threshold, to 0; a new climb warns
 * again. */
static void test_decay(void **state)
{
	struct policy_user u;
	double peak = 0, t_peak = 0, t_zero = -1;

	(void)state;
	new_user(&u);
	while (u.badness->score < 60)
		step(&u, 2, 0, 0);
	assert_int_equal(count(POLICY_EV_BADNESS_WARN), 1);
	/* the score grows until the mean falls below 1 CPU (after half the
	 * window), then loses DECAY per minute */
	for (int i = 0; i < 300 && t_zero < 0; i++) {
		step(&u, 0, 0, 0);
		if (u.badness->score > peak) {
			peak = u.badness->score;
			t_peak = i + 1;
		}
		if (u.badness->score == 0)
			t_zero = i + 1;
	}
	assert_within(t_peak, WINDOW_S / 2.0, 2 * STEP / 1000.0);
	assert_within(t_zero - t_peak, peak * 60 / DECAY, 2 * STEP / 1000.0);
	while (u.badness->score < 60)
		step(&u, 2, 0, 0);
	assert_int_equal(count(POLICY_EV_BADNESS_WARN), 2);
	assert_int_equal(count(POLICY_EV_AUTO_PENALTY), 0);
}

/* Exempt commands' CPU does not count; a worker claiming more exempt
 * CPU than the user used takes the interval to 0, never below. */
static void test_exempt_commands(void **state)
{
	struct policy_user u;

	(void)state;
	new_user(&u);
	for (int i = 0; i < 300; i++)
		step(&u, 3, 3, 0);
	assert_int_equal(nev, 0);
	for (int i = 0; i < 300; i++)
		step(&u, 3, 2.5, 0); /* 0.5 counted */
	assert_int_equal(nev, 0);

	assert_true(policy_counted_cpu(1, 5) == 0);
	assert_true(policy_counted_cpu(1, -5) == 1);
	assert_true(policy_counted_cpu(1, NAN) == 1);
	assert_true(policy_counted_cpu(NAN, 1) == 0);
	/* 2 CPUs, and every fourth interval a huge exempt claim: a mean of
	 * 1.5 counted, so the user still climbs */
	setup(state);
	new_user(&u);
	for (int i = 0; i < 200; i++)
		step(&u, 2, i % 4 == 3 ? 1000 : 0, 0);
	assert_non_null(nth(POLICY_EV_AUTO_PENALTY, 0));
}

/* Tiers: 5 s, then 10 s, then 10 s again (the last repeats). Each
 * penalty ends at its time, the score restarts from 0 and does not grow
 * while the user is in the box. */
static void test_tier_escalation(void **state)
{
	static const int64_t lengths[] = {5000, 10000, 10000};
	struct policy_user u;

	(void)state;
	new_user(&u);
	run(&u, steady_2, 400);
	for (int i = 0; i < 3; i++) {
		const struct rec *p = nth(POLICY_EV_AUTO_PENALTY, i);
		const struct rec *end = nth(POLICY_EV_PENALTY_END, i);

		assert_non_null(p);
		assert_non_null(end);
		assert_int_equal(p->ev.bad.penalty_ms, lengths[i]);
		assert_int_equal(p->ev.bad.tier, i < 2 ? i + 1 : 2);
		assert_within(end->t - p->t, lengths[i] / 1000.0, 1);
		assert_int_equal(p->ev.end_ms - p->ev.start_ms, lengths[i]);
	}
	/* the window is full of 2 CPUs: a second climb takes rise / (k-1) */
	assert_within(nth(POLICY_EV_AUTO_PENALTY, 1)->t -
			  nth(POLICY_EV_PENALTY_END, 0)->t,
		      RISE_S, 2);
}

/* A tier falls back one step after `forgive` without a penalty. */
static void test_forgiveness(void **state)
{
	struct policy_user u;
	const struct rec *p, *end, *down;

	(void)state;
	new_user(&u);
	while (count(POLICY_EV_AUTO_PENALTY) == 0)
		step(&u, 2, 0, 0);
	for (int i = 0; i < 100; i++)
		step(&u, 0, 0, 0);
	p = nth(POLICY_EV_AUTO_PENALTY, 0);
	end = nth(POLICY_EV_PENALTY_END, 0);
	down = nth(POLICY_EV_TIER_DOWN, 0);
	assert_non_null(end);
	assert_non_null(down);
	assert_int_equal(count(POLICY_EV_TIER_DOWN), 1);
	assert_int_equal(u.badness->tier, 0);
	assert_int_equal(down->ev.bad.tier, 0);
	/* counted from the end of the penalty */
	assert_within(down->t - end->t, 30, 2);
	assert_true(down->t - p->t > 30);
	/* the next penalty is the first tier again */
	while (count(POLICY_EV_AUTO_PENALTY) == 1)
		step(&u, 2, 0, 0);
	assert_int_equal(nth(POLICY_EV_AUTO_PENALTY, 1)->ev.bad.penalty_ms,
			 5000);
}

/* A user cgfair did not see for a while (logged out): on its return its
 * score has decayed over the whole gap and each `forgive` of it took a
 * tier back, in one step. */
static void test_absence(void **state)
{
	struct policy_user u;

	(void)state;
	new_user(&u);
	while (count(POLICY_EV_AUTO_PENALTY) < 2)
		step(&u, 2, 0, 0);
	while (u.st.penalty.on)
		step(&u, 0, 0, 0);
	while (u.badness->score < 40)
		step(&u, 2, 0, 0);
	assert_int_equal(u.badness->tier, 2);
	nev = 0;
	now += 120000; /* four forgive periods, and 60 points of decay */
	step(&u, 0, 0, 0);
	assert_int_equal(u.badness->tier, 0);
	assert_true(u.badness->score == 0);
	assert_int_equal(count(POLICY_EV_TIER_DOWN), 1);
}

/* A restart: the supervisor keeps badness and penalty in its state file
 * and gives back a fresh policy_state with them; 3 s pass in between. */
static void test_restart_in_the_middle(void **state)
{
	struct policy_user u, v;
	double t;

	(void)state;
	new_user(&u);
	for (int i = 0; i < 15; i++)
		step(&u, 2, 0, 0);
	assert_true(u.badness->score > 0);
	new_user(&v);
	*v.badness = *u.badness;
	v.st.penalty = u.st.penalty;
	now += 3000;
	while (count(POLICY_EV_AUTO_PENALTY) == 0 && now < T0 + 100000)
		step(&v, 2, 0, 0);
	assert_non_null(nth(POLICY_EV_AUTO_PENALTY, 0));
	t = predicted(2, WINDOW_S, RISE_S);
	/* the score was kept: late by no more than the gap */
	assert_true(nth(POLICY_EV_AUTO_PENALTY, 0)->t >= t - 2);
	assert_true(nth(POLICY_EV_AUTO_PENALTY, 0)->t <= t + 3 + 2);
}

/* An admin's penalty takes precedence: no score while it holds. */
static void test_manual_penalty(void **state)
{
	struct policy_user u;

	(void)state;
	new_user(&u);
	policy_penalty_start(&u.st.penalty, &cfg.penalty, now, 600000);
	run(&u, steady_2, 300);
	assert_int_equal(count(POLICY_EV_AUTO_PENALTY), 0);
	assert_true(u.badness->score == 0);
	assert_false(u.st.penalty.automatic);
}

/* auto = no, auto_penalty = no for the user, or an exempt user: the
 * score never moves. */
static void test_disabled(void **state)
{
	struct policy_user u;

	for (int c = 0; c < 3; c++) {
		setup(state);
		new_user(&u);
		if (c == 0)
			cfg.penalty.automatic = false;
		if (c == 1) {
			u.ovr.set = POLICY_OVR(CONFIG_OVR_AUTO_PENALTY);
			u.ovr.auto_penalty = false;
		}
		if (c == 2) {
			u.ovr.set = POLICY_OVR(CONFIG_OVR_EXEMPT);
			u.ovr.exempt = true;
		}
		run(&u, steady_3, 300);
		assert_int_equal(nev, 0);
		assert_true(u.badness->score == 0);
	}
}

/* Thresholds: a share of the cap (fixed, else max_percent alone), of
 * the memory limit, or absolute; a user's override wins. */
static void test_thresholds(void **state)
{
	struct policy_override o = {0};

	(void)state;
	cfg.penalty.cpu_threshold = (struct config_threshold){0.5, 0};
	assert_true(fabs(policy_cpu_threshold(&cfg, NCPU, &o) - 1.8) < 1e-9);
	o.set = POLICY_OVR(CONFIG_OVR_CPU_CAP);
	o.cpu_cap = 1;
	assert_true(fabs(policy_cpu_threshold(&cfg, NCPU, &o) - 0.5) < 1e-9);
	o.set |= POLICY_OVR(CONFIG_OVR_PENALTY_CPU);
	o.penalty_cpu = (struct config_threshold){0, 3};
	assert_true(policy_cpu_threshold(&cfg, NCPU, &o) == 3);
	cfg.penalty.mem_threshold = (struct config_threshold){0.5, 0};
	assert_true(policy_mem_threshold(&cfg, &o) == MEM_TOTAL / 8);
	cfg.memory.limit.bytes = CONFIG_UNLIMITED;
	assert_true(policy_mem_threshold(&cfg, &o) == 0);
}

/* Memory above its threshold climbs like CPU. */
static void test_memory(void **state)
{
	struct policy_user u;

	(void)state;
	cfg.penalty.mem_threshold = (struct config_threshold){0, (double)GIB};
	new_user(&u);
	for (int i = 0; i < 200 && !count(POLICY_EV_AUTO_PENALTY); i++)
		step(&u, 0.1, 0, 2 * GIB);
	assert_non_null(nth(POLICY_EV_AUTO_PENALTY, 0));
	assert_within(nth(POLICY_EV_AUTO_PENALTY, 0)->t,
		      predicted(2, WINDOW_S, RISE_S), 2);
	assert_true(nth(POLICY_EV_AUTO_PENALTY, 0)->ev.bad.avg_mem > GIB);
}

static void test_forgive(void **state)
{
	struct policy_user u;

	(void)state;
	new_user(&u);
	run(&u, steady_2, 60);
	assert_true(u.badness->tier > 0 || u.badness->score > 0);
	policy_badness_forgive(u.badness);
	assert_true(u.badness->score == 0);
	assert_int_equal(u.badness->tier, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup)
	const struct CMUnitTest tests[] = {
	    T(test_steady_above),     T(test_below_never_climbs),
	    T(test_no_state_left_be), T(test_decay),
	    T(test_exempt_commands),  T(test_tier_escalation),
	    T(test_forgiveness),      T(test_restart_in_the_middle),
	    T(test_absence),	      T(test_manual_penalty),
	    T(test_disabled),	      T(test_thresholds),
	    T(test_memory),	      T(test_forgive),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
