/*
 * cgfairctl events --since TIME [--user USER] [--type TYPE]: the history of
 * cgfair's events, read back from the journal with sd-journal (the daemon
 * sends each one there with CGFAIR_* fields, docs/events.md), so that an
 * admin can review what happened to a user without grep. Only the entries
 * the caller may read are seen: root and the systemd-journal and adm
 * groups see the system journal.
 */
#include "ctl/history.h"
#include "common/num.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <json.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#define USAGE                                                                  \
	"usage: events --since TIME [--user USER] [--type TYPE]\n"             \
	"TIME: YYYY-MM-DD [HH:MM[:SS]], @EPOCH, today, yesterday, -90m or "    \
	"'2h ago' (s, m, h, d)\n"

static int bad(const char *what, const char *value, const char *why)
{
	fprintf(stderr, "cgfairctl: events %s%s%s%s: %s\n%s", what,
		value ? " '" : "", value ? value : "", value ? "'" : "", why,
		USAGE);
	return 2;
}

/* "-90m", "2h ago", "-1h30m": seconds back from now (the durations of
 * cgfair.conf); -1 when not that form. */
static long long relative(const char *s)
{
	char num[64];
	size_t n = strlen(s);
	const char *body = s;
	uint64_t ms;

	if (s[0] == '-') {
		body = s + 1;
		n--;
	} else if (n > 4 && strcmp(s + n - 4, " ago") == 0) {
		n -= 4;
	} else {
		return -1;
	}
	/* a bare number is no relative time ("2024" is not 2024 s ago) */
	if (n == 0 || n >= sizeof(num) || body[n - 1] < 'a' || body[0] < '0' ||
	    body[0] > '9')
		return -1;
	memcpy(num, body, n);
	num[n] = '\0';
	if (num_parse_duration(num, &ms) != NULL)
		return -1;
	return (long long)(ms / 1000);
}

/* TIME as microseconds since the epoch; -1 when it is none of the forms.
 * Hand-written: libsystemd does not export systemd's timestamp parser. */
long long history_parse_time(const char *s)
{
	static const char *const forms[] = {"%Y-%m-%d %H:%M:%S",
					    "%Y-%m-%dT%H:%M:%S",
					    "%Y-%m-%d %H:%M", "%Y-%m-%d"};
	time_t now = time(NULL);
	struct tm tm;
	long long back = relative(s);
	char *end;

	if (back >= 0)
		return (now - back) * 1000000LL;
	if (s[0] == '@') {
		uint64_t e;
		return num_parse_uint_max(s + 1, INT64_MAX / 1000000, &e)
			   ? -1
			   : (long long)e * 1000000LL;
	}
	localtime_r(&now, &tm);
	if (strcmp(s, "today") == 0 || strcmp(s, "yesterday") == 0) {
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		tm.tm_mday -= s[0] == 'y';
		tm.tm_isdst = -1;
		return mktime(&tm) * 1000000LL;
	}
	for (size_t i = 0; i < sizeof(forms) / sizeof(*forms); i++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(s, forms[i], &tm);
		if (end && !*end) {
			tm.tm_isdst = -1;
			return mktime(&tm) * 1000000LL;
		}
	}
	return -1;
}

/* A field's value ("" when absent); data is "NAME=value". */
static const char *field(sd_journal *j, const char *name, char *buf, size_t len)
{
	const void *data;
	size_t n, k = strlen(name);

	buf[0] = '\0';
	if (sd_journal_get_data(j, name, &data, &n) < 0 || n <= k)
		return buf;
	n -= k + 1;
	if (n >= len)
		n = len - 1;
	memcpy(buf, (const char *)data + k + 1, n);
	buf[n] = '\0';
	return buf;
}

static void when(uint64_t usec, char *buf, size_t len)
{
	time_t t = (time_t)(usec / 1000000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%F %T", &tm))
		snprintf(buf, len, "@%llu", (unsigned long long)t);
}

/* One entry as JSON: the CGFAIR_* fields in lower case (the journal keeps
 * text: every value is a string), the time and the message. */
static void print_json(sd_journal *j, const char *time_s)
{
	json_object *o = json_object_new_object();
	const void *data;
	size_t n;
	char msg[4096];

	json_object_object_add(o, "time", json_object_new_string(time_s));
	SD_JOURNAL_FOREACH_DATA(j, data, n)
	{
		const char *d = data, *eq = memchr(d, '=', n);
		char key[64];
		size_t k;

		if (!eq || strncmp(d, "CGFAIR_", 7) != 0 ||
		    (k = (size_t)(eq - d) - 7) >= sizeof(key))
			continue;
		for (size_t i = 0; i < k; i++)
			key[i] = (char)tolower((unsigned char)d[7 + i]);
		key[k] = '\0';
		json_object_object_add(
		    o, key,
		    json_object_new_string_len(
			eq + 1, (int)(n - (size_t)(eq - d) - 1)));
	}
	json_object_object_add(
	    o, "message",
	    json_object_new_string(field(j, "MESSAGE", msg, sizeof(msg))));
	puts(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int print_entries(sd_journal *j, uint64_t from, bool json)
{
	char ev[64], user[256], msg[4096], t[64];
	uint64_t usec;
	int n = 0;

	while (sd_journal_next(j) > 0) {
		if (!*field(j, "CGFAIR_EVENT", ev, sizeof(ev)))
			continue; /* a log line of cgfaird, not an event */
		/* the seek lands near from, not always after it */
		if (sd_journal_get_realtime_usec(j, &usec) < 0 || usec < from)
			continue;
		when(usec, t, sizeof(t));
		n++;
		if (json) {
			print_json(j, t);
			continue;
		}
		field(j, "CGFAIR_USER", user, sizeof(user));
		printf("%s %-14s %s%s%s\n", t, ev, user, *user ? ": " : "",
		       field(j, "MESSAGE", msg, sizeof(msg)));
	}
	return n;
}

static int match(sd_journal *j, const char *name, const char *value)
{
	char m[320];

	snprintf(m, sizeof(m), "%s=%s", name, value);
	return sd_journal_add_match(j, m, 0);
}

static bool valid_type(const char *s)
{
	if (!*s || strlen(s) > 32)
		return false;
	for (; *s; s++)
		if (!islower((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

int history_main(int argc, char **argv, bool json)
{
	static const struct option lopts[] = {
	    {"since", required_argument, NULL, 's'},
	    {"user", required_argument, NULL, 'u'},
	    {"type", required_argument, NULL, 't'},
	    {NULL, 0, NULL, 0}};
	const char *since = NULL, *user = NULL, *type = NULL;
	char uid[16];
	sd_journal *j;
	long long from;
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "s:u:t:", lopts, NULL)) != -1) {
		if (c == 's')
			since = optarg;
		else if (c == 'u')
			user = optarg;
		else if (c == 't')
			type = optarg;
		else
			return bad("options", NULL, "unknown option");
	}
	if (optind != argc || !since)
		return bad("--since", NULL,
			   "needed to read the history (events alone "
			   "follows new ones)");
	if ((from = history_parse_time(since)) < 0)
		return bad("--since", since, "not a time");
	if (type && !valid_type(type))
		return bad("--type", type,
			   "not an event type (see docs/events.md)");
	if (user) {
		struct passwd *pw = getpwnam(user);
		uint32_t v = 0;
		if (!pw && (num_parse_uid(user, &v) != NULL || v == 0))
			return bad("--user", user, "unknown user");
		snprintf(uid, sizeof(uid), "%u",
			 pw ? (unsigned)pw->pw_uid : (unsigned)v);
	}
	r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
	if (r < 0) {
		fprintf(stderr, "cgfairctl: cannot open the journal: %s\n",
			strerror(-r));
		return 1;
	}
	if (match(j, "SYSLOG_IDENTIFIER", "cgfaird") < 0 ||
	    (type && match(j, "CGFAIR_EVENT", type) < 0) ||
	    (user && match(j, "CGFAIR_UID", uid) < 0) ||
	    sd_journal_seek_realtime_usec(j, (uint64_t)from) < 0) {
		fprintf(stderr, "cgfairctl: cannot search the journal\n");
		sd_journal_close(j);
		return 1;
	}
	if (print_entries(j, (uint64_t)from, json) == 0)
		fprintf(stderr, "cgfairctl: no events since %s%s\n", since,
			geteuid() ? " (that you may read: the system journal "
				    "needs root or group systemd-journal)"
				  : "");
	sd_journal_close(j);
	return fflush(stdout) == 0 ? 0 : 1;
}
