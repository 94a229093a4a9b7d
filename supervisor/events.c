/*
 * Events: one record per decision or incident, sent to the journal, to the
 * JSON-lines event log and to the added sinks.
 *
 * The log keeps Cgroup Py v.2's throttle.log records readable by the
 * scripts that watch it: a throttle_end event is also a "throttleCPU"
 * record and an oom event an "OOM" record, with every key the seed wrote
 * in either (TYPE, ID, CGROUP, USERNAME, UID, UNAME, START_TIME, END_TIME,
 * CPU, TIMESTAMP, NODE) beside cgfair's own lower-case keys. The other
 * types have no TYPE key, so that old scripts counting TYPE do not see
 * them. The seed log ([log] throttle_log) gets those two records alone,
 * with exactly the keys the seed wrote in each (seed_only()).
 *
 * Every string that came from outside (user names, task names, cgroup
 * paths) is made valid UTF-8 without control characters first, so that
 * each line is valid JSON and each journal field is text.
 */
#include "supervisor/events.h"
#include "supervisor/backend.h"
#include "supervisor/event_limit.h"
#include "supervisor/users.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <json-c/json.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

struct type_info {
	const char *name;
	const char *message_id; /* fixed forever: etc/cgfair.catalog */
	int priority;
	const char *seed_type; /* the seed's TYPE, NULL: not a seed record */
};

static const struct type_info types[EVENT_TYPE_COUNT] = {
    [EVENT_LIMIT_CHANGE] = {"limit_change", "f6fdc42306da4c819a16d37d7b544ece",
			    LOG_INFO, NULL},
    [EVENT_THROTTLE_START] = {"throttle_start",
			      "c19cb132034444f3aad32132ebd67d29", LOG_NOTICE,
			      NULL},
    [EVENT_THROTTLE_END] = {"throttle_end", "d6e21a2c88c0437986d7352ba4add5aa",
			    LOG_NOTICE, "throttleCPU"},
    [EVENT_OOM] = {"oom", "0a3803e70833493ea11488e65f2b9d14", LOG_WARNING,
		   "OOM"},
    [EVENT_PENALTY_ON] = {"penalty_on", "67de62a081774204a75023a5463eba10",
			  LOG_NOTICE, NULL},
    [EVENT_PENALTY_OFF] = {"penalty_off", "0bbe68bec88c40aab77c4f2717c97e1e",
			   LOG_NOTICE, NULL},
    [EVENT_ADMIN_ACTION] = {"admin_action", "50dc19e852ba486fa39f694296e486c4",
			    LOG_NOTICE, NULL},
    [EVENT_WORKER_RESTART] = {"worker_restart",
			      "f8b7dbfa98814f25a7ddbdefd8708926", LOG_WARNING,
			      NULL},
    [EVENT_CONFIG_RELOAD] = {"config_reload",
			     "94f85df081a1475088424ca039a95c68", LOG_NOTICE,
			     NULL},
    [EVENT_PENALTY_WARNING] = {"penalty_warning",
			       "a5944d8ed692431abbed59c6914693a9", LOG_NOTICE,
			       NULL},
    [EVENT_PENALTY_TIER] = {"penalty_tier", "09a7609595514228b6ef5e81b609ba76",
			    LOG_INFO, NULL},
    [EVENT_SUPPRESSED] = {"suppressed", "3d1c7e0b5f4a4a8e9b2f6c1d8e7a5b40",
			  LOG_WARNING, NULL},
};

/* A JSON-lines file: the event log, or the seed's throttle.log. */
struct log_file {
	const char *what;    /* "event log" */
	char path[PATH_MAX]; /* "" : none */
	int fd;
	bool failing;
	unsigned long lost;
};

static struct {
	bool initialized;
	struct log_file log, seed;
	char node[256];
	bool journal;
	bool journal_failing;
	unsigned long journal_lost;
	struct {
		event_sink fn;
		void *arg;
	} sinks[EVENTS_MAX_SINKS];
	unsigned nsinks;
} ev = {.log = {.what = "event log", .fd = -1},
	.seed = {.what = "throttle log", .fd = -1}};

const char *event_type_name(enum event_type type)
{
	return (unsigned)type < EVENT_TYPE_COUNT ? types[type].name : "unknown";
}

/* --- text ---------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n;
	unsigned cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void event_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s;

	while (*p) {
		size_t n = utf8_len(p);
		if (n == 0 || (n == 1 && (*p < 0x20 || *p == 0x7f))) {
			*p++ = '?';
			continue;
		}
		p += n;
	}
}

static void add_str(json_object *o, const char *key, const char *value)
{
	if (!value) {
		json_object_object_add(o, key, NULL);
		return;
	}
	char *copy = strdup(value);
	if (!copy)
		fatal(EXIT_FATAL, "strdup");
	event_sanitize(copy);
	json_object_object_add(o, key, json_object_new_string(copy));
	free(copy);
}

static void add_int(json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

/* A double with a fixed number of decimals, not json-c's %.17g. */
static void add_double(json_object *o, const char *key, double v, int prec)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%.*f", prec, v);
	json_object_object_add(o, key, json_object_new_double_s(v, buf));
}

/* "YYYY-mm-dd HH:MM:SS", local time: the seed's format. */
static void fmt_seed_time(time_t t, char *buf, size_t len)
{
	struct tm tm;
	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%F %T", &tm))
		snprintf(buf, len, "%lld", (long long)t);
}

/* ISO 8601 local time with milliseconds and the UTC offset. */
static void fmt_iso_time(struct timespec ts, char *buf, size_t len)
{
	struct tm tm;
	char date[24];

	if (!localtime_r(&ts.tv_sec, &tm) ||
	    !strftime(date, sizeof(date), "%FT%T", &tm)) {
		snprintf(buf, len, "%lld", (long long)ts.tv_sec);
		return;
	}
	long off = tm.tm_gmtoff / 60;
	snprintf(buf, len, "%s.%03ld%c%02ld:%02ld", date, ts.tv_nsec / 1000000,
		 off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

static void add_time(json_object *o, const char *key, time_t t)
{
	char buf[80];
	fmt_iso_time((struct timespec){.tv_sec = t}, buf, sizeof(buf));
	add_str(o, key, buf);
}

/* The seed's ID: 16 random letters and digits. */
static void make_id(char id[17])
{
	static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[16];

	if (getrandom(r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r)) {
		/* early boot: unique is enough, these are not secrets */
		static unsigned n;
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)((unsigned long)ts.tv_nsec >>
						   (i % 4 * 8) ^
					       n++ * 131u ^ (unsigned)getpid());
	}
	for (size_t i = 0; i < 16; i++)
		id[i] = set[r[i] % (sizeof(set) - 1)];
	id[16] = '\0';
}

static const char *user_name(const struct event_fields *f, char *buf,
			     size_t len)
{
	const struct user *u;

	if (f->user)
		return f->user;
	u = user_find(f->uid);
	if (u && u->name[0])
		return u->name;
	snprintf(buf, len, "%u", (unsigned)f->uid);
	return buf;
}

/* The seed's CGROUP: the user's cgroup name, as the backend names it. */
static void cgroup_ident(uid_t uid, char *buf, size_t len)
{
	struct ipc_scan_setup where;

	memset(&where, 0, sizeof(where));
	backend_scan_setup(&where);
	snprintf(buf, len, where.systemd_names ? "user-%u.slice" : "user-%u",
		 (unsigned)uid);
}

/* --- the human sentence -------------------------------------------------- */

static void fmt_cap(int64_t permille, char *buf, size_t len)
{
	if (permille < 0)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%.2f CPUs", (double)permille / 1000.0);
}

static void fmt_mem(uint64_t bytes, char *buf, size_t len)
{
	if (bytes == EVENT_NO_LIMIT)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%.1f MiB", (double)bytes / 1048576.0);
}

static void msg_limit(const struct event_fields *f, const char *who, char *buf,
		      size_t len)
{
	char a[32], b[32], c[32], d[32];
	int n = snprintf(buf, len, "%s:", who);

	if (f->cpu_old != f->cpu_new && n > 0 && (size_t)n < len) {
		fmt_cap(f->cpu_old, a, sizeof(a));
		fmt_cap(f->cpu_new, b, sizeof(b));
		n += snprintf(buf + n, len - (size_t)n, " CPU cap %s -> %s", a,
			      b);
	}
	if (f->mem_old != f->mem_new && n > 0 && (size_t)n < len) {
		fmt_mem(f->mem_old, c, sizeof(c));
		fmt_mem(f->mem_new, d, sizeof(d));
		n += snprintf(buf + n, len - (size_t)n,
			      " memory limit %s -> %s", c, d);
	}
	if (f->high_old != f->high_new && n > 0 && (size_t)n < len) {
		fmt_mem(f->high_old, c, sizeof(c));
		fmt_mem(f->high_new, d, sizeof(d));
		n += snprintf(buf + n, len - (size_t)n, " memory high %s -> %s",
			      c, d);
	}
	if (f->tasks_old != f->tasks_new && n > 0 && (size_t)n < len)
		n += snprintf(
		    buf + n, len - (size_t)n, " max tasks %lld -> %lld",
		    f->tasks_old == EVENT_NO_LIMIT ? -1LL
						   : (long long)f->tasks_old,
		    f->tasks_new == EVENT_NO_LIMIT ? -1LL
						   : (long long)f->tasks_new);
	if (f->io_old != f->io_new && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - (size_t)n, " io weight %u -> %u",
			      f->io_old, f->io_new);
	if (f->reason && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " (%s)", f->reason);
}

static void msg_oom(const struct event_fields *f, const char *who, char *buf,
		    size_t len)
{
	if (f->pid > 0)
		snprintf(buf, len,
			 "OOM kill in the cgroup of %s: process %d (%s), "
			 "%llu kB resident",
			 who, (int)f->pid, f->comm ? f->comm : "?",
			 (unsigned long long)f->rss_kb);
	else
		snprintf(buf, len,
			 "OOM kill in the cgroup of %s (the kernel named no "
			 "victim in time)",
			 who);
}

static void msg_admin(const struct event_fields *f, const char *who, char *buf,
		      size_t len)
{
	const struct actor none = {.auid = ACTOR_UNSET};
	const struct actor *a = f->actor ? f->actor : &none;

	snprintf(buf, len, "admin request by uid %u (pid %d): %s%s%s: %s",
		 (unsigned)a->uid, (int)a->pid, f->action ? f->action : "?",
		 f->uid ? " on " : "", f->uid ? who : "",
		 f->status ? strerror(f->status) : "done");
}

/* "CPU 1.80 (threshold 1.00), memory 2.0G (threshold 1.0G) over the
 * last 300 s": the figures behind an automatic action. */
static void badness_figures(const struct event_fields *f, char *buf, size_t len)
{
	int n =
	    snprintf(buf, len, "CPU %.2f (threshold %s%.2f)", f->cpu_avg,
		     f->cpu_threshold > 0 ? "" : "none, ", f->cpu_threshold);

	if (n > 0 && (size_t)n < len && f->mem_threshold > 0)
		n += snprintf(buf + n, len - (size_t)n,
			      ", memory %.0f MiB (threshold %.0f MiB)",
			      f->mem_avg / 1048576, f->mem_threshold / 1048576);
	if (n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, " over the last %llu s",
			 (unsigned long long)(f->window_ms / 1000));
}

static void msg_penalty_on(const struct event_fields *f, const char *who,
			   char *buf, size_t len)
{
	char until[32], fig[200];

	fmt_seed_time(f->until, until, sizeof(until));
	if (!f->automatic) {
		snprintf(buf, len, "%s put in the penalty box until %s", who,
			 f->until ? until : "released");
		return;
	}
	badness_figures(f, fig, sizeof(fig));
	snprintf(buf, len,
		 "%s put in the penalty box until %s by the badness score "
		 "(%.0f, tier %u): %s",
		 who, until, f->badness, (unsigned)f->tier, fig);
}

static void msg_badness(enum event_type t, const struct event_fields *f,
			const char *who, char *buf, size_t len)
{
	char fig[200];

	badness_figures(f, fig, sizeof(fig));
	if (t == EVENT_PENALTY_WARNING)
		snprintf(buf, len,
			 "%s: badness %.0f of 100, %s; at 100 the penalty "
			 "box follows",
			 who, f->badness, fig);
	else
		snprintf(buf, len,
			 "%s: penalty tier back to %u after a time without a "
			 "penalty",
			 who, (unsigned)f->tier);
}

static void default_message(enum event_type t, const struct event_fields *f,
			    const char *name, char *buf, size_t len)
{
	char who[128];

	snprintf(who, sizeof(who), "user %s (uid %u)", name, (unsigned)f->uid);
	switch (t) {
	case EVENT_LIMIT_CHANGE:
		msg_limit(f, who, buf, len);
		break;
	case EVENT_THROTTLE_START:
		snprintf(buf, len, "%s throttled: using %.1f%%", who,
			 f->cpu_percent);
		break;
	case EVENT_THROTTLE_END:
		snprintf(buf, len,
			 "%s no longer throttled after %lld s "
			 "(average %.1f%%)",
			 who, (long long)(f->end - f->start), f->cpu_percent);
		break;
	case EVENT_OOM:
		msg_oom(f, who, buf, len);
		break;
	case EVENT_PENALTY_ON:
		msg_penalty_on(f, who, buf, len);
		break;
	case EVENT_PENALTY_WARNING:
	case EVENT_PENALTY_TIER:
		msg_badness(t, f, who, buf, len);
		break;
	case EVENT_PENALTY_OFF:
		snprintf(buf, len, "%s out of the penalty box", who);
		break;
	case EVENT_ADMIN_ACTION:
		msg_admin(f, who, buf, len);
		break;
	case EVENT_WORKER_RESTART:
		snprintf(buf, len, "worker %s (pid %d) %s; restarting it",
			 f->worker ? f->worker : "?", (int)f->worker_pid,
			 f->reason ? f->reason : "ended");
		break;
	case EVENT_SUPPRESSED:
		snprintf(buf, len,
			 "uid %u: %llu %s records not logged in the "
			 "last %u s",
			 (unsigned)f->uid, (unsigned long long)f->suppressed,
			 event_type_name(f->suppressed_type), f->window_s);
		break;
	case EVENT_CONFIG_RELOAD:
		snprintf(buf, len,
			 f->failed ? "configuration %s not reloaded: %s; the "
				     "old one stays"
				   : "configuration %s reloaded%s",
			 f->config ? f->config : "",
			 f->reason ? f->reason : "");
		break;
	default:
		snprintf(buf, len, "event");
	}
}

/* --- the record ---------------------------------------------------------- */

static void add_cap(json_object *o, const char *key, int64_t permille)
{
	if (permille < 0)
		json_object_object_add(o, key, NULL);
	else
		add_double(o, key, (double)permille / 1000.0, 3);
}

static void add_limit(json_object *o, const char *key, uint64_t bytes)
{
	if (bytes == EVENT_NO_LIMIT)
		json_object_object_add(o, key, NULL);
	else
		add_int(o, key,
			(int64_t)(bytes > INT64_MAX ? INT64_MAX : bytes));
}

/* The other limits of a limit change: each pair when it moved. */
static void add_extra(json_object *o, const struct event_fields *f)
{
	if (f->high_old != f->high_new) {
		add_limit(o, "mem_high_old", f->high_old);
		add_limit(o, "mem_high_new", f->high_new);
	}
	if (f->tasks_old != f->tasks_new) {
		add_limit(o, "max_tasks_old", f->tasks_old);
		add_limit(o, "max_tasks_new", f->tasks_new);
	}
	if (f->io_old != f->io_new) {
		add_int(o, "io_weight_old", f->io_old);
		add_int(o, "io_weight_new", f->io_new);
	}
}

static void add_oom(json_object *o, const struct event_fields *f)
{
	bool detail = f->pid > 0;

	add_int(o, "oom_kills", (int64_t)f->oom_kills);
	json_object_object_add(o, "detail", json_object_new_boolean(detail));
	if (detail) {
		add_int(o, "pid", f->pid);
		add_str(o, "comm", f->comm);
		add_int(o, "rss_kb", (int64_t)f->rss_kb);
		add_int(o, "victim_uid", f->victim_uid);
	} else {
		json_object_object_add(o, "pid", NULL);
		json_object_object_add(o, "comm", NULL);
		json_object_object_add(o, "rss_kb", NULL);
		json_object_object_add(o, "victim_uid", NULL);
	}
	add_str(o, "memcg", f->memcg && f->memcg[0] ? f->memcg : NULL);
}

static void add_badness(json_object *o, const struct event_fields *f)
{
	json_object_object_add(o, "automatic", json_object_new_boolean(1));
	add_double(o, "badness", f->badness, 1);
	add_int(o, "tier", f->tier);
	add_int(o, "window_s", (int64_t)(f->window_ms / 1000));
	add_double(o, "cpu_avg", f->cpu_avg, 3);
	if (f->cpu_threshold > 0)
		add_double(o, "cpu_threshold", f->cpu_threshold, 3);
	else
		json_object_object_add(o, "cpu_threshold", NULL);
	add_int(o, "memory_avg", (int64_t)f->mem_avg);
	if (f->mem_threshold > 0)
		add_int(o, "memory_threshold", (int64_t)f->mem_threshold);
	else
		json_object_object_add(o, "memory_threshold", NULL);
}

static void add_type_fields(json_object *o, enum event_type t,
			    const struct event_fields *f)
{
	switch (t) {
	case EVENT_LIMIT_CHANGE:
		if (f->cpu_old != f->cpu_new) {
			add_cap(o, "cpu_cap_old", f->cpu_old);
			add_cap(o, "cpu_cap_new", f->cpu_new);
		}
		if (f->mem_old != f->mem_new) {
			add_limit(o, "mem_limit_old", f->mem_old);
			add_limit(o, "mem_limit_new", f->mem_new);
		}
		add_extra(o, f);
		break;
	case EVENT_THROTTLE_END:
		add_time(o, "end", f->end);
		add_int(o, "duration_s", (int64_t)(f->end - f->start));
		/* fall through */
	case EVENT_THROTTLE_START:
		add_time(o, "start", f->start);
		add_cap(o, "cpu_cap", f->cpu_new);
		add_double(o, "cpu_percent", f->cpu_percent, 1);
		break;
	case EVENT_OOM:
		add_oom(o, f);
		break;
	case EVENT_PENALTY_ON:
		if (f->until)
			add_time(o, "until", f->until);
		else
			json_object_object_add(o, "until", NULL);
		if (f->note)
			add_str(o, "note", f->note);
		if (f->automatic) {
			add_badness(o, f);
			add_int(o, "duration_s",
				(int64_t)(f->penalty_ms / 1000));
		}
		break;
	case EVENT_PENALTY_WARNING:
	case EVENT_PENALTY_TIER:
		add_badness(o, f);
		break;
	case EVENT_ADMIN_ACTION:
		add_str(o, "action", f->action);
		add_int(o, "status", f->status);
		break;
	case EVENT_WORKER_RESTART:
		add_str(o, "worker", f->worker);
		add_int(o, "pid", f->worker_pid);
		break;
	case EVENT_SUPPRESSED:
		add_int(o, "suppressed", (int64_t)f->suppressed);
		add_str(o, "of", event_type_name(f->suppressed_type));
		add_int(o, "window_s", f->window_s);
		break;
	case EVENT_CONFIG_RELOAD:
		add_str(o, "config", f->config);
		json_object_object_add(o, "ok",
				       json_object_new_boolean(!f->failed));
		break;
	case EVENT_PENALTY_OFF:
		if (f->note)
			add_str(o, "note", f->note);
		break;
	default:
		break;
	}
	if (f->reason)
		add_str(o, "reason", f->reason);
}

/* Who asked, as in the audit record: the kernel's facts about the client
 * process; auid, ses and exe null when it ended before they were read. */
static void add_actor(json_object *o, const struct actor *a)
{
	add_int(o, "client_uid", a->uid);
	add_int(o, "client_pid", a->pid);
	if (a->known) {
		add_int(o, "client_auid", a->auid);
		add_int(o, "client_ses", a->ses);
		add_str(o, "client_exe", a->exe[0] ? a->exe : NULL);
	} else {
		json_object_object_add(o, "client_auid", NULL);
		json_object_object_add(o, "client_ses", NULL);
		json_object_object_add(o, "client_exe", NULL);
	}
}

/* An admin's max_tasks, memory.high or I/O weight (struct change): null
 * when none is fixed, "max" when fixed at no limit. */
static void add_fixed(json_object *o, const char *key, int64_t v)
{
	if (v == CHANGE_NONE)
		json_object_object_add(o, key, NULL);
	else if (v == CHANGE_NO_LIMIT)
		add_str(o, key, "max");
	else
		add_int(o, key, v);
}

/* What an admin action changed, as in the audit record. */
static void add_change(json_object *o, const struct change *c)
{
	if (c->cpu) {
		add_cap(o, "cpu_cap_old", c->cpu_old);
		add_cap(o, "cpu_cap_new", c->cpu_new);
	}
	if (c->mem) {
		add_limit(o, "mem_limit_old", c->mem_old);
		add_limit(o, "mem_limit_new", c->mem_new);
	}
	if (c->penalty) {
		add_int(o, "penalty_old_s", c->penalty_old);
		add_int(o, "penalty_new_s", c->penalty_new);
	}
	if (c->tasks) {
		add_fixed(o, "max_tasks_old", c->tasks_old);
		add_fixed(o, "max_tasks_new", c->tasks_new);
	}
	if (c->high) {
		add_fixed(o, "mem_high_old", c->high_old);
		add_fixed(o, "mem_high_new", c->high_new);
	}
	if (c->io) {
		add_fixed(o, "io_weight_old", c->io_old);
		add_fixed(o, "io_weight_new", c->io_new);
	}
}

/* cgfair's own keys; the journal gets these as CGFAIR_* fields. */
static json_object *own_record(enum event_type t, const struct event_fields *f,
			       struct timespec now, const char *id)
{
	json_object *o = json_object_new_object();
	char name[32], cg[64], when[80], msg[512];
	const char *uname = user_name(f, name, sizeof(name));

	if (!o)
		fatalx(EXIT_FATAL, "json_object_new_object failed");
	add_str(o, "event", types[t].name);
	add_int(o, "schema", EVENTS_SCHEMA);
	fmt_iso_time(now, when, sizeof(when));
	add_str(o, "time", when);
	/* the same instant for programs: microseconds since the epoch */
	add_int(o, "time_usec",
		(int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000);
	add_str(o, "id", id);
	add_str(o, "node", ev.node);
	if (f->uid != 0) {
		cgroup_ident(f->uid, cg, sizeof(cg));
		add_int(o, "uid", f->uid);
		add_str(o, "user", uname);
		add_str(o, "cgroup", cg);
	}
	add_type_fields(o, t, f);
	if (f->actor)
		add_actor(o, f->actor);
	if (f->change)
		add_change(o, f->change);
	if (!f->message)
		default_message(t, f, uname, msg, sizeof(msg));
	add_str(o, "message", f->message ? f->message : msg);
	return o;
}

/* The seed's keys, in the order it wrote them, then cgfair's. */
static json_object *seed_record(enum event_type t, const struct event_fields *f,
				struct timespec now, const char *id)
{
	json_object *o = json_object_new_object();
	char name[32], cg[64], uid[16], start[32], end[32], stamp[32];
	const char *uname = user_name(f, name, sizeof(name));
	bool throttle = t == EVENT_THROTTLE_END;

	cgroup_ident(f->uid, cg, sizeof(cg));
	snprintf(uid, sizeof(uid), "%u", (unsigned)f->uid);
	fmt_seed_time(now.tv_sec, stamp, sizeof(stamp));
	fmt_seed_time(throttle ? f->start : now.tv_sec, start, sizeof(start));
	fmt_seed_time(throttle ? f->end : now.tv_sec, end, sizeof(end));
	add_str(o, "TYPE", types[t].seed_type);
	add_str(o, "ID", id);
	add_str(o, "CGROUP", cg);
	add_str(o, "USERNAME", uname);
	add_str(o, "UID", uid);
	add_str(o, "UNAME", uname);
	add_str(o, "START_TIME", start);
	add_str(o, "END_TIME", end);
	if (throttle)
		add_double(o, "CPU", f->cpu_percent, 1);
	else
		json_object_object_add(o, "CPU", NULL);
	add_str(o, "TIMESTAMP", throttle ? end : stamp);
	add_str(o, "NODE", ev.node);
	return o;
}

static json_object *full_record(enum event_type t, json_object *own,
				const struct event_fields *f,
				struct timespec now, const char *id)
{
	if (!types[t].seed_type)
		return json_object_get(own);
	json_object *o = seed_record(t, f, now, id);
	json_object_object_foreach(own, key, val)
	    json_object_object_add(o, key, json_object_get(val));
	return o;
}

/* What Cgroup Py v.2 wrote in its throttle.log, key for key
 * (docs/seed.md): the seed log gets these and nothing
 * else, so that a reader that knows only them keeps working. */
static const char *const seed_throttle_keys[] = {
    "TYPE",	"ID",  "CGROUP", "USERNAME", "START_TIME",
    "END_TIME", "CPU", "NODE",	 NULL};
static const char *const seed_oom_keys[] = {"TYPE",  "ID",   "TIMESTAMP", "UID",
					    "UNAME", "NODE", NULL};

/* The seed's record of an event out of the full one; NULL: the seed
 * wrote no such record. */
static json_object *seed_only(enum event_type t, json_object *all)
{
	const char *const *keys = t == EVENT_THROTTLE_END ? seed_throttle_keys
				  : t == EVENT_OOM	  ? seed_oom_keys
							  : NULL;
	json_object *o, *v;

	if (!keys)
		return NULL;
	o = json_object_new_object();
	if (!o)
		fatalx(EXIT_FATAL, "json_object_new_object failed");
	for (; *keys; keys++)
		if (json_object_object_get_ex(all, *keys, &v))
			json_object_object_add(o, *keys, json_object_get(v));
	return o;
}

static const int json_flags =
    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;

char *event_format_json(enum event_type type, const struct event_fields *f,
			struct timespec now)
{
	char id[17];

	if ((unsigned)type >= EVENT_TYPE_COUNT)
		return NULL;
	make_id(id);
	json_object *own = own_record(type, f, now, id);
	json_object *all = full_record(type, own, f, now, id);
	char *s = strdup(json_object_to_json_string_ext(all, json_flags));
	json_object_put(all);
	json_object_put(own);
	return s;
}

/* --- sinks --------------------------------------------------------------- */

static void log_failed(struct log_file *l, const char *what, int err)
{
	l->lost++;
	if (l->failing)
		return;
	l->failing = true;
	log_warnx("%s %s: %s%s%s; events are not logged there until it "
		  "works again",
		  l->what, l->path, what, err ? ": " : "",
		  err ? strerror(err) : "");
}

static void log_recovered(struct log_file *l)
{
	if (!l->failing)
		return;
	log_info("%s %s: written again (%lu events lost)", l->what, l->path,
		 l->lost);
	l->failing = false;
	l->lost = 0;
}

/* One write per line, O_APPEND. A partial line is cut off again, so that
 * the log stays one JSON object per line. */
static void write_log(struct log_file *l, const char *json)
{
	size_t len = strlen(json), done = 0;
	int err = EIO; /* a write of 0 bytes */
	char *line;

	if (!l->path[0])
		return;
	if (l->fd < 0) {
		log_failed(l, "not open", 0);
		return;
	}
	if (asprintf(&line, "%s\n", json) < 0)
		fatal(EXIT_FATAL, "asprintf");
	len++;
	while (done < len) {
		ssize_t n = write(l->fd, line + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? errno : EIO;
			break;
		}
		done += (size_t)n;
	}
	free(line);
	if (done == len) {
		log_recovered(l);
		return;
	}
	struct stat st;
	if (done > 0 && fstat(l->fd, &st) == 0 && st.st_size >= (off_t)done)
		(void)!ftruncate(l->fd, st.st_size - (off_t)done);
	log_failed(l, "write failed", err);
}

/* "event" -> "CGFAIR_EVENT=oom"; null values are left out. */
static char *journal_field(const char *key, json_object *val)
{
	char name[64], *s;
	size_t i;

	for (i = 0; key[i] && i < sizeof(name) - 1; i++)
		name[i] =
		    (char)(key[i] >= 'a' && key[i] <= 'z' ? key[i] - 'a' + 'A'
							  : key[i]);
	name[i] = '\0';
	if (asprintf(&s, "CGFAIR_%s=%s", name, json_object_get_string(val)) < 0)
		fatal(EXIT_FATAL, "asprintf");
	return s;
}

static void journal_result(int r)
{
	if (r >= 0) {
		if (ev.journal_failing)
			log_info("journal: events sent again (%lu lost)",
				 ev.journal_lost);
		ev.journal_failing = false;
		ev.journal_lost = 0;
		return;
	}
	ev.journal_lost++;
	if (!ev.journal_failing) {
		errno = -r;
		log_warn("journal: cannot send events");
	}
	ev.journal_failing = true;
}

static void send_journal(enum event_type t, json_object *own)
{
	struct iovec iov[48];
	char *fields[48];
	size_t n = 0;

	if (asprintf(&fields[n++], "MESSAGE_ID=%s", types[t].message_id) < 0 ||
	    asprintf(&fields[n++], "PRIORITY=%d", types[t].priority) < 0 ||
	    asprintf(&fields[n++], "SYSLOG_IDENTIFIER=cgfaird") < 0)
		fatal(EXIT_FATAL, "asprintf");
	json_object_object_foreach(own, key, val)
	{
		if (!val || n >= sizeof(fields) / sizeof(*fields) ||
		    strncmp(key, "time", 4) == 0) /* the journal has its own */
			continue;
		if (strcmp(key, "message") == 0) {
			if (asprintf(&fields[n++], "MESSAGE=%s",
				     json_object_get_string(val)) < 0)
				fatal(EXIT_FATAL, "asprintf");
			continue;
		}
		fields[n++] = journal_field(key, val);
	}
	for (size_t i = 0; i < n; i++)
		iov[i] = (struct iovec){fields[i], strlen(fields[i])};
	journal_result(sd_journal_sendv(iov, (int)n));
	for (size_t i = 0; i < n; i++)
		free(fields[i]);
}

void event_emit(enum event_type type, const struct event_fields *f)
{
	struct timespec now;
	char id[17];

	if ((unsigned)type >= EVENT_TYPE_COUNT)
		return;
	if (!ev.initialized)
		events_init(&(struct event_settings){.journal = true});
	if (!event_limit_admit(type, f->uid))
		return; /* counted, told in the window's summary */
	clock_gettime(CLOCK_REALTIME, &now);
	make_id(id);
	json_object *own = own_record(type, f, now, id);
	json_object *all = full_record(type, own, f, now, id);
	const char *json = json_object_to_json_string_ext(all, json_flags);

	write_log(&ev.log, json);
	json_object *seed = ev.seed.path[0] ? seed_only(type, all) : NULL;
	if (seed) {
		write_log(&ev.seed,
			  json_object_to_json_string_ext(seed, json_flags));
		json_object_put(seed);
	}
	if (ev.journal)
		send_journal(type, own);
	for (unsigned i = 0; i < ev.nsinks; i++)
		ev.sinks[i].fn(type, json, f, ev.sinks[i].arg);
	json_object_put(all);
	json_object_put(own);
}

int events_add_sink(event_sink fn, void *arg)
{
	if (ev.nsinks == EVENTS_MAX_SINKS)
		return -ENOSPC;
	ev.sinks[ev.nsinks].fn = fn;
	ev.sinks[ev.nsinks].arg = arg;
	ev.nsinks++;
	return 0;
}

/* --- the log file -------------------------------------------------------- */

/* Create missing directories (0750), then refuse a directory others can
 * write to: a user must not be able to swap the log for a link. */
static int log_dir(const char *path)
{
	char dir[PATH_MAX];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(dir, 0750) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return -1;
	if (lstat(dir, &st) < 0)
		return -1;
	if (!S_ISDIR(st.st_mode) ||
	    (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

static void open_log(struct log_file *l)
{
	struct stat st;
	int fd;

	if (!l->path[0])
		return;
	if (log_dir(l->path) < 0) {
		log_warn("%s %s: its directory is unusable (it must be "
			 "writable by root alone)",
			 l->what, l->path);
		return;
	}
	fd = open(l->path,
		  O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NOCTTY |
		      O_CLOEXEC,
		  0640);
	if (fd < 0) {
		log_warn("%s %s", l->what, l->path);
		return;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    st.st_uid != geteuid()) {
		log_warnx("%s %s: not a regular file of ours; not writing to "
			  "it",
			  l->what, l->path);
		close(fd);
		return;
	}
	l->fd = fd;
	log_debug("%s %s open", l->what, l->path);
}

static void close_log(struct log_file *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

void events_close(void)
{
	close_log(&ev.log);
	close_log(&ev.seed);
}

void events_reopen(void)
{
	events_close();
	/* new files: report a new failure */
	ev.log.failing = ev.seed.failing = false;
	open_log(&ev.log);
	open_log(&ev.seed);
}

void events_init(const struct event_settings *s)
{
	const char *path = s->log_path ? s->log_path : EVENTS_DEFAULT_LOG;

	tzset();
	ev.initialized = true;
	event_limit_configure(
	    s->event, event_emit,
	    s->max_user_events ? s->max_user_events : EVENT_USER_BUDGET, 0);
	ev.journal = s->journal;
	if (s->node && s->node[0])
		snprintf(ev.node, sizeof(ev.node), "%s", s->node);
	else if (gethostname(ev.node, sizeof(ev.node) - 1) < 0)
		snprintf(ev.node, sizeof(ev.node), "localhost");
	ev.node[sizeof(ev.node) - 1] = '\0';
	event_sanitize(ev.node);
	snprintf(ev.log.path, sizeof(ev.log.path), "%s", path);
	snprintf(ev.seed.path, sizeof(ev.seed.path), "%s",
		 s->seed_log_path ? s->seed_log_path : "");
	events_reopen();
}
