/*
 * cgfair-recorder: the usage history ([history] enable). It keeps a copy of
 * the users' rows the supervisor sends (as the frontend does), samples
 * them every few seconds, and at each minute writes one row per active
 * user to SQLite (db.c); it answers the reports the supervisor passes on
 * (report.c). Chrooted to its own directory (<state_dir>/history, made by
 * the supervisor, writable by the cgfair user only through an ACL), where
 * SQLite keeps the database and its -wal and -shm files: nothing else of
 * the filesystem is in reach. In fleet mode ([fleet] database, started
 * with --network) it also talks to PostgreSQL over TCP (link.c).
 */
#include "workers/recorder/db.h"
#include "workers/recorder/lasthour.h"
#include "workers/recorder/link.h"
#include "workers/recorder/minute.h"
#include "workers/recorder/report.h"
#include "workers/skeleton.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DB_PATH	    "/history.db" /* in the chroot */
#define SAMPLE_USEC (5 * 1000 * 1000ULL)
/* RLIMIT_FSIZE: a busy user's row is some 60 bytes a minute, 8 MB in 90
 * days; the bound leaves room for 30,000 of them, and stops a runaway */
#define MAX_FILE (256ULL << 30)

static struct rec_table users;
static struct db db;
static bool have_db, started;
static uint64_t keep_minutes = 90 * 24 * 60;

static int64_t now_minute(void)
{
	return (int64_t)time(NULL) / 60;
}

/* Everything since the last flush, into minute. */
static void flush(int64_t minute)
{
	struct rec_minute *v = NULL;
	size_t n = 0;

	if (!have_db)
		return;
	if (rec_flush(&users, minute, &v, &n) < 0) {
		log_warnx("history: out of memory: a minute is lost");
		return;
	}
	db_write(&db, v, n);
	free(v);
}

static void flush_at_exit(void)
{
	flush(now_minute()); /* the supervisor closed the socket: stopping */
	if (have_db)
		db_close(&db);
}

static void expire(void)
{
	long n = db_expire(&db, now_minute() - (int64_t)keep_minutes);

	if (n > 0)
		log_info("history: %ld rows older than %llu minutes deleted", n,
			 (unsigned long long)keep_minutes);
}

static void setup(const struct ipc_history_setup *s)
{
	keep_minutes = s->keep_minutes;
	if (!have_db) {
		if (db_open(&db, DB_PATH) < 0)
			fatalx(EXIT_FATAL, "history: no database");
		have_db = true;
		atexit(flush_at_exit);
	}
	expire();
}

static void take_rows(const struct ipc_user_states *m)
{
	bool batch = false;

	for (uint32_t i = 0; i < m->count && i < IPC_ROW_BATCH; i++) {
		bool fresh;
		struct rec_user *u = rec_take(&users, &m->row[i], &fresh);

		if (!u || !fresh)
			continue;
		if (have_db && !batch) /* one transaction for the batch */
			batch = db_batch(&db, true) == 0;
		db_base_of(have_db ? &db : NULL, u, started);
	}
	if (batch)
		db_batch(&db, false);
}

/* The answer in chunks the size of a reply, the last without REPLY_MORE. */
static void send_text(uint32_t id, int status, const char *text)
{
	struct ipc_client_reply rep = {.id = id, .status = status};
	const size_t chunk = sizeof(rep.message) - 1;
	size_t len = strlen(text), off = 0;

	do {
		size_t n = len - off < chunk ? len - off : chunk;
		memset(rep.message, 0, sizeof(rep.message));
		memcpy(rep.message, text + off, n);
		off += n;
		rep.flags = off < len ? REPLY_MORE : 0;
		skeleton_send(IPC_REPORT_REPLY, &rep, sizeof(rep), NULL, 0);
	} while (off < len);
}

static void report(const struct ipc_report_request *rq)
{
	char err[256], *text = NULL;
	int r = ENOENT;

	snprintf(err, sizeof(err), "no history yet");
	/* the minute so far is in the report too */
	if (rq->flags & REPORT_FLEET) {
		r = link_report(rq, &text, err, sizeof(err));
	} else if (have_db) {
		flush(now_minute());
		r = report_json(db.h, rq, &text, err, sizeof(err));
	}
	send_text(rq->id, r, r ? err : text);
	free(text);
}

/* The OOM mail's plot: the user's span drawn, in pieces; a status alone
 * when there is none. */
static void plot(const struct ipc_plot_query *q)
{
	struct ipc_plot_chunk c = {.id = q->id, .status = ENOENT};
	char err[160] = "no history yet";
	uint8_t *png = NULL;
	size_t len = 0, off = 0;

	if (have_db) {
		flush(now_minute()); /* the minute so far is drawn too */
		c.status =
		    lasthour_png(db.h, q->uid, q->t0, q->t1, IPC_PLOT_MAX, &png,
				 &len, err, sizeof(err));
	}
	if (c.status)
		log_debug("plot of uid %u: %s", q->uid, err);
	do {
		c.len = (uint32_t)(len - off < sizeof(c.data) ? len - off
							      : sizeof(c.data));
		if (c.len)
			memcpy(c.data, png + off, c.len);
		c.offset = (uint32_t)off;
		off += c.len;
		c.flags = off < len ? REPLY_MORE : 0;
		skeleton_send(IPC_PLOT_CHUNK, &c, sizeof(c), NULL, 0);
	} while (off < len);
	free(png);
}

static int on_sample(sd_event_source *s, uint64_t usec, void *data)
{
	(void)data;
	rec_sample(&users);
	if (!started) /* the tests wait for this line */
		log_info("history: recording %zu users; those who come from "
			 "now on are counted from their start",
			 users.n);
	started = true;
	sd_event_source_set_time(s, usec + SAMPLE_USEC);
	return 0;
}

/* At each minute (wall clock): the minute that ended, then retention. */
static int on_minute(sd_event_source *s, uint64_t usec, void *data)
{
	int64_t ended = now_minute() - 1;
	(void)data;
	(void)usec;

	flush(ended);
	if (have_db) {
		expire();
		link_minute(ended);
	}
	sd_event_source_set_time(s, (uint64_t)(now_minute() + 1) * 60 *
					1000000ULL);
	return 0;
}

static void recorder_init(sd_event *event)
{
	sd_event_source *sample = NULL, *minute = NULL;

	if (sd_event_add_time_relative(event, &sample, CLOCK_MONOTONIC,
				       SAMPLE_USEC, 0, on_sample, NULL) < 0 ||
	    sd_event_source_set_enabled(sample, SD_EVENT_ON) < 0 ||
	    sd_event_add_time(event, &minute, CLOCK_REALTIME,
			      (uint64_t)(now_minute() + 1) * 60 * 1000000ULL, 0,
			      on_minute, NULL) < 0 ||
	    sd_event_source_set_enabled(minute, SD_EVENT_ON) < 0)
		fatalx(EXIT_FATAL, "cannot add the recorder's timers");
}

/* Fleet mode: TCP sockets to the database, as libpq makes them (protocol
 * 0, which the other workers' filters kill) and its calls on them. Which
 * address they reach is the unit's IPAddressAllow= (docs/fleet.md). */
static void allow_network(scmp_filter_ctx ctx)
{
	static const int families[] = {AF_INET, AF_INET6};
	static const int calls[] = {
	    SCMP_SYS(connect),	   SCMP_SYS(getsockopt),  SCMP_SYS(setsockopt),
	    SCMP_SYS(getsockname), SCMP_SYS(getpeername), SCMP_SYS(sendto),
	    SCMP_SYS(recvfrom),	   SCMP_SYS(shutdown)};
	const scmp_datum_t flags = SOCK_NONBLOCK | SOCK_CLOEXEC;

	for (size_t i = 0; i < 2; i++)
		if (seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 3,
			SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i]),
			SCMP_A1(SCMP_CMP_MASKED_EQ, ~flags, SOCK_STREAM),
			SCMP_A2(SCMP_CMP_EQ, 0)) < 0)
			fatalx(EXIT_SANDBOX, "seccomp: socket rule");
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		sandbox_allow(ctx, calls[i]);
}

/* What SQLite's unix VFS does with its files, inside the chroot: open
 * and create them, lock them (fcntl record locks), read and write at
 * offsets, map the -shm index (shared, never executable: the common mmap
 * rule), sync, truncate, delete a journal, ask whether one exists
 * (access); rename sets a damaged file aside. */
static void recorder_allow(scmp_filter_ctx ctx)
{
	static const int calls[] = {SCMP_SYS(pread64),	 SCMP_SYS(pwrite64),
				    SCMP_SYS(fsync),	 SCMP_SYS(fdatasync),
				    SCMP_SYS(ftruncate), SCMP_SYS(unlink),
				    SCMP_SYS(rename),	 SCMP_SYS(access),
				    SCMP_SYS(faccessat), SCMP_SYS(faccessat2)};
	static const int locks[] = {F_GETLK, F_SETLK, F_SETLKW};

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		sandbox_allow(ctx, calls[i]);
	/* SQLite opens read-only or read-write, never write-only (which the
	 * --debug test hook's forbidden open is) */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
			     SCMP_A2(SCMP_CMP_MASKED_EQ, O_WRONLY, 0)) < 0)
		fatalx(EXIT_SANDBOX, "seccomp: recorder open rule");
	for (size_t i = 0; i < sizeof(locks) / sizeof(locks[0]); i++)
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
				     SCMP_A1(SCMP_CMP_EQ, locks[i])) < 0)
			fatalx(EXIT_SANDBOX, "seccomp: recorder lock rules");
	if (skeleton_network)
		allow_network(ctx);
}

static void fleet_setup(sd_event *event, struct ipc_msg *msg)
{
	if (!have_db || !skeleton_network) {
		close(msg->fds[0]);
		log_warnx("fleet: %s", have_db ? "started without --network"
					       : "no history database");
		return;
	}
	link_setup(event, &db, &msg->u.fleet_setup, msg->fds[0]);
}

static bool recorder_handle(sd_event *event, struct ipc_msg *msg)
{
	switch (msg->hdr.type) {
	case IPC_FLEET_SETUP:
		fleet_setup(event, msg);
		return true;
	case IPC_FLEET_PUT:
		link_put(&msg->u.fleet_override);
		return true;
	case IPC_HISTORY_SETUP:
		setup(&msg->u.history_setup);
		return true;
	case IPC_USER_STATE:
		take_rows(&msg->u.user_states);
		return true;
	case IPC_REPORT_QUERY:
		report(&msg->u.report_request);
		return true;
	case IPC_PLOT_QUERY:
		plot(&msg->u.plot_query);
		return true;
	default:
		return false;
	}
}

static const struct skeleton_role recorder = {
    .role = ROLE_RECORDER,
    .name = "cgfair-recorder",
    .chroot = true,
    .max_file = MAX_FILE,
    .allow = recorder_allow,
    .init = recorder_init,
    .handle = recorder_handle,
};

int main(int argc, char **argv)
{
	skeleton_main(argc, argv, &recorder);
}
