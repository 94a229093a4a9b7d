/*
 * Unit tests of the one grammar for numbers, sizes, durations and CPUs
 * (common/num.c), which the configuration, the admin socket and cgfairctl
 * share: tables of good input with their values, and of bad input with the
 * reason each parser gives (a reason must name what was expected).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>
#include <string.h>

#include "common/num.h"

#define GIB	  (1024ull * 1024 * 1024)
#define MEM_TOTAL (16 * GIB)

/* cmocka 1.1 compares floats only as float. */
static void near(double a, double b, const char *file, int line)
{
	if (a == b || fabs(a - b) <= 1e-12)
		return;
	print_error("%.17g != %.17g\n", a, b);
	_fail(file, line);
}
#define assert_near(a, b) near((a), (b), __FILE__, __LINE__)

struct bad {
	const char *s;
	const char *why; /* the reason, or a part of it */
};

static void check_bad(const char *s, const char *got, const char *want)
{
	if (got == NULL)
		fail_msg("\"%s\" was accepted", s);
	if (strstr(got, want) == NULL)
		fail_msg("\"%s\": \"%s\" does not say \"%s\"", s, got, want);
}

static void test_duration(void **state)
{
	static const struct {
		const char *s;
		uint64_t ms;
	} ok[] = {
	    {"5", 5000},	  {"5s", 5000},	     {"2.5", 2500},
	    {"500ms", 500},	  {"10m", 600000},   {"1h", 3600000},
	    {"1h30m", 5400000},	  {"1d", 86400000},  {"1 min", 60000},
	    {"2 hours", 7200000}, {"1w", 604800000}, {"0", 0},
	    {" 90s ", 90000},	  {"1.5h", 5400000},
	};
	static const struct bad bad[] = {
	    {"", "a duration like"},
	    {"s", "a duration like"},
	    {"5x", "a duration like"},
	    {"-5", "a duration like"},
	    {"1h30", "a duration like"},
	    {"1e3", "a duration like"},
	    {"5 5", "a duration like"},
	    {"0x10", "a duration like"},
	    {"99999999999999w", "duration too long"},
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_null(num_parse_duration(ok[i].s, &v));
		assert_int_equal(v, ok[i].ms);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_bad(bad[i].s, num_parse_duration(bad[i].s, &v),
			  bad[i].why);
}

static void test_size(void **state)
{
	static const struct {
		const char *s;
		uint64_t bytes;
	} ok[] = {
	    {"0", 0},
	    {"4096", 4096},
	    {"512M", 512ull << 20},
	    {"2G", 2 * GIB},
	    {"1.5G", 3 * GIB / 2},
	    {"2GiB", 2 * GIB},
	    {"2gb", 2 * GIB},
	    {"1 T", 1024 * GIB},
	    {"100b", 100},
	    {"max", NUM_UNLIMITED},
	    {"Infinity", NUM_UNLIMITED},
	    {"25%", MEM_TOTAL / 4},
	};
	static const struct bad bad[] = {
	    {"", "a size like"},	{"G", "a size like"},
	    {"2X", "a size like"},	{"-1G", "a size like"},
	    {"2GG", "a size like"},	{"1e9", "a size like"},
	    {"25% ram", "a size like"}, {"0%", "above 0%"},
	    {"101%", "at most 100%"},	{"99999999999P", "too large"},
	};
	struct num_size v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_null(num_parse_size(
		    ok[i].s, NUM_SIZE_MAX | NUM_SIZE_SHARE, MEM_TOTAL, &v));
		assert_int_equal(v.bytes, ok[i].bytes);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		check_bad(bad[i].s,
			  num_parse_size(bad[i].s,
					 NUM_SIZE_MAX | NUM_SIZE_SHARE,
					 MEM_TOTAL, &v),
			  bad[i].why);
	/* without the flags, "max" and "25%" are errors */
	check_bad("max", num_parse_size("max", 0, MEM_TOTAL, &v), "a size");
	check_bad("25%", num_parse_size("25%", 0, MEM_TOTAL, &v), "a size");
	/* RAM unknown: a share means no limit */
	assert_null(num_parse_size("25%", NUM_SIZE_SHARE, 0, &v));
	assert_int_equal(v.bytes, NUM_UNLIMITED);
	assert_near(v.share, 0.25);
}

static void test_share_cpus(void **state)
{
	static const struct {
		const char *s;
		double share, cpus;
	} ok[] = {
	    {"90%", 0.9, 0.9},
	    {"0.9", 0.9, 0.9},
	    {" 12.5 % ", 0.125, 0.125},
	    {"150%", 1.5, 1.5},
	};
	static const char *const bad[] = {"90%%", "nan", "inf", "-1", "", "%"};
	double d;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_null(num_parse_share(ok[i].s, &d));
		assert_near(d, ok[i].share);
		assert_null(num_parse_cpus(ok[i].s, &d));
		assert_near(d, ok[i].cpus);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		check_bad(bad[i], num_parse_share(bad[i], &d),
			  "a number or a percentage");
		check_bad(bad[i], num_parse_cpus(bad[i], &d), "CPUs");
	}
	assert_null(num_parse_cpus("2 cpus", &d));
	assert_near(d, 2);
	assert_null(num_parse_cpus("1cpu", &d));
	assert_near(d, 1);
	check_bad("2 cores", num_parse_cpus("2 cores", &d), "CPUs");
}

static void test_whole_numbers(void **state)
{
	static const struct bad bad_uint[] = {
	    {"99999999999999999999999", "too large"},
	    {"18446744073709551616", "too large"},
	    {"1.5", "a whole number"},
	    {"", "a whole number"},
	    {"-1", "a whole number"},
	    {"+1", "a whole number"},
	    {"0x10", "a whole number"},
	};
	uint64_t u;
	uint32_t uid;

	(void)state;
	assert_null(num_parse_uint(" 4294967295 ", &u));
	assert_int_equal(u, 4294967295u);
	assert_null(num_parse_uint("18446744073709551615", &u));
	assert_int_equal(u, UINT64_MAX);
	for (size_t i = 0; i < sizeof(bad_uint) / sizeof(bad_uint[0]); i++)
		check_bad(bad_uint[i].s, num_parse_uint(bad_uint[i].s, &u),
			  bad_uint[i].why);
	/* no spaces around in the strict form; the bound is the caller's */
	assert_null(num_parse_uint_max("300", 300, &u));
	assert_int_equal(u, 300);
	check_bad("301", num_parse_uint_max("301", 300, &u), "too large");
	check_bad(" 3", num_parse_uint_max(" 3", 300, &u), "a whole number");
	check_bad("3 ", num_parse_uint_max("3 ", 300, &u), "a whole number");
	/* uids: (uid_t)-1 is no one's */
	assert_null(num_parse_uid("0", &uid));
	assert_int_equal(uid, 0);
	assert_null(num_parse_uid("4294967294", &uid));
	assert_int_equal(uid, 4294967294u);
	check_bad("4294967295", num_parse_uid("4294967295", &uid), "uid");
	check_bad("12a", num_parse_uid("12a", &uid), "uid");
	check_bad("", num_parse_uid("", &uid), "uid");
}

static void test_scan(void **state)
{
	uint64_t v = 7;

	(void)state;
	/* a number inside text: how far it went */
	assert_int_equal(num_scan_uint("1234\tx", SIZE_MAX, UINT64_MAX, &v), 4);
	assert_int_equal(v, 1234);
	/* bounded by n: a kernel record is no C string */
	assert_int_equal(num_scan_uint("123456", 3, UINT64_MAX, &v), 3);
	assert_int_equal(v, 123);
	/* none, or above max: 0 and *out untouched */
	v = 7;
	assert_int_equal(num_scan_uint("x1", SIZE_MAX, UINT64_MAX, &v), 0);
	assert_int_equal(num_scan_uint("256", SIZE_MAX, 255, &v), 0);
	assert_int_equal(num_scan_uint("", SIZE_MAX, 255, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(num_scan_uint("255", SIZE_MAX, 255, &v), 3);
	assert_int_equal(v, 255);
}

static void test_count_bool_number(void **state)
{
	static const char *const yes[] = {"yes", "On", "TRUE", "1"};
	static const char *const no[] = {"no", "off", "FALSE", "0"};
	uint64_t u;
	double d;
	bool b;

	(void)state;
	assert_null(num_parse_count("max", &u));
	assert_int_equal(u, NUM_UNLIMITED);
	assert_null(num_parse_count(" 512 ", &u));
	assert_int_equal(u, 512);
	check_bad("maxx", num_parse_count("maxx", &u), "a number or max");
	check_bad("5k", num_parse_count("5k", &u), "a number or max");
	for (size_t i = 0; i < 4; i++) {
		assert_null(num_parse_bool(yes[i], &b));
		assert_true(b);
		assert_null(num_parse_bool(no[i], &b));
		assert_false(b);
	}
	check_bad("2", num_parse_bool("2", &b), "yes or no");
	assert_null(num_parse_number("0.25", &d));
	assert_near(d, 0.25);
	check_bad("1,5", num_parse_number("1,5", &d), "a number");
	check_bad(".", num_parse_number(".", &d), "a number");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_size),
	    cmocka_unit_test(test_share_cpus),
	    cmocka_unit_test(test_whole_numbers),
	    cmocka_unit_test(test_scan),
	    cmocka_unit_test(test_count_bool_number),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
