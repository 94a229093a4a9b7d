/*
 * The frontend's connections: accept on the socket the supervisor handed
 * over, enforce the bounds (clients in total and per uid, line length, idle
 * time, subscriber backlog), move bytes. What a line means is dispatch.c's.
 *
 * Identity here (SO_PEERCRED) only decides what a client may *read*; every
 * state change goes to the supervisor with the client's socket, and the
 * supervisor reads the credentials itself.
 */
#include "common/peer.h"
#include "workers/frontend/clients.h"
#include "workers/frontend/dispatch.h"
#include "workers/skeleton.h"
#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#define ACCEPT_PAUSE_USEC (1000 * 1000ULL) /* after EMFILE and friends */
#define ACCEPT_BATCH	  64
#define IN_INITIAL	  1024
/* A connection of someone who is not an admin must ask for something
 * within this (or idle_timeout, if shorter): a connection that never
 * says anything only holds a slot. */
#define FIRST_LINE_USEC (10 * 1000 * 1000ULL)

static sd_event *event;
static const struct ipc_listen_setup *setup;
static int listen_fd = -1;
static sd_event_source *listen_src, *sweep_src;
static uint64_t paused_until; /* accepting stopped until then (monotonic) */
static struct client *clients;
static unsigned nclients, nmembers; /* of which root or admin_group */

static void client_run(struct client *c);

static uint64_t clients_now(void)
{
	return clock_loop_usec(event);
}

/* --- lifetime ------------------------------------------------------------ */

static void client_free(struct client *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	nclients--;
	nmembers -= c->member;
	sd_event_source_disable_unref(c->io);
	close(c->fd);
	free(c->in);
	fe_buf_free(&c->out);
	fe_buf_free(&c->acc);
	free(c);
}

static void client_drop(struct client *c, const char *why)
{
	log_info("dropping client uid %u pid %d: %s", (unsigned)c->uid,
		 (int)c->pid, why);
	client_free(c);
}

/* --- membership of the admin group, for reads ---------------------------- */

static bool is_member(int fd, const struct ucred *cr)
{
	if (cr->uid == 0)
		return true;
	if (!(setup->flags & LISTEN_ADMIN_GID))
		return false;
	return cr->gid == setup->admin_gid ||
	       peer_in_group(fd, setup->admin_gid);
}

/* --- accepting ----------------------------------------------------------- */

/* Tell a refused client why (best effort: it has not read anything yet,
 * so a short line fits its socket buffer) and hang up. */
static void refuse(int fd, int err, const char *msg)
{
	struct fe_buf b = {0};

	fe_reply_error(&b, err, msg);
	if (b.len)
		(void)!write(fd, b.p, b.len);
	fe_buf_free(&b);
	close(fd);
}

static unsigned clients_of(uid_t uid)
{
	unsigned n = 0;
	for (struct client *c = clients; c; c = c->next)
		n += c->uid == uid;
	return n;
}

static int on_client_io(sd_event_source *s, int fd, uint32_t revents,
			void *data);

/* Room for one more: admins (root, admin_group) may take every slot;
 * the others share max_clients - admin_reserve and max_clients_per_uid
 * each, so no set of them can take the reserve. */
static const char *no_room(const struct ucred *cr, bool member, char *msg,
			   size_t len)
{
	unsigned others = nclients - nmembers;

	if (nclients >= setup->max_clients ||
	    (!member && others >= setup->max_clients - setup->admin_reserve))
		snprintf(msg, len,
			 "too many clients (max_clients %u); try again later",
			 setup->max_clients);
	else if (!member && clients_of(cr->uid) >= setup->max_clients_per_uid)
		snprintf(msg, len,
			 "too many connections from uid %u "
			 "(max_clients_per_uid %u)",
			 (unsigned)cr->uid, setup->max_clients_per_uid);
	else
		return NULL;
	return msg;
}

static bool within_bounds(int fd, const struct ucred *cr, bool member)
{
	char msg[128];

	if (!no_room(cr, member, msg, sizeof(msg)))
		return true;
	log_info("refusing uid %u pid %d: %s", (unsigned)cr->uid, (int)cr->pid,
		 msg);
	refuse(fd, EBUSY, msg);
	return false;
}

static void client_new(int fd)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	struct client *c;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
		log_warn("SO_PEERCRED");
		close(fd);
		return;
	}
	bool member = is_member(fd, &cr);

	if (!within_bounds(fd, &cr, member))
		return;
	c = calloc(1, sizeof(*c));
	if (!c ||
	    sd_event_add_io(event, &c->io, fd, EPOLLIN, on_client_io, c) < 0) {
		free(c);
		refuse(fd, ENOMEM, "out of memory");
		return;
	}
	c->fd = fd;
	c->uid = cr.uid;
	c->gid = cr.gid;
	c->pid = cr.pid;
	c->member = member;
	c->since = c->last_progress = clients_now();
	c->next = clients;
	if (clients)
		clients->prev = c;
	clients = c;
	nclients++;
	nmembers += c->member;
	log_debug("client uid %u pid %d connected", (unsigned)cr.uid,
		  (int)cr.pid);
}

/* Out of fds or memory: the listening socket stays readable, so stop
 * watching it for a while (the sweep resumes it) instead of spinning. */
static void pause_accepting(void)
{
	log_warn("accept");
	sd_event_source_set_enabled(listen_src, SD_EVENT_OFF);
	paused_until = clients_now() + ACCEPT_PAUSE_USEC;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	(void)s;
	(void)revents;
	(void)data;
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd >= 0) {
			client_new(cfd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			pause_accepting();
		else if (errno != EAGAIN)
			log_warn("accept");
		break;
	}
	return 0;
}

void clients_listen(int fd)
{
	if (listen_fd == fd)
		return;
	listen_src = sd_event_source_disable_unref(listen_src);
	if (listen_fd >= 0)
		close(listen_fd); /* a resend: the same socket, another fd */
	listen_fd = fd;
	if (sd_event_add_io(event, &listen_src, fd, EPOLLIN, on_accept, NULL) <
	    0)
		fatalx(EXIT_FATAL, "cannot watch the listening socket");
	if (paused_until)
		sd_event_source_set_enabled(listen_src, SD_EVENT_OFF);
	log_debug("listening: max_clients %u, per uid %u, max_line %u",
		  setup->max_clients, setup->max_clients_per_uid,
		  setup->max_line);
}

/* --- moving bytes -------------------------------------------------------- */

/* false: the client is gone (freed) */
static bool flush_out(struct client *c)
{
	while (c->out.len) {
		ssize_t n = write(c->fd, c->out.p, c->out.len);
		if (n > 0) {
			fe_buf_consume(&c->out, (size_t)n);
			c->last_progress = clients_now();
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return true;
		client_drop(c, n < 0 ? strerror(errno) : "write failed");
		return false;
	}
	return true;
}

/* A subscriber's input means nothing: read it away, to see the EOF. */
static bool drain_in(struct client *c)
{
	char buf[512];
	ssize_t n;

	while ((n = read(c->fd, buf, sizeof(buf))) > 0)
		;
	if (n == 0) {
		client_free(c);
		return false;
	}
	return true;
}

static bool fill_in(struct client *c)
{
	size_t limit = (size_t)setup->max_line + 1; /* + the newline */

	if (c->inlen == c->incap && c->incap < limit) {
		size_t cap = c->incap ? c->incap * 2 : IN_INITIAL;
		char *p = realloc(c->in, cap < limit ? cap : limit);
		if (!p) {
			client_drop(c, "out of memory");
			return false;
		}
		c->in = p;
		c->incap = cap < limit ? cap : limit;
	}
	if (c->inlen == c->incap)
		return true; /* full: next_line() refuses the line */
	ssize_t n = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
	if (n > 0) {
		c->inlen += (size_t)n;
		c->last_progress = clients_now();
	} else if (n == 0) {
		c->eof = true;
	} else if (errno != EAGAIN && errno != EINTR) {
		client_drop(c, strerror(errno));
		return false;
	}
	return true;
}

/* Take one complete line out of the input and answer it. false: nothing
 * to do until more input comes. */
static bool next_line(struct client *c)
{
	char *nl = c->in ? memchr(c->in, '\n', c->inlen) : NULL;
	size_t n;

	if (!nl) {
		if (c->inlen > setup->max_line) {
			char msg[96];
			snprintf(msg, sizeof(msg),
				 "request line longer than %u bytes (max_line)",
				 setup->max_line);
			c->text = c->in[0] != '{';
			client_error(c, EMSGSIZE, msg);
			c->close_after = true;
			return true;
		}
		if (!c->eof && !c->quiet_line)
			return false;
		c->quiet_line = false;
		if (c->inlen == 0 && !c->eof)
			return false;
		if (c->inlen == 0) {
			c->close_after = true;
			return true;
		}
		nl = c->in + c->inlen; /* a last line without newline */
	}
	n = (size_t)(nl - c->in);
	if (n > 0 && c->in[n - 1] == '\r')
		n--;
	c->asked = true;
	if (n > 0)
		dispatch_line(c, c->in, n);
	n = (size_t)(nl - c->in);
	n = n < c->inlen ? n + 1 : n;
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
	return true;
}

static void update_events(struct client *c)
{
	uint32_t ev = 0;

	/* the client hung up while its request is with the supervisor: the
	 * answer will find it (and fail); until then EPOLLHUP, which cannot
	 * be masked, would wake us in a loop */
	if (c->hup && c->state == C_WAIT && !c->out.len) {
		sd_event_source_set_enabled(c->io, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_enabled(c->io, SD_EVENT_ON);

	if (c->out.len)
		ev |= EPOLLOUT;
	else if ((c->state == C_READY && !c->eof) || c->state == C_SUBSCRIBED)
		ev |= EPOLLIN;
	sd_event_source_set_io_events(c->io, ev);
}

/* Write what is pending, then answer buffered lines one at a time while
 * nothing is pending: one answer in memory per client at most. */
static void client_run(struct client *c)
{
	for (;;) {
		if (!flush_out(c))
			return;
		if (c->out.len)
			break;
		if (c->close_after) {
			client_free(c);
			return;
		}
		if (c->state != C_READY || !next_line(c))
			break;
	}
	update_events(c);
}

static int on_client_io(sd_event_source *s, int fd, uint32_t revents,
			void *data)
{
	struct client *c = data;
	(void)s;
	(void)fd;

	if (revents & EPOLLERR) {
		client_drop(c, "socket error");
		return 0;
	}
	/* A hang-up may still leave lines to read: a client may send a
	 * request and close without waiting for the answer. */
	if (revents & EPOLLHUP)
		c->hup = true;
	if (revents & (EPOLLIN | EPOLLHUP)) {
		if (c->state == C_SUBSCRIBED && !drain_in(c))
			return 0;
		if (c->state == C_READY && !fill_in(c))
			return 0;
	}
	client_run(c);
	return 0;
}

/* --- answers from the supervisor, events --------------------------------- */

void clients_reply(const struct ipc_client_reply *r)
{
	for (struct client *c = clients; c; c = c->next)
		if (c->state == C_WAIT && c->wait_id == r->id) {
			dispatch_reply(c, r);
			client_run(c);
			return;
		}
	/* the client hung up before the answer came */
}

static bool event_for(const struct client *c, bool has_uid, uint32_t uid)
{
	return client_sees_all(c) || (has_uid && uid == c->uid);
}

void clients_event(const char *json)
{
	size_t len = strlen(json);
	uint32_t uid = 0;
	bool has_uid = fe_event_uid(json, &uid) == 0;
	struct client *next;

	for (struct client *c = clients; c; c = next) {
		next = c->next;
		if (c->state != C_SUBSCRIBED || !event_for(c, has_uid, uid))
			continue;
		if (c->out.len + len + 1 > setup->subscriber_backlog) {
			client_drop(c, "subscriber too slow (backlog full)");
			continue;
		}
		size_t at = c->out.len;
		fe_buf_add(&c->out, json, len);
		/* one event per line, whatever the producer did */
		for (size_t i = at; i < c->out.len; i++)
			if (c->out.p[i] == '\n' || c->out.p[i] == '\r')
				c->out.p[i] = ' ';
		fe_buf_add(&c->out, "\n", 1);
		if (c->out.oom) {
			client_drop(c, "out of memory");
			continue;
		}
		client_run(c);
	}
}

/* --- time limits --------------------------------------------------------- */

#define QUIET_LINE_USEC 500000 /* the sweep runs every second */

/* false: c was freed */
static bool sweep_one(struct client *c, uint64_t now)
{
	uint64_t idle = setup->idle_timeout_ms * 1000;

	if (c->out.len && now - c->last_progress > idle) {
		client_drop(c, "not reading its answer");
		return false;
	}
	if (c->state == C_WAIT && now - c->wait_since > idle) {
		c->state = C_READY;
		c->close_after = true;
		client_error(c, ETIMEDOUT, "no answer from the daemon");
	} else if (c->state == C_READY && !c->out.len && c->inlen > 0 &&
		   c->in[0] != '{' && !memchr(c->in, '\n', c->inlen) &&
		   now - c->last_progress >= QUIET_LINE_USEC) {
		/* the seed's clients send a command without a newline and
		 * wait for the answer: a quiet partial text line is whole */
		c->quiet_line = true;
	} else if (c->state == C_READY && !c->out.len &&
		   now - c->last_progress > idle) {
		c->close_after = true;
		client_error(c, ETIMEDOUT, "idle for too long, closing");
	} else if (!c->member && !c->asked &&
		   now - c->since > FIRST_LINE_USEC) {
		c->close_after = true;
		client_error(c, ETIMEDOUT, "no request, closing");
	} else {
		return true;
	}
	client_run(c);
	return true;
}

static int on_sweep(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	uint64_t ticks, now = clients_now();
	struct client *next;
	(void)s;
	(void)revents;
	(void)data;

	(void)!read(fd, &ticks, sizeof(ticks));
	if (paused_until && now >= paused_until) {
		paused_until = 0;
		if (listen_src)
			sd_event_source_set_enabled(listen_src, SD_EVENT_ON);
	}
	for (struct client *c = clients; c; c = next) {
		next = c->next;
		sweep_one(c, now);
	}
	return 0;
}

/* A plain timerfd ticking every second: the sweep needs no slack nor
 * sd-event's spreading of timers. */
void clients_init(sd_event *e, const struct ipc_listen_setup *s)
{
	struct itimerspec every_second = {{1, 0}, {1, 0}};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	event = e;
	setup = s;
	if (fd < 0 || timerfd_settime(fd, 0, &every_second, NULL) < 0 ||
	    sd_event_add_io(event, &sweep_src, fd, EPOLLIN, on_sweep, NULL) < 0)
		fatal(EXIT_FATAL, "cannot start the client timer");
}
