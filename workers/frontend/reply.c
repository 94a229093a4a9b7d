/* Formatting of the frontend's answers: rows in, text out, no I/O. */
#include "workers/frontend/reply.h"
#include "common/num.h"

#include <errno.h>
#include <inttypes.h>
#include <json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- buffer -------------------------------------------------------------- */

static bool reserve(struct fe_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	if (b->oom)
		return false;
	if (n > SIZE_MAX / 2 - b->len) {
		b->oom = true;
		return false;
	}
	if (b->len + n + 1 <= b->cap)
		return true;
	while (cap < b->len + n + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void fe_buf_add(struct fe_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void fe_buf_puts(struct fe_buf *b, const char *s)
{
	fe_buf_add(b, s, strlen(s));
}

void fe_buf_printf(struct fe_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void fe_buf_consume(struct fe_buf *b, size_t n)
{
	if (n >= b->len) {
		b->len = 0;
	} else {
		memmove(b->p, b->p + n, b->len - n);
		b->len -= n;
	}
	if (b->p)
		b->p[b->len] = '\0';
	/* a big answer is gone: give its memory back */
	if (b->len == 0 && b->cap > 64 * 1024) {
		free(b->p);
		b->p = NULL;
		b->cap = 0;
	}
}

void fe_buf_free(struct fe_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* --- JSON helpers -------------------------------------------------------- */

static void add_json_line(struct fe_buf *b, json_object *obj)
{
	if (!obj) {
		b->oom = true;
		return;
	}
	fe_buf_puts(b, json_object_to_json_string_ext(
			   obj, JSON_C_TO_STRING_PLAIN |
				    JSON_C_TO_STRING_NOSLASHESCAPE));
	fe_buf_add(b, "\n", 1);
	json_object_put(obj);
}

/* Fixed-point with 3 decimals, printed without trailing zeros ("1.5"). */
static void milli_str(char *buf, size_t len, uint64_t milli)
{
	int n = snprintf(buf, len, "%" PRIu64 ".%03" PRIu64, milli / 1000,
			 milli % 1000);
	while (n > 2 && buf[n - 1] == '0' && buf[n - 2] != '.')
		buf[--n] = '\0';
}

static json_object *json_milli(uint64_t milli)
{
	char s[32];
	milli_str(s, sizeof(s), milli);
	return json_object_new_double_s((double)milli / 1000, s);
}

static json_object *json_u64_or_null(uint64_t v, bool present)
{
	return present ? json_object_new_uint64(v) : json_object_new_null();
}

static void put(json_object *obj, const char *key, json_object *v)
{
	json_object_object_add(obj, key, v);
}

static json_object *ok_object(void)
{
	json_object *o = json_object_new_object();
	if (o)
		put(o, "ok", json_object_new_boolean(1));
	return o;
}

/* --- JSON answers -------------------------------------------------------- */

void fe_reply_error(struct fe_buf *b, int err, const char *msg)
{
	json_object *o = json_object_new_object();
	const char *name = err > 0 ? strerrorname_np(err) : NULL;

	if (o) {
		put(o, "ok", json_object_new_boolean(0));
		put(o, "error", json_object_new_string(msg));
		put(o, "errno", json_object_new_string(name ? name : "EIO"));
	}
	add_json_line(b, o);
}

void fe_reply_message(struct fe_buf *b, const char *msg)
{
	json_object *o = ok_object();
	if (o)
		put(o, "message", json_object_new_string(msg));
	add_json_line(b, o);
}

void fe_reply_version(struct fe_buf *b)
{
	json_object *o = ok_object();
	if (o) {
		put(o, "version", json_object_new_string(CGFAIR_VERSION));
		put(o, "protocol", json_object_new_int(FE_PROTOCOL));
	}
	add_json_line(b, o);
}

void fe_reply_config(struct fe_buf *b, const char *text)
{
	json_object *o = ok_object();
	if (o)
		put(o, "config", json_object_new_string(text));
	add_json_line(b, o);
}

void fe_reply_report(struct fe_buf *b, const char *json_text)
{
	json_object *report = json_tokener_parse(json_text);
	json_object *o;

	if (!json_object_is_type(report, json_type_object)) {
		json_object_put(report);
		fe_reply_error(b, EIO, "the recorder's answer is not JSON");
		return;
	}
	o = ok_object();
	if (o)
		put(o, "report", report);
	else
		json_object_put(report);
	add_json_line(b, o);
}

void fe_reply_events(struct fe_buf *b)
{
	json_object *o = ok_object();
	if (o)
		put(o, "events", json_object_new_string("following"));
	add_json_line(b, o);
}

bool fe_row_visible(const struct ipc_user_state *row,
		    const struct fe_view *view)
{
	return view->see_all || row->uid == view->uid;
}

static bool has_cap(const struct ipc_user_state *r)
{
	return r->cap_permille > 0;
}

static bool has_mem_limit(const struct ipc_user_state *r)
{
	return r->mem_limit > 0 && r->mem_limit < (uint64_t)INT64_MAX;
}

static json_object *status_row(const struct ipc_user_state *r,
			       const struct fe_view *view, const char *note)
{
	json_object *o = json_object_new_object();
	bool pb = (r->flags & STATE_PENALTY) && r->penalty_until > 0;
	int64_t left = pb ? (int64_t)r->penalty_until - (int64_t)view->now : 0;

	if (!o)
		return NULL;
	put(o, "uid", json_object_new_int64(r->uid));
	put(o, "name", json_object_new_string(r->name));
	put(o, "active", json_object_new_boolean(r->flags & STATE_ACTIVE));
	put(o, "throttled",
	    json_object_new_boolean(r->flags & STATE_THROTTLED));
	put(o, "penalty", json_object_new_boolean(r->flags & STATE_PENALTY));
	put(o, "penalty_automatic",
	    json_object_new_boolean(r->flags & STATE_AUTO));
	put(o, "badness", json_milli((uint64_t)r->badness_tenths * 100));
	put(o, "tier", json_object_new_int64(r->tier));
	put(o, "fixed", json_object_new_boolean(r->flags & STATE_FIXED));
	put(o, "procs", json_object_new_int64(r->nprocs));
	put(o, "cpu", json_milli(r->use_permille));
	put(o, "cpu_cap",
	    has_cap(r) ? json_milli((uint64_t)r->cap_permille)
		       : json_object_new_null());
	put(o, "weight", json_object_new_uint64(r->weight));
	put(o, "memory", json_object_new_uint64(r->mem_bytes));
	put(o, "memory_cache", json_object_new_uint64(r->mem_cache));
	put(o, "memory_limit",
	    json_u64_or_null(r->mem_limit, has_mem_limit(r)));
	put(o, "memory_high", json_u64_or_null(r->mem_high, r->mem_high > 0));
	put(o, "max_tasks", json_u64_or_null(r->max_tasks, r->max_tasks > 0));
	put(o, "io_weight", json_u64_or_null(r->io_weight, r->io_weight > 0));
	put(o, "penalty_until", json_u64_or_null(r->penalty_until, pb));
	put(o, "oom_kills", json_object_new_uint64(r->oom_kills));
	put(o, "penalty_left",
	    json_u64_or_null(left > 0 ? (uint64_t)left : 0, pb));
	/* the admin's reason (cgfairctl penalty USER DURATION REASON) */
	put(o, "penalty_reason",
	    note && (r->flags & STATE_PENALTY) ? json_object_new_string(note)
					       : json_object_new_null());
	return o;
}

/* Fleet mode's connection, as the recorder last said it. */
static json_object *fleet_object(const struct ipc_fleet_state *f)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	put(o, "connected", json_object_new_boolean(f->connected));
	put(o, "since", json_object_new_int64(f->since));
	put(o, "backlog_minutes", json_object_new_uint64(f->backlog));
	put(o, "rows_sent", json_object_new_uint64(f->sent));
	put(o, "error", json_object_new_string(f->error));
	return o;
}

/* The upper bounds of the loop histogram's buckets (ipc.h). */
static const uint64_t loop_bounds[IPC_LOOP_BUCKETS] = IPC_LOOP_BOUNDS_US;

/* Dispatches of the supervisor's loop that took longer than bound_us. */
static uint64_t loop_over(const struct ipc_loop_stats *l, uint64_t bound_us)
{
	uint64_t under = 0;

	for (size_t i = 0; i < IPC_LOOP_BUCKETS && loop_bounds[i] <= bound_us;
	     i++)
		under += l->bucket[i];
	return l->dispatches > under ? l->dispatches - under : 0;
}

/* The supervisor's loop: how long it was busy without serving anything
 * else (the longest dispatch is its longest stall). */
static json_object *loop_object(const struct ipc_loop_stats *l)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	put(o, "dispatches", json_object_new_uint64(l->dispatches));
	put(o, "busy_seconds", json_object_new_double(l->busy_us / 1e6));
	put(o, "longest_ms", json_object_new_double(l->max_us / 1e3));
	put(o, "longest_recent_ms",
	    json_object_new_double(l->max_recent_us / 1e3));
	put(o, "over_50ms", json_object_new_uint64(loop_over(l, 50000)));
	return o;
}

void fe_reply_status(struct fe_buf *b, const struct fe_rows *rows,
		     const struct fe_view *view, const uint32_t *only)
{
	json_object *o = ok_object(), *users = json_object_new_array();

	if (!o || !users) {
		json_object_put(users);
		json_object_put(o);
		b->oom = true;
		return;
	}
	for (size_t i = 0; i < rows->n; i++) {
		const struct ipc_user_state *r = &rows->v[i];
		if (!fe_row_visible(r, view) || (only && r->uid != *only))
			continue;
		json_object_array_add(
		    users, status_row(r, view, fe_rows_note_of(rows, r->uid)));
	}
	put(o, "see_all", json_object_new_boolean(view->see_all));
	if (rows->daemon.fleet_on)
		put(o, "fleet", fleet_object(&rows->daemon.fleet));
	if (rows->have_daemon)
		put(o, "loop", loop_object(&rows->daemon.loop));
	put(o, "users", users);
	add_json_line(b, o);
}

/* --- metrics ------------------------------------------------------------- */

/* Prometheus label values escape backslash, double quote and newline. */
static void label_value(struct fe_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fe_buf_printf(b, "\\%c", *s);
		else if (*s == '\n')
			fe_buf_puts(b, "\\n");
		else
			fe_buf_add(b, s, 1);
	}
}

enum metric_kind { M_MILLI, M_U64, M_FLAG, M_USEC };

struct metric {
	const char *name, *help;
	enum metric_kind kind;
	/* the value of a row; false: the row has no sample for it */
	bool (*get)(const struct ipc_user_state *r, uint64_t *v);
	unsigned flag; /* for M_FLAG */
};

static bool get_use(const struct ipc_user_state *r, uint64_t *v)
{
	*v = r->use_permille;
	return true;
}

static bool get_cap(const struct ipc_user_state *r, uint64_t *v)
{
	*v = (uint64_t)r->cap_permille;
	return has_cap(r);
}

static bool get_weight(const struct ipc_user_state *r, uint64_t *v)
{
	*v = r->weight;
	return r->weight > 0;
}

static bool get_mem(const struct ipc_user_state *r, uint64_t *v)
{
	*v = r->mem_bytes;
	return true;
}

static bool get_cache(const struct ipc_user_state *r, uint64_t *v)
{
	*v = r->mem_cache;
	return true;
}

static bool get_limit(const struct ipc_user_state *r, uint64_t *v)
{
	*v = r->mem_limit;
	return has_mem_limit(r);
}

static bool get_high(const struct ipc_user_state *r, uint64_t *v)
{
	*v = r->mem_high;
	return r->mem_high > 0;
}

static bool get_tasks(const struct ipc_user_state *r, uint64_t *v)
{
	*v = r->max_tasks;
	return r->max_tasks > 0;
}

static bool get_io(const struct ipc_user_state *r, uint64_t *v)
{
	*v = r->io_weight;
	return r->io_weight > 0;
}

static bool get_cpu_usec(const struct ipc_user_state *r, uint64_t *v)
{
	*v = r->cpu_usec;
	return true;
}

static bool get_throttled_usec(const struct ipc_user_state *r, uint64_t *v)
{
	*v = r->throttled_usec;
	return true;
}

static bool get_ooms(const struct ipc_user_state *r, uint64_t *v)
{
	*v = r->oom_kills;
	return true;
}

static bool get_procs(const struct ipc_user_state *r, uint64_t *v)
{
	*v = r->nprocs;
	return true;
}

static bool get_badness(const struct ipc_user_state *r, uint64_t *v)
{
	*v = (uint64_t)r->badness_tenths * 100; /* M_MILLI */
	return true;
}

static bool get_tier(const struct ipc_user_state *r, uint64_t *v)
{
	*v = r->tier;
	return true;
}

static bool get_flag(const struct ipc_user_state *r, uint64_t *v)
{
	(void)r;
	(void)v;
	return true; /* M_FLAG reads the flag itself */
}

/* Gauges first, then the counters (M_USEC: microseconds shown as
 * seconds); a counter's name ends in _total. */
static const struct metric metrics[] = {
    {"cgfair_user_cpu_cores", "CPU used over the last interval, in CPUs.",
     M_MILLI, get_use, 0},
    {"cgfair_user_cpu_cap_cores", "CPU cap in force, in CPUs.", M_MILLI,
     get_cap, 0},
    {"cgfair_user_cpu_weight", "CPU weight in force.", M_U64, get_weight, 0},
    {"cgfair_user_memory_bytes", "Memory charged to the user's cgroup.", M_U64,
     get_mem, 0},
    {"cgfair_user_memory_cache_bytes", "Of the memory charged, page cache.",
     M_U64, get_cache, 0},
    {"cgfair_user_memory_limit_bytes", "Memory limit in force.", M_U64,
     get_limit, 0},
    {"cgfair_user_memory_high_bytes", "Memory soft limit (high) in force.",
     M_U64, get_high, 0},
    {"cgfair_user_max_tasks", "Limit of processes and threads in force.", M_U64,
     get_tasks, 0},
    {"cgfair_user_io_weight", "Block I/O weight in force.", M_U64, get_io, 0},
    {"cgfair_user_processes", "Processes of the user.", M_U64, get_procs, 0},
    {"cgfair_user_active", "1 when the user counts as active.", M_FLAG,
     get_flag, STATE_ACTIVE},
    {"cgfair_user_throttled", "1 during a throttle event.", M_FLAG, get_flag,
     STATE_THROTTLED},
    {"cgfair_user_penalty", "1 while the user is in the penalty box.", M_FLAG,
     get_flag, STATE_PENALTY},
    {"cgfair_user_fixed_limit", "1 when an admin fixed the user's limits.",
     M_FLAG, get_flag, STATE_FIXED},
    {"cgfair_user_cpu_seconds_total",
     "CPU time used by the user's processes, seconds.", M_USEC, get_cpu_usec,
     0},
    {"cgfair_user_throttled_seconds_total",
     "Time the user spent held at its CPU cap, seconds.", M_USEC,
     get_throttled_usec, 0},
    {"cgfair_user_oom_kills_total",
     "OOM kills in the user's cgroup since cgfaird started.", M_U64, get_ooms,
     0},
    {"cgfair_user_badness", "The automatic penalty box's score, 0..100.",
     M_MILLI, get_badness, 0},
    {"cgfair_user_penalty_tier",
     "Automatic penalties of the user not forgiven yet.", M_U64, get_tier, 0},
};

static void metric_sample(struct fe_buf *b, const struct metric *m,
			  const struct ipc_user_state *r)
{
	uint64_t v = 0;
	char s[32];

	if (!m->get(r, &v))
		return;
	if (m->kind == M_FLAG)
		v = (r->flags & m->flag) != 0;
	if (m->kind == M_MILLI)
		milli_str(s, sizeof(s), v);
	else if (m->kind == M_USEC)
		snprintf(s, sizeof(s), "%" PRIu64 ".%06" PRIu64, v / 1000000,
			 v % 1000000);
	else
		snprintf(s, sizeof(s), "%" PRIu64, v);
	fe_buf_printf(b, "%s{uid=\"%u\",user=\"", m->name, r->uid);
	label_value(b, r->name);
	fe_buf_printf(b, "\"} %s\n", s);
}

/* The supervisor loop's dispatch times, as a Prometheus histogram (the
 * buckets cumulative), and its longest dispatches. */
static void loop_metrics(struct fe_buf *b, const struct ipc_loop_stats *l)
{
	uint64_t sum = 0;

	fe_buf_puts(b, "# HELP cgfair_loop_dispatch_seconds Time each "
		       "dispatch of the supervisor's event loop took (nothing "
		       "else is served meanwhile).\n"
		       "# TYPE cgfair_loop_dispatch_seconds histogram\n");
	for (size_t i = 0; i < IPC_LOOP_BUCKETS; i++) {
		sum += l->bucket[i];
		fe_buf_printf(b,
			      "cgfair_loop_dispatch_seconds_bucket{le=\"%g\"} "
			      "%" PRIu64 "\n",
			      loop_bounds[i] / 1e6, sum);
	}
	fe_buf_printf(
	    b,
	    "cgfair_loop_dispatch_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n"
	    "cgfair_loop_dispatch_seconds_sum %.6f\n"
	    "cgfair_loop_dispatch_seconds_count %" PRIu64 "\n"
	    "# HELP cgfair_loop_dispatch_longest_seconds The longest dispatch "
	    "since cgfaird started.\n"
	    "# TYPE cgfair_loop_dispatch_longest_seconds gauge\n"
	    "cgfair_loop_dispatch_longest_seconds %.6f\n"
	    "# HELP cgfair_loop_dispatch_longest_recent_seconds The longest "
	    "dispatch in this and the last minute.\n"
	    "# TYPE cgfair_loop_dispatch_longest_recent_seconds gauge\n"
	    "cgfair_loop_dispatch_longest_recent_seconds %.6f\n",
	    l->dispatches, l->busy_us / 1e6, l->dispatches, l->max_us / 1e6,
	    l->max_recent_us / 1e6);
}

/* The daemon's own counters: restarts per worker, the last reload, the
 * supervisor's loop. */
static void daemon_metrics(struct fe_buf *b, const struct ipc_daemon_state *d)
{
	fe_buf_puts(b, "# HELP cgfair_worker_restarts_total Restarts of the "
		       "worker since cgfaird started.\n"
		       "# TYPE cgfair_worker_restarts_total counter\n");
	for (uint32_t i = 0; i < d->nworkers && i < IPC_WORKERS_MAX; i++) {
		const struct ipc_worker_count *w = &d->worker[i];
		fe_buf_puts(b, "cgfair_worker_restarts_total{worker=\"");
		label_value(b, w->name);
		fe_buf_printf(b, "\"} %" PRIu64 "\n", w->restarts);
	}
	fe_buf_printf(
	    b,
	    "# HELP cgfair_config_last_reload_success 1 when the last load of "
	    "the configuration succeeded.\n"
	    "# TYPE cgfair_config_last_reload_success gauge\n"
	    "cgfair_config_last_reload_success %u\n"
	    "# HELP cgfair_config_last_reload_success_timestamp_seconds When "
	    "the configuration was last loaded successfully.\n"
	    "# TYPE cgfair_config_last_reload_success_timestamp_seconds gauge\n"
	    "cgfair_config_last_reload_success_timestamp_seconds %" PRIu64 "\n",
	    d->reload_ok, d->reload_ok_time);
	loop_metrics(b, &d->loop);
}

void fe_metrics_text(struct fe_buf *b, const struct fe_rows *rows,
		     const struct fe_view *view)
{
	unsigned users = 0, active = 0;

	for (size_t k = 0; k < sizeof(metrics) / sizeof(metrics[0]); k++) {
		const struct metric *m = &metrics[k];
		size_t n = strlen(m->name);
		bool counter = n > 6 && strcmp(m->name + n - 6, "_total") == 0;
		fe_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", m->name,
			      m->help, m->name, counter ? "counter" : "gauge");
		for (size_t i = 0; i < rows->n; i++)
			if (fe_row_visible(&rows->v[i], view))
				metric_sample(b, m, &rows->v[i]);
	}
	/* totals: the same whoever asks (visibility filters rows only) */
	for (size_t i = 0; i < rows->n; i++) {
		users++;
		active += (rows->v[i].flags & STATE_ACTIVE) != 0;
	}
	fe_buf_printf(b,
		      "# HELP cgfair_users Managed users (all of them).\n"
		      "# TYPE cgfair_users gauge\ncgfair_users %u\n"
		      "# HELP cgfair_users_active Of them, active.\n"
		      "# TYPE cgfair_users_active gauge\n"
		      "cgfair_users_active %u\n"
		      "# HELP cgfair_info The daemon's version.\n"
		      "# TYPE cgfair_info gauge\n"
		      "cgfair_info{version=\"%s\"} 1\n",
		      users, active, CGFAIR_VERSION);
	if (rows->have_daemon)
		daemon_metrics(b, &rows->daemon);
}

void fe_reply_metrics(struct fe_buf *b, const struct fe_rows *rows,
		      const struct fe_view *view)
{
	struct fe_buf text = {0};
	json_object *o;

	fe_metrics_text(&text, rows, view);
	if (text.oom) {
		fe_buf_free(&text);
		fe_reply_error(b, ENOMEM, "out of memory");
		return;
	}
	o = ok_object();
	if (o)
		put(o, "metrics",
		    json_object_new_string_len(text.p, (int)text.len));
	add_json_line(b, o);
	fe_buf_free(&text);
}

/* --- the seed's text answers --------------------------------------------- */

void fe_seed_help(struct fe_buf *b)
{
	fe_buf_puts(
	    b, "Commands (one per connection; cgfairctl(1) speaks JSON, "
	       "one object per line):\n"
	       "  help\n"
	       "  list --cgroup all|names|ID[,ID...]\n"
	       "  list --config\n"
	       "  set cgroup ID [--memlimit N[kKmMgG]] [--cpulimit PCT] "
	       "[--penaltybox on|off] [--default yes]\n"
	       "ID is user-UID.slice, cg_UID, user-UID or UID. --cpulimit is "
	       "a percent of one CPU, 0 removes it; --default yes clears "
	       "fixed limits.\n");
}

void fe_seed_error(struct fe_buf *b, const char *msg)
{
	fe_buf_printf(b, "Error: %s\n", msg);
}

static void seed_ident(char *buf, size_t len, uint32_t uid,
		       const struct ipc_listen_setup *setup)
{
	if (setup->flags & LISTEN_SYSTEMD_NAMES)
		snprintf(buf, len, "user-%u.slice", uid);
	else
		snprintf(buf, len, "user-%u", uid);
}

static json_object *seed_path(const char *dir, const char *ident)
{
	char path[IPC_PATH_MAX + 32];

	if (dir[0])
		snprintf(path, sizeof(path), "%s/%s", dir, ident);
	else
		snprintf(path, sizeof(path), "%s", ident);
	return json_object_new_string(path);
}

void fe_seed_row(struct fe_buf *b, const struct ipc_user_state *r,
		 const struct ipc_listen_setup *setup)
{
	json_object *o = json_object_new_object();
	char ident[48], pct[32];
	uint32_t ncpus = r->ncpus ? r->ncpus : 1;
	/* the seed's cpupct: a percent of the whole machine */
	uint64_t hundredths = r->use_permille * 10 / ncpus;

	seed_ident(ident, sizeof(ident), r->uid, setup);
	snprintf(pct, sizeof(pct), "%" PRIu64 ".%02" PRIu64, hundredths / 100,
		 hundredths % 100);
	if (o) {
		put(o, "ident", json_object_new_string(ident));
		put(o, "cpupath", seed_path(setup->cpu_dir, ident));
		put(o, "mempath", seed_path(setup->mem_dir, ident));
		put(o, "numtasks", json_object_new_int64(r->nprocs));
		put(o, "cpupct",
		    json_object_new_double_s((double)hundredths / 100, pct));
		put(o, "throttled",
		    json_object_new_boolean(r->flags & STATE_THROTTLED));
		put(o, "penaltyboxed",
		    json_object_new_boolean(r->flags & STATE_PENALTY));
		put(o, "fixedcpu",
		    json_object_new_boolean(r->flags & STATE_FIXED));
		/* quota per one-second period, as under systemd; -1 none */
		put(o, "cpuquotausecs",
		    json_object_new_int64(has_cap(r) ? r->cap_permille * 1000
						     : -1));
		put(o, "memused", json_object_new_uint64(r->mem_bytes));
		put(o, "cached", json_object_new_uint64(r->mem_cache));
		put(o, "isuser", json_object_new_boolean(1));
	}
	add_json_line(b, o);
}

static bool listed(const struct fe_request *req, uint32_t uid)
{
	if (req->list != FE_LIST_IDS)
		return true;
	for (size_t i = 0; i < req->nids; i++)
		if (req->ids[i] == uid)
			return true;
	return false;
}

void fe_seed_list(struct fe_buf *b, const struct fe_rows *rows,
		  const struct fe_view *view, const struct fe_request *req)
{
	char ident[48];

	for (size_t i = 0; i < rows->n; i++) {
		const struct ipc_user_state *r = &rows->v[i];
		if (!fe_row_visible(r, view) || !listed(req, r->uid))
			continue;
		if (req->list == FE_LIST_NAMES) {
			seed_ident(ident, sizeof(ident), r->uid, view->setup);
			fe_buf_printf(b, "%s\n", ident);
		} else {
			fe_seed_row(b, r, view->setup);
		}
	}
}

/* --- events -------------------------------------------------------------- */

static int uid_of(json_object *v, uint32_t *uid)
{
	if (json_object_is_type(v, json_type_int)) {
		int64_t n = json_object_get_int64(v);
		if (n < 0 || n >= (int64_t)UINT32_MAX)
			return -1;
		*uid = (uint32_t)n;
		return 0;
	}
	if (json_object_is_type(v, json_type_string))
		return num_parse_uid(json_object_get_string(v), uid) ? -1 : 0;
	return -1;
}

int fe_event_uid(const char *json, uint32_t *uid)
{
	json_object *o = json_tokener_parse(json), *v;
	int r = -1;

	if (o && json_object_is_type(o, json_type_object) &&
	    (json_object_object_get_ex(o, "uid", &v) ||
	     json_object_object_get_ex(o, "UID", &v)))
		r = uid_of(v, uid);
	json_object_put(o);
	return r;
}
