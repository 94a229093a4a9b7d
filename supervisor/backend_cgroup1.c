/*
 * cgroup v1 backend: user cgroups <ctrl>/<subtree>/user-UID in the cpu,
 * cpuacct and memory hierarchies, co-mounted or not, and in the pids
 * and blkio hierarchies when there are ([users] max_tasks, [io] weight).
 * A hierarchy that carries several of them (cpu,cpuacct) is handled once.
 */
#include "supervisor/backend_impl.h"
#include "common/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/eventfd.h>

enum { H_CPU, H_CPUACCT, H_MEMORY, H_PIDS, H_BLKIO, H_COUNT };

/* backend.c's settings, lent at init */
static const struct bk_config *bk;

static const char *const hname[H_COUNT] = {"cpu", "cpuacct", "memory", "pids",
					   "blkio"};

static struct cg_dir mnt[H_COUNT];
/* The managed subtree and the last user's directory in each hierarchy,
 * kept open: a new user is made, armed, moved and limited in a row, and
 * opening the subtree and the user's directory again for every file
 * cost more syscalls than the files themselves (issue 17: ~60 a new
 * user). A kept directory that fails an operation is dropped, so that
 * one re-made under us is opened afresh at the next; dry runs (nothing
 * exists) keep nothing. */
static struct cg_dir subdir[H_COUNT], udir[H_COUNT];
static uid_t udir_uid[H_COUNT];

/* co-mounted with a lower index, or absent (pids and blkio may be):
 * skipped */
static bool same_as_earlier[H_COUNT];
/* the weight file of the I/O scheduler in use, NULL: none */
static const char *io_file;
static bool has_memsw;
static bool said_no_memsw;
static bool said_no_counter;

static void procs_forget_all(void);
static void dirs_forget_all(void);

static void v1_fini(void)
{
	procs_forget_all();
	dirs_forget_all();
	for (int i = 0; i < H_COUNT; i++)
		cg_close(&mnt[i]);
}

static int open_hierarchies(const struct cg_mounts *m, char *err, size_t errlen)
{
	const char *where[H_COUNT] = {m->cpu, m->cpuacct, m->memory, m->pids,
				      m->blkio};

	for (int i = 0; i < H_COUNT; i++) {
		mnt[i] = subdir[i] = udir[i] = (struct cg_dir)CG_DIR_INIT;
		same_as_earlier[i] = false;
	}
	for (int i = 0; i < H_COUNT; i++) {
		if (!where[i][0] && (i == H_PIDS || i == H_BLKIO)) {
			log_info("cgroup1: no %s hierarchy: %s is not set",
				 hname[i],
				 i == H_PIDS ? "max_tasks" : "io weight");
			same_as_earlier[i] = true;
			continue;
		}
		if (!where[i][0]) {
			snprintf(err, errlen,
				 "cgroup1: no %s controller mounted under %s",
				 hname[i], bk->mount);
			return -1;
		}
		for (int j = 0; j < i; j++)
			if (strcmp(where[i], where[j]) == 0)
				same_as_earlier[i] = true;
		int r = cg_open_mount(where[i], &mnt[i]);
		if (r < 0) {
			snprintf(err, errlen, "cgroup1: %s: %s", where[i],
				 strerror(-r));
			return -1;
		}
	}
	return 0;
}

/* v1 weighs I/O only through the CFQ scheduler (blkio.weight, gone with
 * the legacy block layer in 5.0) or BFQ (blkio.bfq.weight); the files are
 * in every cgroup but the root, so the subtree tells. */
static void find_io_file(void)
{
	static const char *const files[] = {"blkio.bfq.weight", "blkio.weight"};
	struct cg_dir sub;

	io_file = NULL;
	if (same_as_earlier[H_BLKIO] || mnt[H_BLKIO].fd < 0 ||
	    cg_open_subtree(&mnt[H_BLKIO], false, &sub) < 0)
		return;
	for (size_t i = 0; i < 2 && !io_file; i++)
		if (cg_has_file(&sub, files[i]))
			io_file = files[i];
	cg_close(&sub);
	if (!io_file && !bk->dry_run)
		log_warnx("cgroup1: %s has no blkio.weight (CFQ) nor "
			  "blkio.bfq.weight (BFQ): the kernel cannot weigh I/O "
			  "here, [io] weight is not set (use the bfq I/O "
			  "scheduler, or cgroup v2)",
			  mnt[H_BLKIO].path);
}

/* [io] weight (1..10000, default 100, cgroup v2's scale) on v1's, as
 * systemd maps IOWeight=: BFQ 1..1000 (default 100: the same below it,
 * stretched above), CFQ 10..1000 (default 500: five times). */
uint64_t cg1_io_weight(const char *file, uint64_t w)
{
	if (strcmp(file, "blkio.bfq.weight") == 0)
		return w <= 100 ? (w ? w : 1)
				: 100 + ((uint64_t)w - 100) * 900 / 9900;
	uint64_t v = (uint64_t)w * 5;
	return v < 10 ? 10 : v > 1000 ? 1000 : v;
}

const char *cg1_io_weight_note(const char *root)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *note = NULL;
	int b;

	if (fd < 0 || faccessat(fd, "cgroup.controllers", F_OK, 0) == 0) {
		if (fd >= 0)
			close(fd);
		return NULL; /* cgroup v2: io.weight, said at start if absent */
	}
	b = openat(fd, "blkio", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b < 0)
		note = "cgroup v1 without a blkio hierarchy: [io] weight will "
		       "not be set";
	else if (faccessat(b, "blkio.weight", F_OK, 0) < 0 &&
		 faccessat(b, "blkio.bfq.io_service_bytes", F_OK, 0) < 0)
		note = "cgroup v1's blkio cannot weigh I/O on this kernel "
		       "(neither CFQ's blkio.weight nor BFQ's blkio.bfq.*): "
		       "[io] weight will not be set (load the bfq I/O "
		       "scheduler, or use cgroup v2)";
	if (b >= 0)
		close(b);
	close(fd);
	return note;
}

/* Make the managed subtree in each hierarchy now, so that a tree we may
 * not write shows at start rather than at the first user. */
static int v1_init(const struct bk_config *cfg, const struct cg_mounts *m,
		   char *err, size_t errlen)
{
	struct cg_dir sub;

	bk = cfg;
	if (open_hierarchies(m, err, errlen) < 0)
		goto fail;
	for (int i = 0; i < H_COUNT; i++) {
		if (mnt[i].fd < 0 && same_as_earlier[i])
			continue; /* no pids or blkio hierarchy */
		int r = cg_open_subtree(&mnt[i], true, &sub);
		if (r < 0) {
			snprintf(err, errlen, "cgroup1: cannot make %s/%s: %s",
				 mnt[i].path, bk->subtree, strerror(-r));
			goto fail;
		}
		cg_close(&sub);
	}
	find_io_file();
	has_memsw = cg_has_file(&mnt[H_MEMORY], "memory.memsw.limit_in_bytes");
	said_no_memsw = said_no_counter = false;
	if (!has_memsw)
		log_info("cgroup1: no memory.memsw.* (swap accounting off): "
			 "swap limits are not set");
	return 0;
fail:
	v1_fini();
	return -1;
}

static void dirs_forget(uid_t uid)
{
	for (int i = 0; i < H_COUNT; i++)
		if (udir[i].fd >= 0 && udir_uid[i] == uid)
			cg_close(&udir[i]);
}

static void dirs_forget_all(void)
{
	for (int i = 0; i < H_COUNT; i++) {
		cg_close(&udir[i]);
		cg_close(&subdir[i]);
	}
}

/* The user's directory in h, opened under the kept subtree; once more
 * with the subtree opened afresh when it is not there (removed and made
 * again by someone: the kept fd names a deleted directory). */
static int open_user_dir(int h, uid_t uid, bool create, struct cg_dir *out)
{
	char name[32];
	int r = -ENOENT;

	cg_user_name(uid, name, sizeof(name));
	for (int pass = 0; pass < 2 && r == -ENOENT; pass++) {
		if (pass || subdir[h].fd < 0) {
			cg_close(&subdir[h]);
			r = cg_open_subtree(&mnt[h], create, &subdir[h]);
			if (r < 0)
				return r;
		}
		r = cg_open_child(&subdir[h], name, create, out);
	}
	return r;
}

/* The user's directory in h, kept until another user's is opened. */
static int user_dir(int h, uid_t uid, bool create, const struct cg_dir **d)
{
	int r;

	if (uid == (uid_t)-1)
		return -EINVAL;
	if (!bk->dry_run && !create && udir[h].fd >= 0 && udir_uid[h] == uid) {
		*d = &udir[h];
		return 0;
	}
	cg_close(&udir[h]);
	if (bk->dry_run)
		r = cg_open_user(&mnt[h], uid, create, &udir[h]);
	else
		r = open_user_dir(h, uid, create, &udir[h]);
	udir_uid[h] = uid;
	*d = &udir[h];
	return r;
}

/* What an operation on the kept directory of h gave: on failure it is
 * dropped (see above). */
static int dir_done(int h, int r)
{
	if (r < 0)
		cg_close(&udir[h]);
	return r;
}

static int v1_ensure_user(uid_t uid)
{
	const struct cg_dir *d;

	for (int i = 0; i < H_COUNT; i++) {
		if (same_as_earlier[i])
			continue;
		int r = user_dir(i, uid, true, &d);
		if (r < 0) {
			log_warnx("cgroup1: uid %u: cannot make its %s cgroup "
				  "under %s/%s: %s",
				  (unsigned)uid, hname[i], mnt[i].path,
				  bk->subtree, strerror(-r));
			return dir_done(i, r);
		}
	}
	return 0;
}

static int open_user(int h, uid_t uid, const struct cg_dir **d)
{
	int r = user_dir(h, uid, false, d);

	if (r < 0)
		log_warnx("cgroup1: uid %u: no %s cgroup: %s", (unsigned)uid,
			  hname[h], strerror(-r));
	return r;
}

/* A new period goes in while uncapped, so that no intermediate
 * quota/period pair is one the kernel refuses or that caps too hard. */
static int v1_set_cpu(uid_t uid, const struct cpu_limit *l)
{
	uint64_t period = cpu_period_of(l), quota = cpu_quota_of(l), cur;
	const struct cg_dir *d;
	int r;

	if ((r = open_user(H_CPU, uid, &d)) < 0)
		return r;
	if (cg_read_u64(d, "cpu.cfs_period_us", &cur) < 0 || cur != period) {
		r = cg_write(d, "cpu.cfs_quota_us", "-1");
		if (r == 0)
			r = cg_write_u64(d, "cpu.cfs_period_us", period, "");
	}
	if (r == 0)
		r = cg_write_u64(d, "cpu.cfs_quota_us", quota, "-1");
	if (r == 0 && l->weight)
		r = cg_write_u64(d, "cpu.shares", weight_to_shares(l->weight),
				 "");
	return dir_done(H_CPU, r);
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static int write_if_changed(const struct cg_dir *d, const char *file,
			    uint64_t v, uint64_t cur)
{
	return v == cur ? 0 : cg_write_u64(d, file, v, "-1");
}

/* The kernel keeps memory.limit <= memsw.limit at every write: when the
 * new memory limit is above the memsw limit in force, memsw goes first
 * (raising), else memory goes first (lowering). */
static int write_mem_pair(const struct cg_dir *d, uint64_t mem,
			  uint64_t cur_mem, uint64_t memsw, uint64_t cur_memsw)
{
	int r;

	if (mem > cur_memsw) {
		r = write_if_changed(d, "memory.memsw.limit_in_bytes", memsw,
				     cur_memsw);
		if (r == 0)
			r = write_if_changed(d, "memory.limit_in_bytes", mem,
					     cur_mem);
	} else {
		r = write_if_changed(d, "memory.limit_in_bytes", mem, cur_mem);
		if (r == 0)
			r = write_if_changed(d, "memory.memsw.limit_in_bytes",
					     memsw, cur_memsw);
	}
	return r;
}

static int v1_set_memory(uid_t uid, const struct mem_limit *l, uint64_t usage)
{
	uint64_t cur_mem = LIMIT_NONE, cur_memsw = LIMIT_NONE, used = 0;
	uint64_t mem, memsw, target_memsw = memsw_of(l);
	const struct cg_dir *d;
	int r;

	if ((r = open_user(H_MEMORY, uid, &d)) < 0)
		return r;
	(void)cg_read_u64(d, "memory.limit_in_bytes", &cur_mem);
	(void)cg_read_u64(d, "memory.usage_in_bytes", &used);
	mem = mem_step(l->max, max_u64(usage, used), cur_mem);
	if (has_memsw) {
		(void)cg_read_u64(d, "memory.memsw.limit_in_bytes", &cur_memsw);
		used = 0;
		(void)cg_read_u64(d, "memory.memsw.usage_in_bytes", &used);
		memsw = max_u64(mem_step(target_memsw, used, cur_memsw), mem);
		r = write_mem_pair(d, mem, cur_mem, memsw, cur_memsw);
	} else {
		if (l->swap_max != LIMIT_NONE && !said_no_memsw) {
			log_info("cgroup1: swap accounting is off: swap "
				 "limits are not set");
			said_no_memsw = true;
		}
		memsw = target_memsw;
		r = write_if_changed(d, "memory.limit_in_bytes", mem, cur_mem);
	}
	if (r < 0)
		return dir_done(H_MEMORY, r);
	if (mem != l->max || memsw != target_memsw) {
		log_info("cgroup1: uid %u: memory limit %" PRIu64
			 " is below usage: stepped to %" PRIu64,
			 (unsigned)uid, l->max, mem);
		return BACKEND_AGAIN;
	}
	return 0;
}

static int read_cpu(uid_t uid, struct cpu_limit *cpu)
{
	uint64_t shares = 1024;
	const struct cg_dir *d;
	int r;

	if ((r = open_user(H_CPU, uid, &d)) < 0)
		return r;
	r = cg_read_u64(d, "cpu.cfs_quota_us", &cpu->quota_usec);
	if (r == 0)
		r = cg_read_u64(d, "cpu.cfs_period_us", &cpu->period_usec);
	if (r == 0)
		r = cg_read_u64(d, "cpu.shares", &shares);
	cpu->weight = shares_to_weight(shares);
	return dir_done(H_CPU, r);
}

static int read_mem(uid_t uid, struct mem_limit *mem)
{
	uint64_t memsw = LIMIT_NONE;
	const struct cg_dir *d;
	int r;

	if ((r = open_user(H_MEMORY, uid, &d)) < 0)
		return r;
	r = cg_read_u64(d, "memory.limit_in_bytes", &mem->max);
	if (r == 0 && has_memsw)
		r = cg_read_u64(d, "memory.memsw.limit_in_bytes", &memsw);
	dir_done(H_MEMORY, r);
	mem->swap_max =
	    memsw == LIMIT_NONE || mem->max == LIMIT_NONE || memsw < mem->max
		? LIMIT_NONE
		: memsw - mem->max;
	return r;
}

/* memory.high has no v1 twin; soft_limit_in_bytes is the closest (reclaim
 * towards it under global pressure). The io weight goes to the I/O
 * scheduler's weight file, when there is one (said at start when not). */
static int v1_set_extra(uid_t uid, const struct extra_limit *l)
{
	const struct cg_dir *d;
	int r;

	if ((r = open_user(H_MEMORY, uid, &d)) < 0)
		return r;
	r = dir_done(H_MEMORY, cg_write_u64(d, "memory.soft_limit_in_bytes",
					    l->mem_high, "-1"));
	if (r == 0 && !same_as_earlier[H_PIDS]) {
		if ((r = open_user(H_PIDS, uid, &d)) < 0)
			return r;
		r = dir_done(H_PIDS,
			     cg_write_u64(d, "pids.max", l->max_tasks, "max"));
	}
	if (r == 0 && io_file && l->io_weight) {
		if ((r = open_user(H_BLKIO, uid, &d)) < 0)
			return r;
		r = dir_done(H_BLKIO,
			     cg_write_u64(d, io_file,
					  cg1_io_weight(io_file, l->io_weight),
					  NULL));
	}
	return r;
}

static int v1_read_limits(uid_t uid, struct cpu_limit *cpu,
			  struct mem_limit *mem)
{
	int r = read_cpu(uid, cpu);

	if (r < 0)
		return r;
	return read_mem(uid, mem);
}

/* cgroup.procs moves the whole thread group; tasks would move one
 * thread. */
/* The cgroup.procs files of the users processes were last moved for, kept
 * open: a move is on the placement latency path, and opening the subtree,
 * the user's directory and the file in every hierarchy costs more than the
 * write. Many users' short processes at once come round robin: with 8
 * kept, a storm of 100 users' (bench/placement.sh --storm) reopened the
 * files at every move, and the supervisor's CPU per move halved once the
 * users fitted. 128 users are 384 fds; the search is a short scan. */
#define PROCS_CACHE 128

static struct procs_fds {
	uid_t uid;
	int fd[H_COUNT];
	bool used;
} procs_cache[PROCS_CACHE];
static unsigned procs_next;

static void procs_drop(struct procs_fds *c)
{
	for (int i = 0; i < H_COUNT; i++)
		if (c->fd[i] >= 0)
			close(c->fd[i]);
	c->used = false;
}

static void procs_forget(uid_t uid)
{
	for (int k = 0; k < PROCS_CACHE; k++)
		if (procs_cache[k].used && procs_cache[k].uid == uid)
			procs_drop(&procs_cache[k]);
}

static void procs_forget_all(void)
{
	for (int k = 0; k < PROCS_CACHE; k++)
		if (procs_cache[k].used)
			procs_drop(&procs_cache[k]);
}

static struct procs_fds *procs_open(uid_t uid, int *err)
{
	struct procs_fds *c = &procs_cache[procs_next++ % PROCS_CACHE];
	const struct cg_dir *d;

	if (c->used)
		procs_drop(c);
	c->uid = uid;
	for (int i = 0; i < H_COUNT; i++)
		c->fd[i] = -1;
	c->used = true;
	for (int i = 0; i < H_COUNT; i++) {
		if (same_as_earlier[i])
			continue;
		if ((*err = open_user(i, uid, &d)) < 0)
			break;
		c->fd[i] = openat(d->fd, "cgroup.procs",
				  O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
		*err = dir_done(i, c->fd[i] < 0 ? -errno : 0);
		if (*err < 0)
			break;
	}
	if (*err < 0) {
		procs_drop(c);
		return NULL;
	}
	return c;
}

static struct procs_fds *procs_find(uid_t uid)
{
	for (int k = 0; k < PROCS_CACHE; k++)
		if (procs_cache[k].used && procs_cache[k].uid == uid)
			return &procs_cache[k];
	return NULL;
}

static int procs_write(struct procs_fds *c, const char *pid)
{
	for (int i = 0; i < H_COUNT; i++)
		if (c->fd[i] >= 0 && write(c->fd[i], pid, strlen(pid)) < 0)
			return -errno;
	return 0;
}

/* Through the paths, file by file: dry runs (which only log). */
static int move_by_path(uid_t uid, const char *pid)
{
	const struct cg_dir *d;
	int r = 0;

	for (int i = 0; i < H_COUNT && r == 0; i++) {
		if (same_as_earlier[i])
			continue;
		if ((r = open_user(i, uid, &d)) < 0)
			break;
		r = cg_write(d, "cgroup.procs", pid);
	}
	return r;
}

static int v1_move_pid(uid_t uid, pid_t pid)
{
	char buf[16];
	struct procs_fds *c;
	int r = 0;

	if (pid <= 0) /* "0" would move the supervisor itself */
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	if (bk->dry_run)
		return move_by_path(uid, buf);
	c = procs_find(uid);
	if (c) {
		r = procs_write(c, buf);
		/* ESRCH: the process is gone; other errors: the cgroup may
		 * have been re-made under us, so open it afresh once */
		if (r == 0 || r == -ESRCH)
			return r;
		procs_drop(c);
	}
	c = procs_open(uid, &r);
	if (!c)
		return r;
	r = procs_write(c, buf);
	if (r < 0 && r != -ESRCH)
		log_warnx("cgroup1: uid %u: moving pid %s: %s", (unsigned)uid,
			  buf, strerror(-r));
	return r;
}

int cg1_arm_oom(const struct cg_dir *memdir, uid_t uid, bool dry_run,
		struct oom_source *src)
{
	char buf[64];
	int efd, ofd, r;

	if (dry_run) {
		log_info("dry-run: would arm an OOM eventfd on %s",
			 memdir->path);
		return -EROFS;
	}
	ofd = cg_open_ro(memdir, "memory.oom_control");
	if (ofd < 0)
		return ofd;
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0) {
		r = -errno;
		close(ofd);
		return r;
	}
	snprintf(buf, sizeof(buf), "%d %d", efd, ofd);
	r = cg_write(memdir, "cgroup.event_control", buf);
	if (r < 0) {
		close(efd);
		close(ofd);
		return r;
	}
	src->kind = OOM_V1_EVENTFD;
	src->fds[0] = efd;
	src->fds[1] = ofd;
	src->nfds = 2;
	src->cgroup = cg_dir_ino(memdir);
	r = cg_read_key(memdir, "memory.oom_control", "oom_kill",
			&src->oom_kill);
	src->has_counter = r == 0;
	if (r < 0 && !said_no_counter) {
		log_warnx("uid %u: %s/memory.oom_control has no oom_kill "
			  "counter (kernel older than 4.13?): OOM kills are "
			  "seen through the eventfd alone, without a count",
			  (unsigned)uid, memdir->path);
		said_no_counter = true;
	}
	return 0;
}

static int v1_arm_oom(uid_t uid, struct oom_source *src)
{
	const struct cg_dir *d;
	int r;

	if ((r = open_user(H_MEMORY, uid, &d)) < 0)
		return r;
	r = cg1_arm_oom(d, uid, bk->dry_run, src);
	return r == -EROFS ? r : dir_done(H_MEMORY, r);
}

/* Each hierarchy is tried: a busy one keeps its directory and the others
 * go; ensure_user makes them again. */
static int v1_remove_user(uid_t uid)
{
	int r = 0;

	procs_forget(uid);
	dirs_forget(uid);
	for (int i = 0; i < H_COUNT; i++) {
		if (same_as_earlier[i])
			continue;
		int e = cg_remove_user(&mnt[i], uid);
		if (e < 0) {
			if (e != -EBUSY)
				log_warnx("cgroup1: uid %u: remove its %s "
					  "cgroup: %s",
					  (unsigned)uid, hname[i],
					  strerror(-e));
			if (r == 0)
				r = e;
		}
	}
	return r;
}

struct release {
	int h; /* the hierarchy walked */
	bool keep_memory;
};

static bool carries(int h, int ctrl)
{
	return strcmp(mnt[h].path, mnt[ctrl].path) == 0;
}

/* Lift in the hierarchy walked what it carries, then rmdir there: a
 * directory left in one hierarchy only is still released. */
static void release_one(uid_t uid, void *arg)
{
	const struct release *rel = arg;
	struct cpu_limit cpu = {.quota_usec = LIMIT_NONE};
	struct mem_limit mem = {.max = LIMIT_NONE, .swap_max = LIMIT_NONE};
	int r;

	if (carries(rel->h, H_CPU))
		(void)v1_set_cpu(uid, &cpu);
	if (!rel->keep_memory && carries(rel->h, H_MEMORY))
		(void)v1_set_memory(uid, &mem, 0);
	if (!same_as_earlier[H_PIDS] && carries(rel->h, H_PIDS)) {
		struct cg_dir d = CG_DIR_INIT;
		if (cg_open_user(&mnt[H_PIDS], uid, false, &d) == 0)
			(void)cg_write(&d, "pids.max", "max");
		cg_close(&d);
	}
	procs_forget(uid);
	dirs_forget(uid);
	r = cg_remove_user(&mnt[rel->h], uid);
	if (r < 0 && r != -EBUSY)
		log_warnx("cgroup1: uid %u: remove its %s cgroup: %s",
			  (unsigned)uid, hname[rel->h], strerror(-r));
}

static int v1_release_all(bool keep_memory)
{
	for (int i = 0; i < H_COUNT; i++) {
		struct release rel = {.h = i, .keep_memory = keep_memory};
		if (same_as_earlier[i])
			continue;
		(void)cg_foreach_user(&mnt[i], release_one, &rel);
		cg_remove_subtree(&mnt[i]);
	}
	return 0;
}

/* A seed cgroup's name: prefix, then digits only. */
static bool seed_name(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(name, prefix, n) == 0 && name[n] &&
	       strspn(name + n, "0123456789") == strlen(name + n);
}

/* Move every process of one seed cgroup to the hierarchy's root; how
 * many. A few passes: what forks meanwhile lands in it too. */
static int empty_seed(int h, const char *name)
{
	char path[PATH_MAX + 64];
	int moved = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", name);
	for (int pass = 0; pass < 5; pass++) {
		int fd =
		    openat(mnt[h].fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
		int pid, n = 0;

		if (!f) {
			if (fd >= 0)
				close(fd);
			break;
		}
		/* the kernel's list of pids, one per line */
		while (fscanf(f, "%d", &pid) == 1) {
			char buf[16];
			snprintf(buf, sizeof(buf), "%d", pid);
			if (pid > 0 &&
			    cg_write(&mnt[h], "cgroup.procs", buf) == 0)
				n++;
		}
		fclose(f);
		moved += n;
		if (n == 0 || bk->dry_run)
			break;
	}
	return moved;
}

static void clean_one(int h, const char *name)
{
	char path[PATH_MAX + 64];
	int moved = empty_seed(h, name);

	snprintf(path, sizeof(path), "%s/%s", mnt[h].path, name);
	if (bk->dry_run) {
		log_info("dry-run: would empty and remove the seed's %s", path);
		return;
	}
	if (unlinkat(mnt[h].fd, name, AT_REMOVEDIR) < 0)
		log_warnx("cgroup1: the seed's %s: %d processes moved out, but "
			  "it cannot be removed: %s",
			  path, moved, strerror(errno));
	else
		log_info("cgroup1: the seed's %s: %d processes moved out of "
			 "its limits, removed",
			 path, moved);
}

/* Cgroup Py made PREFIX<uid> directly under each hierarchy: nothing of
 * it may keep holding processes under its stale limits. */
static void v1_clean_seed(const char *prefix)
{
	for (int h = 0; h < H_COUNT; h++) {
		int fd;
		DIR *dir;
		struct dirent *e;

		if (same_as_earlier[h] || mnt[h].fd < 0)
			continue;
		fd = openat(mnt[h].fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		dir = fd >= 0 ? fdopendir(fd) : NULL;
		if (!dir) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		while ((e = readdir(dir)))
			if (e->d_type == DT_DIR && seed_name(e->d_name, prefix))
				clean_one(h, e->d_name);
		closedir(dir);
	}
}

static void v1_scan_setup(struct ipc_scan_setup *out)
{
	out->hierarchy = HIER_V1;
	out->systemd_names = 0;
	out->prefix[0] = '/';
	cg_copy(out->prefix + 1, sizeof(out->prefix) - 1, bk->subtree);
	cg_copy(out->cpuacct_dir, sizeof(out->cpuacct_dir),
		mnt[H_CPUACCT].path);
	cg_copy(out->memory_dir, sizeof(out->memory_dir), mnt[H_MEMORY].path);
}

const struct backend_ops backend_cgroup1_ops = {
    .name = "cgroup1",
    .kind = BACKEND_CGROUP1,
    .init = v1_init,
    .fini = v1_fini,
    .ensure_user = v1_ensure_user,
    .set_cpu = v1_set_cpu,
    .set_memory = v1_set_memory,
    .set_extra = v1_set_extra,
    .read_limits = v1_read_limits,
    .move_pid = v1_move_pid,
    .arm_oom = v1_arm_oom,
    .remove_user = v1_remove_user,
    .release_all = v1_release_all,
    .scan_setup = v1_scan_setup,
    .clean_seed = v1_clean_seed,
};
