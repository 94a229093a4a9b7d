/*
 * Unit tests of cgfair-notify's pure parts: the rate limit (one message
 * per user and kind per period, the held-back count in the next one) and
 * the text (placeholders, and nothing from any input reaching a terminal
 * as a control character or escape sequence).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include <string.h>

#include "workers/notify/limit.h"
#include "workers/notify/text.h"

static struct notify_limit *new_limit(void)
{
	struct notify_limit *l = calloc(1, sizeof(*l));
	assert_non_null(l);
	return l;
}

static void test_limit_one_per_period(void **state)
{
	struct notify_limit *l = new_limit();
	uint32_t held = 99;
	int64_t since = 0;
	(void)state;

	assert_true(notify_limit_admit(l, 1000, 1, 100, 60, &held, &since));
	assert_int_equal(held, 0);
	/* within the period: held back, twice */
	assert_false(notify_limit_admit(l, 1000, 1, 110, 60, &held, &since));
	assert_false(notify_limit_admit(l, 1000, 1, 159, 60, &held, &since));
	/* another kind, another user: their own periods */
	assert_true(notify_limit_admit(l, 1000, 2, 111, 60, &held, &since));
	assert_true(notify_limit_admit(l, 1001, 1, 112, 60, &held, &since));
	/* the period over: sent, saying two were held since 110 */
	assert_true(notify_limit_admit(l, 1000, 1, 160, 60, &held, &since));
	assert_int_equal(held, 2);
	assert_int_equal(since, 110);
	/* and the count starts again */
	assert_true(notify_limit_admit(l, 1000, 1, 220, 60, &held, &since));
	assert_int_equal(held, 0);
	free(l);
}

static void test_limit_off(void **state)
{
	struct notify_limit *l = new_limit();
	uint32_t held;
	int64_t since;
	(void)state;

	for (int i = 0; i < 5; i++) {
		assert_true(
		    notify_limit_admit(l, 1000, 1, 100, 0, &held, &since));
		assert_int_equal(held, 0);
	}
	free(l);
}

/* More users than slots: the one sent longest ago makes room, and the
 * rest keep their limits. */
static void test_limit_full(void **state)
{
	struct notify_limit *l = new_limit();
	uint32_t held;
	int64_t since;
	(void)state;

	for (uint32_t u = 0; u < NOTIFY_LIMIT_SLOTS; u++)
		assert_true(notify_limit_admit(l, 1000 + u, 1, 100 + u, 1000000,
					       &held, &since));
	assert_false(
	    notify_limit_admit(l, 1000, 1, 200000, 1000000, &held, &since));
	assert_true(
	    notify_limit_admit(l, 99999, 1, 200001, 1000000, &held, &since));
	assert_int_equal(l->evicted_held, 1); /* uid 1000's held one */
	assert_false(
	    notify_limit_admit(l, 1001, 1, 200002, 1000000, &held, &since));
	free(l);
}

/* No byte below 0x20 but \r, \n and \t, none at or above 0x7f. */
static void assert_harmless(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if ((*p < 0x20 && !strchr("\r\n\t", *p)) || *p >= 0x7f)
			fail_msg("byte 0x%02x at %zu of \"%s\"", *p,
				 (size_t)(p - (const unsigned char *)s), s);
}

static void test_neutral(void **state)
{
	char out[256];
	(void)state;

	/* OSC title, clear screen, bell, C1 CSI (0x9b), UTF-8 C1, DEL */
	notify_neutral(out, sizeof(out),
		       "a\033]0;x\007\033[2J\x9b"
		       "1m\xc2\x9b\x7f"
		       "b\nc\td",
		       true, true);
	assert_harmless(out);
	assert_string_equal(out, "a^[]0;x^G^[[2J\\2331m\\302\\233^?b\r\nc\td");
	notify_neutral(out, sizeof(out), "x\ny\r\tz", false, false);
	assert_string_equal(out, "x^Jy^M^Iz");
	/* cut, never in the middle of a ^X */
	notify_neutral(out, 4, "ab\033c", true, true);
	assert_string_equal(out, "ab");
	/* every byte value */
	char all[256];
	for (int i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	char big[1300];
	notify_neutral(big, sizeof(big), all, true, true);
	assert_harmless(big);
}

static void test_render(void **state)
{
	static const struct notify_var vars[] = {
	    {"user", "alice"},
	    {"command", "evil\nSubject: x\033[2J"},
	    {"empty", NULL},
	};
	char out[256];
	const char *subject, *body;
	(void)state;

	notify_render(out, sizeof(out),
		      "Subject: {user} {nope} {\n\nrun {command}{empty}.\n",
		      vars, 3);
	assert_string_equal(
	    out, "Subject: alice {nope} {\n\nrun evil^JSubject: x^[[2J.\n");
	assert_true(notify_split(out, &subject, &body));
	assert_string_equal(subject, "alice {nope} {");
	assert_string_equal(body, "run evil^JSubject: x^[[2J.\n");

	char bad[] = "Subject: no empty line\nbody";
	assert_false(notify_split(bad, &subject, &body));
	char none[] = "no subject\n\nbody";
	assert_false(notify_split(none, &subject, &body));
	/* every built-in template splits */
	static const char *const kinds[] = {"oom", "throttle", "penalty-on",
					    "penalty-off"};
	for (size_t i = 0; i < 4; i++) {
		const char *t = notify_builtin(kinds[i], "user");
		char buf[NOTIFY_TEXT_MAX];
		assert_non_null(t);
		notify_render(buf, sizeof(buf), t, vars, 3);
		assert_true(notify_split(buf, &subject, &body));
	}
	assert_non_null(notify_builtin("oom", "admin"));
	assert_null(notify_builtin("throttle", "admin"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_limit_one_per_period),
	    cmocka_unit_test(test_limit_off),
	    cmocka_unit_test(test_limit_full),
	    cmocka_unit_test(test_neutral),
	    cmocka_unit_test(test_render),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
