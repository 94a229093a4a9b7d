/*
 * The worker table. Each worker is a separate executable started with fork
 * + exec, its end of a SOCK_SEQPACKET socketpair on IPC_FD. The supervisor
 * pings every worker each second; a worker that exits, crashes, breaks the
 * protocol or misses its ping is killed if needed and restarted with
 * exponential backoff, then handed its fds and state again by its class's
 * on_start hook.
 */
#include "supervisor/workers.h"
#include "supervisor/events.h"
#include "supervisor/exes.h"
#include "supervisor/outbox.h"
#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define MAX_WORKERS	  16
#define PING_EVERY_USEC	  (1000 * 1000ULL)
#define PING_TIMEOUT_USEC (3000 * 1000ULL)
#define BACKOFF_MIN_USEC  (100 * 1000ULL)
#define BACKOFF_MAX_USEC  (30 * 1000 * 1000ULL)
/* a worker that ran this long before it died starts its backoff afresh */
#define STABLE_USEC	(30 * 1000 * 1000ULL)
#define STOP_GRACE_USEC (1000 * 1000ULL)
/* one dispatch of a worker's socket reads this much at most, so that a
 * burst (10,000 strays of new users) cannot hold the loop: pings, the
 * socket and OOM events run in between */
#define READ_MAX_MSGS 256
#define READ_MAX_USEC (10 * 1000ULL)

struct worker {
	const struct worker_class *wc;
	unsigned index;
	pid_t pid; /* 0: not running */
	int fd;	   /* the supervisor's end, -1 when not running */
	int err;   /* read end of the worker's stderr pipe, -1: none */
	sd_event_source *io, *child, *restart, *errio;
	char errbuf[512]; /* a partial stderr line */
	size_t errlen;
	uint32_t seq;
	uint64_t nonce;
	uint64_t ping_sent; /* 0: no ping outstanding */
	struct outbox out;  /* what its full socket has not taken yet */
	uint64_t received;  /* messages read from it */
	uint64_t out_mark, recv_mark; /* out.sent, received at the last ping */
	uint64_t started;
	unsigned failures;
	uint64_t restarts; /* since cgfaird started (the metrics' counter) */
	bool ready;	   /* answered its first ping since it started */
	char name[48];
};

static sd_event *event;
static char worker_user[64]; /* the user name the workers run as */
static bool debug;	     /* workers take IPC_TEST_SYSCALL */
static struct worker table[MAX_WORKERS];
static unsigned nworkers;
static sd_event_source *ping_timer, *stop_timer;
static bool stopping;
static void (*stop_done)(void);

static void spawn(struct worker *w);

const char *worker_name(const struct worker *w)
{
	return w->name;
}

unsigned worker_index(const struct worker *w)
{
	return w->index;
}

pid_t worker_pid(const struct worker *w)
{
	return w->pid;
}

struct worker *worker_get(enum ipc_role role, unsigned index)
{
	for (unsigned i = 0; i < nworkers; i++)
		if (table[i].wc->role == role && table[i].index == index)
			return &table[i];
	return NULL;
}

unsigned workers_restart_counts(struct ipc_worker_count *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nworkers && n < max; i++, n++) {
		memset(&out[n], 0, sizeof(out[n]));
		out[n].restarts = table[i].restarts;
		snprintf(out[n].name, sizeof(out[n].name), "%s", table[i].name);
	}
	return n;
}

bool workers_all_ready(void)
{
	for (unsigned i = 0; i < nworkers; i++)
		if (!table[i].ready)
			return false;
	return nworkers > 0;
}

void workers_add_class(const struct worker_class *wc)
{
	for (unsigned i = 0; i < wc->count; i++) {
		if (nworkers == MAX_WORKERS)
			fatalx(EXIT_FATAL, "too many workers");
		struct worker *w = &table[nworkers++];
		w->wc = wc;
		w->index = i;
		w->fd = -1;
		w->err = -1;
		if (wc->count > 1)
			snprintf(w->name, sizeof(w->name), "%s/%u",
				 ipc_role_name(wc->role), i);
		else
			snprintf(w->name, sizeof(w->name), "%s",
				 ipc_role_name(wc->role));
	}
}

/* A ping outstanding from now; what it has sent and taken so far. */
static void mark_progress(struct worker *w, uint64_t now)
{
	w->ping_sent = now;
	w->out_mark = w->out.sent;
	w->recv_mark = w->received;
}

/* Close our end; the worker sees EOF and exits, or is killed. */
static void disconnect(struct worker *w)
{
	w->io = sd_event_source_disable_unref(w->io);
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	outbox_clear(&w->out);
	w->ready = false;
	w->ping_sent = 0;
}

/* Kill a worker that misbehaved; its child handler restarts it. */
static void kill_worker(struct worker *w, const char *why)
{
	if (w->pid <= 0)
		return;
	log_warnx("worker %s (pid %d) %s; killing it", w->name, (int)w->pid,
		  why);
	disconnect(w);
	kill(w->pid, SIGKILL);
}

static void tell_failed(struct worker *w, uint32_t type, int err)
{
	char why[128];

	snprintf(why, sizeof(why), "could not take %s (%s; %zu unread)",
		 ipc_type_name(type), strerror(err), w->out.count);
	kill_worker(w, why);
}

static void watch_out(struct worker *w, bool out)
{
	sd_event_source_set_io_events(w->io, EPOLLIN | (out ? EPOLLOUT : 0));
}

/* A full socket is a worker behind, not yet hung: the message waits in
 * its outbox, in order, and so does every later one until the outbox is
 * empty again. Past the outbox's bound it is hung, and a supervisor never
 * waits for a worker. */
int worker_tell(struct worker *w, uint32_t type, const void *payload,
		size_t len, const int *fds, int nfds)
{
	uint32_t seq;
	int r;

	if (!w || w->fd < 0)
		return -1;
	seq = ++w->seq;
	if (outbox_empty(&w->out)) {
		if (ipc_send(w->fd, type, seq, payload, len, fds, nfds) == 0)
			return 0;
		if (errno != EAGAIN) {
			tell_failed(w, type, errno);
			return -1;
		}
	}
	r = outbox_push(&w->out, type, seq, payload, len, fds, nfds);
	if (r < 0) {
		tell_failed(w, type, -r);
		return -1;
	}
	if (w->out.count == 1)
		watch_out(w, true);
	return 0;
}

static void flush_out(struct worker *w)
{
	int r = outbox_flush(&w->out, w->fd);

	if (r < 0) {
		char why[96];
		snprintf(why, sizeof(why), "broke its socket (%s)",
			 strerror(-r));
		kill_worker(w, why);
	} else if (r == 0) {
		watch_out(w, false);
	}
}

static void handle_message(struct worker *w, struct ipc_msg *msg)
{
	if (msg->hdr.type == IPC_PONG) {
		if (msg->u.pong.nonce != w->nonce) {
			ipc_close_fds(msg);
			kill_worker(w, "answered a ping it was not sent");
			return;
		}
		w->ping_sent = 0;
		if (!w->ready) {
			w->ready = true;
			log_debug("worker %s (pid %d) ready", w->name,
				  (int)w->pid);
		}
		return;
	}
	if (!w->wc->on_message || !w->wc->on_message(w, msg)) {
		char why[96];
		ipc_close_fds(msg);
		snprintf(why, sizeof(why), "sent %s, not permitted now",
			 ipc_type_name(msg->hdr.type));
		kill_worker(w, why);
	}
}

static int on_ipc(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	struct worker *w = data;
	struct ipc_msg msg;
	const char *why = NULL;
	(void)s;

	if ((revents & EPOLLOUT) && w->fd == fd)
		flush_out(w);
	/* bounded, so that one chatty worker cannot starve the loop */
	uint64_t t0 = clock_mono_usec();
	for (int i = 0; i < READ_MAX_MSGS && w->fd == fd; i++) {
		if (i && i % 16 == 0 && clock_mono_usec() - t0 > READ_MAX_USEC)
			return 0; /* the rest at the next dispatch */
		int rc = ipc_recv(fd, w->wc->role, &msg, &why);
		if (rc == IPC_AGAIN)
			return 0;
		if (rc == IPC_EOF) {
			/* a worker that closed its socket (or sent an empty
			 * record, which reads the same) is no use: make sure
			 * it is gone; the child handler restarts it */
			kill_worker(w, "closed its socket");
			return 0;
		}
		if (rc == IPC_ERROR) {
			kill_worker(w, "broke its socket");
			return 0;
		}
		if (rc == IPC_INVALID) {
			char buf[128];
			snprintf(buf, sizeof(buf),
				 "sent an invalid message (%s)", why);
			kill_worker(w, buf);
			return 0;
		}
		w->received++;
		handle_message(w, &msg);
	}
	return 0;
}

/* Workers may not write files (RLIMIT_FSIZE is 0), so their stderr is a
 * pipe to us: each line is logged under the worker's name, and reaches the
 * journal with the supervisor's fields. */
static void relay_line(struct worker *w, char *line)
{
	if (*line)
		log_info("%s: %s", w->name, line);
}

static void close_stderr(struct worker *w)
{
	if (w->errlen) {
		w->errbuf[w->errlen] = '\0';
		relay_line(w, w->errbuf);
		w->errlen = 0;
	}
	w->errio = sd_event_source_disable_unref(w->errio);
	if (w->err >= 0)
		close(w->err);
	w->err = -1;
}

static int on_stderr(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	struct worker *w = data;
	ssize_t n;
	(void)s;
	(void)revents;

	n = read(fd, w->errbuf + w->errlen, sizeof(w->errbuf) - 1 - w->errlen);
	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			close_stderr(w);
		return 0;
	}
	w->errlen += (size_t)n;
	w->errbuf[w->errlen] = '\0';
	char *start = w->errbuf, *nl;
	while ((nl = strchr(start, '\n'))) {
		*nl = '\0';
		relay_line(w, start);
		start = nl + 1;
	}
	w->errlen -= (size_t)(start - w->errbuf);
	memmove(w->errbuf, start, w->errlen);
	if (w->errlen == sizeof(w->errbuf) - 1) { /* an over-long line */
		relay_line(w, w->errbuf);
		w->errlen = 0;
	}
	return 0;
}

static uint64_t backoff(unsigned failures)
{
	uint64_t d = BACKOFF_MIN_USEC;
	for (unsigned i = 1; i < failures && d < BACKOFF_MAX_USEC; i++)
		d *= 2;
	return d < BACKOFF_MAX_USEC ? d : BACKOFF_MAX_USEC;
}

static int on_restart(sd_event_source *s, uint64_t usec, void *data)
{
	struct worker *w = data;
	(void)s;
	(void)usec;
	w->restart = sd_event_source_unref(w->restart);
	if (!stopping)
		spawn(w);
	return 0;
}

static void describe_exit(const siginfo_t *si, char *buf, size_t len)
{
	if (si->si_code == CLD_EXITED)
		snprintf(buf, len, "exited with status %d", si->si_status);
	else
		snprintf(buf, len, "killed by signal %s%s",
			 sigabbrev_np(si->si_status) ?: "?",
			 si->si_code == CLD_DUMPED ? " (core dumped)" : "");
}

static int on_child(sd_event_source *s, const siginfo_t *si, void *data)
{
	struct worker *w = data;
	char how[64];
	uint64_t now = clock_loop_usec(event);
	(void)s;

	describe_exit(si, how, sizeof(how));
	disconnect(w);
	w->child = sd_event_source_unref(w->child);
	w->pid = 0;
	if (stopping) {
		log_debug("worker %s %s", w->name, how);
		for (unsigned i = 0; i < nworkers; i++)
			if (table[i].pid > 0)
				return 0;
		stop_timer = sd_event_source_disable_unref(stop_timer);
		if (stop_done)
			stop_done();
		return 0;
	}
	if (now - w->started > STABLE_USEC)
		w->failures = 0;
	w->failures++;
	w->restarts++;
	uint64_t delay = backoff(w->failures);
	log_warnx("worker %s (pid %d) %s; restarting in %llu ms", w->name,
		  (int)si->si_pid, how, (unsigned long long)(delay / 1000));
	event_emit(EVENT_WORKER_RESTART,
		   &(struct event_fields){.worker = w->name,
					  .worker_pid = si->si_pid,
					  .reason = how});
	if (sd_event_add_time_relative(event, &w->restart, CLOCK_MONOTONIC,
				       delay, 0, on_restart, w) < 0)
		fatalx(EXIT_FATAL, "cannot schedule a worker restart");
	return 0;
}

/* In the child: the socket on IPC_FD, stderr on the relay pipe, stdin
 * and stdout on /dev/null opened here (nothing of what started cgfaird:
 * under systemd that is the journal's stream, and under SELinux a worker
 * domain may not use init's fds), its own session (a terminal's ^C is for
 * the supervisor), default signals. */
static void exec_worker(struct worker *w, int sock, int err)
{
	sigset_t none;
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (nul < 0 || dup2(nul, STDIN_FILENO) < 0 ||
	    dup2(nul, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
		_exit(127);
	if (nul > STDERR_FILENO)
		close(nul);
	if (sock != IPC_FD) {
		if (dup2(sock, IPC_FD) < 0)
			_exit(127);
	} else {
		fcntl(sock, F_SETFD, 0);
	}
	/* close-on-exec, not closed: the executable's O_PATH fd (exes.c) is
	 * among them and must last until the exec */
	close_range(IPC_FD + 1, ~0U, CLOSE_RANGE_CLOEXEC);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	char *argv[8];
	int argc = 0;
	argv[argc++] = (char *)w->wc->exe;
	argv[argc++] = "--user";
	argv[argc++] = worker_user;
	if (w->wc->chroot) {
		argv[argc++] = "--chroot";
		argv[argc++] = w->wc->chroot_dir ? (char *)w->wc->chroot_dir
						 : CGFAIR_EMPTYDIR;
	}
	if (w->wc->network && *w->wc->network)
		argv[argc++] = "--network";
	if (debug)
		argv[argc++] = "--debug";
	argv[argc] = NULL;
	/* LIBC_FATAL_STDERR_: glibc's fatal checks (fortify, stack
	 * protector, malloc) write their message to stderr, which reaches
	 * the journal, instead of opening /dev/tty, which the sandbox
	 * forbids: the worker would die by SIGSYS with nothing said */
	char *envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
			"LIBC_FATAL_STDERR_=1", NULL, NULL};
#ifdef CGFAIR_SANITIZED
	/* the sanitizers' settings reach the workers of a sanitizer build;
	 * LeakSanitizer cannot run in them (non-dumpable: its ptrace-based
	 * stop-the-world fails), so leaks are checked in the supervisor and
	 * the unit tests */
	const char *asan = getenv("ASAN_OPTIONS");
	static char asan_env[512];
	snprintf(asan_env, sizeof(asan_env), "ASAN_OPTIONS=%s%sdetect_leaks=0",
		 asan ? asan : "", asan ? ":" : "");
	envp[2] = asan_env;
#endif
	/* the file opened and checked at start, whatever the path holds now */
	execveat(exes_fd(w->wc->exe), "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

static void spawn(struct worker *w)
{
	int sv[2], ep[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		log_warn("socketpair for worker %s", w->name);
		goto retry;
	}
	if (pipe2(ep, O_CLOEXEC) < 0) {
		log_warn("pipe for worker %s", w->name);
		close(sv[0]);
		close(sv[1]);
		goto retry;
	}
	pid = fork();
	if (pid < 0) {
		log_warn("fork for worker %s", w->name);
		close(sv[0]);
		close(sv[1]);
		close(ep[0]);
		close(ep[1]);
		goto retry;
	}
	if (pid == 0)
		exec_worker(w, sv[1], ep[1]);
	close(sv[1]);
	close(ep[1]);
	close_stderr(w); /* what the last instance left unread */
	w->err = ep[0];
	fcntl(ep[0], F_SETFL, O_NONBLOCK);
	if (sd_event_add_io(event, &w->errio, w->err, EPOLLIN, on_stderr, w) <
	    0)
		fatalx(EXIT_FATAL, "cannot watch worker %s's stderr", w->name);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	w->pid = pid;
	w->fd = sv[0];
	w->started = clock_loop_usec(event);
	w->ping_sent = 0;
	if (sd_event_add_io(event, &w->io, w->fd, EPOLLIN, on_ipc, w) < 0 ||
	    sd_event_add_child(event, &w->child, pid, WEXITED, on_child, w) < 0)
		fatalx(EXIT_FATAL, "cannot watch worker %s", w->name);
	log_debug("started worker %s (pid %d)", w->name, (int)pid);
	/* a first ping at once, so that READY=1 does not wait a second */
	w->nonce++;
	mark_progress(w, w->started);
	struct ipc_ping ping = {.nonce = w->nonce};
	if (worker_tell(w, IPC_PING, &ping, sizeof(ping), NULL, 0) == 0 &&
	    w->wc->on_start)
		w->wc->on_start(w);
	return;
retry:
	w->failures++;
	sd_event_add_time_relative(event, &w->restart, CLOCK_MONOTONIC,
				   backoff(w->failures), 0, on_restart, w);
}

/* A ping unanswered for PING_TIMEOUT_USEC. The answer may only be queued
 * behind a burst: its pong comes after the messages it is still sending
 * (a sweep's strays, while this loop places them), or the ping waits in
 * its outbox behind ours. A worker that sent or took anything since the
 * ping is working, so it gets another timeout; one that did neither is
 * hung. */
static void judge_late(struct worker *w, uint64_t now)
{
	if (w->out.sent != w->out_mark || w->received != w->recv_mark) {
		mark_progress(w, now);
		return;
	}
	kill_worker(w, "missed its ping");
}

/* The timer's own usec is the time it was set for, which a busy loop
 * passes (and sd-event's default accuracy lets it fire 250 ms late): a
 * worker spawned earlier in the same iteration has a later ping_sent
 * than that. With usec, `usec - ping_sent` wrapped around, and the
 * fresh worker was killed at once as having missed its ping, again and
 * again with its backoff growing (a restarted scanner in foundation.sh's
 * forbidden-call rounds). So the loop's now, and a ping from the future
 * is never late. */
static bool ping_late(const struct worker *w, uint64_t now)
{
	return w->ping_sent && now > w->ping_sent &&
	       now - w->ping_sent > PING_TIMEOUT_USEC;
}

static int on_ping_timer(sd_event_source *s, uint64_t usec, void *data)
{
	uint64_t now = clock_loop_usec(event);
	(void)data;
	(void)usec;
	for (unsigned i = 0; i < nworkers; i++) {
		struct worker *w = &table[i];
		if (w->fd < 0)
			continue;
		if (ping_late(w, now)) {
			/* the supervisor itself may have been busy: read what
			 * is queued before blaming the worker */
			on_ipc(w->io, w->fd, EPOLLIN, w);
			if (w->fd >= 0 && w->ping_sent)
				judge_late(w, now);
			continue;
		}
		if (w->ping_sent)
			continue; /* still waiting for the last one */
		struct ipc_ping ping = {.nonce = ++w->nonce};
		mark_progress(w, now);
		worker_tell(w, IPC_PING, &ping, sizeof(ping), NULL, 0);
	}
	sd_event_source_set_time(s, now + PING_EVERY_USEC);
	return 0;
}

void workers_init(sd_event *e, const char *user, bool debug_mode)
{
	event = e;
	snprintf(worker_user, sizeof(worker_user), "%s", user);
	debug = debug_mode;
}

void workers_start(void)
{
	for (unsigned i = 0; i < nworkers; i++)
		spawn(&table[i]);
	if (sd_event_add_time_relative(event, &ping_timer, CLOCK_MONOTONIC,
				       PING_EVERY_USEC, 0, on_ping_timer,
				       NULL) < 0 ||
	    sd_event_source_set_enabled(ping_timer, SD_EVENT_ON) < 0)
		fatalx(EXIT_FATAL, "cannot start the ping timer");
}

static int on_stop_timeout(sd_event_source *s, uint64_t usec, void *data)
{
	(void)s;
	(void)usec;
	(void)data;
	for (unsigned i = 0; i < nworkers; i++)
		if (table[i].pid > 0) {
			log_warnx("worker %s did not exit; killing it",
				  table[i].name);
			kill(table[i].pid, SIGKILL);
		}
	return 0;
}

/* Close every socket (the workers exit on EOF); kill what is left after a
 * grace period; call done() once all of them are reaped. */
void workers_stop(void (*done)(void))
{
	bool any = false;

	stopping = true;
	stop_done = done;
	ping_timer = sd_event_source_disable_unref(ping_timer);
	for (unsigned i = 0; i < nworkers; i++) {
		struct worker *w = &table[i];
		w->restart = sd_event_source_disable_unref(w->restart);
		disconnect(w);
		if (w->pid > 0)
			any = true;
	}
	if (!any) {
		done();
		return;
	}
	sd_event_add_time_relative(event, &stop_timer, CLOCK_MONOTONIC,
				   STOP_GRACE_USEC, 0, on_stop_timeout, NULL);
}

/* --debug only: every worker makes a call its sandbox forbids. */
void workers_test_syscall(uint32_t call)
{
	struct ipc_test_syscall m = {.call = call};
	for (unsigned i = 0; i < nworkers; i++)
		worker_tell(&table[i], IPC_TEST_SYSCALL, &m, sizeof(m), NULL,
			    0);
}
