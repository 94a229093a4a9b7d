/*
 * The supervisor's side of the socket (DESIGN section 7).
 *
 * The listening socket is made here, as root, before the capabilities go,
 * then handed to the sandboxed cgfair-frontend, which does all the talking
 * and all the parsing. The supervisor never reads a byte a client sent: a
 * state-changing request reaches it as a fixed IPC struct *with the
 * client's own connected socket*, from which it reads SO_PEERCRED and
 * SO_PEERGROUPS itself. A compromised frontend can thus ask for anything,
 * but only with the credentials of a real client of the socket.
 *
 * Rows and events flow the other way, paced: a few messages per loop turn,
 * so that thousands of users changing at once do not pile up in the
 * frontend's outbox (bounded: past it the worker counts as hung).
 */
#include "common/peer.h"
#include "supervisor/frontend.h"
#include "supervisor/badness.h"
#include "supervisor/backend.h"
#include "supervisor/workers.h"
#include "supervisor/control.h"
#include "supervisor/daemon_state.h"
#include "supervisor/events.h"
#include "supervisor/state.h"
#include "supervisor/users.h"
#include "common/array.h"
#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <grp.h>
#include <math.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#define LISTEN_BACKLOG	  128
#define FLUSH_MAX_MSGS	  16		 /* per turn: ~32 KiB in the socket */
#define FLUSH_PAUSE_USEC  (10 * 1000ULL) /* between turns */
#define EVENT_QUEUE	  512		 /* events waiting for the pacer */
#define CONFIG_MAX_CHUNKS 256		 /* 256 KiB of configuration text */

/* The workers that keep a copy of the rows: the frontend, the metrics
 * listener and the recorder when there are. A row is dirty for each of
 * them until sent. */
#define CONSUMERS 3
static const enum ipc_role consumer_role[CONSUMERS] = {
    ROLE_FRONTEND, ROLE_METRICS, ROLE_RECORDER};

struct cached_row {
	struct ipc_user_state row;
	uint8_t dirty; /* bit k: not yet sent to consumer k */
};

static struct frontend_settings cfg;
static int listen_fd = -1;
static dev_t sock_dev;
static ino_t sock_ino;
static bool have_admin_gid;
static gid_t admin_gid;

static frontend_report_fn report_hook;

static struct cached_row *rows;
static size_t nrows, rows_cap, ndirty[CONSUMERS];
static uint8_t consumers; /* bit k: consumer k is registered */
static char *events[EVENT_QUEUE];
static size_t ev_head, ev_count, ev_dropped;
static sd_event_source *flush_src;

static void schedule_flush(void);

static void resolve_admin_group(void)
{
	struct group *gr;

	have_admin_gid = false;
	if (!cfg.admin_group[0])
		return;
	errno = 0;
	gr = getgrnam(cfg.admin_group);
	if (!gr) {
		log_warnx("admin_group %s does not exist: only root may "
			  "change state over the socket",
			  cfg.admin_group);
		return;
	}
	admin_gid = gr->gr_gid;
	have_admin_gid = true;
}

/* --- the socket ---------------------------------------------------------- */

static void socket_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		fatalx(EXIT_FATAL, "socket path %s is too long", path);
	memcpy(sa->sun_path, path, strlen(path) + 1);
}

/* A socket file left by a daemon that died is removed; one that answers
 * belongs to a running cgfaird, and two would fight over the cgroups. */
static void remove_stale(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd;

	if (lstat(sa->sun_path, &st) < 0) {
		if (errno == ENOENT)
			return;
		fatal(EXIT_FATAL, "%s", sa->sun_path);
	}
	if (!S_ISSOCK(st.st_mode))
		fatalx(EXIT_FATAL,
		       "%s exists and is not a socket; not "
		       "touching it",
		       sa->sun_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		fatal(EXIT_FATAL, "socket");
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 ||
	    errno == EAGAIN)
		fatalx(EXIT_FATAL, "another cgfaird is listening on %s",
		       sa->sun_path);
	close(fd);
	if (unlink(sa->sun_path) < 0)
		fatal(EXIT_FATAL, "removing the stale socket %s", sa->sun_path);
}

/* At exit: remove the socket file, if it is still ours. */
static void unlink_socket(void)
{
	struct stat st;

	if (listen_fd >= 0 && lstat(cfg.path, &st) == 0 &&
	    st.st_dev == sock_dev && st.st_ino == sock_ino)
		unlink(cfg.path);
}

/* At exit: remove the seed's link, if it still points to our socket. */
static void unlink_seed_link(void)
{
	char buf[sizeof(cfg.path) + 1];
	ssize_t n = readlink(cfg.seed_path, buf, sizeof(buf) - 1);

	if (n > 0 && (buf[n] = '\0', strcmp(buf, cfg.path) == 0))
		unlink(cfg.seed_path);
}

/* Cgroup Py's clients connect to its path: a symbolic link there leads
 * them to our socket (connect(2) follows it). A stale link or socket is
 * replaced; a live socket (Cgroup Py still running) or anything else is
 * left, with a warning: the link is a convenience, not a reason to stop. */
static void make_seed_link(void)
{
	struct sockaddr_un sa;
	struct stat st;

	if (!cfg.seed_path[0] || strcmp(cfg.seed_path, cfg.path) == 0)
		return;
	if (lstat(cfg.seed_path, &st) == 0) {
		bool stale = S_ISLNK(st.st_mode);
		if (S_ISSOCK(st.st_mode)) {
			int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			socket_addr(&sa, cfg.seed_path);
			stale = fd >= 0 && connect(fd, (struct sockaddr *)&sa,
						   sizeof(sa)) < 0;
			if (fd >= 0)
				close(fd);
		}
		if (!stale || unlink(cfg.seed_path) < 0) {
			log_warnx("%s exists and is in use: no link to %s "
				  "for the seed's clients",
				  cfg.seed_path, cfg.path);
			return;
		}
	}
	if (symlink(cfg.path, cfg.seed_path) < 0) {
		log_warn("link %s -> %s", cfg.seed_path, cfg.path);
		return;
	}
	atexit(unlink_seed_link);
	log_info("the seed's clients find the socket at %s", cfg.seed_path);
}

static void make_socket(void)
{
	struct sockaddr_un sa;
	struct stat st;

	socket_addr(&sa, cfg.path);
	remove_stale(&sa);
	listen_fd =
	    socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (listen_fd < 0)
		fatal(EXIT_FATAL, "socket");
	if (bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fatal(EXIT_FATAL, "bind %s", cfg.path);
	/* everyone may read their status; what they may change is decided
	 * per request from their credentials */
	if (chmod(cfg.path, 0666) < 0 || lstat(cfg.path, &st) < 0)
		fatal(EXIT_FATAL, "chmod %s", cfg.path);
	sock_dev = st.st_dev;
	sock_ino = st.st_ino;
	atexit(unlink_socket);
	if (listen(listen_fd, LISTEN_BACKLOG) < 0)
		fatal(EXIT_FATAL, "listen %s", cfg.path);
	log_info("listening on %s", cfg.path);
	make_seed_link();
}

static struct worker *frontend_worker(void)
{
	struct worker *w = worker_get(ROLE_FRONTEND, 0);
	return w && worker_pid(w) > 0 ? w : NULL;
}

/* A cgroup directory for display; too long: none ("", the ident alone). */
static void join_dir(char *buf, size_t len, const char *mount,
		     const char *prefix)
{
	if (snprintf(buf, len, "%s%s", mount, prefix) >= (int)len)
		buf[0] = '\0';
}

static void send_listen(struct worker *w)
{
	struct ipc_listen_setup m = {
	    .max_clients = cfg.max_clients,
	    .max_clients_per_uid = cfg.max_clients_per_uid,
	    /* others always keep one slot: a reserve of all is none */
	    .admin_reserve = cfg.admin_reserve < cfg.max_clients
				 ? cfg.admin_reserve
				 : cfg.max_clients - 1,
	    .max_line = cfg.max_line,
	    .idle_timeout_ms = cfg.idle_timeout_ms,
	    .subscriber_backlog = cfg.subscriber_backlog,
	    .admin_gid = (uint32_t)admin_gid,
	    .mem_total = cfg.mem_total,
	};
	struct ipc_scan_setup where;

	if (cfg.status_all)
		m.flags |= LISTEN_STATUS_ALL;
	if (have_admin_gid)
		m.flags |= LISTEN_ADMIN_GID;
	/* the seed's `list --cgroup` shows the real cgroup paths */
	backend_scan_setup(&where);
	if (where.systemd_names)
		m.flags |= LISTEN_SYSTEMD_NAMES;
	join_dir(m.cpu_dir, sizeof(m.cpu_dir), where.cpuacct_dir, where.prefix);
	join_dir(m.mem_dir, sizeof(m.mem_dir), where.memory_dir, where.prefix);
	worker_tell(w, IPC_LISTEN, &m, sizeof(m), &listen_fd, 1);
}

/* --- rows ---------------------------------------------------------------- */

static size_t row_index(uint32_t uid)
{
	return array_uid_lower_bound(rows, nrows, sizeof(*rows),
				     offsetof(struct cached_row, row.uid), uid);
}

static struct cached_row *row_get(uint32_t uid)
{
	size_t i = row_index(uid);

	if (i < nrows && rows[i].row.uid == uid)
		return &rows[i];
	if (!array_insert(&rows, &nrows, &rows_cap, sizeof(*rows), i))
		fatal(EXIT_FATAL, "reallocarray");
	rows[i].row.uid = uid;
	rows[i].row.cap_permille = -1;
	return &rows[i];
}

void frontend_row(const struct ipc_user_state *row)
{
	struct cached_row *c;
	size_t i = row_index(row->uid);

	if ((row->flags & STATE_GONE) &&
	    (i == nrows || rows[i].row.uid != row->uid))
		return; /* the frontend never had it */
	c = row_get(row->uid);

	if (memcmp(&c->row, row, sizeof(*row)) == 0)
		return; /* nothing new to say */
	c->row = *row;
	for (unsigned k = 0; k < CONSUMERS; k++)
		if ((consumers & (1u << k)) && !(c->dirty & (1u << k))) {
			ndirty[k]++;
			c->dirty |= (uint8_t)(1u << k);
		}
	schedule_flush();
}

static unsigned online_cpus(void)
{
	static unsigned n;
	static uint64_t when;
	uint64_t now = clock_loop_usec(cfg.event);

	if (!n || now - when > 1000 * 1000) {
		long r = sysconf(_SC_NPROCESSORS_ONLN);
		n = r > 0 ? (unsigned)r : 1;
		when = now;
	}
	return n;
}

static uint32_t row_flags(const struct user *u,
			  const struct runtime_override *o)
{
	uint32_t f = 0;

	if (u->pol.active)
		f |= STATE_ACTIVE;
	if (u->pol.throttle.on)
		f |= STATE_THROTTLED;
	/* the penalty lives in state.c, which survives restarts */
	if (o && o->penalty.on)
		f |= STATE_PENALTY;
	if (o && o->penalty.on && o->penalty.automatic)
		f |= STATE_AUTO;
	if ((o && (o->cpu_permille > 0 || o->mem_bytes > 0 ||
		   o->max_tasks > 0 || o->mem_high > 0 || o->io_weight > 0)) ||
	    (u->ovr.set & (POLICY_OVR(CONFIG_OVR_CPU_CAP) |
			   POLICY_OVR(CONFIG_OVR_MEMORY_LIMIT))))
		f |= STATE_FIXED;
	return f;
}

void frontend_user_changed(const struct user *u)
{
	const struct runtime_override *o = state_find(u->uid);
	const struct policy_badness *b = badness_find(u->uid);
	const struct policy_state *p = &u->pol;
	struct ipc_user_state r = {
	    .uid = u->uid,
	    .flags = row_flags(u, o),
	    .nprocs = u->nprocs,
	    .ncpus = online_cpus(),
	    .cap_permille =
		p->has_cap && isfinite(p->cap) ? llround(p->cap * 1000) : -1,
	    .weight = p->weight,
	    .use_permille = isfinite(u->use_cores) && u->use_cores > 0
				? (uint64_t)llround(u->use_cores * 1000)
				: 0,
	    .mem_bytes = u->mem_bytes,
	    .mem_limit = p->has_mem && p->mem_limit != CONFIG_UNLIMITED
			     ? p->mem_limit
			     : 0,
	    .mem_cache = u->mem_cache,
	    .cpu_usec = u->cpu_usec,
	    .throttled_usec = u->throttled_usec,
	    .oom_kills = u->oom_kills,
	    .max_tasks = p->has_extra && p->max_tasks != CONFIG_UNLIMITED
			     ? p->max_tasks
			     : 0,
	    .mem_high = p->has_extra && p->mem_high != CONFIG_UNLIMITED
			    ? p->mem_high
			    : 0,
	    .io_weight = p->has_extra ? p->io_weight : 0,
	};

	if (o && o->penalty.on && o->penalty.expires_ms > 0)
		r.penalty_until = (uint64_t)(o->penalty.expires_ms / 1000);
	if (b) {
		r.badness_tenths = (uint32_t)lround(b->score * 10);
		r.tier = b->tier;
	}
	snprintf(r.name, sizeof(r.name), "%s", u->name);
	frontend_row(&r);
}

void frontend_users_hook(struct user *u, bool added)
{
	struct ipc_user_state r = {.uid = u->uid, .flags = STATE_GONE};

	if (added)
		frontend_user_changed(u);
	else
		frontend_row(&r);
}

/* --- events -------------------------------------------------------------- */

void frontend_event(const char *json)
{
	size_t len = strlen(json);
	char *copy;

	if (!frontend_worker())
		return; /* no frontend, no subscribers */
	if (len >= sizeof(((struct ipc_event *)0)->json)) {
		log_warnx("event of %zu bytes too long for subscribers", len);
		return;
	}
	if (ev_count == EVENT_QUEUE) { /* a burst: the oldest goes */
		free(events[ev_head]);
		ev_head = (ev_head + 1) % EVENT_QUEUE;
		ev_count--;
		ev_dropped++;
	}
	copy = strdup(json);
	if (!copy)
		return;
	events[(ev_head + ev_count++) % EVENT_QUEUE] = copy;
	schedule_flush();
}

static void to_subscribers(enum event_type type, const char *json,
			   const struct event_fields *f, void *arg)
{
	(void)type;
	(void)f;
	(void)arg;
	frontend_event(json);
}

static void drop_events(void)
{
	while (ev_count) {
		free(events[ev_head]);
		ev_head = (ev_head + 1) % EVENT_QUEUE;
		ev_count--;
	}
}

/* --- the pacer ----------------------------------------------------------- */

static struct worker *consumer_worker(unsigned k)
{
	struct worker *w = worker_get(consumer_role[k], 0);
	return w && worker_pid(w) > 0 ? w : NULL;
}

/* Send up to *budget messages of rows dirty for consumer k. false: the
 * worker failed. */
static bool flush_rows(unsigned k, struct worker *w, int *budget)
{
	const uint8_t bit = (uint8_t)(1u << k);
	struct ipc_user_states m;
	size_t i = 0;

	while (ndirty[k] && *budget > 0) {
		memset(&m, 0, sizeof(m));
		for (; i < nrows && m.count < IPC_ROW_BATCH; i++)
			if (rows[i].dirty & bit)
				m.row[m.count++] = rows[i].row;
		if (worker_tell(w, IPC_USER_STATE, &m, sizeof(m), NULL, 0) < 0)
			return false;
		(*budget)--;
		for (uint32_t j = 0; j < m.count; j++) {
			struct cached_row *c = &rows[row_index(m.row[j].uid)];
			c->dirty &= (uint8_t)~bit;
			ndirty[k]--;
		}
	}
	return true;
}

/* A fresh consumer has no rows: all of them are dirty for it. */
static void mark_all_dirty(unsigned k)
{
	const uint8_t bit = (uint8_t)(1u << k);

	ndirty[k] = 0;
	for (size_t i = 0; i < nrows; i++) {
		rows[i].dirty &= (uint8_t)~bit;
		if (!(rows[i].row.flags & STATE_GONE)) {
			rows[i].dirty |= bit;
			ndirty[k]++;
		}
	}
}

void frontend_add_row_consumer(enum ipc_role role)
{
	for (unsigned k = 0; k < CONSUMERS; k++)
		if (consumer_role[k] == role)
			consumers |= (uint8_t)(1u << k);
}

void frontend_resend_rows(enum ipc_role role)
{
	for (unsigned k = 0; k < CONSUMERS; k++)
		if (consumer_role[k] == role)
			mark_all_dirty(k);
	schedule_flush();
}

/* Rows of removed users were sent with STATE_GONE: forget them. */
static void forget_gone(void)
{
	size_t j = 0;

	for (size_t i = 0; i < nrows; i++)
		if (rows[i].dirty || !(rows[i].row.flags & STATE_GONE))
			rows[j++] = rows[i];
	nrows = j;
}

static bool flush_events(struct worker *w, int *budget)
{
	struct ipc_event m;

	if (ev_dropped) {
		log_warnx("%zu events not sent to subscribers (burst)",
			  ev_dropped);
		ev_dropped = 0;
	}
	while (ev_count && *budget > 0) {
		memset(&m, 0, sizeof(m));
		snprintf(m.json, sizeof(m.json), "%s", events[ev_head]);
		free(events[ev_head]);
		ev_head = (ev_head + 1) % EVENT_QUEUE;
		ev_count--;
		if (worker_tell(w, IPC_EVENT, &m, sizeof(m), NULL, 0) < 0)
			return false;
		(*budget)--;
	}
	return true;
}

static int on_flush(sd_event_source *s, uint64_t usec, void *data)
{
	struct worker *w = frontend_worker();
	int budget = FLUSH_MAX_MSGS;
	bool more = false;
	(void)s;
	(void)usec;
	(void)data;

	flush_src = sd_event_source_disable_unref(flush_src);
	/* a consumer not running gets every row again at its start */
	for (unsigned k = 0; k < CONSUMERS; k++) {
		struct worker *c = consumer_worker(k);
		if (c && !flush_rows(k, c, &budget))
			return 0; /* the worker is being restarted */
		more |= c && ndirty[k];
	}
	if (!w)
		drop_events(); /* no subscribers without a frontend */
	else if (!flush_events(w, &budget))
		return 0;
	forget_gone();
	if (more || (w && ev_count))
		sd_event_add_time_relative(cfg.event, &flush_src,
					   CLOCK_MONOTONIC, FLUSH_PAUSE_USEC, 1,
					   on_flush, NULL);
	return 0;
}

static void schedule_flush(void)
{
	if (flush_src || !cfg.event)
		return;
	/* at the next loop turn: changes made together go together (an
	 * accuracy of 0 would mean sd-event's default, 250 ms) */
	if (sd_event_add_time(cfg.event, &flush_src, CLOCK_MONOTONIC, 0, 1,
			      on_flush, NULL) < 0)
		log_warnx("cannot schedule sending rows to the frontend");
}

/* --- requests ------------------------------------------------------------ */

/* The fd must be a connection accepted on our socket: not the listening
 * socket itself and not the frontend's IPC socket, whose SO_PEERCRED
 * would be the supervisor's own (uid 0). */
static bool is_client_socket(int fd)
{
	int domain = 0, type = 0, acc = 1;
	socklen_t len = sizeof(int);
	struct sockaddr_un sa;
	socklen_t salen = sizeof(sa);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) < 0)
		return false;
	if (domain != AF_UNIX || type != SOCK_STREAM || acc != 0)
		return false;
	memset(&sa, 0, sizeof(sa));
	if (getsockname(fd, (struct sockaddr *)&sa, &salen) < 0 ||
	    salen <= offsetof(struct sockaddr_un, sun_path))
		return false;
	return strncmp(sa.sun_path, cfg.path, sizeof(sa.sun_path)) == 0;
}

/* A connection carries one request (ipc.h). The mark that it has is kept
 * on the socket itself, SO_PASSCRED set on our end: the frontend's
 * seccomp filter has no setsockopt, so it can neither set nor clear it,
 * and there is no table here to grow or to evict. (SO_PASSCRED only makes
 * the kernel attach credentials that a read() ignores.) */
static bool connection_used(int fd)
{
	int used = 1;
	socklen_t len = sizeof(used);

	return getsockopt(fd, SOL_SOCKET, SO_PASSCRED, &used, &len) < 0 || used;
}

/* A client that has gone (closed: POLLHUP) asks for nothing any more. A
 * client may do that between sending and our reading, so this is refused
 * but is no fault of the frontend's. */
static bool client_gone(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) < 0 || (p.revents & (POLLHUP | POLLERR));
}

static void mark_used(int fd)
{
	int on = 1;

	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0)
		log_warn("marking a client connection used");
}

static bool may_change(int fd, const struct ucred *cr)
{
	if (cr->uid == 0)
		return true;
	return have_admin_gid &&
	       (cr->gid == admin_gid || peer_in_group(fd, admin_gid));
}

/* The client process behind fd, read by the supervisor (actor.c). */
static void client_actor(int fd, const struct ucred *cr, struct actor *a)
{
	if (actor_from_socket(fd, a) < 0)
		actor_from_pid(cr->pid, cr->uid, a);
}

static const char *op_name(uint32_t op)
{
	static const char *const names[] = {
	    [CLIENT_PENALTY] = "penalty", [CLIENT_RELEASE] = "release",
	    [CLIENT_LIMIT_SET] = "limit", [CLIENT_LIMIT_CLEAR] = "limit-clear",
	    [CLIENT_RELOAD] = "reload",	  [CLIENT_CONFIG] = "config",
	    [CLIENT_FORGIVE] = "forgive", [CLIENT_SET_OPTION] = "set option"};
	return op < sizeof(names) / sizeof(names[0]) && names[op] ? names[op]
								  : "?";
}

/* Denials are logged, but a client looping on them must not flood the
 * journal: at most DENIAL_LOGS a minute, then a count. */
#define DENIAL_LOGS 10

static void log_denial(const struct ipc_client_request *rq,
		       const struct ucred *cr)
{
	static uint64_t window;
	static unsigned logged, hidden;
	uint64_t now = clock_loop_usec(cfg.event);

	if (now - window > 60 * 1000 * 1000ULL) {
		if (hidden)
			log_warnx("%u more denied requests not logged", hidden);
		window = now;
		logged = hidden = 0;
	}
	if (logged++ < DENIAL_LOGS)
		log_warnx("denied %s of uid %u to uid %u pid %d",
			  op_name(rq->op), rq->uid, (unsigned)cr->uid,
			  (int)cr->pid);
	else
		hidden++;
}

static int denied(int fd, const struct ipc_client_request *rq,
		  const struct ucred *cr, char *msg, size_t len)
{
	struct actor who;
	if (rq->op == CLIENT_CONFIG)
		snprintf(msg, len,
			 "permission denied: the configuration is for admins "
			 "while status_visibility = own (you are uid %u)",
			 (unsigned)cr->uid);
	else if (have_admin_gid)
		snprintf(msg, len,
			 "permission denied: %s needs root or group %s "
			 "(you are uid %u)",
			 op_name(rq->op), cfg.admin_group, (unsigned)cr->uid);
	else
		snprintf(msg, len,
			 "permission denied: %s needs root (you are uid %u)",
			 op_name(rq->op), (unsigned)cr->uid);
	log_denial(rq, cr);
	if (rq->op != CLIENT_CONFIG) {
		client_actor(fd, cr, &who);
		control_refused(&who, rq->uid, op_name(rq->op));
	}
	return EPERM;
}

/* CLIENT_LIMIT_SET, with the seed's `set cgroup` steps its flags ask for:
 * clear, set, penalty box; the first failure ends it. */
static int seed_steps(const struct actor *who,
		      const struct ipc_client_request *rq, char *msg,
		      size_t len)
{
	int r = 0;

	if (rq->flags & REQ_CLEAR_FIRST)
		r = control_limit_clear(who, rq->uid, msg, len);
	if (r == 0 &&
	    (!rq->flags || rq->cpu_permille >= 0 || rq->mem_bytes >= 0 ||
	     rq->max_tasks >= 0 || rq->mem_high >= 0 || rq->io_weight >= 0))
		r = control_limit_set(who, rq->uid, rq, msg, len);
	if (r == 0 && (rq->flags & REQ_PENALTY))
		r = control_penalty(who, rq->uid, -1, NULL, msg, len);
	if (r == 0 && (rq->flags & REQ_RELEASE))
		r = control_release(who, rq->uid, msg, len);
	return r;
}

/* The control loop's answer, as a positive errno. */
static int decide(int fd, const struct ipc_client_request *rq,
		  const struct ucred *cr, char *msg, size_t len)
{
	struct actor who;
	int r = -EINVAL;

	client_actor(fd, cr, &who);
	switch (rq->op) {
	case CLIENT_PENALTY:
		r = control_penalty(&who, rq->uid, rq->seconds, rq->note, msg,
				    len);
		break;
	case CLIENT_RELEASE:
		r = control_release(&who, rq->uid, msg, len);
		break;
	case CLIENT_LIMIT_SET:
		r = seed_steps(&who, rq, msg, len);
		break;
	case CLIENT_LIMIT_CLEAR:
		r = control_limit_clear(&who, rq->uid, msg, len);
		break;
	case CLIENT_RELOAD:
		r = control_reload(&who, false, msg, len);
		break;
	case CLIENT_FORGIVE:
		r = control_forgive(&who, rq->uid, msg, len);
		break;
	case CLIENT_SET_OPTION:
		r = control_set_option(&who, rq, msg, len);
		break;
	}
	log_info("uid %u pid %d: %s uid %u: %s", (unsigned)cr->uid,
		 (int)cr->pid, op_name(rq->op), rq->uid, r == 0 ? "done" : msg);
	return r < 0 ? -r : r;
}

/* The configuration, in chunks that each fit a reply. */
static void send_config(struct worker *w, uint32_t id)
{
	struct ipc_client_reply rep = {.id = id};
	const size_t chunk = sizeof(rep.message) - 1;
	char *text = NULL;
	size_t len = 0, off = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f || control_print_config(f) < 0 || fclose(f) != 0 ||
	    len > chunk * CONFIG_MAX_CHUNKS) {
		rep.status = EIO;
		snprintf(rep.message, sizeof(rep.message),
			 "cannot print the configuration");
		worker_tell(w, IPC_CLIENT_REPLY, &rep, sizeof(rep), NULL, 0);
		free(text);
		return;
	}
	do {
		size_t n = len - off < chunk ? len - off : chunk;
		memset(rep.message, 0, sizeof(rep.message));
		memcpy(rep.message, text + off, n);
		off += n;
		rep.flags = off < len ? REPLY_MORE : 0;
		if (worker_tell(w, IPC_CLIENT_REPLY, &rep, sizeof(rep), NULL,
				0) < 0)
			break;
	} while (off < len);
	free(text);
}

/* The client behind a request's socket, for what: 1 to go on (cr is
 * its credentials), 0 answered already (the client has gone), -1 a
 * protocol violation (the frontend is killed). The fds are closed on 0
 * and -1. */
static int take_client(struct worker *w, struct ipc_msg *msg, uint32_t id,
		       const char *what, uint32_t uid, struct ucred *cr)
{
	struct ipc_client_reply rep = {.id = id, .status = EPIPE};
	socklen_t len = sizeof(*cr);
	int fd = msg->fds[0];

	if (!is_client_socket(fd) ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cr, &len) < 0) {
		ipc_close_fds(msg);
		return -1; /* not a client of ours: the worker is killed */
	}
	/* a frontend replaying a connection: killed and restarted, with the
	 * reason in the log */
	if (connection_used(fd)) {
		log_warnx("frontend passed a connection that already carried a "
			  "request (uid %u pid %d, %s of uid %u): refused",
			  (unsigned)cr->uid, (int)cr->pid, what, uid);
		ipc_close_fds(msg);
		return -1;
	}
	mark_used(fd);
	if (!client_gone(fd))
		return 1;
	log_info("uid %u pid %d: %s of uid %u: the client has gone, not done",
		 (unsigned)cr->uid, (int)cr->pid, what, uid);
	ipc_close_fds(msg);
	snprintf(rep.message, sizeof(rep.message), "client gone");
	worker_tell(w, IPC_CLIENT_REPLY, &rep, sizeof(rep), NULL, 0);
	return 0;
}

static bool on_request(struct worker *w, struct ipc_msg *msg)
{
	const struct ipc_client_request *rq = &msg->u.client_request;
	struct ipc_client_reply rep = {.id = rq->id};
	struct ucred cr;
	int fd = msg->fds[0];
	int r = take_client(w, msg, rq->id, op_name(rq->op), rq->uid, &cr);

	if (r <= 0)
		return r == 0;
	/* the configuration names users (users.d): readable by all only
	 * when every row is */
	if (rq->op == CLIENT_CONFIG &&
	    (cfg.status_all || may_change(fd, &cr))) {
		ipc_close_fds(msg);
		send_config(w, rq->id);
		return true;
	}
	if (rq->op != CLIENT_CONFIG && may_change(fd, &cr))
		rep.status =
		    decide(fd, rq, &cr, rep.message, sizeof(rep.message));
	else
		rep.status =
		    denied(fd, rq, &cr, rep.message, sizeof(rep.message));
	ipc_close_fds(msg);
	worker_tell(w, IPC_CLIENT_REPLY, &rep, sizeof(rep), NULL, 0);
	return true;
}

/* --- the worker class ---------------------------------------------------- */

static void send_note(struct worker *w, uid_t uid, const char *note)
{
	struct ipc_penalty_note m = {.uid = (uint32_t)uid};

	snprintf(m.note, sizeof(m.note), "%s", note);
	worker_tell(w, IPC_PENALTY_NOTE, &m, sizeof(m), NULL, 0);
}

void frontend_penalty_note(uid_t uid, const char *note)
{
	struct worker *w = worker_get(ROLE_FRONTEND, 0);

	if (w && worker_pid(w) > 0)
		send_note(w, uid, note);
}

/* A fresh frontend knows no notes: every penalty's that has one. */
static void send_notes(struct worker *w)
{
	for (size_t i = 0; i < state_count(); i++) {
		const struct runtime_override *o = state_at(i);
		if (o->penalty.on && o->note[0])
			send_note(w, o->uid, o->note);
	}
}

static void on_start(struct worker *w)
{
	send_listen(w);
	send_notes(w);
	/* a fresh frontend has no rows and no subscribers */
	frontend_resend_rows(ROLE_FRONTEND);
	forget_gone();
	drop_events();
	daemon_state_send(w);
}

/* A report over the history: whoever may see every row of status may see
 * every user's history; anyone else, their own only. The query itself
 * runs in the recorder (history.c passes it on). */
static bool on_report(struct worker *w, struct ipc_msg *msg)
{
	struct ipc_report_request rq = msg->u.report_request;
	struct ipc_client_reply rep = {.id = rq.id};
	struct ucred cr;
	int r = take_client(w, msg, rq.id, "report", rq.uid, &cr);

	if (r <= 0)
		return r == 0;
	if (!cfg.status_all && !may_change(msg->fds[0], &cr)) {
		if (rq.flags & REPORT_ALL_USERS)
			rq.uid = (uint32_t)cr.uid;
		rq.flags &= ~(uint32_t)REPORT_ALL_USERS;
		if (rq.uid != cr.uid)
			rep.status = EPERM;
	}
	ipc_close_fds(msg);
	if (rep.status)
		snprintf(rep.message, sizeof(rep.message),
			 "permission denied: the history of uid %u is for "
			 "admins while status_visibility = own (you are uid "
			 "%u)",
			 rq.uid, (unsigned)cr.uid);
	else if (!report_hook)
		rep.status = ENOTSUP;
	else
		rep.status = report_hook(&rq, rep.message, sizeof(rep.message));
	if (rep.status == ENOTSUP && !rep.message[0])
		snprintf(rep.message, sizeof(rep.message),
			 "no history is kept: see [history] enable in "
			 "cgfair.conf(5)");
	if (rep.status)
		worker_tell(w, IPC_CLIENT_REPLY, &rep, sizeof(rep), NULL, 0);
	return true;
}

static bool on_message(struct worker *w, struct ipc_msg *msg)
{
	if (msg->hdr.type == IPC_CLIENT_REQUEST)
		return on_request(w, msg);
	if (msg->hdr.type == IPC_REPORT_REQUEST)
		return on_report(w, msg);
	return false;
}

void frontend_set_report_hook(frontend_report_fn fn)
{
	report_hook = fn;
}

static const struct worker_class frontend_class = {
    .role = ROLE_FRONTEND,
    .exe = "cgfair-frontend",
    .chroot = true,
    .count = 1,
    .on_start = on_start,
    .on_message = on_message,
};

void frontend_configure(const struct frontend_settings *s)
{
	struct worker *w = frontend_worker();

	if (strcmp(s->path, cfg.path) != 0)
		log_warnx("the socket stays %s until cgfaird restarts",
			  cfg.path);
	char path[sizeof(cfg.path)];
	sd_event *e = cfg.event; /* not configuration: kept */
	memcpy(path, cfg.path, sizeof(path));
	cfg = *s;
	memcpy(cfg.path, path, sizeof(path));
	cfg.event = e;
	resolve_admin_group();
	if (w)
		send_listen(w);
}

void frontend_register(const struct frontend_settings *s)
{
	cfg = *s;
	resolve_admin_group();
	make_socket();
	workers_add_class(&frontend_class);
	frontend_add_row_consumer(ROLE_FRONTEND);
	users_add_hook(frontend_users_hook);
	control_set_row_hook(frontend_user_changed);
	if (events_add_sink(to_subscribers, NULL) < 0)
		log_warnx("no room for the subscribers' event sink");
}
