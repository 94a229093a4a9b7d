/*
 * Unit tests of the supervisor's loop figures (supervisor/loop.c): which
 * bucket a dispatch time lands in, the longest since start and in the
 * recent minutes (aged out when a minute passes without a dispatch), and
 * loop_run on a real sd-event loop whose one callback takes 60 ms.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <time.h>

#include "supervisor/loop.h"

#define MIN_US (60ull * 1000 * 1000)

static void test_buckets(void **state)
{
	struct loop_tally t = {0};
	(void)state;

	loop_account(&t, 1000, 10);    /* <= 1 ms: the first */
	loop_account(&t, 1001, 20);    /* just over: the second */
	loop_account(&t, 50000, 30);   /* <= 50 ms */
	loop_account(&t, 50001, 40);   /* <= 250 ms */
	loop_account(&t, 1000001, 50); /* over every bound */
	assert_int_equal(t.s.dispatches, 5);
	assert_int_equal(t.s.bucket[0], 1);
	assert_int_equal(t.s.bucket[1], 1);
	assert_int_equal(t.s.bucket[2], 1);
	assert_int_equal(t.s.bucket[3], 1);
	assert_int_equal(t.s.bucket[4], 0);
	assert_int_equal(t.s.busy_us, 1000 + 1001 + 50000 + 50001 + 1000001);
	assert_int_equal(t.s.max_us, 1000001);
}

static void test_recent(void **state)
{
	struct loop_tally t = {0};
	(void)state;

	loop_account(&t, 700, 5 * MIN_US + 1);
	loop_account(&t, 300, 5 * MIN_US + 2);
	assert_int_equal(loop_recent_max(&t, 5 * MIN_US + 3), 700);
	/* the next minute still shows it, beside its own */
	loop_account(&t, 200, 6 * MIN_US + 1);
	assert_int_equal(loop_recent_max(&t, 6 * MIN_US + 2), 700);
	/* the one after: only the last minute's */
	loop_account(&t, 100, 7 * MIN_US + 1);
	assert_int_equal(loop_recent_max(&t, 7 * MIN_US + 2), 200);
	/* read in the next minute without a dispatch: the last one's */
	assert_int_equal(loop_recent_max(&t, 8 * MIN_US + 2), 100);
	/* a minute with no dispatch at all ages everything out */
	assert_int_equal(loop_recent_max(&t, 9 * MIN_US + 2), 0);
	loop_account(&t, 50, 20 * MIN_US);
	assert_int_equal(loop_recent_max(&t, 20 * MIN_US + 1), 50);
	assert_int_equal(t.s.max_us, 700); /* since start: kept */
}

static int slow_once(sd_event_source *s, void *data)
{
	struct timespec ts = {0, 60 * 1000 * 1000};
	(void)data;

	nanosleep(&ts, NULL);
	return sd_event_exit(sd_event_source_get_event(s), 7);
}

static void test_run(void **state)
{
	sd_event *e = NULL;
	struct ipc_loop_stats s;
	(void)state;

	assert_int_equal(sd_event_new(&e), 0);
	assert_true(sd_event_add_defer(e, NULL, slow_once, NULL) >= 0);
	assert_int_equal(loop_run(e), 7); /* sd_event_exit's code */
	loop_stats(&s, 0);
	assert_true(s.dispatches >= 2); /* the callback, the exit */
	assert_true(s.max_us >= 60000);
	assert_true(s.bucket[3] >= 1); /* over 50 ms, under 250 */
	sd_event_unref(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_buckets),
	    cmocka_unit_test(test_recent),
	    cmocka_unit_test(test_run),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
