/*
 * Unit tests of the events (supervisor/events.c): every record is one
 * valid JSON object; the throttleCPU and OOM records carry every key
 * Cgroup Py v.2 wrote, in its formats; the log file is appended, reopened,
 * refused when unsafe, and survives write errors; strings from outside are
 * made valid UTF-8 text; a journal that is not there stops nothing. An
 * admin action's old and new values read the same in its event and in its
 * audit record (supervisor/audit.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "supervisor/audit.h"
#include "supervisor/backend.h"
#include "supervisor/event_limit.h"
#include "supervisor/events.h"
#include "supervisor/users.h"

/* --- stubs ---------------------------------------------------------------- */

int backend_ensure_user(uid_t uid)
{
	(void)uid;
	return 0;
}

int backend_remove_user(uid_t uid)
{
	(void)uid;
	return 0;
}

static bool systemd_names;

void backend_scan_setup(struct ipc_scan_setup *out)
{
	memset(out, 0, sizeof(*out));
	out->systemd_names = systemd_names;
}

static sd_event *loop;

/* --- helpers -------------------------------------------------------------- */

static char dir[64];
static char path[128];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/cgfair-test-events.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log/events.log", dir);
	events_init(&(struct event_settings){
	    .log_path = path, .node = "node1", .journal = false});
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	events_close();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static json_object *parse(const char *s)
{
	json_object *o = json_tokener_parse(s);
	assert_non_null(o);
	assert_true(json_object_is_type(o, json_type_object));
	return o;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		fail_msg("key %s missing", key);
	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

static bool has(json_object *o, const char *key)
{
	return json_object_object_get_ex(o, key, NULL);
}

/* "YYYY-mm-dd HH:MM:SS" */
static void assert_seed_time(const char *s)
{
	assert_int_equal(strlen(s), 19);
	for (int i = 0; i < 19; i++) {
		if (i == 4 || i == 7)
			assert_int_equal(s[i], '-');
		else if (i == 10)
			assert_int_equal(s[i], ' ');
		else if (i == 13 || i == 16)
			assert_int_equal(s[i], ':');
		else
			assert_true(isdigit((unsigned char)s[i]));
	}
}

static const char *const seed_keys[] = {
    "TYPE",	  "ID",	      "CGROUP", "USERNAME",  "UID", "UNAME",
    "START_TIME", "END_TIME", "CPU",	"TIMESTAMP", "NODE"};

static void assert_seed_record(json_object *o, const char *type)
{
	for (size_t i = 0; i < sizeof(seed_keys) / sizeof(*seed_keys); i++)
		if (!has(o, seed_keys[i]))
			fail_msg("seed key %s missing", seed_keys[i]);
	assert_string_equal(str(o, "TYPE"), type);
	const char *id = str(o, "ID");
	assert_int_equal(strlen(id), 16);
	for (int i = 0; i < 16; i++)
		assert_true(isalnum((unsigned char)id[i]));
	assert_string_equal(str(o, "UID"), "1000"); /* a string */
	assert_string_equal(str(o, "NODE"), "node1");
	assert_seed_time(str(o, "START_TIME"));
	assert_seed_time(str(o, "END_TIME"));
	assert_seed_time(str(o, "TIMESTAMP"));
}

/* Every line of the log, parsed; returns how many. */
static int read_log(const char *p, json_object **objs, int max)
{
	FILE *f = fopen(p, "r");
	char line[4096];
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		assert_true(n < max);
		assert_int_equal(line[strlen(line) - 1], '\n');
		objs[n++] = parse(line);
	}
	fclose(f);
	return n;
}

static void put_all(json_object **objs, int n)
{
	for (int i = 0; i < n; i++)
		json_object_put(objs[i]);
}

static const struct timespec t0 = {.tv_sec = 1700000000, .tv_nsec = 5e8};

/* --- tests ---------------------------------------------------------------- */

static void test_oom_record(void **state)
{
	struct event_fields f = {.uid = 1000,
				 .user = "alice",
				 .oom_kills = 3,
				 .pid = 4242,
				 .comm = "stress-ng",
				 .rss_kb = 65536,
				 .victim_uid = 1000,
				 .memcg = "/cgfair/user-1000"};
	(void)state;
	char *s = event_format_json(EVENT_OOM, &f, t0);
	json_object *o = parse(s);
	assert_seed_record(o, "OOM");
	assert_string_equal(str(o, "USERNAME"), "alice");
	assert_string_equal(str(o, "UNAME"), "alice");
	assert_string_equal(str(o, "CGROUP"), "user-1000");
	assert_string_equal(str(o, "event"), "oom");
	assert_string_equal(str(o, "comm"), "stress-ng");
	assert_string_equal(str(o, "memcg"), "/cgfair/user-1000");
	json_object *v;
	assert_true(json_object_object_get_ex(o, "pid", &v));
	assert_int_equal(json_object_get_int(v), 4242);
	assert_true(json_object_object_get_ex(o, "uid", &v));
	assert_true(json_object_is_type(v, json_type_int));
	assert_true(json_object_object_get_ex(o, "rss_kb", &v));
	assert_int_equal(json_object_get_int64(v), 65536);
	assert_true(json_object_object_get_ex(o, "detail", &v));
	assert_true(json_object_get_boolean(v));
	/* ISO 8601 with milliseconds and offset */
	const char *t = str(o, "time");
	assert_int_equal(strlen(t), 29);
	assert_int_equal(t[10], 'T');
	assert_memory_equal(t + 19, ".500", 4);
	assert_true(json_object_object_get_ex(o, "time_usec", &v));
	assert_int_equal(json_object_get_int64(v), 1700000000500000LL);
	assert_true(strstr(s, "\"TYPE\":") == s + 1); /* the seed's first */
	json_object_put(o);
	free(s);
}

static void test_oom_no_detail(void **state)
{
	struct event_fields f = {.uid = 1000, .oom_kills = 1};
	(void)state;
	systemd_names = true;
	char *s = event_format_json(EVENT_OOM, &f, t0);
	systemd_names = false;
	json_object *o = parse(s), *v;
	assert_seed_record(o, "OOM");
	assert_string_equal(str(o, "USERNAME"), "1000"); /* no passwd name */
	assert_string_equal(str(o, "CGROUP"), "user-1000.slice");
	assert_true(json_object_object_get_ex(o, "pid", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(o, "detail", &v));
	assert_false(json_object_get_boolean(v));
	assert_non_null(strstr(str(o, "message"), "no victim"));
	json_object_put(o);
	free(s);
}

static void test_throttle_records(void **state)
{
	struct event_fields f = {.uid = 1000,
				 .user = "bob",
				 .start = 1700000000,
				 .end = 1700000090,
				 .cpu_new = 1500,
				 .cpu_percent = 42.25};
	(void)state;
	char *s = event_format_json(EVENT_THROTTLE_END, &f, t0);
	json_object *o = parse(s), *v;
	assert_seed_record(o, "throttleCPU");
	assert_true(json_object_object_get_ex(o, "CPU", &v));
	assert_true(json_object_is_type(v, json_type_double));
	assert_true(json_object_get_double(v) > 42.0);
	assert_true(json_object_object_get_ex(o, "duration_s", &v));
	assert_int_equal(json_object_get_int(v), 90);
	assert_string_equal(str(o, "END_TIME"), str(o, "TIMESTAMP"));
	json_object_put(o);
	free(s);
	/* the start is not a seed record: old scripts count TYPE */
	s = event_format_json(EVENT_THROTTLE_START, &f, t0);
	o = parse(s);
	assert_false(has(o, "TYPE"));
	assert_string_equal(str(o, "event"), "throttle_start");
	json_object_put(o);
	free(s);
}

/* Automatic actions name the figures that led to them. */
static void test_badness_records(void **state)
{
	struct event_fields f = {.uid = 1000,
				 .user = "bob",
				 .until = 1700001800,
				 .reason = "badness",
				 .automatic = true,
				 .badness = 100,
				 .tier = 2,
				 .window_ms = 300000,
				 .cpu_avg = 14.4,
				 .cpu_threshold = 7.2,
				 .mem_avg = 1 << 30,
				 .penalty_ms = 3600000};
	static const enum event_type types[] = {
	    EVENT_PENALTY_ON, EVENT_PENALTY_WARNING, EVENT_PENALTY_TIER};
	json_object *v;
	(void)state;

	for (size_t i = 0; i < 3; i++) {
		char *s = event_format_json(types[i], &f, t0);
		json_object *o = parse(s);

		assert_false(has(o, "TYPE"));
		assert_true(json_object_object_get_ex(o, "automatic", &v));
		assert_true(json_object_get_boolean(v));
		assert_true(json_object_object_get_ex(o, "cpu_avg", &v));
		assert_true(json_object_get_double(v) > 14.3);
		assert_true(json_object_object_get_ex(o, "cpu_threshold", &v));
		assert_true(json_object_get_double(v) > 7.1);
		assert_true(json_object_object_get_ex(o, "window_s", &v));
		assert_int_equal(json_object_get_int(v), 300);
		assert_true(json_object_object_get_ex(o, "tier", &v));
		assert_int_equal(json_object_get_int(v), 2);
		/* no memory threshold: null, not 0 */
		assert_true(
		    json_object_object_get_ex(o, "memory_threshold", &v));
		assert_null(v);
		if (types[i] != EVENT_PENALTY_TIER)
			assert_non_null(strstr(str(o, "message"), "7.20"));
		if (types[i] == EVENT_PENALTY_ON) {
			assert_true(
			    json_object_object_get_ex(o, "duration_s", &v));
			assert_int_equal(json_object_get_int(v), 3600);
		}
		json_object_put(o);
		free(s);
	}
	/* an admin's penalty has none of them */
	f.automatic = false;
	char *s = event_format_json(EVENT_PENALTY_ON, &f, t0);
	json_object *o = parse(s);
	assert_false(has(o, "automatic"));
	assert_false(has(o, "cpu_avg"));
	json_object_put(o);
	free(s);
}

static void test_every_type(void **state)
{
	struct event_fields f = {
	    .uid = 1000,
	    .cpu_old = EVENT_NO_CAP,
	    .cpu_new = 2000,
	    .mem_old = EVENT_NO_LIMIT,
	    .mem_new = 1 << 30,
	    .actor = &(struct actor){.uid = 0,
				     .pid = 77,
				     .known = true,
				     .auid = 1000,
				     .ses = 3,
				     .exe = "/usr/bin/x"},
	    .change = &(struct change){.penalty = true, .penalty_new = 60},
	    .action = "penalty",
	    .worker = "oomwatch/1",
	    .worker_pid = 99,
	    .reason = "killed by signal KILL",
	    .config = "/etc/cgfair/cgfair.conf",
	    .until = 1700003600};
	(void)state;
	for (int t = 0; t < EVENT_TYPE_COUNT; t++) {
		char *s = event_format_json((enum event_type)t, &f, t0);
		json_object *o = parse(s);
		assert_string_equal(str(o, "event"),
				    event_type_name((enum event_type)t));
		assert_true(strlen(str(o, "message")) > 0);
		assert_true(strlen(s) < IPC_MAX_PAYLOAD - 8); /* subscribers */
		json_object_put(o);
		free(s);
	}
	assert_null(event_format_json(EVENT_TYPE_COUNT, &f, t0));
}

/* An admin's max_tasks, memory.high and I/O weight: old and new, with
 * none (null) and max, the same in the event and in the audit record. */
static void test_admin_limits_change(void **state)
{
	struct change ch = {.tasks = true,
			    .high = true,
			    .io = true,
			    .tasks_old = CHANGE_NONE,
			    .tasks_new = 50,
			    .high_old = 1 << 30,
			    .high_new = CHANGE_NO_LIMIT,
			    .io_old = 300,
			    .io_new = CHANGE_NONE};
	struct event_fields f = {
	    .uid = 1000, .action = "limit", .message = "m", .change = &ch};
	json_object *o, *v;
	char *s, *a;
	(void)state;
	s = event_format_json(EVENT_ADMIN_ACTION, &f, t0);
	o = parse(s);
	assert_true(json_object_object_get_ex(o, "max_tasks_old", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(o, "max_tasks_new", &v));
	assert_int_equal(json_object_get_int64(v), 50);
	assert_true(json_object_object_get_ex(o, "mem_high_old", &v));
	assert_int_equal(json_object_get_int64(v), 1 << 30);
	assert_string_equal(str(o, "mem_high_new"), "max");
	assert_true(json_object_object_get_ex(o, "io_weight_old", &v));
	assert_int_equal(json_object_get_int64(v), 300);
	assert_true(json_object_object_get_ex(o, "io_weight_new", &v));
	assert_null(v);
	assert_false(has(o, "cpu_cap_old") || has(o, "penalty_old_s"));
	json_object_put(o);
	free(s);
	a = audit_format("limit", 0, NULL, &ch);
	assert_non_null(a);
	assert_string_equal(a, "op=limit old-tasks=none new-tasks=50 "
			       "old-mem-high=1073741824 new-mem-high=max "
			       "old-io-weight=300 new-io-weight=none");
	free(a);
}

static void test_sanitize(void **state)
{
	char a[] = "ok \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 done";
	char b[] = "bad\x01\n\x7f\xff\xc3(\xed\xa0\x80\xc0\xaf";
	(void)state;
	event_sanitize(a);
	assert_string_equal(a, "ok \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 done");
	event_sanitize(b);
	assert_string_equal(b, "bad?????"
			       "(?????");
	/* a hostile task name still makes a valid record */
	struct event_fields f = {
	    .uid = 1000, .pid = 1, .comm = "x\"\n\\\xff}", .memcg = "/a\tb"};
	char *s = event_format_json(EVENT_OOM, &f, t0);
	json_object *o = parse(s);
	assert_string_equal(str(o, "comm"), "x\"?\\?}");
	assert_null(strchr(s, '\n'));
	json_object_put(o);
	free(s);
}

static void test_log_file(void **state)
{
	json_object *objs[16];
	struct stat st;
	char d[160];
	(void)state;
	event_emit(EVENT_OOM, &(struct event_fields){.uid = 1000, .pid = 5});
	event_emit(EVENT_THROTTLE_END,
		   &(struct event_fields){.uid = 1000, .start = 1, .end = 2});
	event_emit(EVENT_PENALTY_ON, &(struct event_fields){.uid = 1000});
	int n = read_log(path, objs, 16);
	assert_int_equal(n, 3);
	assert_seed_record(objs[0], "OOM");
	assert_seed_record(objs[1], "throttleCPU");
	assert_false(has(objs[2], "TYPE"));
	put_all(objs, n);
	snprintf(d, sizeof(d), "%s/log", dir);
	assert_int_equal(stat(d, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0750);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
}

/* A strict reader of the seed's throttle.log, as a script written for
 * Cgroup Py v.2 would read it: exactly its keys, each of its type. */
static void assert_strict_seed(json_object *o)
{
	static const char *const throttle[] = {
	    "TYPE",	"ID",  "CGROUP", "USERNAME", "START_TIME",
	    "END_TIME", "CPU", "NODE",	 NULL};
	static const char *const oom[] = {"TYPE",  "ID",   "TIMESTAMP", "UID",
					  "UNAME", "NODE", NULL};
	const char *type = str(o, "TYPE");
	const char *const *keys = strcmp(type, "OOM") == 0 ? oom : throttle;
	size_t n = 0;

	assert_true(strcmp(type, "OOM") == 0 ||
		    strcmp(type, "throttleCPU") == 0);
	for (; keys[n]; n++) {
		json_object *v;
		if (!json_object_object_get_ex(o, keys[n], &v))
			fail_msg("%s record: key %s missing", type, keys[n]);
		if (strcmp(keys[n], "CPU") == 0)
			assert_true(json_object_is_type(v, json_type_double) ||
				    json_object_is_type(v, json_type_int));
		else
			assert_true(json_object_is_type(v, json_type_string));
	}
	json_object_object_foreach(o, key, val)
	{
		bool known = false;
		(void)val;
		for (size_t i = 0; i < n; i++)
			known = known || strcmp(keys[i], key) == 0;
		if (!known)
			fail_msg("%s record: unknown key %s", type, key);
	}
	assert_int_equal(strlen(str(o, "ID")), 16);
	assert_string_equal(str(o, "NODE"), "node1");
	if (strcmp(type, "OOM") == 0) {
		assert_string_equal(str(o, "UID"), "1000");
		assert_seed_time(str(o, "TIMESTAMP"));
	} else {
		assert_seed_time(str(o, "START_TIME"));
		assert_seed_time(str(o, "END_TIME"));
	}
}

/* [log] throttle_log: the seed's two records with exactly its keys, and
 * nothing else; the event log keeps everything. */
static void test_seed_log(void **state)
{
	json_object *objs[16];
	char seed[160];
	struct event_fields f = {.uid = 1000,
				 .user = "alice",
				 .start = 1700000000,
				 .end = 1700000090,
				 .cpu_new = 1500,
				 .cpu_percent = 42.25,
				 .pid = 5,
				 .comm = "hog",
				 .action = "penalty"};
	(void)state;
	snprintf(seed, sizeof(seed), "%s/seed/throttle.log", dir);
	events_init(&(struct event_settings){
	    .log_path = path, .seed_log_path = seed, .node = "node1"});
	for (int t = 0; t < EVENT_TYPE_COUNT; t++)
		event_emit((enum event_type)t, &f);
	f.pid = 0; /* an OOM kill without the kernel's detail */
	event_emit(EVENT_OOM, &f);
	int n = read_log(seed, objs, 16);
	assert_int_equal(n, 3);
	for (int i = 0; i < n; i++)
		assert_strict_seed(objs[i]);
	assert_string_equal(str(objs[0], "TYPE"), "throttleCPU");
	assert_string_equal(str(objs[0], "USERNAME"), "alice");
	assert_string_equal(str(objs[1], "UNAME"), "alice");
	put_all(objs, n);
	n = read_log(path, objs, 16);
	assert_int_equal(n, EVENT_TYPE_COUNT + 1);
	put_all(objs, n);
}

/* logrotate moves the file, then SIGHUP: the next event is in a new one */
static void test_reopen(void **state)
{
	json_object *objs[4];
	char moved[160];
	(void)state;
	snprintf(moved, sizeof(moved), "%s.1", path);
	event_emit(EVENT_OOM, &(struct event_fields){.uid = 1000});
	assert_int_equal(rename(path, moved), 0);
	event_emit(EVENT_OOM, &(struct event_fields){.uid = 1000});
	events_reopen();
	event_emit(EVENT_OOM, &(struct event_fields){.uid = 1000});
	int n = read_log(moved, objs, 4);
	assert_int_equal(n, 2);
	put_all(objs, n);
	n = read_log(path, objs, 4);
	assert_int_equal(n, 1);
	put_all(objs, n);
}

/* A full disk: lines are lost, none is left half written, and the daemon
 * goes on; when there is room again, lines come again. */
static void test_write_error(void **state)
{
	json_object *objs[8];
	struct rlimit old, rl;
	struct stat st;
	(void)state;
	event_emit(EVENT_OOM, &(struct event_fields){.uid = 1000});
	assert_int_equal(stat(path, &st), 0);
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	rl = old;
	rl.rlim_cur = (rlim_t)st.st_size + 20; /* room for part of a line */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &rl), 0);
	for (int i = 0; i < 3; i++)
		event_emit(EVENT_OOM, &(struct event_fields){.uid = 1000});
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	event_emit(EVENT_OOM, &(struct event_fields){.uid = 1000});
	int n = read_log(path, objs, 8);
	assert_int_equal(n, 2);
	put_all(objs, n);
}

/* A directory others may write to could hold a link to /etc/shadow. */
static void test_unsafe_dir(void **state)
{
	char d[160], p[200];
	struct stat st;
	(void)state;
	snprintf(d, sizeof(d), "%s/open", dir);
	assert_int_equal(mkdir(d, 0777), 0);
	assert_int_equal(chmod(d, 0777), 0);
	snprintf(p, sizeof(p), "%s/events.log", d);
	events_init(&(struct event_settings){.log_path = p, .journal = true});
	event_emit(EVENT_OOM, &(struct event_fields){.uid = 1000});
	assert_int_equal(stat(p, &st), -1);
	/* no log at all: fine too */
	events_init(&(struct event_settings){.log_path = ""});
	event_emit(EVENT_OOM, &(struct event_fields){.uid = 1000});
	events_init(&(struct event_settings){.log_path = path});
}

static unsigned sunk;
static char sunk_json[4096];

static void sink(enum event_type type, const char *json,
		 const struct event_fields *f, void *arg)
{
	(void)type;
	(void)arg;
	assert_non_null(f);
	sunk++;
	snprintf(sunk_json, sizeof(sunk_json), "%s", json);
}

static void test_sink(void **state)
{
	(void)state;
	assert_int_equal(events_add_sink(sink, NULL), 0);
	event_emit(
	    EVENT_WORKER_RESTART,
	    &(struct event_fields){.worker = "scanner", .worker_pid = 9});
	assert_int_equal(sunk, 1);
	json_object *o = parse(sunk_json);
	assert_string_equal(str(o, "event"), "worker_restart");
	assert_false(has(o, "uid")); /* not about a user */
	json_object_put(o);
}

/* The name comes from the user table when the caller gives none. */
static void test_user_table_name(void **state)
{
	(void)state;
	struct user *u = user_ensure(1000);
	assert_non_null(u);
	snprintf(u->name, sizeof(u->name), "carol");
	char *s = event_format_json(EVENT_OOM,
				    &(struct event_fields){.uid = 1000}, t0);
	json_object *o = parse(s);
	assert_string_equal(str(o, "USERNAME"), "carol");
	json_object_put(o);
	free(s);
	user_remove(1000);
}

/* A user OOM-killing itself in a loop: the budget's records, then one
 * summary with the count of the rest; other users are not held back. */
static void test_flood_bound(void **state)
{
	json_object *objs[64];
	(void)state;
	assert_int_equal(sd_event_new(&loop), 0);
	event_limit_configure(loop, event_emit, 5,
			      300 * 1000); /* 5 records per 300 ms */
	assert_non_null(user_ensure(1000));
	assert_non_null(user_ensure(1001));
	for (int i = 1; i <= 40; i++)
		event_emit(EVENT_OOM,
			   &(struct event_fields){.uid = 1000, .oom_kills = i});
	event_emit(EVENT_OOM, &(struct event_fields){.uid = 1001});
	event_emit(EVENT_ADMIN_ACTION, &(struct event_fields){.uid = 1000});
	assert_int_equal(read_log(path, objs, 64), 7);
	put_all(objs, 7);
	/* the window ends: the summary comes from the timer */
	int n = 7;
	for (int i = 0; i < 30 && n == 7; i++) {
		sd_event_run(loop, 100 * 1000);
		n = read_log(path, objs, 64);
		put_all(objs, n);
	}
	n = read_log(path, objs, 64);
	assert_int_equal(n, 8);
	assert_string_equal(str(objs[7], "event"), "suppressed");
	assert_string_equal(str(objs[7], "of"), "oom");
	assert_int_equal(json_object_get_int64(
			     json_object_object_get(objs[7], "suppressed")),
			 35);
	assert_non_null(strstr(str(objs[7], "message"),
			       "uid 1000: 35 oom records not logged"));
	put_all(objs, n);
	/* a new window: records go out again */
	event_emit(EVENT_OOM, &(struct event_fields){.uid = 1000});
	assert_int_equal(read_log(path, objs, 64), 9);
	put_all(objs, 9);
	user_remove(1000);
	user_remove(1001);
	event_limit_configure(NULL, event_emit, EVENT_USER_BUDGET, 0);
	loop = sd_event_unref(loop);
}

static int group_setup(void **state)
{
	(void)state;
	events_init(&(struct event_settings){.log_path = "", .node = "node1"});
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_oom_record),
	    cmocka_unit_test(test_oom_no_detail),
	    cmocka_unit_test(test_throttle_records),
	    cmocka_unit_test(test_badness_records),
	    cmocka_unit_test(test_every_type),
	    cmocka_unit_test(test_admin_limits_change),
	    cmocka_unit_test(test_sanitize),
	    cmocka_unit_test(test_user_table_name),
	    cmocka_unit_test_setup_teardown(test_log_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_seed_log, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reopen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_write_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unsafe_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sink, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flood_bound, setup, teardown),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
