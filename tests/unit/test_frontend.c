/*
 * Unit tests of the frontend's pure parts: request parsing (JSON and the
 * seed's text commands), value parsers, the rows table and the answers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <json.h>

#include "workers/frontend/reply.h"
#include "workers/frontend/request.h"
#include "workers/frontend/rows.h"

static char err[256];

static int parse(const char *line, struct fe_request *req)
{
	err[0] = '\0';
	return fe_parse_request(line, strlen(line), req, err, sizeof(err));
}

/* The line is refused and the message names what was wrong. */
static void refused(const char *line, const char *needle)
{
	struct fe_request req;

	if (parse(line, &req) == 0)
		fail_msg("accepted: %s", line);
	if (!strstr(err, needle))
		fail_msg("'%s': error '%s' lacks '%s'", line, err, needle);
}

/* --- value parsers ------------------------------------------------------- */

static void test_cpu(void **state)
{
	int64_t v;
	(void)state;

	assert_null(fe_parse_cpu("1.5", &v));
	assert_int_equal(v, 1500);
	assert_null(fe_parse_cpu("150%", &v));
	assert_int_equal(v, 1500);
	assert_null(fe_parse_cpu("12.5%", &v));
	assert_int_equal(v, 125);
	assert_null(fe_parse_cpu("2", &v));
	assert_int_equal(v, 2000);
	assert_null(fe_parse_cpu(".25", &v));
	assert_int_equal(v, 250);
	assert_null(fe_parse_cpu("0.3333", &v)); /* beyond 1/1000: dropped */
	assert_int_equal(v, 333);
	assert_null(fe_parse_cpu("0", &v));
	assert_int_equal(v, 0);
	assert_null(fe_parse_cpu("none", &v));
	assert_int_equal(v, 0);
	assert_non_null(fe_parse_cpu("0.0001", &v)); /* not silently "none" */
	assert_non_null(fe_parse_cpu("", &v));
	assert_non_null(fe_parse_cpu("abc", &v));
	assert_non_null(fe_parse_cpu("1.5x", &v));
	assert_non_null(fe_parse_cpu("-1", &v));
	assert_non_null(fe_parse_cpu("1.2.3", &v));
	assert_non_null(fe_parse_cpu("0x10", &v));
	assert_non_null(fe_parse_cpu("1e3", &v));
	assert_non_null(fe_parse_cpu("99999999999999999999", &v));
	assert_non_null(fe_parse_cpu("100000", &v)); /* > 65536 CPUs */
}

static void test_cpu_percent(void **state)
{
	int64_t v;
	(void)state;

	assert_null(fe_parse_cpu_percent("150", &v));
	assert_int_equal(v, 1500);
	assert_null(fe_parse_cpu_percent("12.5", &v));
	assert_int_equal(v, 125);
	assert_null(fe_parse_cpu_percent("50%", &v));
	assert_int_equal(v, 500);
	assert_null(fe_parse_cpu_percent("0", &v));
	assert_int_equal(v, 0);
	assert_non_null(fe_parse_cpu_percent("0.01", &v));
	assert_non_null(fe_parse_cpu_percent("lots", &v));
}

static void test_size(void **state)
{
	int64_t v;
	(void)state;

	assert_null(fe_parse_size("2G", &v));
	assert_int_equal(v, 2LL << 30);
	assert_null(fe_parse_size("2g", &v));
	assert_int_equal(v, 2LL << 30);
	assert_null(fe_parse_size("512M", &v));
	assert_int_equal(v, 512LL << 20);
	assert_null(fe_parse_size("1.5G", &v));
	assert_int_equal(v, 3LL << 29);
	assert_null(fe_parse_size("2GiB", &v));
	assert_int_equal(v, 2LL << 30);
	assert_null(fe_parse_size("2GB", &v));
	assert_int_equal(v, 2LL << 30);
	assert_null(fe_parse_size("1048576", &v));
	assert_int_equal(v, 1048576);
	assert_null(fe_parse_size("1T", &v));
	assert_int_equal(v, 1LL << 40);
	assert_null(fe_parse_size("0", &v));
	assert_int_equal(v, 0);
	assert_null(fe_parse_size("default", &v));
	assert_int_equal(v, 0);
	assert_non_null(fe_parse_size("1k", &v)); /* too small: a typo */
	assert_non_null(fe_parse_size("", &v));
	assert_non_null(fe_parse_size("G", &v));
	assert_non_null(fe_parse_size("2X", &v));
	/* the syntax of cgfair.conf: a blank before the unit, shares */
	assert_null(fe_parse_size("2 G", &v));
	assert_int_equal(v, 2LL << 30);
	assert_non_null(fe_parse_size("10%", &v)); /* RAM not known yet */
	fe_set_mem_total(8LL << 30);
	assert_null(fe_parse_size("10%", &v));
	assert_int_equal(v, (int64_t)(0.1 * (8LL << 30)));
	assert_non_null(fe_parse_size("150%", &v));
	fe_set_mem_total(0);
	assert_non_null(fe_parse_size("-2G", &v));
	assert_non_null(fe_parse_size("99999999T", &v));
	assert_non_null(fe_parse_size("2iB", &v));
}

static void test_seconds(void **state)
{
	int64_t v;
	(void)state;

	assert_null(fe_parse_seconds("600", &v));
	assert_int_equal(v, 600);
	assert_null(fe_parse_seconds("90s", &v));
	assert_int_equal(v, 90);
	assert_null(fe_parse_seconds("30m", &v));
	assert_int_equal(v, 1800);
	assert_null(fe_parse_seconds("2h", &v));
	assert_int_equal(v, 7200);
	assert_null(fe_parse_seconds("1d", &v));
	assert_int_equal(v, 86400);
	/* as in cgfair.conf: combined units */
	assert_null(fe_parse_seconds("1h30m", &v));
	assert_int_equal(v, 5400);
	assert_null(fe_parse_seconds("2 hours", &v));
	assert_int_equal(v, 7200);
	assert_non_null(fe_parse_seconds("0", &v));
	assert_non_null(fe_parse_seconds("", &v));
	assert_non_null(fe_parse_seconds("5x", &v));
	assert_non_null(fe_parse_seconds("1hh", &v));
	assert_non_null(fe_parse_seconds("h", &v));
	assert_non_null(fe_parse_seconds("99999999999999999999", &v));
	assert_non_null(fe_parse_seconds("5000d", &v)); /* > ten years */
}

static void test_ident(void **state)
{
	uint32_t uid;
	(void)state;

	assert_null(fe_parse_ident("user-1000.slice", &uid));
	assert_int_equal(uid, 1000);
	assert_null(fe_parse_ident("cg_1001", &uid));
	assert_int_equal(uid, 1001);
	assert_null(fe_parse_ident("user-1002", &uid));
	assert_int_equal(uid, 1002);
	assert_null(fe_parse_ident("1003", &uid));
	assert_int_equal(uid, 1003);
	assert_non_null(fe_parse_ident("user-.slice", &uid));
	assert_non_null(fe_parse_ident("user-10x0.slice", &uid));
	assert_non_null(fe_parse_ident("cg_", &uid));
	assert_non_null(fe_parse_ident("foo", &uid));
	assert_non_null(fe_parse_ident("user-4294967295.slice", &uid));
	assert_non_null(
	    fe_parse_ident("user-99999999999999999999.slice", &uid));
}

/* --- JSON requests ------------------------------------------------------- */

static void test_json_simple(void **state)
{
	struct fe_request req;
	(void)state;

	assert_int_equal(parse("{\"cmd\":\"status\"}", &req), 0);
	assert_int_equal(req.cmd, FE_STATUS);
	assert_false(req.text);
	assert_false(req.target.given);
	assert_int_equal(parse("  {\"cmd\":\"version\"}  ", &req), 0);
	assert_int_equal(parse("{\"cmd\":\"version\"}\r", &req), 0);
	assert_int_equal(req.cmd, FE_VERSION);
	assert_int_equal(parse("{\"cmd\":\"events\"}", &req), 0);
	assert_int_equal(req.cmd, FE_EVENTS);
	assert_int_equal(parse("{\"cmd\":\"reload\"}", &req), 0);
	assert_true(fe_cmd_changes_state(req.cmd));
	assert_int_equal(parse("{\"cmd\":\"metrics\"}", &req), 0);
	assert_false(fe_cmd_changes_state(req.cmd));
	assert_int_equal(parse("{\"cmd\":\"config\"}", &req), 0);
	assert_int_equal(req.cmd, FE_CONFIG);
}

static void test_json_report(void **state)
{
	struct fe_request req;
	(void)state;

	assert_int_equal(parse("{\"cmd\":\"report\"}", &req), 0);
	assert_int_equal(req.cmd, FE_REPORT);
	assert_false(fe_cmd_changes_state(req.cmd));
	assert_int_equal(req.since, -1); /* the last 7 days */
	assert_int_equal(req.until, -1);
	assert_int_equal(req.by, REPORT_BY_USER);
	assert_false(req.target.given);
	assert_int_equal(parse("{\"cmd\":\"report\",\"since\":100,"
			       "\"until\":200,\"by\":\"hour\",\"top\":5,"
			       "\"uid\":1000}",
			       &req),
			 0);
	assert_int_equal(req.since, 100);
	assert_int_equal(req.until, 200);
	assert_int_equal(req.by, REPORT_BY_HOUR);
	assert_int_equal(req.top, 5);
	assert_int_equal(req.target.uid, 1000);
	refused("{\"cmd\":\"report\",\"by\":\"week\"}", "\"by\" must be");
	refused("{\"cmd\":\"report\",\"since\":\"7d\"}",
		"\"since\" must be an integer");
	refused("{\"cmd\":\"report\",\"until\":-5}", "\"until\": must be");
	refused("{\"cmd\":\"report\",\"top\":101}", "\"top\": must be");
	refused("{\"cmd\":\"status\",\"since\":1}", "unknown key");
}

static void test_json_penalty(void **state)
{
	struct fe_request req;
	(void)state;

	assert_int_equal(parse("{\"cmd\":\"penalty\",\"uid\":1000}", &req), 0);
	assert_int_equal(req.cmd, FE_PENALTY);
	assert_true(req.target.given);
	assert_false(req.target.by_name);
	assert_int_equal(req.target.uid, 1000);
	assert_int_equal(req.seconds, -1);
	assert_int_equal(
	    parse("{\"cmd\":\"penalty\",\"uid\":1000,\"seconds\":600}", &req),
	    0);
	assert_int_equal(req.seconds, 600);
	assert_int_equal(parse("{\"cmd\":\"penalty\",\"user\":\"alice\","
			       "\"seconds\":\"30m\"}",
			       &req),
			 0);
	assert_true(req.target.by_name);
	assert_string_equal(req.target.name, "alice");
	assert_int_equal(req.seconds, 1800);
	/* the admin's reason, one line of text */
	assert_int_equal(parse("{\"cmd\":\"penalty\",\"uid\":1000,"
			       "\"reason\":\"20 jobs on login1\"}",
			       &req),
			 0);
	assert_string_equal(req.note, "20 jobs on login1");
	assert_int_equal(parse("{\"cmd\":\"release\",\"uid\":\"1001\"}", &req),
			 0);
	assert_false(req.target.by_name);
	assert_int_equal(req.target.uid, 1001);
	assert_int_equal(parse("{\"cmd\":\"release\",\"uid\":\"bob\"}", &req),
			 0);
	assert_true(req.target.by_name);
}

static void test_json_limit(void **state)
{
	struct fe_request req;
	(void)state;

	assert_int_equal(parse("{\"cmd\":\"limit\",\"uid\":1000,\"cpu\":"
			       "\"150%\",\"memory\":\"2G\"}",
			       &req),
			 0);
	assert_int_equal(req.cmd, FE_LIMIT);
	assert_int_equal(req.cpu_permille, 1500);
	assert_int_equal(req.mem_bytes, 2LL << 30);
	assert_int_equal(
	    parse("{\"cmd\":\"limit\",\"uid\":1000,\"cpu\":1.5}", &req), 0);
	assert_int_equal(req.cpu_permille, 1500);
	assert_int_equal(req.mem_bytes, -1);
	assert_int_equal(
	    parse("{\"cmd\":\"limit\",\"uid\":1000,\"cpu\":2}", &req), 0);
	assert_int_equal(req.cpu_permille, 2000);
	assert_int_equal(
	    parse("{\"cmd\":\"limit\",\"uid\":1000,\"cpu\":null}", &req), 0);
	assert_int_equal(req.cpu_permille, 0);
	assert_int_equal(parse("{\"cmd\":\"limit\",\"uid\":1000,\"memory\":"
			       "4294967296}",
			       &req),
			 0);
	assert_int_equal(req.mem_bytes, 4294967296LL);
	/* the other limits: numbers, sizes, "max", null (the default) */
	assert_int_equal(parse("{\"cmd\":\"limit\",\"uid\":1000,\"tasks\":"
			       "200,\"memory_high\":\"1G\",\"io_weight\":50}",
			       &req),
			 0);
	assert_int_equal(req.max_tasks, 200);
	assert_int_equal(req.mem_high, 1LL << 30);
	assert_int_equal(req.io_weight, 50);
	assert_int_equal(req.cpu_permille, -1);
	assert_int_equal(parse("{\"cmd\":\"limit\",\"uid\":1000,\"tasks\":"
			       "\"max\",\"memory_high\":null}",
			       &req),
			 0);
	assert_int_equal(req.max_tasks, IPC_LIMIT_MAX);
	assert_int_equal(req.mem_high, 0);
	assert_int_equal(req.io_weight, -1);
	assert_int_equal(parse("{\"cmd\":\"limit-clear\",\"uid\":1000}", &req),
			 0);
	assert_int_equal(req.cmd, FE_LIMIT_CLEAR);
}

static void test_json_errors(void **state)
{
	(void)state;

	refused("{\"cmd\":", "malformed JSON");
	refused("{\"cmd\":\"status\"", "malformed JSON");
	refused("{cmd:\"status\"}", "malformed JSON at byte");
	refused("{\"cmd\":\"status\"} x", "characters after the object");
	refused("{\"cmd\":\"status\"}{}", "characters after the object");
	refused("{\"cmd\":\"status\",}", "malformed JSON");
	refused("{\"cmd\":\"st\\u00e9\xff\"}", "malformed JSON");
	refused("{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":1}}}}}", "malformed JSON");
	refused("{}", "missing \"cmd\"");
	refused("{\"cmd\":7}", "\"cmd\" must be a string");
	refused("{\"cmd\":\"fly\"}", "unknown command \"fly\"");
	refused("{\"cmd\":\"status\",\"colour\":1}",
		"unknown key \"colour\" for \"status\"");
	refused("{\"cmd\":\"version\",\"uid\":1}", "unknown key \"uid\"");
	refused("{\"cmd\":\"penalty\"}", "\"penalty\" needs \"uid\"");
	refused("{\"cmd\":\"penalty\",\"uid\":-1}", "not a valid uid");
	refused("{\"cmd\":\"penalty\",\"uid\":4294967295}", "not a valid uid");
	refused("{\"cmd\":\"penalty\",\"uid\":1.5}", "not a fraction");
	refused("{\"cmd\":\"penalty\",\"uid\":[1]}", "not an array");
	refused("{\"cmd\":\"penalty\",\"uid\":1,\"user\":\"a\"}", "not both");
	refused("{\"cmd\":\"penalty\",\"user\":\"a b\"}", "not a user name");
	refused("{\"cmd\":\"penalty\",\"uid\":1,\"seconds\":0}", "seconds");
	refused("{\"cmd\":\"penalty\",\"uid\":1,\"seconds\":\"soon\"}",
		"not a duration");
	refused("{\"cmd\":\"penalty\",\"uid\":1,\"reason\":\"a\\u001b[2Jb\"}",
		"control character 0x1b at byte 2");
	refused("{\"cmd\":\"penalty\",\"uid\":1,\"reason\":\"a\\nb\"}",
		"control character 0x0a");
	refused("{\"cmd\":\"penalty\",\"uid\":1,\"reason\":\"a\\u0000b\"}",
		"control character 0x00");
	refused("{\"cmd\":\"penalty\",\"uid\":1,\"reason\":\"\"}",
		"1 to 127 bytes");
	refused("{\"cmd\":\"penalty\",\"uid\":1,\"reason\":7}",
		"must be a string");
	refused("{\"cmd\":\"release\",\"uid\":1,\"reason\":\"x\"}",
		"unknown key \"reason\"");
	{
		char line[300];
		snprintf(
		    line, sizeof(line),
		    "{\"cmd\":\"penalty\",\"uid\":1,\"reason\":\"%0128d\"}", 0);
		refused(line, "not 128");
	}
	refused("{\"cmd\":\"limit\",\"uid\":1}", "needs \"cpu\" or \"memory\"");
	refused("{\"cmd\":\"limit\",\"uid\":1,\"cpu\":\"lots\"}", "\"cpu\"");
	refused("{\"cmd\":\"limit\",\"uid\":1,\"cpu\":-1}", "out of range");
	refused("{\"cmd\":\"limit\",\"uid\":1,\"io_weight\":0}",
		"out of range");
	refused("{\"cmd\":\"limit\",\"uid\":1,\"io_weight\":\"max\"}",
		"\"io_weight\": not a number");
	refused("{\"cmd\":\"limit\",\"uid\":1,\"tasks\":0}", "out of range");
	refused("{\"cmd\":\"limit\",\"uid\":1,\"cpu\":true}", "a boolean");
	refused("{\"cmd\":\"limit\",\"uid\":1,\"memory\":\"2Q\"}",
		"\"memory\": not a size");
	refused("{\"cmd\":\"limit\",\"uid\":1,\"memory\":-5}", "negative");
	refused("[1,2]", "unknown command"); /* not '{': the seed's syntax */
	refused(" {\"cmd\":\"status\"", "malformed JSON");
}

static void test_nul_byte(void **state)
{
	struct fe_request req;
	static const char line[] = "{\"cmd\":\"status\"}\0junk";
	(void)state;

	assert_int_equal(
	    fe_parse_request(line, sizeof(line) - 1, &req, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "NUL"));
}

/* --- the seed's text commands -------------------------------------------- */

static void test_text_list(void **state)
{
	struct fe_request req;
	(void)state;

	assert_int_equal(parse("help", &req), 0);
	assert_int_equal(req.cmd, FE_SEED_HELP);
	assert_true(req.text);
	assert_int_equal(parse("list --cgroup all", &req), 0);
	assert_int_equal(req.cmd, FE_SEED_LIST);
	assert_int_equal(req.list, FE_LIST_ALL);
	assert_int_equal(parse("list --cgroup=names", &req), 0);
	assert_int_equal(req.list, FE_LIST_NAMES);
	assert_int_equal(
	    parse("list --cgroup user-1000.slice,cg_1001,1002", &req), 0);
	assert_int_equal(req.list, FE_LIST_IDS);
	assert_int_equal(req.nids, 3);
	assert_int_equal(req.ids[0], 1000);
	assert_int_equal(req.ids[1], 1001);
	assert_int_equal(req.ids[2], 1002);
	assert_int_equal(parse("list --config", &req), 0);
	assert_int_equal(req.cmd, FE_SEED_LIST_CONFIG);
	assert_int_equal(parse("  list\t--cgroup all  ", &req), 0);
	refused("list", "usage: list");
	refused("list --cgroup", "usage: list");
	refused("list --cgroup bogus", "not a cgroup ident");
	refused("list --cgroup all extra", "usage: list");
	refused("", "empty command");
	refused("frobnicate", "unknown command 'frobnicate'");
}

static void test_text_set(void **state)
{
	struct fe_request req;
	(void)state;

	assert_int_equal(parse("set cgroup user-1000.slice --cpulimit 150 "
			       "--memlimit 2G --penaltybox on",
			       &req),
			 0);
	assert_int_equal(req.cmd, FE_SEED_SET);
	assert_true(fe_cmd_changes_state(req.cmd));
	assert_int_equal(req.target.uid, 1000);
	assert_int_equal(req.cpu_permille, 1500);
	assert_int_equal(req.mem_bytes, 2LL << 30);
	assert_int_equal(req.penaltybox, 1);
	assert_false(req.set_default);
	assert_int_equal(parse("set cgroup cg_1001 --penaltybox=off", &req), 0);
	assert_int_equal(req.target.uid, 1001);
	assert_int_equal(req.penaltybox, 0);
	assert_int_equal(req.cpu_permille, -1);
	assert_int_equal(req.mem_bytes, -1);
	assert_int_equal(parse("set cgroup user-1002 --default yes", &req), 0);
	assert_true(req.set_default);
	assert_int_equal(parse("set cgroup 1003 --cpulimit 0", &req), 0);
	assert_int_equal(req.cpu_permille, 0);
	assert_int_equal(parse("set cgroup 1003 --memlimit 512m", &req), 0);
	assert_int_equal(req.mem_bytes, 512LL << 20);
	/* set option: the interval, the machine's share, the memory limit */
	assert_int_equal(parse("set option --interval 1m --cpulimit 80 "
			       "--memlimit 2G",
			       &req),
			 0);
	assert_int_equal(req.cmd, FE_SEED_SET_OPTION);
	assert_int_equal(req.seconds, 60);
	assert_int_equal(req.cpu_permille, 800);
	assert_int_equal(req.mem_bytes, 2LL << 30);
	assert_true(fe_cmd_changes_state(req.cmd));
	assert_int_equal(parse("set option --cpulimit 0.5", &req), 0);
	assert_int_equal(req.cpu_permille, 500);
	assert_int_equal(req.seconds, -1);
	refused("set option", "usage: set option");
	refused("set option --cpulimit 200", "out of range");
	refused("set option --interval soon", "not a duration");
	refused("set option --colour red", "unknown option");
	refused("set cgroup", "usage: set cgroup");
	refused("set cgroup user-1000.slice", "usage: set cgroup");
	refused("set cgroup bob --cpulimit 5", "not a cgroup ident");
	refused("set cgroup cg_1 --cpulimit lots", "--cpulimit");
	refused("set cgroup cg_1 --memlimit 2Q", "--memlimit");
	refused("set cgroup cg_1 --penaltybox maybe", "on or off");
	refused("set cgroup cg_1 --colour red", "unknown option '--colour'");
	refused("set cgroup cg_1 --default no", "nothing to change");
	refused("set cgroup cg_1 --cpulimit", "unknown option");
}

static void test_text_long(void **state)
{
	char line[600];
	(void)state;

	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	refused(line, "too long");
	strcpy(line, "list --cgroup 1");
	for (int i = 0; i < FE_MAX_IDS; i++)
		strcat(line, ",2");
	refused(line, "at most");
}

/* --- rows ---------------------------------------------------------------- */

static struct ipc_user_state row(uint32_t uid, const char *name)
{
	struct ipc_user_state r = {.uid = uid, .cap_permille = -1};
	snprintf(r.name, sizeof(r.name), "%s", name);
	return r;
}

static void test_rows(void **state)
{
	struct fe_rows t = {0};
	struct ipc_user_state r;
	(void)state;

	for (uint32_t uid = 2000; uid >= 1000; uid -= 10) {
		char n[16];
		snprintf(n, sizeof(n), "u%u", uid);
		r = row(uid, n);
		assert_int_equal(fe_rows_update(&t, &r), 0);
	}
	assert_int_equal(t.n, 101);
	for (size_t i = 1; i < t.n; i++)
		assert_true(t.v[i - 1].uid < t.v[i].uid);
	assert_non_null(fe_rows_find(&t, 1500));
	assert_null(fe_rows_find(&t, 1501));
	assert_int_equal(fe_rows_find_name(&t, "u1230")->uid, 1230);
	assert_null(fe_rows_find_name(&t, "nobody"));
	r = row(1500, "renamed");
	r.nprocs = 7;
	fe_rows_update(&t, &r);
	assert_int_equal(t.n, 101);
	assert_int_equal(fe_rows_find(&t, 1500)->nprocs, 7);
	r.flags = STATE_GONE;
	fe_rows_update(&t, &r);
	assert_int_equal(t.n, 100);
	assert_null(fe_rows_find(&t, 1500));
	fe_rows_update(&t, &r); /* gone twice: nothing */
	assert_int_equal(t.n, 100);
	fe_rows_clear(&t);
	assert_int_equal(t.n, 0);
}

/* --- answers ------------------------------------------------------------- */

static struct ipc_listen_setup setup = {.max_line = 4096};

static void two_rows(struct fe_rows *t)
{
	struct ipc_user_state a = row(1000, "alice"), b = row(1001, "b\"ob");

	a.flags = STATE_ACTIVE | STATE_PENALTY;
	a.use_permille = 1500;
	a.cap_permille = 2000;
	a.mem_bytes = 1 << 20;
	a.mem_limit = 1 << 30;
	a.penalty_until = 1000 + 600;
	a.ncpus = 4;
	a.weight = 100;
	a.cpu_usec = 12500000;
	a.oom_kills = 2;
	b.throttled_usec = 30000001;
	b.flags = STATE_THROTTLED;
	b.use_permille = 250;
	b.ncpus = 4;
	fe_rows_update(t, &a);
	fe_rows_update(t, &b);
	struct ipc_penalty_note n = {.uid = 1000, .note = "login node"};
	assert_int_equal(fe_rows_note(t, &n), 0);
	/* a note of a user without penalty is not shown */
	n.uid = 1001;
	assert_int_equal(fe_rows_note(t, &n), 0);
}

static json_object *parse_reply(const struct fe_buf *b)
{
	json_object *o;

	assert_non_null(b->p);
	assert_false(b->oom);
	assert_int_equal(b->p[b->len - 1], '\n');
	assert_null(memchr(b->p, '\n', b->len - 1)); /* one line */
	o = json_tokener_parse(b->p);
	assert_non_null(o);
	return o;
}

/* The notes table: set, replace, forget, in uid order. */
static void test_notes(void **state)
{
	struct fe_rows t = {0};
	struct ipc_penalty_note n = {.uid = 1002, .note = "b"};
	(void)state;

	assert_int_equal(fe_rows_note(&t, &n), 0);
	n.uid = 1000;
	snprintf(n.note, sizeof(n.note), "a");
	assert_int_equal(fe_rows_note(&t, &n), 0);
	snprintf(n.note, sizeof(n.note), "a2");
	assert_int_equal(fe_rows_note(&t, &n), 0);
	assert_int_equal(t.nnotes, 2);
	assert_string_equal(fe_rows_note_of(&t, 1000), "a2");
	assert_string_equal(fe_rows_note_of(&t, 1002), "b");
	assert_null(fe_rows_note_of(&t, 1001));
	n.note[0] = '\0';
	assert_int_equal(fe_rows_note(&t, &n), 0);
	assert_null(fe_rows_note_of(&t, 1000));
	assert_string_equal(fe_rows_note_of(&t, 1002), "b");
	fe_rows_clear(&t);
}

static void test_status(void **state)
{
	struct fe_rows t = {0};
	struct fe_buf b = {0};
	struct fe_view own = {.uid = 1001, .now = 1000, .setup = &setup};
	struct fe_view all = own;
	json_object *o, *users, *u, *v;
	(void)state;

	all.see_all = true;
	two_rows(&t);
	fe_reply_status(&b, &t, &own, NULL);
	o = parse_reply(&b);
	assert_true(json_object_object_get_ex(o, "users", &users));
	assert_int_equal(json_object_array_length(users), 1);
	u = json_object_array_get_idx(users, 0);
	assert_true(json_object_object_get_ex(u, "uid", &v));
	assert_int_equal(json_object_get_int(v), 1001);
	assert_true(json_object_object_get_ex(u, "cpu_cap", &v));
	assert_null(v); /* no cap: null */
	json_object_put(o);
	fe_buf_free(&b);

	fe_reply_status(&b, &t, &all, NULL);
	o = parse_reply(&b);
	json_object_object_get_ex(o, "users", &users);
	assert_int_equal(json_object_array_length(users), 2);
	u = json_object_array_get_idx(users, 0);
	json_object_object_get_ex(u, "cpu", &v);
	assert_string_equal(json_object_to_json_string(v), "1.5");
	json_object_object_get_ex(u, "cpu_cap", &v);
	assert_string_equal(json_object_to_json_string(v), "2.0");
	json_object_object_get_ex(u, "penalty_left", &v);
	assert_int_equal(json_object_get_int(v), 600);
	json_object_object_get_ex(u, "penalty", &v);
	assert_true(json_object_get_boolean(v));
	assert_true(json_object_object_get_ex(u, "penalty_reason", &v));
	assert_string_equal(json_object_get_string(v), "login node");
	u = json_object_array_get_idx(users, 1); /* no penalty: null */
	assert_true(json_object_object_get_ex(u, "penalty_reason", &v));
	assert_null(v);
	json_object_put(o);
	fe_buf_free(&b);

	uint32_t only = 1000;
	fe_reply_status(&b, &t, &all, &only);
	o = parse_reply(&b);
	json_object_object_get_ex(o, "users", &users);
	assert_int_equal(json_object_array_length(users), 1);
	json_object_put(o);
	fe_buf_free(&b);
	fe_rows_clear(&t);
}

static void test_metrics(void **state)
{
	struct fe_rows t = {0};
	struct fe_buf b = {0};
	struct fe_view all = {.see_all = true, .setup = &setup};
	(void)state;

	two_rows(&t);
	fe_metrics_text(&b, &t, &all);
	assert_non_null(strstr(b.p, "# TYPE cgfair_user_cpu_cores gauge\n"));
	assert_non_null(strstr(
	    b.p, "cgfair_user_cpu_cores{uid=\"1000\",user=\"alice\"} 1.5\n"));
	assert_non_null(strstr(
	    b.p,
	    "cgfair_user_cpu_cap_cores{uid=\"1000\",user=\"alice\"} 2.0\n"));
	/* no cap, no sample */
	assert_null(strstr(b.p, "cgfair_user_cpu_cap_cores{uid=\"1001\""));
	assert_non_null(strstr(
	    b.p, "cgfair_user_penalty{uid=\"1000\",user=\"alice\"} 1\n"));
	assert_non_null(strstr(
	    b.p, "cgfair_user_throttled{uid=\"1001\",user=\"b\\\"ob\"} 1\n"));
	assert_non_null(strstr(b.p, "cgfair_user_memory_limit_bytes{uid="
				    "\"1000\",user=\"alice\"} 1073741824\n"));
	assert_non_null(strstr(b.p, "\ncgfair_users 2\n"));
	assert_non_null(strstr(b.p, "\ncgfair_users_active 1\n"));
	/* counters, as Prometheus users expect them */
	assert_non_null(
	    strstr(b.p, "# TYPE cgfair_user_cpu_seconds_total counter\n"));
	assert_non_null(strstr(b.p,
			       "cgfair_user_cpu_seconds_total{uid=\"1000\","
			       "user=\"alice\"} 12.500000\n"));
	assert_non_null(strstr(b.p, "cgfair_user_throttled_seconds_total{uid="
				    "\"1001\",user=\"b\\\"ob\"} 30.000001\n"));
	assert_non_null(strstr(b.p, "cgfair_user_oom_kills_total{uid=\"1000\","
				    "user=\"alice\"} 2\n"));
	fe_buf_free(&b);

	/* rows are filtered by visibility, totals are not */
	struct fe_view own = {.uid = 4242, .setup = &setup};
	fe_metrics_text(&b, &t, &own);
	assert_null(strstr(b.p, "uid=\""));
	assert_non_null(strstr(b.p, "\ncgfair_users 2\n"));
	assert_non_null(strstr(b.p, "\ncgfair_users_active 1\n"));
	fe_buf_free(&b);

	fe_reply_metrics(&b, &t, &all);
	json_object_put(parse_reply(&b));
	fe_buf_free(&b);

	/* the daemon's counters: only once the supervisor sent them */
	fe_metrics_text(&b, &t, &all);
	assert_null(strstr(b.p, "cgfair_worker_restarts_total"));
	fe_buf_free(&b);
	t.have_daemon = true;
	t.daemon.nworkers = 2;
	snprintf(t.daemon.worker[0].name, sizeof(t.daemon.worker[0].name),
		 "scanner");
	t.daemon.worker[0].restarts = 3;
	snprintf(t.daemon.worker[1].name, sizeof(t.daemon.worker[1].name),
		 "oomwatch/1");
	t.daemon.reload_ok = 0;
	t.daemon.reload_ok_time = 1700000000;
	fe_metrics_text(&b, &t, &own);
	assert_non_null(
	    strstr(b.p, "# TYPE cgfair_worker_restarts_total counter\n"));
	assert_non_null(strstr(
	    b.p, "\ncgfair_worker_restarts_total{worker=\"scanner\"} 3\n"));
	assert_non_null(strstr(
	    b.p, "\ncgfair_worker_restarts_total{worker=\"oomwatch/1\"} 0\n"));
	assert_non_null(strstr(b.p, "\ncgfair_config_last_reload_success 0\n"));
	assert_non_null(strstr(b.p, "\ncgfair_config_last_reload_success_"
				    "timestamp_seconds 1700000000\n"));
	fe_buf_free(&b);

	/* the supervisor's loop: a histogram, its buckets cumulative */
	struct ipc_loop_stats *l = &t.daemon.loop;
	l->dispatches = 10;
	l->busy_us = 1500000;
	l->bucket[0] = 5;
	l->bucket[1] = 2;
	l->bucket[2] = 1;
	l->bucket[3] = 1;
	l->max_us = 1200000;
	l->max_recent_us = 60000;
	fe_metrics_text(&b, &t, &own);
	assert_non_null(
	    strstr(b.p, "# TYPE cgfair_loop_dispatch_seconds histogram\n"
			"cgfair_loop_dispatch_seconds_bucket{le=\"0.001\"} 5\n"
			"cgfair_loop_dispatch_seconds_bucket{le=\"0.01\"} 7\n"
			"cgfair_loop_dispatch_seconds_bucket{le=\"0.05\"} 8\n"
			"cgfair_loop_dispatch_seconds_bucket{le=\"0.25\"} 9\n"
			"cgfair_loop_dispatch_seconds_bucket{le=\"1\"} 9\n"
			"cgfair_loop_dispatch_seconds_bucket{le=\"+Inf\"} 10\n"
			"cgfair_loop_dispatch_seconds_sum 1.500000\n"
			"cgfair_loop_dispatch_seconds_count 10\n"));
	assert_non_null(
	    strstr(b.p, "\ncgfair_loop_dispatch_longest_seconds 1.200000\n"));
	assert_non_null(strstr(
	    b.p, "\ncgfair_loop_dispatch_longest_recent_seconds 0.060000\n"));
	fe_buf_free(&b);

	/* ... and in status: two dispatches over 50 ms */
	json_object *o, *loop, *v;
	fe_reply_status(&b, &t, &own, NULL);
	o = parse_reply(&b);
	assert_true(json_object_object_get_ex(o, "loop", &loop));
	assert_true(json_object_object_get_ex(loop, "over_50ms", &v));
	assert_int_equal(json_object_get_int(v), 2);
	assert_true(json_object_object_get_ex(loop, "longest_ms", &v));
	assert_true(json_object_get_double(v) == 1200.0);
	assert_true(json_object_object_get_ex(loop, "longest_recent_ms", &v));
	assert_true(json_object_get_double(v) == 60.0);
	assert_true(json_object_object_get_ex(loop, "dispatches", &v));
	assert_int_equal(json_object_get_int(v), 10);
	json_object_put(o);
	fe_buf_free(&b);
	fe_rows_clear(&t);
}

static void test_seed_list(void **state)
{
	struct fe_rows t = {0};
	struct fe_buf b = {0};
	struct fe_view all = {.see_all = true, .setup = &setup};
	struct fe_request req;
	json_object *o, *v;
	static const char *const keys[] = {
	    "ident",	     "cpupath",	  "mempath",	  "numtasks",
	    "cpupct",	     "throttled", "penaltyboxed", "fixedcpu",
	    "cpuquotausecs", "memused",	  "cached",	  "isuser"};
	(void)state;

	setup.flags = LISTEN_SYSTEMD_NAMES;
	strcpy(setup.cpu_dir, "/sys/fs/cgroup/user.slice");
	two_rows(&t);
	assert_int_equal(parse("list --cgroup user-1000.slice", &req), 0);
	fe_seed_list(&b, &t, &all, &req);
	o = parse_reply(&b);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!json_object_object_get_ex(o, keys[i], &v))
			fail_msg("no key %s in %s", keys[i], b.p);
	json_object_object_get_ex(o, "ident", &v);
	assert_string_equal(json_object_get_string(v), "user-1000.slice");
	json_object_object_get_ex(o, "cpupath", &v);
	assert_string_equal(json_object_get_string(v),
			    "/sys/fs/cgroup/user.slice/user-1000.slice");
	json_object_object_get_ex(o, "mempath", &v);
	assert_string_equal(json_object_get_string(v), "user-1000.slice");
	json_object_object_get_ex(o, "cpupct", &v); /* 1.5 of 4 CPUs */
	assert_string_equal(json_object_to_json_string(v), "37.50");
	json_object_object_get_ex(o, "cpuquotausecs", &v);
	assert_int_equal(json_object_get_int64(v), 2000000);
	json_object_put(o);
	fe_buf_free(&b);

	assert_int_equal(parse("list --cgroup all", &req), 0);
	fe_seed_list(&b, &t, &all, &req);
	assert_non_null(b.p);
	assert_non_null(strchr(b.p, '\n'));
	assert_non_null(strchr(strchr(b.p, '\n') + 1, '\n')); /* 2 lines */
	fe_buf_free(&b);

	setup.flags = 0;
	assert_int_equal(parse("list --cgroup names", &req), 0);
	fe_seed_list(&b, &t, &all, &req);
	assert_string_equal(b.p, "user-1000\nuser-1001\n");
	fe_buf_free(&b);
	fe_rows_clear(&t);
	memset(&setup, 0, sizeof(setup));
}

static void test_errors_and_events(void **state)
{
	struct fe_buf b = {0};
	json_object *o, *v;
	uint32_t uid;
	(void)state;

	fe_reply_error(&b, EPERM, "no \"way\"\n");
	o = parse_reply(&b);
	json_object_object_get_ex(o, "errno", &v);
	assert_string_equal(json_object_get_string(v), "EPERM");
	json_object_object_get_ex(o, "ok", &v);
	assert_false(json_object_get_boolean(v));
	json_object_put(o);
	fe_buf_free(&b);

	fe_reply_version(&b);
	json_object_put(parse_reply(&b));
	fe_buf_free(&b);

	assert_int_equal(fe_event_uid("{\"event\":\"oom\",\"uid\":1000}", &uid),
			 0);
	assert_int_equal(uid, 1000);
	assert_int_equal(
	    fe_event_uid("{\"TYPE\":\"OOM\",\"UID\":\"1001\"}", &uid), 0);
	assert_int_equal(uid, 1001);
	assert_int_equal(fe_event_uid("{\"event\":\"config_reload\"}", &uid),
			 -1);
	assert_int_equal(fe_event_uid("not json", &uid), -1);
	assert_int_equal(fe_event_uid("{\"uid\":-4}", &uid), -1);
}

static void test_buf(void **state)
{
	struct fe_buf b = {0};
	(void)state;

	for (int i = 0; i < 10000; i++)
		fe_buf_printf(&b, "%d,", i);
	assert_false(b.oom);
	assert_int_equal(strncmp(b.p, "0,1,2,", 6), 0);
	size_t len = b.len;
	fe_buf_consume(&b, 2);
	assert_int_equal(b.len, len - 2);
	assert_int_equal(strncmp(b.p, "1,2,", 4), 0);
	fe_buf_consume(&b, b.len);
	assert_int_equal(b.len, 0);
	fe_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cpu),
	    cmocka_unit_test(test_cpu_percent),
	    cmocka_unit_test(test_size),
	    cmocka_unit_test(test_seconds),
	    cmocka_unit_test(test_ident),
	    cmocka_unit_test(test_json_simple),
	    cmocka_unit_test(test_json_penalty),
	    cmocka_unit_test(test_json_limit),
	    cmocka_unit_test(test_json_errors),
	    cmocka_unit_test(test_nul_byte),
	    cmocka_unit_test(test_text_list),
	    cmocka_unit_test(test_text_set),
	    cmocka_unit_test(test_text_long),
	    cmocka_unit_test(test_rows),
	    cmocka_unit_test(test_json_report),
	    cmocka_unit_test(test_notes),
	    cmocka_unit_test(test_status),
	    cmocka_unit_test(test_metrics),
	    cmocka_unit_test(test_seed_list),
	    cmocka_unit_test(test_errors_and_events),
	    cmocka_unit_test(test_buf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
