/*
 * One user cgroup's own accounting: CPU time, memory charged and its page
 * cache, number of processes. A cycle lists the managed subtree once and
 * reads a few small files per user: O(users), not O(processes).
 *
 * Opening a cgroup file costs ten times what reading it does (path walk,
 * kernfs open), so each user's files stay open across cycles and are
 * re-read with pread at offset 0 (seq_file regenerates the text then). A
 * cgroup removed meanwhile fails the read (ENODEV): its files are closed
 * and opened afresh once, which also finds a cgroup made anew (its
 * directory has a new inode number in the listing).
 *
 * Even a kept file costs a few microseconds to read (the kernel formats
 * it; ~1.5-5 us for cpuacct.usage on the test VM), so a cycle reads only
 * what can have changed:
 *  - CPU: the subtree's own counter is the sum of its users' (cgroup
 *    accounting charges every ancestor), plus what removed cgroups and
 *    unmanaged ones used. A user is re-read when it was busy at its last
 *    read (HOT_SHARE), is new, has processes outside its cgroup, or has
 *    its refresh turn; the others (quiet) are re-read only when the
 *    subtree counter says they may together have used quiet_ns or more
 *    since their last reads (see unseen_ns). A quiet user's figures are
 *    then its last ones, off by less than quiet_ns.
 *  - Memory use only when the CPU counter moved: a cgroup whose tasks
 *    did not run does not grow its charge, start or end a process.
 *  - The costly figures (memory.stat: ~40 counters formatted; the
 *    process list) at most every ACTIVE_SLOW cycles.
 * Every user's figures are refreshed at least every IDLE_REFRESH cycles,
 * staggered by uid (reclaim shrinks an idle cgroup's charge; a user whose
 * last process ended quietly shows no processes then), and on first
 * sight. A refresh costs ~20 us (four files, memory.stat the most), so at
 * most about REFRESH_MAX users have their turn in a cycle: beyond
 * IDLE_REFRESH x REFRESH_MAX users (4,096) the turns come further apart
 * (every 157 cycles at 10,000 users) instead of the cycle growing.
 */
#include "workers/scanner/scanner.h"
#include "common/array.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#define COUNT_DEPTH  4	/* session-N.scope/... under a systemd slice */
#define ACTIVE_SLOW  4	/* an active user's slow figures, at most every */
#define IDLE_REFRESH 64 /* every user's figures, at least every */
#define REFRESH_MAX  64 /* users refreshed per cycle, about */
#define FD_SPARE     64 /* fds never taken by the cache */
#define HOT_SHARE    16 /* busy: grew by quiet / HOT_SHARE at its last read */

enum { F_CPU, F_MEM, F_STAT, F_PROCS, F_COUNT };

struct cgstat_user {
	uid_t uid;
	int fd[F_COUNT];
	bool known;    /* figures below were read at least once */
	bool hot;      /* busy at its last read: re-read every cycle */
	bool ran;      /* its CPU moved since its processes were counted */
	bool deferred; /* not read yet this cycle */
	uint64_t ino;  /* of its directory in the listing, 0: not listed */
	uint64_t cpu_ns, mem_bytes, mem_cache;
	uint64_t slow_cycle; /* when the slow figures were last read */
	uint32_t nprocs;
};

static struct cgstat_user *cache;
static size_t ncache;
static size_t cached_fds, fd_budget;
/* The subtree counter minus its known users' at the last cycle that read
 * every user (a lower bound of what others used: removed cgroups,
 * unmanaged ones). Valid until the cache is reset. */
static int64_t others_ns;
static bool others_ok;

/* Raise the fd limit to its ceiling (before the sandbox) and keep a few
 * for everything else. */
void cgstat_init(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur =
		    rl.rlim_max < (1u << 20) ? rl.rlim_max : (1u << 20);
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	fd_budget = rl.rlim_cur > FD_SPARE * 2 ? rl.rlim_cur - FD_SPARE : 0;
}

static void close_user(struct cgstat_user *u)
{
	for (int i = 0; i < F_COUNT; i++)
		if (u->fd[i] >= 0) {
			close(u->fd[i]);
			u->fd[i] = -1;
			cached_fds--;
		}
}

void cgstat_reset(void)
{
	for (size_t i = 0; i < ncache; i++)
		close_user(&cache[i]);
	free(cache);
	cache = NULL;
	ncache = 0;
	others_ok = false;
}

/* Make the cache follow this cycle's users (sorted by uid): a merge of
 * two sorted lists; entries of users that are gone are closed. */
int cgstat_align(const struct ipc_user_usage *users, size_t n)
{
	struct cgstat_user *next = calloc(n ? n : 1, sizeof(*next));
	size_t j = 0;

	if (!next)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		while (j < ncache && cache[j].uid < users[i].uid)
			close_user(&cache[j++]);
		if (j < ncache && cache[j].uid == users[i].uid) {
			next[i] = cache[j++];
			continue;
		}
		next[i].uid = users[i].uid;
		for (int f = 0; f < F_COUNT; f++)
			next[i].fd[f] = -1;
	}
	while (j < ncache)
		close_user(&cache[j++]);
	free(cache);
	cache = next;
	ncache = n;
	return 0;
}

/* Cycles between two refresh turns of a user, with n users. */
uint64_t cgstat_refresh_period(size_t n)
{
	uint64_t per = (n + REFRESH_MAX - 1) / REFRESH_MAX;
	return per > IDLE_REFRESH ? per : IDLE_REFRESH;
}

/* The user's refresh turn is this cycle (one in each period, by uid). */
bool cgstat_due(uint64_t cycle, uid_t uid, size_t n)
{
	return (cycle + uid) % cgstat_refresh_period(n) == 0;
}

/* Read a whole file through a kept fd. Returns the length, or -errno; a
 * failed fd is closed so that the next call opens the file again. */
static ssize_t kept_pread(int *fd, char *buf, size_t size)
{
	ssize_t n = 0, have = 0;

	/* A short read is the end: cgroup files are one seq_file record, and
	 * a further pread at that offset would only make the kernel generate
	 * the whole text again (cpuacct.usage sums every CPU) to say EOF. */
	while ((size_t)have < size - 1) {
		size_t want = size - 1 - (size_t)have;
		n = pread(*fd, buf + have, want, have);
		if (n <= 0)
			break;
		have += n;
		if ((size_t)n < want)
			break;
	}
	if (have == 0 && n < 0) {
		int err = errno;
		close(*fd);
		*fd = -1;
		cached_fds--;
		return -err;
	}
	buf[have] = '\0';
	return (size_t)have == size - 1 ? -EFBIG : have;
}

/* A user's file through its kept fd, opened on first use; a kept fd that
 * fails is opened afresh once (the cgroup may have been made anew). The
 * path is formatted only to open. Beyond the fd budget, open-read-close. */
static ssize_t cgstat_file(int root, uid_t uid, const struct match *m,
			   const char *file, int *fd, char *buf, size_t size)
{
	char path[96], name[32];
	ssize_t n;

	if (root < 0)
		return -ENOENT;
	if (*fd >= 0) {
		n = kept_pread(fd, buf, size);
		if (n >= 0 || n == -EFBIG)
			return n;
	}
	if (user_name(name, sizeof(name), m->systemd_names, uid))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", name, file);
	if (cached_fds >= fd_budget)
		return read_at(root, path, buf, size);
	*fd = openat(root, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (*fd < 0)
		return -errno;
	cached_fds++;
	return kept_pread(fd, buf, size);
}

static int cgstat_u64(int root, uid_t uid, const struct match *m,
		      const char *file, int *fd, uint64_t *v)
{
	char buf[64], *end;
	ssize_t n = cgstat_file(root, uid, m, file, fd, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	if (parse_u64(buf, &end, v) < 0 || (*end != '\n' && *end != '\0'))
		return -EINVAL;
	return 0;
}

static int cgstat_key(int root, uid_t uid, const struct match *m,
		      const char *file, int *fd, const char *key, uint64_t *v)
{
	char buf[8192];
	ssize_t n = cgstat_file(root, uid, m, file, fd, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return parse_key_u64(buf, key, v);
}

/* In ns on both hierarchies, so that the users' counters add up to the
 * subtree's exactly on v1 (v2 counts in us). */
static int read_cpu(int root, const struct match *m, struct cgstat_user *c,
		    uint64_t *ns)
{
	uint64_t usec;
	int r;

	if (m->hier != HIER_V2)
		return cgstat_u64(root, c->uid, m, "cpuacct.usage",
				  &c->fd[F_CPU], ns);
	r = cgstat_key(root, c->uid, m, "cpu.stat", &c->fd[F_CPU], "usage_usec",
		       &usec);
	if (r == 0)
		*ns = usec * 1000;
	return r;
}

/* The subtree's own counter (every user's, and removed cgroups'). */
static int read_root_cpu(const struct cgstat_pass *p, uint64_t *ns)
{
	uint64_t usec;
	int r;

	if (p->cpu_root < 0)
		return -ENOENT;
	if (p->m->hier != HIER_V2)
		return read_u64_at(p->cpu_root, "cpuacct.usage", ns);
	r = read_key_at(p->cpu_root, "cpu.stat", "usage_usec", &usec);
	if (r == 0)
		*ns = usec * 1000;
	return r;
}

static int read_mem(int root, const struct match *m, struct cgstat_user *c,
		    uint64_t *bytes)
{
	return cgstat_u64(root, c->uid, m,
			  m->hier == HIER_V2 ? "memory.current"
					     : "memory.usage_in_bytes",
			  &c->fd[F_MEM], bytes);
}

/* Page cache, by key: "file" (v2); v1 "total_cache" (with sub-cgroups,
 * systemd's scopes), else "cache". */
static void read_cache(int root, const struct match *m, struct cgstat_user *c)
{
	uint64_t v = 0;

	if (m->hier == HIER_V2) {
		if (cgstat_key(root, c->uid, m, "memory.stat", &c->fd[F_STAT],
			       "file", &v) < 0)
			v = 0;
	} else if (cgstat_key(root, c->uid, m, "memory.stat", &c->fd[F_STAT],
			      "total_cache", &v) < 0 &&
		   cgstat_key(root, c->uid, m, "memory.stat", &c->fd[F_STAT],
			      "cache", &v) < 0) {
		v = 0;
	}
	c->mem_cache = v;
}

/* cgroup.procs lists a cgroup's own processes only: under systemd the
 * user's live in the slice's scopes, so count those too (bounded). */
static uint32_t count_tree(int dirfd, int depth)
{
	uint32_t n = 0;

	if (count_lines_at(dirfd, "cgroup.procs", &n) < 0)
		n = 0;
	if (depth >= COUNT_DEPTH)
		return n;
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		if (fd >= 0)
			close(fd);
		return n;
	}
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		int sub =
		    openat(dirfd, e->d_name,
			   O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub < 0)
			continue;
		n += count_tree(sub, depth + 1);
		close(sub);
	}
	closedir(d);
	return n;
}

static void read_nprocs(int root, const struct match *m, struct cgstat_user *c)
{
	char name[32], buf[16384];
	ssize_t n;

	c->nprocs = 0;
	if (m->systemd_names) {
		if (user_name(name, sizeof(name), true, c->uid) < 0)
			return;
		int d = openat(root, name,
			       O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (d >= 0) {
			c->nprocs = count_tree(d, 0);
			close(d);
		}
		return;
	}
	/* a busy user's list may not fit: count what fits, then the rest */
	n = cgstat_file(root, c->uid, m, "cgroup.procs", &c->fd[F_PROCS], buf,
			sizeof(buf));
	if (n == -EFBIG) {
		user_name(name, sizeof(name), false, c->uid);
		snprintf(buf, sizeof(buf), "%s/cgroup.procs", name);
		count_lines_at(root, buf, &c->nprocs);
		return;
	}
	for (ssize_t i = 0; i < n; i++)
		c->nprocs += buf[i] == '\n';
}

static void read_slow(int cpu_root, int mem_root, const struct match *m,
		      struct cgstat_user *c, uint64_t cycle)
{
	read_nprocs(cpu_root, m, c);
	read_cache(mem_root, m, c);
	c->slow_cycle = cycle;
}

static void report(const struct cgstat_user *c, struct cgstat_usage *u)
{
	*u = (struct cgstat_usage){.found = true,
				   .cpu_usec = c->cpu_ns / 1000,
				   .mem_bytes = c->mem_bytes,
				   .mem_cache = c->mem_cache,
				   .nprocs = c->nprocs};
}

/* Read the i-th user of this cycle (see cgstat_align) now. u->found:
 * the cgroup exists in at least one hierarchy. Figures are cumulative;
 * one that went backwards (a cgroup made anew) is the control loop's to
 * treat as a restart. */
int cgstat_read(const struct cgstat_pass *p, size_t i, struct cgstat_usage *u)
{
	struct cgstat_user *c = &cache[i];
	uint64_t cpu = 0;
	bool cpu_ok = read_cpu(p->cpu_root, p->m, c, &cpu) == 0;
	bool turn = cgstat_due(p->cycle, c->uid, ncache);
	bool moved = !c->known || !cpu_ok || cpu != c->cpu_ns;
	bool mem_ok = false;

	memset(u, 0, sizeof(*u));
	c->deferred = false;
	if (moved || turn) { /* always when the CPU side failed */
		mem_ok = read_mem(p->mem_root, p->m, c, &c->mem_bytes) == 0;
		if (!mem_ok)
			c->mem_bytes = 0;
	}
	if (!cpu_ok && !mem_ok) {
		close_user(c); /* gone from every hierarchy */
		c->known = false;
		return -ENOENT;
	}
	/* processes ran since they were counted, and now nothing runs: the
	 * last of them may have ended; count them once more (else the count
	 * would wait for the refresh turn, and an idle user stay busy) */
	bool settle = c->ran && !moved;
	if (!c->known || turn || settle ||
	    (moved && p->cycle - c->slow_cycle >= ACTIVE_SLOW))
		read_slow(p->cpu_root, p->mem_root, p->m, c, p->cycle);
	c->ran = moved && c->known && c->slow_cycle != p->cycle;
	/* new, restarted, busy, or to be counted once it settles: read next
	 * cycle too */
	c->hot = !c->known || c->ran || cpu < c->cpu_ns ||
		 cpu - c->cpu_ns > p->quiet_ns / HOT_SHARE;
	c->known = true;
	c->cpu_ns = cpu;
	report(c, u);
	return 0;
}

static bool must_read(const struct cgstat_pass *p, const struct cgstat_user *c,
		      const struct ipc_user_usage *u)
{
	return p->quiet_ns == 0 || !c->known || c->hot || u->unplaced ||
	       cgstat_due(p->cycle, c->uid, ncache);
}

static int64_t known_sum_ns(void)
{
	int64_t sum = 0;

	for (size_t i = 0; i < ncache; i++)
		if (cache[i].known)
			sum += (int64_t)cache[i].cpu_ns;
	return sum;
}

/* At most what the deferred users used since their last reads, from the
 * subtree counter read after this cycle's reads: it counts everyone's
 * use up to now (read users' included, so it errs high) plus others',
 * which only grow and were at least others_ns. v2's counters are each
 * rounded down to a us: a us per counter read errs high again. */
static int64_t unseen_ns(const struct cgstat_pass *p, uint64_t root_ns)
{
	int64_t slack =
	    p->m->hier == HIER_V2 ? ((int64_t)ncache + 1) * 1000 : 0;
	return (int64_t)root_ns - known_sum_ns() - others_ns + slack;
}

/* One cycle: out[i] for every user of cgstat_align. Busy, new and due
 * users are read; the quiet ones only when the subtree counter says they
 * may together have used quiet_ns since their last reads. */
void cgstat_cycle(struct cgstat_pass *p, const struct ipc_user_usage *users,
		  struct cgstat_usage *out)
{
	uint64_t before = 0, after = 0;
	bool before_ok = p->quiet_ns && read_root_cpu(p, &before) == 0;
	size_t deferred = 0;

	p->nread = 0;
	for (size_t i = 0; i < ncache; i++) {
		cache[i].deferred = !must_read(p, &cache[i], &users[i]);
		if (cache[i].deferred) {
			deferred++;
			continue;
		}
		(void)cgstat_read(p, i, &out[i]); /* -ENOENT: not found */
		p->nread++;
	}
	bool quiet = deferred && others_ok && read_root_cpu(p, &after) == 0 &&
		     unseen_ns(p, after) < (int64_t)p->quiet_ns;
	for (size_t i = 0; i < ncache && deferred; i++) {
		if (!cache[i].deferred)
			continue;
		if (quiet) {
			report(&cache[i], &out[i]);
			continue;
		}
		(void)cgstat_read(p, i, &out[i]);
		p->nread++;
	}
	/* every user read after `before`: the rest of it is others' */
	if ((!deferred || !quiet) && before_ok) {
		others_ns = (int64_t)before - known_sum_ns();
		others_ok = true;
	}
}

int uids_push(uid_t **uids, size_t *n, size_t *cap, uid_t uid)
{
	if (array_reserve(uids, *n, cap, sizeof(**uids)) < 0)
		return -ENOMEM;
	(*uids)[(*n)++] = uid;
	return 0;
}

/* Append the managed users of the user-* directories under root, with
 * their directories' inode numbers. */
int cgstat_list_users(int root, const struct match *m,
		      struct cgstat_seen **seen, size_t *n, size_t *cap)
{
	char buf[32768];
	ssize_t len;

	if (root < 0)
		return -EBADF;
	if (lseek(root, 0, SEEK_SET) < 0)
		return -errno;
	while ((len = getdents64(root, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < len;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			uid_t uid;
			off += e->d_reclen;
			if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
				continue;
			if (parse_user_name(e->d_name, m->systemd_names, &uid) <
				0 ||
			    !uid_managed(m, uid))
				continue;
			if (array_reserve(seen, *n, cap, sizeof(**seen)) < 0)
				return -ENOMEM;
			(*seen)[(*n)++] =
			    (struct cgstat_seen){.uid = uid, .ino = e->d_ino};
		}
	}
	return len < 0 ? -errno : 0;
}

/* After cgstat_align, with this cycle's listing (sorted by uid, as the
 * cache): a user whose directory is another one now (removed and made
 * anew: its counters start again) or is gone is read again from scratch.
 * A merge of the two sorted lists. */
void cgstat_inodes(const struct cgstat_seen *seen, size_t n)
{
	size_t j = 0;

	for (size_t i = 0; i < ncache; i++) {
		struct cgstat_user *c = &cache[i];
		while (j < n && seen[j].uid < c->uid)
			j++;
		uint64_t ino = j < n && seen[j].uid == c->uid ? seen[j].ino : 0;

		if (c->known && c->ino != ino) {
			close_user(c);
			c->known = false;
		}
		c->ino = ino;
	}
}
