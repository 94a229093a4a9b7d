/*
 * Request parsing for the frontend: untrusted text in, struct fe_request or
 * a message naming what was wrong out. Strict on purpose: an unknown key or
 * a value of the wrong type is an error, not silently ignored, so that a
 * typo in a script fails loudly instead of doing something else.
 */
#include "workers/frontend/request.h"
#include "common/num.h"
#include "ipc/ipc.h"

#include <errno.h>
#include <json.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 4 /* {"cmd":...} needs 1 */
/* the supervisor's bounds (ipc.h): what passes here passes there */
#define MAX_CPU_PERMILLE IPC_CPU_PERMILLE_MAX
#define MAX_MEM_BYTES	 IPC_MEM_BYTES_MAX
#define MIN_MEM_BYTES	 IPC_MEM_BYTES_MIN
#define MAX_SECONDS	 IPC_SECONDS_MAX
#define MAX_TOKENS	 16

static int fail(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}

/* --- values -------------------------------------------------------------- */

static uint64_t mem_total;

void fe_set_mem_total(uint64_t bytes)
{
	mem_total = bytes;
}

/* cgfair.conf's CPUs ("1.5", "150%", "2 cpus") in 1/1000 of a CPU */
const char *fe_parse_cpu(const char *s, int64_t *permille)
{
	double v;
	const char *why;

	if (strcmp(s, "none") == 0) {
		*permille = 0;
		return NULL;
	}
	if (*s == ' ' || (why = num_parse_cpus(s, &v)) != NULL)
		return "not a number of CPUs (\"1.5\" or \"150%\")";
	if (v * 1000 > (double)MAX_CPU_PERMILLE)
		return "too large";
	*permille = llround(floor(v * 1000 + 1e-9));
	if (*permille == 0 && v > 0)
		return "too small (at least 0.001 CPU)";
	return NULL;
}

/* The seed's --cpulimit: "50" or "50%" of one CPU, in tenths of a percent
 * (permille); digits beyond are dropped. */
const char *fe_parse_cpu_percent(const char *s, int64_t *permille)
{
	char num[32];
	size_t n = strlen(s);
	double v;

	if (n > 0 && s[n - 1] == '%')
		n--;
	if (n == 0 || n >= sizeof(num) || *s == ' ')
		return "not a percentage of one CPU";
	memcpy(num, s, n);
	num[n] = '\0';
	if (num_parse_number(num, &v) != NULL)
		return "not a percentage of one CPU";
	if (v * 10 > (double)MAX_CPU_PERMILLE)
		return "too large";
	*permille = llround(floor(v * 10 + 1e-9));
	if (*permille == 0 && v > 0)
		return "too small (at least 0.1%)";
	return NULL;
}

/* cgfair.conf's sizes ("2G", "512M", bytes, "10%" of RAM); "default"
 * or 0: back to the configured limit */
const char *fe_parse_size(const char *s, int64_t *bytes)
{
	struct num_size sz;

	if (strcmp(s, "default") == 0) {
		*bytes = 0;
		return NULL;
	}
	if (*s == ' ' ||
	    num_parse_size(s, NUM_SIZE_SHARE, mem_total, &sz) != NULL)
		return "not a size (\"2G\", \"512M\", bytes, \"10%\" of RAM)";
	if (sz.share > 0 && !mem_total)
		return "a share of RAM: the daemon has not said how much RAM "
		       "there is";
	if (sz.bytes == 0) {
		*bytes = 0;
		return NULL;
	}
	if (sz.bytes > (uint64_t)MAX_MEM_BYTES)
		return "too large";
	if (sz.bytes < (uint64_t)MIN_MEM_BYTES)
		return "too small (at least 1M)";
	*bytes = (int64_t)sz.bytes;
	return NULL;
}

/* cgfair.conf's durations ("600", "90s", "30m", "1h30m", "2d") */
const char *fe_parse_seconds(const char *s, int64_t *seconds)
{
	uint64_t ms;

	if (*s == ' ' || num_parse_duration(s, &ms) != NULL)
		return "not a duration (\"600\", \"90s\", \"30m\", "
		       "\"1h30m\", \"1d\")";
	if (ms < 1000)
		return "must be at least 1 second";
	if (ms / 1000 > (uint64_t)MAX_SECONDS)
		return "too long (at most ten years)";
	*seconds = (int64_t)(ms / 1000);
	return NULL;
}

/* Accept the prefix, the uid, then the suffix, all exactly. */
static bool ident_form(const char *s, const char *pre, const char *suf,
		       uint32_t *uid)
{
	char num[16];
	size_t lp = strlen(pre), ls = strlen(suf), n = strlen(s);

	if (n <= lp + ls || strncmp(s, pre, lp) != 0 ||
	    strcmp(s + n - ls, suf) != 0 || n - lp - ls >= sizeof(num))
		return false;
	memcpy(num, s + lp, n - lp - ls);
	num[n - lp - ls] = '\0';
	return num_parse_uid(num, uid) == NULL;
}

const char *fe_parse_ident(const char *s, uint32_t *uid)
{
	if (ident_form(s, "user-", ".slice", uid) ||
	    ident_form(s, "user-", "", uid) || ident_form(s, "cg_", "", uid) ||
	    ident_form(s, "", "", uid))
		return NULL;
	return "not a cgroup ident (user-UID.slice, cg_UID, user-UID or "
	       "UID)";
}

/* A user name as the client gave it: compared with the rows' names only,
 * but kept printable so that it can be echoed in messages. */
static const char *parse_name(const char *s, struct fe_target *t)
{
	size_t n = strlen(s);

	if (num_parse_uid(s, &t->uid) == NULL) {
		t->by_name = false;
		return NULL;
	}
	if (n == 0 || n >= sizeof(t->name))
		return "not a user name";
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~' || s[i] == '"' || s[i] == '\\')
			return "not a user name";
	memcpy(t->name, s, n + 1);
	t->by_name = true;
	return NULL;
}

/* --- JSON ---------------------------------------------------------------- */

enum {
	K_TARGET = 1u, /* "uid" or "user" */
	K_SECONDS = 2u,
	K_CPU = 4u,
	K_MEMORY = 8u,
	K_TASKS = 16u,
	K_HIGH = 32u,
	K_IO = 64u,
	K_SINCE = 128u, /* report */
	K_UNTIL = 256u,
	K_BY = 512u,
	K_TOP = 1024u,
	K_REASON = 2048u, /* penalty: the admin's reason */
	K_FLEET = 4096u,  /* report: over every node */
};

struct cmd_spec {
	const char *name;
	enum fe_cmd cmd;
	unsigned keys; /* K_* allowed besides "cmd" */
	unsigned need; /* K_* required */
};

static const struct cmd_spec specs[] = {
    {"status", FE_STATUS, K_TARGET, 0},
    {"events", FE_EVENTS, 0, 0},
    {"penalty", FE_PENALTY, K_TARGET | K_SECONDS | K_REASON, K_TARGET},
    {"release", FE_RELEASE, K_TARGET, K_TARGET},
    {"forgive", FE_FORGIVE, K_TARGET, K_TARGET},
    {"limit", FE_LIMIT, K_TARGET | K_CPU | K_MEMORY | K_TASKS | K_HIGH | K_IO,
     K_TARGET},
    {"limit-clear", FE_LIMIT_CLEAR, K_TARGET, K_TARGET},
    {"reload", FE_RELOAD, 0, 0},
    {"config", FE_CONFIG, 0, 0},
    {"metrics", FE_METRICS, 0, 0},
    {"version", FE_VERSION, 0, 0},
    {"report", FE_REPORT, K_TARGET | K_SINCE | K_UNTIL | K_BY | K_TOP | K_FLEET,
     0},
};

#define NSPECS (sizeof(specs) / sizeof(specs[0]))
#define COMMAND_LIST                                                           \
	"status, events, penalty, release, forgive, limit, limit-clear, "      \
	"reload, config, metrics, version, report"

const char *fe_cmd_name(enum fe_cmd cmd)
{
	for (size_t i = 0; i < NSPECS; i++)
		if (specs[i].cmd == cmd)
			return specs[i].name;
	switch (cmd) {
	case FE_SEED_HELP:
		return "help";
	case FE_SEED_LIST:
		return "list --cgroup";
	case FE_SEED_LIST_CONFIG:
		return "list --config";
	case FE_SEED_SET:
		return "set cgroup";
	case FE_SEED_SET_OPTION:
		return "set option";
	default:
		return "?";
	}
}

bool fe_cmd_changes_state(enum fe_cmd cmd)
{
	return cmd == FE_PENALTY || cmd == FE_RELEASE || cmd == FE_FORGIVE ||
	       cmd == FE_LIMIT || cmd == FE_LIMIT_CLEAR || cmd == FE_RELOAD ||
	       cmd == FE_SEED_SET || cmd == FE_SEED_SET_OPTION;
}

static const char *json_type_desc(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "a boolean";
	case json_type_double:
		return "a fraction";
	case json_type_int:
		return "an integer";
	case json_type_object:
		return "an object";
	case json_type_array:
		return "an array";
	case json_type_string:
		return "a string";
	}
	return "?";
}

static int json_target(const char *key, json_object *v, struct fe_request *req,
		       char *err, size_t len)
{
	const char *why;

	if (req->target.given)
		return fail(err, len, "give \"uid\" or \"user\", not both");
	req->target.given = true;
	if (json_object_is_type(v, json_type_int)) {
		int64_t n = json_object_get_int64(v);
		if (n < 0 || n >= (int64_t)UINT32_MAX)
			return fail(err, len, "\"%s\": %lld is not a valid uid",
				    key, (long long)n);
		req->target.uid = (uint32_t)n;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return fail(err, len,
			    "\"%s\" must be a uid or a user name, not %s", key,
			    json_type_desc(v));
	why = parse_name(json_object_get_string(v), &req->target);
	if (why)
		return fail(err, len, "\"%s\": %s", key, why);
	return 0;
}

static int json_seconds(json_object *v, struct fe_request *req, char *err,
			size_t len)
{
	const char *why;

	if (json_object_is_type(v, json_type_int)) {
		int64_t n = json_object_get_int64(v);
		if (n < 1 || n > MAX_SECONDS)
			return fail(err, len, "\"seconds\": must be 1 to %lld",
				    (long long)MAX_SECONDS);
		req->seconds = n;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return fail(err, len,
			    "\"seconds\" must be an integer or a duration "
			    "string, not %s",
			    json_type_desc(v));
	why = fe_parse_seconds(json_object_get_string(v), &req->seconds);
	return why ? fail(err, len, "\"seconds\": %s", why) : 0;
}

/* A penalty's reason: one line of text that users read on terminals and
 * in mail, so no control character (the supervisor replaces any again). */
static int json_reason(json_object *v, struct fe_request *req, char *err,
		       size_t len)
{
	const char *s = json_object_get_string(v);
	size_t n = (size_t)json_object_get_string_len(v);

	if (!json_object_is_type(v, json_type_string))
		return fail(err, len, "\"reason\" must be a string, not %s",
			    json_type_desc(v));
	if (n == 0 || n >= sizeof(req->note))
		return fail(err, len, "\"reason\": 1 to %zu bytes, not %zu",
			    sizeof(req->note) - 1, n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return fail(err, len,
				    "\"reason\": control character 0x%02x at "
				    "byte %zu (one line of text)",
				    (unsigned char)s[i], i + 1);
	memcpy(req->note, s, n + 1);
	return 0;
}

static int json_cpu(json_object *v, struct fe_request *req, char *err,
		    size_t len)
{
	const char *why;

	switch (json_object_get_type(v)) {
	case json_type_null:
		req->cpu_permille = 0;
		return 0;
	case json_type_int:
	case json_type_double: {
		double d = json_object_get_double(v);
		if (!isfinite(d) || d < 0 ||
		    d * 1000 > (double)MAX_CPU_PERMILLE)
			return fail(err, len, "\"cpu\": out of range");
		req->cpu_permille = llround(d * 1000);
		if (req->cpu_permille == 0 && d > 0)
			return fail(err, len,
				    "\"cpu\": too small (at least "
				    "0.001 CPU)");
		return 0;
	}
	case json_type_string:
		why =
		    fe_parse_cpu(json_object_get_string(v), &req->cpu_permille);
		return why ? fail(err, len, "\"cpu\": %s", why) : 0;
	default:
		return fail(err, len,
			    "\"cpu\" must be a number of CPUs or a string "
			    "like \"150%%\", not %s",
			    json_type_desc(v));
	}
}

static int json_memory(json_object *v, struct fe_request *req, char *err,
		       size_t len)
{
	const char *why;

	switch (json_object_get_type(v)) {
	case json_type_null:
		req->mem_bytes = 0;
		return 0;
	case json_type_int: {
		int64_t n = json_object_get_int64(v);
		char buf[32];
		snprintf(buf, sizeof(buf), "%lld", (long long)n);
		if (n < 0)
			return fail(err, len, "\"memory\": negative");
		why = fe_parse_size(buf, &req->mem_bytes);
		return why ? fail(err, len, "\"memory\": %s", why) : 0;
	}
	case json_type_string:
		why = fe_parse_size(json_object_get_string(v), &req->mem_bytes);
		return why ? fail(err, len, "\"memory\": %s", why) : 0;
	default:
		return fail(err, len,
			    "\"memory\" must be bytes or a string like "
			    "\"2G\", not %s",
			    json_type_desc(v));
	}
}

static unsigned key_flag(const char *key)
{
	if (strcmp(key, "uid") == 0 || strcmp(key, "user") == 0)
		return K_TARGET;
	if (strcmp(key, "seconds") == 0)
		return K_SECONDS;
	if (strcmp(key, "cpu") == 0)
		return K_CPU;
	if (strcmp(key, "memory") == 0)
		return K_MEMORY;
	if (strcmp(key, "tasks") == 0)
		return K_TASKS;
	if (strcmp(key, "memory_high") == 0)
		return K_HIGH;
	if (strcmp(key, "io_weight") == 0)
		return K_IO;
	if (strcmp(key, "since") == 0)
		return K_SINCE;
	if (strcmp(key, "until") == 0)
		return K_UNTIL;
	if (strcmp(key, "fleet") == 0)
		return K_FLEET;
	if (strcmp(key, "by") == 0)
		return K_BY;
	if (strcmp(key, "top") == 0)
		return K_TOP;
	if (strcmp(key, "reason") == 0)
		return K_REASON;
	return 0;
}

/* "tasks", "memory_high", "io_weight": null back to the default, "max"
 * no limit (not for io_weight), else a number (a size for memory_high)
 * within lo..hi. */
static int json_extra(const char *key, json_object *v, int64_t *out, int64_t lo,
		      int64_t hi, char *err, size_t len)
{
	const char *s = json_object_get_string(v), *why = NULL;

	if (json_object_is_type(v, json_type_null)) {
		*out = 0;
		return 0;
	}
	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_string))
		return fail(err, len,
			    "\"%s\" must be a number or a string, "
			    "not %s",
			    key, json_type_desc(v));
	if (strcmp(s, "max") == 0 && hi == INT64_MAX) {
		*out = IPC_LIMIT_MAX;
		return 0;
	}
	if (strcmp(s, "default") == 0) {
		*out = 0;
		return 0;
	}
	if (strcmp(key, "memory_high") == 0)
		why = fe_parse_size(s, out);
	else if (!json_object_is_type(v, json_type_int))
		why = "not a number";
	else
		*out = json_object_get_int64(v);
	if (!why && (*out < lo || *out > hi))
		why = "out of range";
	return why ? fail(err, len, "\"%s\": %s", key, why) : 0;
}

/* report: "since" and "until" in seconds since the epoch, "top" a count */
static int json_count(const char *key, json_object *v, int64_t *out, int64_t hi,
		      char *err, size_t len)
{
	int64_t n;

	if (!json_object_is_type(v, json_type_int))
		return fail(err, len, "\"%s\" must be an integer, not %s", key,
			    json_type_desc(v));
	n = json_object_get_int64(v);
	if (n < 0 || n > hi)
		return fail(err, len, "\"%s\": must be 0 to %lld", key,
			    (long long)hi);
	*out = n;
	return 0;
}

static int json_by(json_object *v, struct fe_request *req, char *err,
		   size_t len)
{
	static const char *const names[REPORT_BY_COUNT] = {
	    "user", "day", "hour", "minute", "node"};
	const char *s = json_object_get_string(v);

	for (uint32_t i = 0; i < REPORT_BY_COUNT; i++)
		if (json_object_is_type(v, json_type_string) &&
		    strcmp(s, names[i]) == 0) {
			req->by = i;
			return 0;
		}
	return fail(err, len,
		    "\"by\" must be user, day, hour, minute or node (with "
		    "\"fleet\")");
}

static int json_report_key(unsigned k, json_object *v, struct fe_request *req,
			   char *err, size_t len)
{
	int64_t top = 0;
	int r;

	switch (k) {
	case K_SINCE:
		return json_count("since", v, &req->since, INT32_MAX * 4LL, err,
				  len);
	case K_UNTIL:
		return json_count("until", v, &req->until, INT32_MAX * 4LL, err,
				  len);
	case K_BY:
		return json_by(v, req, err, len);
	case K_FLEET:
		if (!json_object_is_type(v, json_type_boolean))
			return fail(err, len,
				    "\"fleet\" must be true or false");
		req->fleet = json_object_get_boolean(v);
		return 0;
	default:
		r = json_count("top", v, &top, REPORT_TOP_MAX, err, len);
		req->top = (uint32_t)top;
		return r;
	}
}

static int json_key(const struct cmd_spec *spec, const char *key,
		    json_object *v, struct fe_request *req, unsigned *seen,
		    char *err, size_t len)
{
	unsigned k = key_flag(key);

	if (!(spec->keys & k))
		return fail(err, len, "unknown key \"%.40s\" for \"%s\"", key,
			    spec->name);
	*seen |= k;
	switch (k) {
	case K_TARGET:
		return json_target(key, v, req, err, len);
	case K_SECONDS:
		return json_seconds(v, req, err, len);
	case K_REASON:
		return json_reason(v, req, err, len);
	case K_CPU:
		return json_cpu(v, req, err, len);
	case K_TASKS:
		return json_extra(key, v, &req->max_tasks, 1, INT64_MAX, err,
				  len);
	case K_HIGH:
		return json_extra(key, v, &req->mem_high, 1, INT64_MAX, err,
				  len);
	case K_IO:
		return json_extra(key, v, &req->io_weight, 1, 10000, err, len);
	case K_SINCE:
	case K_UNTIL:
	case K_BY:
	case K_TOP:
	case K_FLEET:
		return json_report_key(k, v, req, err, len);
	default:
		return json_memory(v, req, err, len);
	}
}

static const struct cmd_spec *json_spec(json_object *obj, char *err, size_t len)
{
	json_object *cmd;
	const char *name;

	if (!json_object_object_get_ex(obj, "cmd", &cmd)) {
		fail(err, len, "missing \"cmd\" (one of: " COMMAND_LIST ")");
		return NULL;
	}
	if (!json_object_is_type(cmd, json_type_string)) {
		fail(err, len, "\"cmd\" must be a string, not %s",
		     json_type_desc(cmd));
		return NULL;
	}
	name = json_object_get_string(cmd);
	for (size_t i = 0; i < NSPECS; i++)
		if (strcmp(name, specs[i].name) == 0)
			return &specs[i];
	fail(err, len, "unknown command \"%.40s\" (one of: " COMMAND_LIST ")",
	     name);
	return NULL;
}

static int json_fields(json_object *obj, struct fe_request *req, char *err,
		       size_t len)
{
	const struct cmd_spec *spec = json_spec(obj, err, len);
	unsigned seen = 0;

	if (!spec)
		return -1;
	req->cmd = spec->cmd;
	json_object_object_foreach(obj, key, val)
	{
		if (strcmp(key, "cmd") == 0)
			continue;
		if (json_key(spec, key, val, req, &seen, err, len) < 0)
			return -1;
	}
	if ((spec->need & K_TARGET) && !(seen & K_TARGET))
		return fail(err, len, "\"%s\" needs \"uid\" or \"user\"",
			    spec->name);
	if (spec->cmd == FE_LIMIT &&
	    !(seen & (K_CPU | K_MEMORY | K_TASKS | K_HIGH | K_IO)))
		return fail(err, len,
			    "\"limit\" needs \"cpu\" or \"memory\" "
			    "(use \"limit-clear\" to remove both)");
	return 0;
}

static bool only_space(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

static json_object *json_parse(const char *line, size_t len, char *err,
			       size_t errlen)
{
	json_tokener *tok = json_tokener_new_ex(MAX_DEPTH);
	json_object *obj;
	enum json_tokener_error e;
	size_t end;

	if (!tok) {
		fail(err, errlen, "out of memory");
		return NULL;
	}
	/* trailing characters are checked below, with a clearer message */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					JSON_TOKENER_ALLOW_TRAILING_CHARS |
					JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, line, (int)len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!obj && e == json_tokener_continue) {
		fail(err, errlen,
		     "malformed JSON: the line ends inside the "
		     "object");
		return NULL;
	}
	if (!obj || e != json_tokener_success) {
		fail(err, errlen, "malformed JSON at byte %zu: %s", end,
		     json_tokener_error_desc(e));
		json_object_put(obj);
		return NULL;
	}
	if (end < len && !only_space(line + end, len - end)) {
		fail(err, errlen,
		     "malformed JSON: characters after the object at byte %zu",
		     end);
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

static void request_init(struct fe_request *req)
{
	memset(req, 0, sizeof(*req));
	req->seconds = -1;
	req->since = req->until = -1;
	req->cpu_permille = -1;
	req->mem_bytes = -1;
	req->max_tasks = -1;
	req->mem_high = -1;
	req->io_weight = -1;
	req->penaltybox = -1;
}

int fe_parse_json(const char *line, size_t len, struct fe_request *req,
		  char *err, size_t errlen)
{
	json_object *obj;
	int r;

	request_init(req);
	if (len > INT32_MAX)
		return fail(err, errlen, "request too long");
	obj = json_parse(line, len, err, errlen);
	if (!obj)
		return -1;
	if (!json_object_is_type(obj, json_type_object)) {
		json_object_put(obj);
		return fail(err, errlen, "a request must be a JSON object");
	}
	r = json_fields(obj, req, err, errlen);
	json_object_put(obj);
	return r;
}

/* --- the seed's text commands -------------------------------------------- */

struct tokens {
	char buf[512];
	char *v[MAX_TOKENS];
	int n;
};

static int tokenize(const char *line, size_t len, struct tokens *t, char *err,
		    size_t errlen)
{
	char *save = NULL, *tok;

	if (len >= sizeof(t->buf))
		return fail(err, errlen, "command too long");
	memcpy(t->buf, line, len);
	t->buf[len] = '\0';
	t->n = 0;
	for (tok = strtok_r(t->buf, " \t\r", &save); tok;
	     tok = strtok_r(NULL, " \t\r", &save)) {
		if (t->n == MAX_TOKENS)
			return fail(err, errlen, "too many words");
		t->v[t->n++] = tok;
	}
	return 0;
}

/* "--opt value" or "--opt=value": the option's value, advancing *i. */
static char *opt_value(struct tokens *t, int *i, const char *opt)
{
	size_t n = strlen(opt);
	char *a = t->v[*i];

	if (strncmp(a, opt, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] != '\0' || *i + 1 >= t->n)
		return NULL;
	return t->v[++*i];
}

static int text_list_ids(char *arg, struct fe_request *req, char *err,
			 size_t errlen)
{
	char *save = NULL, *id;

	if (strcmp(arg, "all") == 0) {
		req->list = FE_LIST_ALL;
		return 0;
	}
	if (strcmp(arg, "names") == 0) {
		req->list = FE_LIST_NAMES;
		return 0;
	}
	req->list = FE_LIST_IDS;
	for (id = strtok_r(arg, ",", &save); id;
	     id = strtok_r(NULL, ",", &save)) {
		if (req->nids == FE_MAX_IDS)
			return fail(err, errlen, "at most %d cgroups at once",
				    FE_MAX_IDS);
		const char *why = fe_parse_ident(id, &req->ids[req->nids]);
		if (why)
			return fail(err, errlen, "'%.40s': %s", id, why);
		req->nids++;
	}
	if (req->nids == 0)
		return fail(err, errlen,
			    "list --cgroup needs all, names or "
			    "a list of cgroups");
	return 0;
}

static int text_list(struct tokens *t, struct fe_request *req, char *err,
		     size_t errlen)
{
	int i = 1;
	char *v;

	if (t->n == 2 && strcmp(t->v[1], "--config") == 0) {
		req->cmd = FE_SEED_LIST_CONFIG;
		return 0;
	}
	if (t->n >= 2 && (v = opt_value(t, &i, "--cgroup")) && i == t->n - 1) {
		req->cmd = FE_SEED_LIST;
		return text_list_ids(v, req, err, errlen);
	}
	return fail(err, errlen,
		    "usage: list --cgroup all|names|ID[,ID...] "
		    "| list --config");
}

static int text_on_off(const char *v, const char *opt, const char *on,
		       const char *off, char *err, size_t errlen)
{
	if (strcmp(v, on) == 0)
		return 1;
	if (strcmp(v, off) == 0)
		return 0;
	return fail(err, errlen, "%s takes %s or %s", opt, on, off);
}

static int text_set_opt(struct tokens *t, int *i, struct fe_request *req,
			char *err, size_t errlen)
{
	const char *v, *why;
	int r;

	if ((v = opt_value(t, i, "--memlimit"))) {
		why = fe_parse_size(v, &req->mem_bytes);
		return why ? fail(err, errlen, "--memlimit: %s", why) : 0;
	}
	if ((v = opt_value(t, i, "--cpulimit"))) {
		why = fe_parse_cpu_percent(v, &req->cpu_permille);
		return why ? fail(err, errlen, "--cpulimit: %s", why) : 0;
	}
	if ((v = opt_value(t, i, "--penaltybox"))) {
		r = text_on_off(v, "--penaltybox", "on", "off", err, errlen);
		req->penaltybox = r;
		return r < 0 ? -1 : 0;
	}
	if ((v = opt_value(t, i, "--default"))) {
		r = text_on_off(v, "--default", "yes", "no", err, errlen);
		req->set_default = r == 1;
		return r < 0 ? -1 : 0;
	}
	return fail(err, errlen,
		    "set cgroup: unknown option '%.40s' (--memlimit, "
		    "--cpulimit, --penaltybox, --default)",
		    t->v[*i]);
}

/* The seed's `set option --interval S --cpulimit PCT --memlimit N`: the
 * scan interval, the share of the machine for all users (a number above
 * 1 is a percentage, as the seed's cpu_pct_max), every user's memory
 * limit; in force until the next reload or restart. */
static int text_set_option(struct tokens *t, struct fe_request *req, char *err,
			   size_t errlen)
{
	const char *v, *why = NULL;
	double share;

	req->cmd = FE_SEED_SET_OPTION;
	for (int i = 2; i < t->n && !why; i++) {
		if ((v = opt_value(t, &i, "--interval"))) {
			why = fe_parse_seconds(v, &req->seconds);
		} else if ((v = opt_value(t, &i, "--cpulimit"))) {
			why = num_parse_number(v, &share);
			if (!why && share > 1)
				share /= 100;
			if (!why && (share < 0.01 || share > 1))
				why = "out of range (1 to 100 percent)";
			req->cpu_permille = llround(share * 1000);
		} else if ((v = opt_value(t, &i, "--memlimit"))) {
			why = fe_parse_size(v, &req->mem_bytes);
			if (!why && req->mem_bytes == 0)
				why = "a size is needed";
		} else {
			return fail(err, errlen,
				    "set option: unknown option '%.40s' "
				    "(--interval, --cpulimit, --memlimit)",
				    t->v[i]);
		}
	}
	if (why)
		return fail(err, errlen, "set option: %s", why);
	if (req->seconds < 0 && req->cpu_permille < 0 && req->mem_bytes < 0)
		return fail(err, errlen,
			    "usage: set option [--interval SECONDS] "
			    "[--cpulimit PCT] [--memlimit N[kKmMgG]]");
	return 0;
}

static int text_set(struct tokens *t, struct fe_request *req, char *err,
		    size_t errlen)
{
	const char *why;

	if (t->n >= 2 && strcmp(t->v[1], "option") == 0)
		return text_set_option(t, req, err, errlen);
	if (t->n < 4 || strcmp(t->v[1], "cgroup") != 0)
		return fail(err, errlen,
			    "usage: set cgroup ID [--memlimit "
			    "N[kKmMgG]] [--cpulimit PCT] "
			    "[--penaltybox on|off] [--default "
			    "yes]");
	req->cmd = FE_SEED_SET;
	req->target.given = true;
	why = fe_parse_ident(t->v[2], &req->target.uid);
	if (why)
		return fail(err, errlen, "'%.40s': %s", t->v[2], why);
	for (int i = 3; i < t->n; i++)
		if (text_set_opt(t, &i, req, err, errlen) < 0)
			return -1;
	if (req->mem_bytes < 0 && req->cpu_permille < 0 &&
	    req->penaltybox < 0 && !req->set_default)
		return fail(err, errlen, "set cgroup: nothing to change");
	return 0;
}

int fe_parse_text(const char *line, size_t len, struct fe_request *req,
		  char *err, size_t errlen)
{
	struct tokens t;

	request_init(req);
	req->text = true;
	if (tokenize(line, len, &t, err, errlen) < 0)
		return -1;
	if (t.n == 0)
		return fail(err, errlen, "empty command (try help)");
	if (strcmp(t.v[0], "help") == 0 && t.n == 1) {
		req->cmd = FE_SEED_HELP;
		return 0;
	}
	if (strcmp(t.v[0], "list") == 0)
		return text_list(&t, req, err, errlen);
	if (strcmp(t.v[0], "set") == 0)
		return text_set(&t, req, err, errlen);
	return fail(err, errlen, "unknown command '%.40s' (try help)", t.v[0]);
}

int fe_parse_request(const char *line, size_t len, struct fe_request *req,
		     char *err, size_t errlen)
{
	size_t i = 0;

	if (memchr(line, '\0', len)) {
		request_init(req);
		req->text = len == 0 || line[0] != '{';
		return fail(err, errlen, "request contains a NUL byte");
	}
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i < len && line[i] == '{')
		return fe_parse_json(line + i, len - i, req, err, errlen);
	return fe_parse_text(line + i, len - i, req, err, errlen);
}
