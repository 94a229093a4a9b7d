/* The recorder's connection to the fleet database; see link.h. */
#include "workers/recorder/link.h"
#include "workers/recorder/pending.h"
#include "workers/recorder/fleet.h"
#include "workers/recorder/fleet_report.h"
#include "workers/skeleton.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RETRY_MIN_USEC (1000 * 1000ULL)
#define RETRY_MAX_USEC (16 * 1000 * 1000ULL)
/* the rest of a long backlog is sent this soon after a call */
#define MORE_USEC	(100 * 1000ULL)
#define CREDENTIALS_MAX 1024
#define PENDING_MAX	4096 /* admins' writes kept while the database is away */

struct seen {
	uint32_t uid;
	int64_t written_us;
};

static struct {
	sd_event *event;
	struct db *local;
	struct fleet f;
	bool configured, connected, said_down;
	bool loaded; /* the writes an earlier recorder kept are in pending */
	char conninfo[IPC_CONNINFO_MAX + CREDENTIALS_MAX + 2];
	char node[IPC_NAME_MAX];
	uint64_t poll_usec, retry_usec;
	sd_event_source *timer;
	struct ipc_fleet_override pending[PENDING_MAX];
	size_t npending;
	struct seen *seen; /* sorted by uid: the rows already passed on */
	size_t nseen, capseen;
	struct ipc_fleet_state state;
	/* the last minute the recorder flushed whole: the sync never passes
	 * it (the poll timer may fire after the wall clock's minute turned
	 * and before the recorder flushed it) */
	int64_t whole;
	char last_err[256]; /* said once until another comes */
} L;

static int64_t now_minute(void)
{
	return (int64_t)time(NULL) / 60;
}

static void send_state(void)
{
	L.state.connected = L.connected;
	skeleton_send(IPC_FLEET_STATE, &L.state, sizeof(L.state), NULL, 0);
}

/* libpq's messages span lines: one line for the log and status. */
static void one_line(char *s)
{
	size_t n;

	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\t' || *p == '\r')
			*p = ' ';
	n = strlen(s);
	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
}

/* libpq prints the server's notices on stderr ("relation ... already
 * exists, skipping" at each migration): they are no news. */
static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static void set_connected(bool on, const char *why)
{
	if (on == L.connected && (on || L.said_down))
		return;
	L.connected = on;
	L.state.since = (int64_t)time(NULL);
	snprintf(L.state.error, sizeof(L.state.error), "%s", on ? "" : why);
	one_line(L.state.error);
	if (on) {
		L.said_down = false;
		log_info("fleet: connected to the database as node %s", L.node);
	} else {
		/* once per outage: the retries are silent */
		L.said_down = true;
		log_warnx(
		    "fleet: the database is unreachable (%s); the history "
		    "is kept here and sent when it is back, limits stay "
		    "as they are; retrying",
		    L.state.error);
	}
	send_state();
}

static void arm(uint64_t usec)
{
	sd_event_source_set_time_relative(L.timer, usec);
	sd_event_source_set_enabled(L.timer, SD_EVENT_ONESHOT);
}

/* A query failed: a lost connection is an outage, anything else is
 * said and the connection kept. */
static void failed(const char *err)
{
	if (PQstatus(L.f.pg) != CONNECTION_BAD) {
		char line[sizeof(L.last_err)];
		snprintf(line, sizeof(line), "%s", err);
		one_line(line);
		if (strcmp(line, L.last_err))
			log_warnx("fleet: %s; tried again each interval", line);
		memcpy(L.last_err, line, sizeof(line));
		return;
	}
	fleet_close(&L.f);
	L.retry_usec = RETRY_MIN_USEC;
	set_connected(false, err);
	arm(L.retry_usec);
}

/* Names would need the resolver, files the chroot lacks: hostaddr (or a
 * numeric host) it is, over TCP. */
static bool reachable(const char *conninfo, char *err, size_t len)
{
	char *perr = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
	const char *host = NULL, *addr = NULL, *user = NULL;
	unsigned char buf[16];

	if (!opts) {
		snprintf(err, len, "[fleet] database: %s",
			 perr ? perr : "out of memory");
		PQfreemem(perr);
		return false;
	}
	for (PQconninfoOption *o = opts; o->keyword; o++) {
		if (!o->val || !o->val[0])
			continue;
		if (!strcmp(o->keyword, "host"))
			host = o->val;
		else if (!strcmp(o->keyword, "hostaddr"))
			addr = o->val;
		else if (!strcmp(o->keyword, "user"))
			user = o->val;
	}
	if (!user)
		snprintf(err, len, "[fleet] database: give user=");
	else if (!addr && (!host || (inet_pton(AF_INET, host, buf) != 1 &&
				     inet_pton(AF_INET6, host, buf) != 1)))
		snprintf(err, len,
			 "[fleet] database: give hostaddr= (a numeric "
			 "address): the recorder reaches the database over TCP "
			 "and resolves no names");
	PQconninfoFree(opts);
	return user &&
	       (addr || (host && (inet_pton(AF_INET, host, buf) == 1 ||
				  inet_pton(AF_INET6, host, buf) == 1)));
}

static bool try_connect(void)
{
	/* before the admin's string: defaults it may override (no home
	 * directory, no Kerberos: neither is in the chroot); after it: the
	 * bound a connection attempt has (the supervisor's ping) */
	const char *keys[] = {"gssencmode", "passfile",	       "sslcert",
			      "sslkey",	    "sslrootcert",     "sslcrl",
			      "dbname",	    "connect_timeout", NULL};
	const char *vals[] = {"disable",
			      "/nonexistent",
			      "/nonexistent",
			      "/nonexistent",
			      "/nonexistent",
			      "/nonexistent",
			      L.conninfo,
			      "2",
			      NULL};
	char err[512];

	L.f.pg = PQconnectdbParams(keys, vals, 1);
	snprintf(L.f.node, sizeof(L.f.node), "%s", L.node);
	if (PQstatus(L.f.pg) != CONNECTION_OK) {
		snprintf(err, sizeof(err), "%s", PQerrorMessage(L.f.pg));
		fleet_close(&L.f);
		set_connected(false, err);
		return false;
	}
	PQsetNoticeProcessor(L.f.pg, quiet, NULL);
	if (fleet_migrate(&L.f, err, sizeof(err)) < 0) {
		fleet_close(&L.f);
		set_connected(false, err);
		return false;
	}
	set_connected(true, NULL);
	return true;
}

/* --- the admins' values ------------------------------------------------ */

static struct seen *seen_find(uint32_t uid, size_t *at)
{
	size_t lo = 0, hi = L.nseen;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (L.seen[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return lo < L.nseen && L.seen[lo].uid == uid ? &L.seen[lo] : NULL;
}

/* Remember the row; false when it was passed on already. */
static bool seen_put(uint32_t uid, int64_t written_us)
{
	size_t at;
	struct seen *s = seen_find(uid, &at);

	if (s) {
		if (s->written_us == written_us)
			return false;
		s->written_us = written_us;
		return true;
	}
	if (L.nseen == L.capseen) {
		size_t cap = L.capseen ? L.capseen * 2 : 64;
		struct seen *v = realloc(L.seen, cap * sizeof(*v));
		if (!v)
			return true; /* passed on again next time: harmless */
		L.seen = v;
		L.capseen = cap;
	}
	memmove(&L.seen[at + 1], &L.seen[at], (L.nseen - at) * sizeof(*s));
	L.seen[at] = (struct seen){.uid = uid, .written_us = written_us};
	L.nseen++;
	return true;
}

static bool value_ok(int64_t v)
{
	return v == -1 || v > 0;
}

/* A row of the database is anyone's: only well-formed ones go on. */
static void on_row(const struct ipc_fleet_override *o)
{
	if (o->flags & ~FLEET_PENALTY || o->penalty_until_ms < 0 ||
	    !value_ok(o->cpu_permille) || !value_ok(o->mem_bytes) ||
	    !value_ok(o->max_tasks) || !value_ok(o->mem_high) ||
	    !value_ok(o->io_weight)) {
		log_warnx("fleet: the row of uid %u (from %s) is malformed; "
			  "ignored",
			  o->uid, o->node);
		return;
	}
	if (seen_put(o->uid, o->written_us))
		skeleton_send(IPC_FLEET_OVERRIDE, o, sizeof(*o), NULL, 0);
}

/* The writes made while away go first: they are newer than the rows. */
static bool put_pending(void)
{
	char err[512];

	while (L.npending) {
		if (fleet_put(&L.f, &L.pending[0], err, sizeof(err)) < 0) {
			failed(err);
			return false;
		}
		pending_drop(L.local, L.pending[0].uid); /* committed */
		memmove(&L.pending[0], &L.pending[1],
			--L.npending * sizeof(L.pending[0]));
	}
	return true;
}

/* --- the history ------------------------------------------------------- */

/* Send what is whole (the minutes the recorder flushed); 1 when more is
 * left, 0 when not, -1 on failure. */
static int sync_history(void)
{
	char err[512];
	int64_t before = L.whole + 1;
	long n = fleet_sync(&L.f, L.local, before, err, sizeof(err));

	if (n < 0) {
		failed(err);
		return -1;
	}
	L.state.sent += (uint64_t)n;
	L.state.backlog = fleet_backlog(L.local, before);
	return L.state.backlog > 0;
}

static bool poll_rows(void)
{
	char err[512];

	if (fleet_poll(&L.f, on_row, err, sizeof(err)) >= 0)
		return true;
	failed(err);
	return false;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *data)
{
	int more = 0;
	(void)s;
	(void)usec;
	(void)data;

	if (!L.connected && !try_connect()) {
		arm(L.retry_usec);
		L.retry_usec = L.retry_usec * 2 > RETRY_MAX_USEC
				   ? RETRY_MAX_USEC
				   : L.retry_usec * 2;
		return 0;
	}
	if (put_pending() && poll_rows())
		more = sync_history();
	/* a lost connection: failed() armed the retry; anything else is
	 * tried again next interval */
	if (L.connected)
		arm(more > 0 ? MORE_USEC : L.poll_usec);
	return 0;
}

/* --- from the supervisor ------------------------------------------------ */

/* The credentials file's text (more keywords), joined to the string. */
static void read_credentials(int fd, char *out, size_t len)
{
	char buf[CREDENTIALS_MAX];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	close(fd);
	if (n < 0) {
		log_warn("fleet: the credentials file");
		n = 0;
	}
	buf[n] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	snprintf(out, len, " %s", buf);
}

void link_setup(sd_event *event, struct db *local,
		const struct ipc_fleet_setup *s, int credentials)
{
	char conninfo[sizeof(L.conninfo)], err[256];
	size_t n;

	n = (size_t)snprintf(conninfo, sizeof(conninfo), "%s", s->conninfo);
	read_credentials(credentials, conninfo + n, sizeof(conninfo) - n);
	L.poll_usec = s->poll_ms * 1000;
	L.event = event;
	if (!L.whole) /* what an earlier recorder flushed is whole */
		L.whole = now_minute() - 1;
	L.local = local;
	if (!L.loaded) { /* a restart during an outage: they go first */
		L.npending = pending_load(local, L.pending, PENDING_MAX);
		L.loaded = true;
		if (L.npending)
			log_info("fleet: %zu writes made while the database "
				 "was away are still to send",
				 L.npending);
	}
	if (L.configured && !strcmp(conninfo, L.conninfo) &&
	    !strcmp(s->node, L.node))
		return; /* the same database: keep the connection */
	if (L.f.pg)
		fleet_close(&L.f);
	L.connected = false;
	L.said_down = false;
	snprintf(L.conninfo, sizeof(L.conninfo), "%s", conninfo);
	snprintf(L.node, sizeof(L.node), "%s", s->node);
	L.configured = true;
	L.retry_usec = RETRY_MIN_USEC;
	explicit_bzero(conninfo, sizeof(conninfo));
	if (!reachable(L.conninfo, err, sizeof(err))) {
		/* the setting is wrong: nothing to retry until a reload */
		set_connected(false, err);
		L.configured = false;
		return;
	}
	if (!L.timer &&
	    sd_event_add_time_relative(event, &L.timer, CLOCK_MONOTONIC, 0, 0,
				       on_timer, NULL) < 0)
		fatalx(EXIT_FATAL, "fleet: cannot add the timer");
	arm(0);
}

void link_put(const struct ipc_fleet_override *o)
{
	size_t i;

	if (!L.configured)
		return;
	for (i = 0; i < L.npending && L.pending[i].uid != o->uid; i++)
		;
	if (i < L.npending) {
		/* a newer write of the same user: the supervisor's values of
		 * now, for the fields of both */
		uint32_t fields = L.pending[i].fields | o->fields;
		L.pending[i] = *o;
		L.pending[i].fields = fields;
	} else if (L.npending == PENDING_MAX) {
		log_warnx("fleet: too many writes kept while the database is "
			  "away; uid %u's is lost",
			  o->uid);
		return;
	} else {
		i = L.npending++;
		L.pending[i] = *o;
	}
	/* on disk until the database has it: a restart does not lose it */
	pending_save(L.local, &L.pending[i]);
	if (L.connected)
		put_pending();
}

void link_minute(int64_t flushed)
{
	L.whole = flushed;
	if (!L.configured)
		return;
	if (L.connected) {
		arm(0);
	} else {
		L.state.backlog = fleet_backlog(L.local, L.whole + 1);
		send_state();
	}
}

int link_report(const struct ipc_report_request *rq, char **text, char *err,
		size_t errlen)
{
	int r;

	*text = NULL;
	if (!L.configured || !L.connected) {
		snprintf(err, errlen,
			 L.configured ? "the fleet database is unreachable "
					"from this node: try again later"
				      : "fleet mode is off: see [fleet] "
					"database in cgfair.conf(5)");
		return L.configured ? EAGAIN : ENOTSUP;
	}
	r = fleet_report_json(L.f.pg, rq, text, err, errlen);
	if (r == EIO && PQstatus(L.f.pg) == CONNECTION_BAD)
		failed(err);
	return r;
}
