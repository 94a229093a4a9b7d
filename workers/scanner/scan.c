/*
 * The scanner's work: the usage cycle (per user, from the user cgroups'
 * own accounting, plus the few processes not placed yet), the /proc sweep
 * that finds strays, and the check of one pid the connector named.
 */
#include "workers/scanner/scanner.h"
#include "common/clock.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct cycle {
	struct scanner *s;
	uid_t *uids; /* users with strays or retired stray time */
	size_t n, cap;
	struct ipc_user_usage *users; /* sorted by uid */
	size_t nusers;
	size_t nread; /* users whose cgroups were read */
};

void scanner_init(struct scanner *s, int procfd, const char *cpu_online,
		  scan_send_fn send)
{
	memset(s, 0, sizeof(*s));
	s->procfd = procfd;
	s->cpu_root = s->mem_root = -1;
	s->cpu_online = cpu_online;
	s->hz = sysconf(_SC_CLK_TCK);
	if (s->hz <= 0)
		s->hz = 100;
	s->send = send;
	cgstat_init();
	listing_init(&s->listing);
}

static bool drop_unmanaged(struct pending *p, void *arg)
{
	const struct scanner *s = arg;
	return !uid_managed(&s->m, p->owner);
}

int scanner_setup(struct scanner *s, const struct ipc_scan_setup *setup)
{
	struct match m;
	int a, b;

	if (match_from_setup(&m, setup) < 0)
		return -EINVAL;
	m.npatterns = s->nnext;
	memcpy(m.patterns, s->next, s->nnext * sizeof(s->next[0]));
	s->nnext = 0;
	a = snprintf(s->cpu_path, sizeof(s->cpu_path), "%s%s",
		     setup->cpuacct_dir, m.prefix);
	b = snprintf(s->mem_path, sizeof(s->mem_path), "%s%s",
		     setup->memory_dir, m.prefix);
	if (a < 0 || b < 0 || (size_t)a >= sizeof(s->cpu_path) ||
	    (size_t)b >= sizeof(s->mem_path))
		return -ENAMETOOLONG;
	s->m = m;
	s->configured = true;
	cgstat_reset(); /* kept files may belong to the old subtree */
	listing_reset(&s->listing);
	pending_foreach(drop_unmanaged, s);
	log_debug("scan setup: v%d, %s and %s, uids %u..%u, %u exempt, "
		  "%u exempt cgroup patterns",
		  (int)m.hier, s->cpu_path, s->mem_path, m.min_uid,
		  m.max_uid ? m.max_uid : UINT32_MAX, m.nexempt, m.npatterns);
	return 0;
}

int scanner_exempt_cgroup(struct scanner *s, const struct ipc_scan_exempt *e)
{
	if (e->index != s->nnext || e->index >= IPC_CGPATTERN_MAX ||
	    (e->pattern[0] != '/' && e->pattern[0] != '*'))
		return -EINVAL;
	memcpy(s->next[s->nnext++], e->pattern, sizeof(e->pattern));
	return 0;
}

void scanner_stray_exempt(struct scanner *s, const struct ipc_stray_exempt *e)
{
	struct pending *p = pending_find((pid_t)e->pid);

	(void)s;
	if (p && p->start_time == e->start_time)
		p->exempt = true;
}

/* --- one pid ------------------------------------------------------------ */

static void report(struct scanner *s, const struct pending *p)
{
	struct ipc_stray_proc m = {.pid = (uint32_t)p->pid,
				   .uid = (uint32_t)p->uid,
				   .start_time = p->start_time};
	s->strays++;
	s->send(IPC_STRAY_PROC, &m, sizeof(m));
}

/* Inspect pid; a stray is recorded and reported when new, or always
 * (report_known: the sweep, which retries what the supervisor could not
 * place). What is gone or placed leaves the table. */
static void check_pid(struct scanner *s, pid_t pid, bool report_known)
{
	struct proc_info pi;
	enum place place;
	bool fresh;

	if (!s->configured)
		return;
	if (proc_inspect(s->procfd, pid, &s->m, &pi, &place) < 0 ||
	    place != PLACE_OUT) {
		pending_retire(pid);
		return;
	}
	struct pending *p = pending_put(&pi, &fresh);
	if (!p) {
		log_debug("stray table full; pid %d waits for a sweep",
			  (int)pid);
		return;
	}
	if (fresh || (report_known && !p->exempt))
		report(s, p);
}

/* An exec or a uid change: a stray the supervisor left alone for its
 * executable is judged again. */
void scanner_check(struct scanner *s, pid_t pid)
{
	struct pending *p = pending_find(pid);
	bool again = p && p->exempt;

	s->events++;
	if (p)
		p->exempt = false;
	check_pid(s, pid, again);
}

/* A child forked before its parent was moved stays behind: check the
 * children of strays (only theirs: forks are the most frequent event). */
void scanner_fork(struct scanner *s, pid_t parent, pid_t child)
{
	if (pending_find(parent))
		scanner_check(s, child);
}

static bool recharge(struct pending *p, void *arg)
{
	(void)arg;
	p->owner = charged_uid(p->uid);
	p->exempt = false;
	return false;
}

void scanner_subuids_changed(struct scanner *s)
{
	log_info("subordinate uids: %u ranges in force",
		 (unsigned)subuid_count());
	pending_foreach(recharge, NULL);
	pending_foreach(drop_unmanaged, s);
	scanner_sweep(s);
}

/* Every process, at start, periodically and after lost events. */
void scanner_sweep(struct scanner *s)
{
	char buf[32768];
	ssize_t len;
	uint64_t t0 = clock_usec(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t before = s->strays, n = 0;

	if (!s->configured || lseek(s->procfd, 0, SEEK_SET) < 0)
		return;
	while ((len = getdents64(s->procfd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < len;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			pid_t pid;
			off += e->d_reclen;
			if (parse_pid_name(e->d_name, &pid)) {
				check_pid(s, pid, true);
				n++;
			}
		}
	}
	s->sweeps++;
	log_debug(
	    "sweep %llu: %llu processes, %llu strays, %llu us CPU",
	    (unsigned long long)s->sweeps, (unsigned long long)n,
	    (unsigned long long)(s->strays - before),
	    (unsigned long long)(clock_usec(CLOCK_PROCESS_CPUTIME_ID) - t0));
}

/* --- the usage cycle ---------------------------------------------------- */

static int cmp_uid(const void *a, const void *b)
{
	uid_t x = *(const uid_t *)a, y = *(const uid_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_user(const void *a, const void *b)
{
	return cmp_uid(&((const struct ipc_user_usage *)a)->uid,
		       &((const struct ipc_user_usage *)b)->uid);
}

/* Re-read a stray: drop it when gone, reused or placed (its CPU time is
 * retired); else keep its larger CPU time and count its uid. */
static bool refresh_pending(struct pending *p, void *arg)
{
	struct cycle *c = arg;
	struct proc_info pi;
	enum place place;

	if (proc_inspect(c->s->procfd, p->pid, &c->s->m, &pi, &place) < 0 ||
	    pi.start_time != p->start_time || pi.uid != p->uid ||
	    place != PLACE_OUT)
		return true;
	if (pi.cpu_ticks > p->cpu_ticks)
		p->cpu_ticks = pi.cpu_ticks;
	/* still out: a move failed (a D-Bus error) or was undone (systemd
	 * attaching a service's new process to its unit after we adopted
	 * it); ask again every cycle, not only at the next sweep */
	if (!p->exempt)
		report(c->s, p);
	/* out of memory only leaves this user out of one cycle */
	(void)uids_push(&c->uids, &c->n, &c->cap, p->owner);
	return false;
}

static void push_retired(uid_t uid, void *arg)
{
	struct cycle *c = arg;
	(void)uids_push(&c->uids, &c->n, &c->cap, uid);
}

static void add_user(struct cycle *c, uid_t uid)
{
	if (c->nusers == 0 || c->users[c->nusers - 1].uid != uid)
		c->users[c->nusers++].uid = (uint32_t)uid;
}

/* The listing and the other uids, both sorted: every uid once, in order
 * (a merge: the listing is already sorted, and there are few others). */
static void merge_users(struct cycle *c, const struct listing *l)
{
	size_t i = 0, j = 0;

	while (i < l->n || j < c->n) {
		if (j == c->n || (i < l->n && l->seen[i].uid <= c->uids[j]))
			add_user(c, l->seen[i++].uid);
		else
			add_user(c, c->uids[j++]);
	}
}

/* The users of this cycle: every user-* cgroup, every uid with a stray
 * or with retired stray CPU time; sorted, each once. */
static int collect_users(struct cycle *c)
{
	struct scanner *s = c->s;
	struct listing *l = &s->listing;

	/* the backends make a user's cgroup in every hierarchy at once: the
	 * cpuacct (or unified) one lists them all */
	if (listing_get(l, s->cpu_root, s->cpu_path, &s->m) == -ENOMEM)
		return -ENOMEM;
	pending_foreach(refresh_pending, c);
	retired_foreach(push_retired, c);
	if (c->n > 1)
		qsort(c->uids, c->n, sizeof(*c->uids), cmp_uid);
	c->users = calloc(l->n + c->n + 1, sizeof(*c->users));
	if (!c->users)
		return -ENOMEM;
	merge_users(c, l);
	if (cgstat_align(c->users, c->nusers) < 0)
		return -ENOMEM;
	cgstat_inodes(l->seen, l->n);
	return 0;
}

static struct ipc_user_usage *find_user(struct cycle *c, uid_t uid)
{
	struct ipc_user_usage key = {.uid = (uint32_t)uid};
	return bsearch(&key, c->users, c->nusers, sizeof(key), cmp_user);
}

/* extra_usec holds clock ticks until read_user converts it */
static bool count_pending(struct pending *p, void *arg)
{
	struct ipc_user_usage *u = find_user(arg, p->owner);

	if (u) {
		u->unplaced++;
		u->nprocs++;
		u->extra_usec += p->cpu_ticks;
	}
	return false;
}

static uint64_t ticks_usec(const struct scanner *s, uint64_t ticks)
{
	uint64_t hz = (uint64_t)s->hz;
	return ticks / hz * 1000000u + ticks % hz * 1000000u / hz;
}

/* The cgroup figures of every user (read or, when quiet, the last ones),
 * and the CPU time of their processes outside their cgroups. */
static int read_users(struct cycle *c, const struct ipc_scan_request *r)
{
	struct cgstat_usage *cg =
	    calloc(c->nusers ? c->nusers : 1, sizeof(*cg));
	struct cgstat_pass p = {.cpu_root = c->s->cpu_root,
				.mem_root = c->s->mem_root,
				.m = &c->s->m,
				.cycle = r->cycle,
				.quiet_ns = r->quiet_usec * 1000};

	if (!cg)
		return -ENOMEM;
	pending_foreach(count_pending, c);
	cgstat_cycle(&p, c->users, cg);
	for (size_t i = 0; i < c->nusers; i++) {
		struct ipc_user_usage *u = &c->users[i];
		if (cg[i].found) {
			u->flags |= USAGE_HAS_CGROUP;
			u->cpu_usec = cg[i].cpu_usec;
			u->mem_bytes = cg[i].mem_bytes;
			u->mem_cache = cg[i].mem_cache;
			u->nprocs += cg[i].nprocs;
		}
		u->extra_usec =
		    ticks_usec(c->s, u->extra_usec + retired_ticks(u->uid));
		u->exempt_usec = ticks_usec(c->s, commands_ticks(u->uid));
	}
	c->nread = p.nread;
	free(cg);
	return 0;
}

static void send_users(struct cycle *c, uint64_t cycle)
{
	struct ipc_scan_users m;

	for (size_t i = 0; i < c->nusers; i += IPC_BATCH) {
		size_t k =
		    c->nusers - i < IPC_BATCH ? c->nusers - i : IPC_BATCH;
		memset(&m, 0, sizeof(m));
		m.cycle = cycle;
		m.count = (uint32_t)k;
		memcpy(m.user, c->users + i, k * sizeof(m.user[0]));
		c->s->send(IPC_SCAN_USERS, &m, sizeof(m));
	}
}

static void machine(struct scanner *s, struct ipc_scan_done *d)
{
	char buf[4096];

	d->ncpus = 0;
	if (read_at(AT_FDCWD, s->cpu_online, buf, sizeof(buf)) < 0 ||
	    parse_cpu_list(buf, &d->ncpus) < 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		d->ncpus = n > 0 ? (uint32_t)n : 1;
	}
	/* MemTotal is on the first line: a cut file is fine */
	ssize_t n = read_at(s->procfd, "meminfo", buf, sizeof(buf));
	if ((n < 0 && n != -EFBIG) || parse_meminfo_total(buf, &d->mem_total))
		d->mem_total = 0;
}

static bool keep_retired(uid_t uid, void *arg)
{
	const struct ipc_user_usage *u = find_user(arg, uid);
	return u && ((u->flags & USAGE_HAS_CGROUP) || u->unplaced);
}

static void open_roots(struct scanner *s)
{
	int fl = O_RDONLY | O_DIRECTORY | O_CLOEXEC;

	s->cpu_root = open(s->cpu_path, fl);
	s->mem_root = strcmp(s->cpu_path, s->mem_path) == 0
			  ? s->cpu_root
			  : open(s->mem_path, fl);
}

static void close_roots(struct scanner *s)
{
	if (s->mem_root >= 0 && s->mem_root != s->cpu_root)
		close(s->mem_root);
	if (s->cpu_root >= 0)
		close(s->cpu_root);
	s->cpu_root = s->mem_root = -1;
}

/* One cycle: IPC_SCAN_USERS batches, then IPC_SCAN_DONE with the
 * cycle's own CPU time. The roots are opened afresh each cycle, so that
 * a managed subtree made anew is seen. */
void scanner_cycle(struct scanner *s, const struct ipc_scan_request *r)
{
	uint64_t t0 = clock_usec(CLOCK_PROCESS_CPUTIME_ID);
	struct ipc_scan_done d = {.cycle = r->cycle};
	struct cycle c = {.s = s};

	d.mono_usec = clock_usec(CLOCK_MONOTONIC);
	if (s->configured) {
		open_roots(s);
		commands_walk(s->procfd, &s->m);
		if (collect_users(&c) == 0 && read_users(&c, r) == 0) {
			send_users(&c, r->cycle);
			d.nusers = (uint32_t)c.nusers;
			d.nread = (uint32_t)c.nread;
			retired_forget(keep_retired, &c);
		} else {
			log_warnx("cycle %llu: out of memory",
				  (unsigned long long)r->cycle);
		}
		close_roots(s);
	}
	machine(s, &d);
	free(c.uids);
	free(c.users);
	d.scan_usec = clock_usec(CLOCK_PROCESS_CPUTIME_ID) - t0;
	s->send(IPC_SCAN_DONE, &d, sizeof(d));
}
