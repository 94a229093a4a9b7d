/*
 * Unit tests of the sorted-by-uid array helpers (common/array.c) that the
 * supervisor's tables share: the lower bound found by bisection, for a uid
 * at any offset of the element, and sorted insertion at that bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "common/array.h"

struct elem {
	uint64_t pad;
	uint32_t uid;
};

static const struct elem sorted[] = {{0, 10}, {0, 20}, {0, 20}, {0, 30}};
#define N (sizeof(sorted) / sizeof(sorted[0]))

static size_t bound(uint32_t uid, size_t n)
{
	return array_uid_lower_bound(sorted, n, sizeof(*sorted),
				     offsetof(struct elem, uid), uid);
}

/* The first element not below uid: found, between, before all, after all,
 * the first of equal ones, and an empty array. */
static void test_lower_bound(void **state)
{
	(void)state;
	assert_int_equal(bound(10, N), 0);
	assert_int_equal(bound(20, N), 1);
	assert_int_equal(bound(25, N), 3);
	assert_int_equal(bound(30, N), 3);
	assert_int_equal(bound(5, N), 0);
	assert_int_equal(bound(31, N), N);
	assert_int_equal(bound(10, 0), 0);
}

/* Inserting each uid at its bound keeps a plain uid array sorted. */
static void test_insert_sorted(void **state)
{
	static const uint32_t in[] = {7, 3, 9, 3, 1, 8};
	uint32_t *a = NULL;
	size_t n = 0, cap = 0;
	(void)state;

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		size_t at = array_uid_lower_bound(a, n, sizeof(*a), 0, in[i]);
		uint32_t *e = array_insert(&a, &n, &cap, sizeof(*a), at);
		assert_non_null(e);
		*e = in[i];
	}
	assert_int_equal(n, 6);
	for (size_t i = 1; i < n; i++)
		assert_true(a[i - 1] <= a[i]);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lower_bound),
	    cmocka_unit_test(test_insert_sorted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
