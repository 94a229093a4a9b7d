/*
 * The supervisor's keeping of the automatic penalty box's state
 * (supervisor/badness.c): a user's state stays where it is while the
 * table grows (the policy steps through pointers to it), a state the step
 * left empty is dropped, and what has a score survives a restart.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>

#include "supervisor/badness.h"
#include "supervisor/state.h"

static void test_slots_stay(void **state)
{
	char dir[] = "/tmp/cgfair-unit-badness.XXXXXX", cmd[200];
	struct policy_badness *b;
	sd_event *loop;

	(void)state;
	assert_int_equal(sd_event_new(&loop), 0);
	assert_non_null(mkdtemp(dir));
	state_load(dir);
	badness_load(loop);
	/* none kept for a user the step left empty (the box was off) */
	assert_non_null(badness_slot(1000));
	badness_put(1000);
	assert_null(badness_find(1000));
	/* stepped: kept, where it was while 500 others came in before it */
	b = badness_slot(3000);
	b->last_ms = 1;
	b->score = 42;
	b->slot_ms = 100;
	b->epoch[3] = 3;
	b->cpu_s[3] = 7;
	for (uid_t u = 1000; u < 1500; u++)
		badness_slot(u)->last_ms = 1;
	assert_ptr_equal(badness_slot(3000), b);
	assert_true(b->score == 42);
	for (uid_t u = 1000; u < 1500; u++)
		badness_put(u);
	badness_put(3000);
	assert_ptr_equal(badness_find(3000), b);
	/* a restart: the score and the window come back, the others (no
	 * score, no tier) start afresh */
	assert_int_equal(badness_flush(), 0);
	badness_load(loop);
	b = (struct policy_badness *)badness_find(3000);
	assert_non_null(b);
	assert_true(b->score == 42);
	assert_true(b->cpu_s[3] == 7);
	assert_null(badness_find(1200));
	assert_true(badness_forget(3000));
	assert_null(badness_find(3000));
	assert_false(badness_forget(3000));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	sd_event_unref(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_slots_stay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
