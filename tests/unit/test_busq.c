/*
 * Unit tests of the systemd backend's write queue (supervisor/busq.c):
 * the bound on calls in flight, one call per user with the newest values
 * behind it (a newer value never overtaken by an older one), a failure's
 * values sent again at the retry unless newer ones replaced them, and a
 * dropped user's values never sent. busq is pure bookkeeping: the test
 * plays PID 1's replies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "supervisor/busq.h"

enum { CAP, MEM, TASKS };

static struct busq_props one(unsigned id, uint64_t v)
{
	struct busq_props p = {.mask = 1u << id};

	p.value[id] = v;
	return p;
}

static void want(struct busq *q, uid_t uid, unsigned id, uint64_t v)
{
	struct busq_props p = one(id, v);

	assert_int_equal(busq_want(q, uid, &p), 0);
}

/* The next call must be uid's, with these values of CAP and MEM (0: not
 * in the call). */
static void expect_next(struct busq *q, uid_t uid, uint64_t cap, uint64_t mem)
{
	struct busq_props p;
	uid_t got;

	assert_true(busq_next(q, &got, &p));
	assert_int_equal(got, uid);
	assert_int_equal(!!(p.mask & (1u << CAP)), !!cap);
	assert_int_equal(!!(p.mask & (1u << MEM)), !!mem);
	if (cap)
		assert_int_equal(p.value[CAP], cap);
	if (mem)
		assert_int_equal(p.value[MEM], mem);
	assert_non_null(busq_inflight_of(q, uid));
}

static void expect_none(struct busq *q)
{
	struct busq_props p;
	uid_t got;

	assert_false(busq_next(q, &got, &p));
}

static void test_bound(void **unused)
{
	struct busq *q = busq_new(4);

	(void)unused;
	for (uid_t u = 1000; u < 1010; u++)
		want(q, u, CAP, u);
	for (uid_t u = 1000; u < 1004; u++)
		expect_next(q, u, u, 0);
	expect_none(q); /* four in flight */
	assert_int_equal(busq_inflight(q), 4);
	assert_int_equal(busq_waiting(q), 6); /* what stop says is left */
	busq_done(q, 1001, true);
	expect_next(q, 1004, 1004, 0);
	expect_none(q);
	assert_int_equal(busq_waiting(q), 5);
	busq_free(q);
}

/* The heart of it: while a user's call is in flight, its newer values
 * wait; only the newest is sent, after the reply. */
static void test_order_per_user(void **unused)
{
	struct busq *q = busq_new(16);

	(void)unused;
	want(q, 1000, CAP, 1);
	expect_next(q, 1000, 1, 0);
	want(q, 1000, CAP, 2);
	expect_none(q); /* not a second call for the same user */
	want(q, 1000, CAP, 3);
	want(q, 1000, MEM, 7);
	expect_none(q);
	busq_done(q, 1000, true);
	expect_next(q, 1000, 3, 7);
	busq_done(q, 1000, true);
	expect_none(q);
	assert_false(busq_busy(q));
	busq_free(q);
}

/* A failed call's values go back, but never over a newer value; with a
 * newer value waiting, the user is sent again at once. */
static void test_failure_keeps_newer(void **unused)
{
	struct busq *q = busq_new(16);
	struct busq_props both = one(CAP, 1);

	(void)unused;
	both.mask |= 1u << MEM;
	both.value[MEM] = 5;
	assert_int_equal(busq_want(q, 1000, &both), 0);
	expect_next(q, 1000, 1, 5);
	want(q, 1000, CAP, 2);
	busq_done(q, 1000, false);
	expect_next(q, 1000, 2, 5);
	busq_free(q);
}

/* A failure alone waits for the next cycle's retry. */
static void test_failure_retried(void **unused)
{
	struct busq *q = busq_new(16);

	(void)unused;
	want(q, 1000, CAP, 1);
	want(q, 1001, CAP, 9);
	expect_next(q, 1000, 1, 0);
	expect_next(q, 1001, 9, 0);
	busq_done(q, 1000, false);
	busq_done(q, 1001, true);
	expect_none(q);
	assert_true(busq_failed(q, 1000));
	assert_false(busq_failed(q, 1001));
	assert_false(busq_busy(q));
	assert_true(busq_retry(q));
	expect_next(q, 1000, 1, 0);
	busq_done(q, 1000, true);
	assert_false(busq_retry(q));
	expect_none(q);
	/* a new value for a failed user is sent at once, the retry then
	 * has nothing to do */
	want(q, 1000, CAP, 4);
	expect_next(q, 1000, 4, 0);
	busq_done(q, 1000, false);
	want(q, 1000, CAP, 5);
	expect_next(q, 1000, 5, 0);
	busq_done(q, 1000, true);
	assert_false(busq_retry(q));
	expect_none(q);
	busq_free(q);
}

/* A closed connection: every call in flight failed, none is lost. */
static void test_abort(void **unused)
{
	struct busq *q = busq_new(3);

	(void)unused;
	for (uid_t u = 1000; u < 1005; u++)
		want(q, u, CAP, u);
	for (uid_t u = 1000; u < 1003; u++)
		expect_next(q, u, u, 0);
	busq_abort(q);
	assert_int_equal(busq_inflight(q), 0);
	expect_next(q, 1003, 1003, 0);
	expect_next(q, 1004, 1004, 0);
	busq_done(q, 1003, true);
	busq_done(q, 1004, true);
	assert_true(busq_retry(q));
	for (uid_t u = 1000; u < 1003; u++)
		expect_next(q, u, u, 0);
	busq_free(q);
}

/* A removed user: nothing more is sent, its call in flight still ends. */
static void test_drop(void **unused)
{
	struct busq *q = busq_new(1);

	(void)unused;
	want(q, 1000, CAP, 1);
	want(q, 1001, CAP, 2);
	expect_next(q, 1000, 1, 0);
	want(q, 1000, CAP, 3);
	busq_drop(q, 1000);
	busq_drop(q, 1001);
	assert_int_equal(busq_inflight(q), 1);
	busq_done(q, 1000, false);
	assert_int_equal(busq_inflight(q), 0);
	expect_none(q);
	assert_false(busq_retry(q));
	assert_false(busq_busy(q));
	/* back again: a fresh start */
	want(q, 1000, CAP, 8);
	expect_next(q, 1000, 8, 0);
	busq_free(q);
}

/* Ten thousand users changed at once, replies in any order: each is sent
 * once, in the order wanted, with its newest value. */
static void test_many(void **unused)
{
	enum { N = 10000 };
	struct busq *q = busq_new(16);
	uid_t inflight[16], next = 1000, got;
	struct busq_props p;
	size_t n = 0, sent = 0;

	(void)unused;
	for (uid_t u = 1000; u < 1000 + N; u++)
		want(q, u, CAP, 1);
	for (uid_t u = 1000; u < 1000 + N; u++)
		want(q, u, CAP, u);
	while (busq_busy(q)) {
		while (busq_next(q, &got, &p)) {
			assert_int_equal(got, next++);
			assert_int_equal(p.value[CAP], got);
			inflight[n++] = got;
			sent++;
		}
		assert_int_equal(n, busq_inflight(q));
		/* the middle one answers first */
		size_t k = n / 2;
		busq_done(q, inflight[k], true);
		inflight[k] = inflight[--n];
	}
	assert_int_equal(sent, N);
	busq_free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bound),
	    cmocka_unit_test(test_order_per_user),
	    cmocka_unit_test(test_failure_keeps_newer),
	    cmocka_unit_test(test_failure_retried),
	    cmocka_unit_test(test_abort),
	    cmocka_unit_test(test_drop),
	    cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
