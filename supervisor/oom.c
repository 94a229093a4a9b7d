/*
 * The OOM watcher pool, supervisor side.
 *
 * Counting: the kernel's oom_kill counter of a user's cgroup is the truth.
 * struct user keeps the value up to which kills were reported
 * (oom_reported). The first value seen after a user is added is the
 * baseline, unless oom_marks.c kept a mark for the same cgroup from the
 * last run (kills since then are reported: cgfaird was down) or for
 * another cgroup (a new one: all its kills are); every later value V
 * reports V - oom_reported kills and moves the mark to V. The mark lives here,
 * not in a watcher, and every arm (a user added, a watcher restarted) reads the
 * counter again, so that kills made while no watcher watched are reported late
 * but not lost, and a report that arrives twice reports nothing the second
 * time. A report of an earlier arm (its generation is older) is dropped: it may
 * come from fds of a cgroup that has since been removed and made again.
 *
 * A watcher is trusted for nothing but the wake-up: on its report the
 * supervisor reads the counter itself, from a copy of the fd it handed
 * over (u->oom_fd), so a compromised watcher can delay a report but
 * neither invent nor multiply kills.
 *
 * Detail: the victim (pid, comm, rss) comes from the kernel log, read by
 * watcher 0, on its own path. A kill waits up to detail_wait_ms for its
 * victim, and a victim up to VICTIM_KEEP_USEC for its kill, whichever
 * comes first; then the event goes out with what is known. A victim that
 * comes after its kill went out without it is dropped: it must not be
 * given to the user's next kill.
 *
 * Tree counts (systemd on cgroup v1): the kernel counts a kill only in the
 * victim's own cgroup, and a scope whose last process was the victim is
 * removed by systemd at once, often before its count was read (the
 * watcher's wake-up comes at the OOM, before the kill is counted). So a
 * victim of a tree user that no counted kill claimed within
 * VICTIM_KEEP_USEC is a kill of its own, reported from the log; a count
 * that still shows it later (within LOG_ONLY_USEC) is absorbed, not
 * reported again.
 */
#include "supervisor/oom.h"
#include "supervisor/oom_marks.h"
#include "supervisor/backend.h"
#include "supervisor/workers.h"
#include "supervisor/events.h"
#include "supervisor/users.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/num.h"
#include "workers/oomwatch/oomparse.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_WATCHERS	 8
#define MAX_PENDING	 256
#define MAX_VICTIMS	 64
#define MAX_PER_REPORT	 1024 /* kills one counter report may add */
#define VICTIM_KEEP_USEC (2000 * 1000ULL)
#define LOG_ONLY_USEC	 (10 * 1000 * 1000ULL)
#define TIMER_ACCURACY	 1000 /* usec */

struct pending {
	uid_t uid;
	uint64_t value; /* the counter value this kill brought it to */
	uint64_t deadline;
};

struct victim {
	uid_t uid; /* the user it was matched to */
	uint64_t received;
	struct ipc_oom_victim v;
};

/* A kill that went out without its victim: the victim, if it still comes,
 * is its own and must not be given to the user's next kill. */
struct late {
	uid_t uid;
	uint64_t expires;
};

static struct oom_settings cfg;
static unsigned load[MAX_WATCHERS]; /* users per watcher */
static uint32_t next_gen;
static int kmsg_fd = -1;
static struct pending pending[MAX_PENDING];
static unsigned npending;
static struct victim victims[MAX_VICTIMS];
static unsigned nvictims;
static struct late late[MAX_VICTIMS];
static unsigned nlate;
static sd_event_source *timer;

static void on_start(struct worker *w);
static bool on_message(struct worker *w, struct ipc_msg *msg);

static struct worker_class oomwatch_class = {
    .role = ROLE_OOMWATCH,
    .exe = "cgfair-oomwatch",
    .chroot = true,
    .count = 2,
    .on_start = on_start,
    .on_message = on_message,
};

unsigned oom_pending_count(void)
{
	return npending;
}

/* --- matching a victim to a user ----------------------------------------- */

bool oom_path_uid(const char *path, const char *prefix, bool systemd_names,
		  uid_t *uid)
{
	size_t pl = strcmp(prefix, "/") == 0 ? 0 : strlen(prefix);
	const char *p;
	uint64_t v = 0;
	size_t n = 0;

	if (strncmp(path, prefix, pl) != 0 || strncmp(path + pl, "/user-", 6))
		return false;
	p = path + pl + 6;
	n = num_scan_uint(p, SIZE_MAX, UINT32_MAX - 1u, &v);
	/* no empty number, no leading zero, a real uid */
	if (n == 0 || p[0] == '0')
		return false;
	p += n;
	if (systemd_names) {
		if (strncmp(p, ".slice", 6) != 0)
			return false;
		p += 6;
	}
	if (*p != '\0' && *p != '/')
		return false;
	*uid = (uid_t)v;
	return true;
}

/* The user a victim belongs to: by the memcg the kernel named, else by
 * the victim's uid, but only when the kernel named no memcg at all (its
 * summary line was rate-limited away). */
static struct user *victim_user(const struct ipc_oom_victim *v)
{
	struct ipc_scan_setup where;
	uid_t uid;

	memset(&where, 0, sizeof(where));
	backend_scan_setup(&where);
	bool sd = where.systemd_names != 0;
	if (oom_path_uid(v->memcg, where.prefix, sd, &uid) ||
	    oom_path_uid(v->task_memcg, where.prefix, sd, &uid))
		return user_find(uid);
	if (!v->memcg[0] && !v->task_memcg[0] && v->uid != UINT32_MAX)
		return user_find(v->uid);
	return NULL;
}

/* --- emitting ------------------------------------------------------------ */

static void emit(uid_t uid, uint64_t value, const struct ipc_oom_victim *v)
{
	struct event_fields f = {.uid = uid, .oom_kills = value};

	if (v) {
		f.pid = (pid_t)v->pid;
		f.comm = v->comm;
		f.rss_kb = v->rss_kb;
		f.victim_uid = v->uid;
		f.memcg = v->memcg[0] ? v->memcg : v->task_memcg;
	}
	event_emit(EVENT_OOM, &f);
	oom_marks_reported(uid, value);
	struct user *u = user_find(uid);
	if (u)
		u->oom_kills++;
}

static void drop_pending(unsigned i)
{
	memmove(&pending[i], &pending[i + 1],
		(npending - i - 1) * sizeof(*pending));
	npending--;
}

static void drop_victim(unsigned i)
{
	memmove(&victims[i], &victims[i + 1],
		(nvictims - i - 1) * sizeof(*victims));
	nvictims--;
}

static void drop_late(unsigned i)
{
	memmove(&late[i], &late[i + 1], (nlate - i - 1) * sizeof(*late));
	nlate--;
}

/* A kill goes out without detail after its wait. */
static void emit_late(uid_t uid, uint64_t value, uint64_t now)
{
	emit(uid, value, NULL);
	if (nlate == MAX_VICTIMS)
		drop_late(0);
	late[nlate++] = (struct late){uid, now + VICTIM_KEEP_USEC};
}

/* A victim with no kill waiting: true when it belongs to a kill that
 * already went out without it (and is then dropped). */
static bool claim_late(uid_t uid)
{
	for (unsigned i = 0; i < nlate; i++) {
		if (late[i].uid == uid) {
			drop_late(i);
			return true;
		}
	}
	return false;
}

/* A victim that no counted kill claimed in time: on a tree count, a kill
 * whose cgroup went before it was read (header comment); else noise. */
static void victim_unclaimed(const struct victim *vi, uint64_t now)
{
	struct user *u = user_find(vi->uid);

	if (!u || !u->oom_tree || u->oom_watcher < 0) {
		log_debug("OOM victim %u (%s) of uid %u matched no kill",
			  vi->v.pid, vi->v.comm, (unsigned)vi->uid);
		return;
	}
	log_info("uid %u: OOM kill of pid %u (%s) is in the kernel log only "
		 "(its cgroup was gone before its count was read): "
		 "reported from the log",
		 (unsigned)u->uid, vi->v.pid, vi->v.comm);
	if (now > u->oom_log_only_until)
		u->oom_log_only = 0;
	u->oom_log_only++;
	u->oom_log_only_until = now + LOG_ONLY_USEC;
	emit(u->uid, u->oom_reported, &vi->v);
}

/* One counted kill of a tree user that was already reported from the log:
 * absorbed (true) instead of reported twice. */
static bool log_only_absorbs(struct user *u)
{
	if (!u->oom_log_only ||
	    clock_loop_usec(cfg.event) > u->oom_log_only_until)
		return false;
	u->oom_log_only--;
	log_debug("uid %u: a counted kill was already reported from the log",
		  (unsigned)u->uid);
	return true;
}

/* Run the timer at the earliest deadline of a kill or a kept victim. */
static void timer_update(void);

static int on_timer(sd_event_source *s, uint64_t usec, void *data)
{
	(void)s;
	(void)data;
	for (unsigned i = 0; i < npending;) {
		if (pending[i].deadline > usec) {
			i++;
			continue;
		}
		emit_late(pending[i].uid, pending[i].value, usec);
		drop_pending(i);
	}
	for (unsigned i = 0; i < nlate;)
		if (late[i].expires <= usec)
			drop_late(i);
		else
			i++;
	for (unsigned i = 0; i < nvictims;) {
		if (victims[i].received + VICTIM_KEEP_USEC > usec) {
			i++;
			continue;
		}
		victim_unclaimed(&victims[i], usec);
		drop_victim(i);
	}
	timer_update();
	return 0;
}

static void timer_update(void)
{
	uint64_t next = UINT64_MAX;

	for (unsigned i = 0; i < npending; i++)
		if (pending[i].deadline < next)
			next = pending[i].deadline;
	for (unsigned i = 0; i < nvictims; i++)
		if (victims[i].received + VICTIM_KEEP_USEC < next)
			next = victims[i].received + VICTIM_KEEP_USEC;
	for (unsigned i = 0; i < nlate; i++)
		if (late[i].expires < next)
			next = late[i].expires;
	if (next == UINT64_MAX) {
		if (timer)
			sd_event_source_set_enabled(timer, SD_EVENT_OFF);
		return;
	}
	if (!timer) {
		if (sd_event_add_time(cfg.event, &timer, CLOCK_MONOTONIC, next,
				      TIMER_ACCURACY, on_timer, NULL) < 0)
			fatalx(EXIT_FATAL, "cannot add the OOM detail timer");
		return;
	}
	sd_event_source_set_time(timer, next);
	sd_event_source_set_enabled(timer, SD_EVENT_ONESHOT);
}

/* One kill of uid, counted up to value: out now with a victim already
 * seen, else wait for one. */
static void kill_counted(uid_t uid, uint64_t value)
{
	for (unsigned i = 0; i < nvictims; i++) {
		if (victims[i].uid != uid)
			continue;
		emit(uid, value, &victims[i].v);
		drop_victim(i);
		return;
	}
	if (npending == MAX_PENDING) { /* a storm: no waiting */
		emit(uid, value, NULL);
		return;
	}
	pending[npending++] =
	    (struct pending){.uid = uid,
			     .value = value,
			     .deadline = clock_loop_usec(cfg.event) +
					 cfg.detail_wait_ms * 1000ULL};
	timer_update();
}

/* The first value seen since the user was added: where counting starts
 * (see the header comment). cgroup: its inode number, 0 if unknown. */
static void baseline(struct user *u, uint64_t value, uint64_t cgroup)
{
	const struct oom_mark *m = cgroup ? oom_marks_find(u->uid) : NULL;

	u->oom_counter_known = true;
	u->oom_reported = value;
	if (m && m->cgroup == cgroup && m->reported <= value)
		u->oom_reported = m->reported;
	else if (m && m->cgroup != cgroup)
		u->oom_reported = 0;
	if (u->oom_reported < value)
		log_info("uid %u: %llu OOM kill(s) in its cgroup while cgfaird "
			 "was not watching: reported now",
			 (unsigned)u->uid,
			 (unsigned long long)(value - u->oom_reported));
	log_debug("uid %u: oom_kill %llu, counted from %llu", (unsigned)u->uid,
		  (unsigned long long)value,
		  (unsigned long long)u->oom_reported);
	if (cgroup)
		oom_marks_set(u->uid, cgroup, u->oom_reported);
}

/* The counting rule of the header comment. */
static void account(struct user *u, uint64_t value, uint64_t cgroup,
		    const char *from)
{
	if (!u->oom_counter_known)
		baseline(u, value, cgroup);
	if (value < u->oom_reported) {
		const struct oom_mark *m = oom_marks_find(u->uid);
		log_warnx("uid %u: oom_kill went back from %llu to %llu (%s): "
			  "cgroup made again? counting from there",
			  (unsigned)u->uid, (unsigned long long)u->oom_reported,
			  (unsigned long long)value, from);
		u->oom_reported = value;
		/* the mark too: kills after a restart count from there */
		if (m)
			oom_marks_set(u->uid, m->cgroup, value);
		return;
	}
	if (value - u->oom_reported > MAX_PER_REPORT) {
		log_warnx("uid %u: oom_kill jumped from %llu to %llu (%s); "
			  "reporting the last %u kills",
			  (unsigned)u->uid, (unsigned long long)u->oom_reported,
			  (unsigned long long)value, from, MAX_PER_REPORT);
		u->oom_reported = value - MAX_PER_REPORT;
	}
	while (u->oom_reported < value) {
		++u->oom_reported;
		if (!(u->oom_tree && log_only_absorbs(u)))
			kill_counted(u->uid, u->oom_reported);
	}
}

/* --- tree counts ---------------------------------------------------------- */

/* A tree's count (systemd on v1, see backend.h) is re-read every second
 * besides the watchers' wake-ups: it drops when a cgroup with kills goes,
 * and the mark must follow before a restart, or a kill made while
 * cgfaird is down would be taken for one already reported. */
#define TREE_REREAD_USEC (1000 * 1000ULL)
static sd_event_source *tree_timer;

static void tree_reread(struct user *u, void *arg)
{
	uint64_t value;
	(void)arg;

	if (u->oom_tree && u->oom_watcher >= 0 && u->oom_counter_known &&
	    backend_read_oom_kills(u->uid, &value) == 0)
		account(u, value, 0, "re-read");
}

static int on_tree_timer(sd_event_source *s, uint64_t usec, void *data)
{
	(void)data;
	users_foreach(tree_reread, NULL);
	sd_event_source_set_time(s, usec + TREE_REREAD_USEC);
	return 0;
}

void oom_reread_trees(void)
{
	users_foreach(tree_reread, NULL);
}

static void tree_timer_start(void)
{
	if (tree_timer)
		return;
	if (sd_event_add_time_relative(cfg.event, &tree_timer, CLOCK_MONOTONIC,
				       TREE_REREAD_USEC, 100 * 1000,
				       on_tree_timer, NULL) < 0) {
		log_warnx("cannot add the OOM re-read timer: tree counts are "
			  "read at the watchers' wake-ups only");
		return;
	}
	sd_event_source_set_enabled(tree_timer, SD_EVENT_ON);
}

/* --- arming -------------------------------------------------------------- */

/* Our own copy of the fd the counter is read from (v1: memory.oom_control,
 * v2: memory.events), for on_kills. */
static void keep_counter_fd(struct user *u, const struct oom_source *src)
{
	int i = src->kind == OOM_V1_EVENTFD ? 1 : 0;

	if (u->oom_fd >= 0)
		close(u->oom_fd);
	u->oom_fd = -1;
	if (src->has_counter && i < src->nfds &&
	    (u->oom_fd = fcntl(src->fds[i], F_DUPFD_CLOEXEC, 0)) < 0)
		log_warn("uid %u: keeping the OOM counter's fd",
			 (unsigned)u->uid);
}

/* The kernel's oom_kill counter of u, read now. */
static int read_counter(const struct user *u, uint64_t *value)
{
	char buf[1024];
	ssize_t n;

	if (u->oom_fd < 0)
		return -EBADF;
	n = pread(u->oom_fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return oom_parse_counter(buf, (size_t)n, "oom_kill", value) == 0
		   ? 0
		   : -ENODATA;
}

/* Arm u at its watcher: new fds, the counter accounted now (kills missed
 * while nobody watched come out here), the fds handed over and closed. */
static void arm(struct user *u)
{
	struct worker *w = worker_get(ROLE_OOMWATCH, (unsigned)u->oom_watcher);
	struct oom_source src = {0};
	struct ipc_oom_arm m = {.uid = (uint32_t)u->uid};
	int r = backend_arm_oom(u->uid, &src);

	if (r == -EROFS) /* dry run */
		return;
	if (r < 0) {
		log_warnx("uid %u: cannot arm the OOM source: %s",
			  (unsigned)u->uid, strerror(-r));
		return;
	}
	u->oom_no_counter = !src.has_counter;
	keep_counter_fd(u, &src);
	u->oom_tree = src.tree;
	if (src.tree)
		tree_timer_start();
	if (src.has_counter)
		account(u, src.oom_kill, src.cgroup, "armed");
	m.kind = (uint32_t)src.kind;
	if (++next_gen == 0) /* 0 means "not armed" */
		next_gen = 1;
	m.gen = u->oom_gen = next_gen;
	/* not running: its on_start arms it again */
	worker_tell(w, IPC_OOM_ARM, &m, sizeof(m), src.fds, src.nfds);
	for (int i = 0; i < src.nfds; i++)
		close(src.fds[i]);
}

static unsigned least_loaded(void)
{
	unsigned best = 0;
	for (unsigned i = 1; i < oomwatch_class.count; i++)
		if (load[i] < load[best])
			best = i;
	return best;
}

/* Give up the kills still waiting for a victim: out they go now. */
static void flush_user(uid_t uid)
{
	for (unsigned i = 0; i < npending;) {
		if (pending[i].uid != uid) {
			i++;
			continue;
		}
		emit(uid, pending[i].value, NULL);
		drop_pending(i);
	}
	for (unsigned i = 0; i < nvictims;)
		if (victims[i].uid == uid)
			drop_victim(i);
		else
			i++;
	for (unsigned i = 0; i < nlate;)
		if (late[i].uid == uid)
			drop_late(i);
		else
			i++;
	timer_update();
}

static void disarm(struct user *u)
{
	struct ipc_oom_disarm m = {.uid = (uint32_t)u->uid};
	struct worker *w = worker_get(ROLE_OOMWATCH, (unsigned)u->oom_watcher);

	worker_tell(w, IPC_OOM_DISARM, &m, sizeof(m), NULL, 0);
	if (u->oom_fd >= 0)
		close(u->oom_fd);
	u->oom_fd = -1;
	load[u->oom_watcher]--;
	u->oom_watcher = -1;
	u->oom_gen = 0; /* reports still on their way are stale */
	flush_user(u->uid);
}

/* Added: arm at the least loaded watcher. Removed: disarm first, so that
 * the cgroup's removal (which wakes v1 eventfds) is never taken for an
 * OOM, and the watcher's fds do not keep it alive. */
static void user_hook_fn(struct user *u, bool added)
{
	if (!added) {
		if (u->oom_watcher >= 0)
			disarm(u);
		return;
	}
	if (u->oom_watcher < 0) {
		u->oom_watcher = (int)least_loaded();
		load[u->oom_watcher]++;
	}
	arm(u);
}

static void rearm_one(struct user *u, void *arg)
{
	if (u->oom_watcher == (int)(uintptr_t)arg)
		arm(u);
}

/* A watcher (re)started: every user it had is armed again with new fds;
 * watcher 0 also gets the kernel log. */
static void on_start(struct worker *w)
{
	unsigned idx = worker_index(w);

	if (idx == 0 && kmsg_fd >= 0)
		worker_tell(w, IPC_KMSG, &(struct ipc_kmsg){0},
			    sizeof(struct ipc_kmsg), &kmsg_fd, 1);
	users_foreach(rearm_one, (void *)(uintptr_t)idx);
}

/* --- messages ------------------------------------------------------------ */

static bool on_kills(struct worker *w, const struct ipc_oom_kills *m)
{
	struct user *u = user_find(m->uid);

	/* a report of an earlier arm, or of a user since removed */
	if (!u || u->oom_watcher != (int)worker_index(w) || m->gen == 0 ||
	    u->oom_gen != m->gen) {
		log_debug("uid %u: stale oom_kill report dropped",
			  (unsigned)m->uid);
		return true;
	}
	/* the watcher's figure is only a wake-up: the kernel's counts (a
	 * tree's: the sum below the slice, which the backend reads) */
	uint64_t value;
	int r = u->oom_tree ? backend_read_oom_kills(u->uid, &value)
			    : read_counter(u, &value);
	if (r < 0) {
		log_warnx("uid %u: cannot read the oom_kill counter: %s",
			  (unsigned)u->uid, strerror(-r));
		return true;
	}
	/* it read the same counter earlier, and the counter only grows:
	 * more than the kernel's now is a lie (cut off, restarted) */
	if (m->oom_kill > value) {
		log_warnx("uid %u: %s reported oom_kill %llu, the kernel "
			  "counted %llu",
			  (unsigned)u->uid, worker_name(w),
			  (unsigned long long)m->oom_kill,
			  (unsigned long long)value);
		return false;
	}
	account(u, value, 0, worker_name(w));
	return true;
}

static void on_victim(const struct ipc_oom_victim *v)
{
	struct user *u = victim_user(v);

	if (!u || u->oom_watcher < 0) {
		log_debug("OOM victim %u (%s) in '%s' is no managed user's",
			  v->pid, v->comm, v->memcg);
		return;
	}
	if (u->oom_no_counter) { /* no counter to wait for: one line, one kill
				  */
		emit(u->uid, 0, v);
		return;
	}
	for (unsigned i = 0; i < npending; i++) {
		if (pending[i].uid != u->uid)
			continue;
		emit(u->uid, pending[i].value, v);
		drop_pending(i);
		timer_update();
		return;
	}
	if (claim_late(u->uid)) {
		log_debug("OOM victim %u (%s) came after its event", v->pid,
			  v->comm);
		return;
	}
	if (nvictims == MAX_VICTIMS)
		drop_victim(0);
	victims[nvictims++] = (struct victim){
	    .uid = u->uid, .received = clock_loop_usec(cfg.event), .v = *v};
	timer_update();
}

static bool on_message(struct worker *w, struct ipc_msg *msg)
{
	switch (msg->hdr.type) {
	case IPC_OOM_KILLS:
		return on_kills(w, &msg->u.oom_kills);
	case IPC_OOM_VICTIM:
		/* only the watcher given the kernel log may name victims */
		if (worker_index(w) != 0)
			return false;
		on_victim(&msg->u.oom_victim);
		return true;
	default:
		return false;
	}
}

/* --- setup --------------------------------------------------------------- */

/* Seek to the end: lines logged before we started are not replayed. */
static void open_kmsg(void)
{
	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg_fd < 0) {
		log_warn("/dev/kmsg: OOM events will have no victim detail");
		return;
	}
	if (lseek(kmsg_fd, 0, SEEK_END) < 0)
		log_warn("/dev/kmsg: seek to the end");
}

void oom_init(const struct oom_settings *s)
{
	cfg = *s;
	if (cfg.watchers == 0) /* the default is the configuration's */
		fatalx(EXIT_FATAL, "no OOM watcher asked for");
	if (cfg.watchers > MAX_WATCHERS) {
		log_warnx("%u OOM watchers asked for; using %u", cfg.watchers,
			  MAX_WATCHERS);
		cfg.watchers = MAX_WATCHERS;
	}
	if (cfg.detail_wait_ms == 0)
		cfg.detail_wait_ms = 250;
	if (cfg.detail_wait_ms > 900) /* the event must be out within 1 s */
		cfg.detail_wait_ms = 900;
	oomwatch_class.count = cfg.watchers;
	if (!cfg.no_kmsg && kmsg_fd < 0)
		open_kmsg();
	workers_add_class(&oomwatch_class);
	users_add_hook(user_hook_fn);
}
