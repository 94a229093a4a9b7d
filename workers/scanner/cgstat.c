/*
 * One user cgroup's own accounting: CPU time, memory charged and its page
 * cache, number of processes. A cycle lists the managed subtree once and
 * reads a few small files per user: O(users), not O(processes).
 *
 * Opening a cgroup file costs ten times what reading it does (path walk,
 * kernfs open), so each user's files stay open across cycles and are
 * re-read with pread at offset 0 (seq_file regenerates the text then). A
 * cgroup removed meanwhile fails the read (ENODEV): its files are closed
 * and opened afresh once, which also finds a cgroup made anew.
 *
 * Even a kept file costs a few microseconds to read (the kernel formats
 * it), so a cycle reads only what can have changed. The CPU counter (in
 * ns) is read for every user every cycle. A cgroup whose tasks did not
 * run does not grow its memory charge, start or end a process (exiting
 * takes CPU time too), so memory use is re-read only when the CPU counter
 * moved, and the costly figures (memory.stat: ~40 counters formatted;
 * the process list) at most every ACTIVE_SLOW cycles then. Every user's
 * figures are also refreshed every IDLE_REFRESH cycles, staggered by uid
 * (reclaim shrinks an idle cgroup's charge), and on first sight.
 */
#include "workers/scanner/scanner.h"

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
#define FD_SPARE     64 /* fds never taken by the cache */

enum { F_CPU, F_MEM, F_STAT, F_PROCS, F_COUNT };

struct cg_user {
	uid_t uid;
	int fd[F_COUNT];
	bool known; /* figures below were read at least once */
	uint64_t cpu_usec, mem_bytes, mem_cache;
	uint64_t slow_cycle; /* when the slow figures were last read */
	uint32_t nprocs;
};

static struct cg_user *cache;
static size_t ncache;
static size_t cached_fds, fd_budget;

/* Raise the fd limit to its ceiling (before the sandbox) and keep a few
 * for everything else. */
void cg_cache_init(void)
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

static void close_user(struct cg_user *u)
{
	for (int i = 0; i < F_COUNT; i++)
		if (u->fd[i] >= 0) {
			close(u->fd[i]);
			u->fd[i] = -1;
			cached_fds--;
		}
}

void cg_cache_reset(void)
{
	for (size_t i = 0; i < ncache; i++)
		close_user(&cache[i]);
	free(cache);
	cache = NULL;
	ncache = 0;
}

/* Make the cache follow this cycle's users (sorted by uid): a merge of
 * two sorted lists; entries of users that are gone are closed. */
int cg_cache_align(const struct ipc_user_usage *users, size_t n)
{
	struct cg_user *next = calloc(n ? n : 1, sizeof(*next));
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

/* Read a whole file through a kept fd (opened on first use). Returns the
 * length, or -errno; a failed kept fd is closed so that the next call
 * opens the file again. Beyond the fd budget, open-read-close. */
static ssize_t kept_read(int root, const char *path, int *fd, char *buf,
			 size_t size)
{
	ssize_t n = 0, have = 0;

	if (*fd < 0) {
		if (cached_fds >= fd_budget)
			return read_at(root, path, buf, size);
		*fd = openat(root, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (*fd < 0)
			return -errno;
		cached_fds++;
	}
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

/* Retry once with a fresh open: the cgroup may have been made anew. */
static ssize_t cg_file(int root, uid_t uid, const struct match *m,
		       const char *file, int *fd, char *buf, size_t size)
{
	char path[96], name[32];
	ssize_t n;

	if (root < 0 || user_name(name, sizeof(name), m->systemd_names, uid))
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", name, file);
	bool kept = *fd >= 0;
	n = kept_read(root, path, fd, buf, size);
	if (n < 0 && kept && n != -EFBIG)
		n = kept_read(root, path, fd, buf, size);
	return n;
}

static int cg_u64(int root, uid_t uid, const struct match *m, const char *file,
		  int *fd, uint64_t *v)
{
	char buf[64], *end;
	ssize_t n = cg_file(root, uid, m, file, fd, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	if (parse_u64(buf, &end, v) < 0 || (*end != '\n' && *end != '\0'))
		return -EINVAL;
	return 0;
}

static int cg_key(int root, uid_t uid, const struct match *m, const char *file,
		  int *fd, const char *key, uint64_t *v)
{
	char buf[8192];
	ssize_t n = cg_file(root, uid, m, file, fd, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return parse_key_u64(buf, key, v);
}

static int read_cpu(int root, const struct match *m, struct cg_user *c,
		    uint64_t *usec)
{
	uint64_t ns;
	int r;

	if (m->hier == HIER_V2)
		return cg_key(root, c->uid, m, "cpu.stat", &c->fd[F_CPU],
			      "usage_usec", usec);
	r = cg_u64(root, c->uid, m, "cpuacct.usage", &c->fd[F_CPU], &ns);
	if (r == 0)
		*usec = ns / 1000;
	return r;
}

static int read_mem(int root, const struct match *m, struct cg_user *c,
		    uint64_t *bytes)
{
	return cg_u64(root, c->uid, m,
		      m->hier == HIER_V2 ? "memory.current"
					 : "memory.usage_in_bytes",
		      &c->fd[F_MEM], bytes);
}

/* Page cache, by key: "file" (v2); v1 "total_cache" (with sub-cgroups,
 * systemd's scopes), else "cache". */
static void read_cache(int root, const struct match *m, struct cg_user *c)
{
	uint64_t v = 0;

	if (m->hier == HIER_V2) {
		if (cg_key(root, c->uid, m, "memory.stat", &c->fd[F_STAT],
			   "file", &v) < 0)
			v = 0;
	} else if (cg_key(root, c->uid, m, "memory.stat", &c->fd[F_STAT],
			  "total_cache", &v) < 0 &&
		   cg_key(root, c->uid, m, "memory.stat", &c->fd[F_STAT],
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

static void read_nprocs(int root, const struct match *m, struct cg_user *c)
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
	n = cg_file(root, c->uid, m, "cgroup.procs", &c->fd[F_PROCS], buf,
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
		      struct cg_user *c, uint64_t cycle)
{
	read_nprocs(cpu_root, m, c);
	read_cache(mem_root, m, c);
	c->slow_cycle = cycle;
}

/* Fill u for the i-th user of this cycle (see cg_cache_align). u->found:
 * the cgroup exists in at least one hierarchy. Figures are cumulative;
 * one that went backwards (a cgroup made anew) is the control loop's to
 * treat as a restart. */
int cg_cache_read(size_t i, int cpu_root, int mem_root, const struct match *m,
		  uint64_t cycle, struct cg_usage *u)
{
	struct cg_user *c = &cache[i];
	uint64_t cpu = 0;
	bool cpu_ok = read_cpu(cpu_root, m, c, &cpu) == 0;
	bool turn = (cycle + c->uid) % IDLE_REFRESH == 0;
	bool moved = !c->known || !cpu_ok || cpu != c->cpu_usec;

	bool mem_ok = false;

	memset(u, 0, sizeof(*u));
	if (moved || turn) { /* always when the CPU side failed */
		mem_ok = read_mem(mem_root, m, c, &c->mem_bytes) == 0;
		if (!mem_ok)
			c->mem_bytes = 0;
	}
	if (!cpu_ok && !mem_ok) {
		close_user(c); /* gone from every hierarchy */
		c->known = false;
		return -ENOENT;
	}
	if (!c->known || turn ||
	    (moved && cycle - c->slow_cycle >= ACTIVE_SLOW))
		read_slow(cpu_root, mem_root, m, c, cycle);
	c->known = true;
	c->cpu_usec = cpu;
	u->found = true;
	u->cpu_usec = cpu;
	u->mem_bytes = c->mem_bytes;
	u->nprocs = c->nprocs;
	u->mem_cache = c->mem_cache;
	return 0;
}

int uids_push(uid_t **uids, size_t *n, size_t *cap, uid_t uid)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		uid_t *p = reallocarray(*uids, ncap, sizeof(**uids));
		if (!p)
			return -ENOMEM;
		*uids = p;
		*cap = ncap;
	}
	(*uids)[(*n)++] = uid;
	return 0;
}

/* Append the managed uids of the user-* directories under root. */
int cg_list_users(int root, const struct match *m, uid_t **uids, size_t *n,
		  size_t *cap)
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
			if (uids_push(uids, n, cap, uid) < 0)
				return -ENOMEM;
		}
	}
	return len < 0 ? -errno : 0;
}
