/*
 * cgroup v2 backend: user cgroups <mount>/<subtree>/user-UID, with cpu and
 * memory (and pids when the kernel has it) enabled for the children of the
 * root and of the managed subtree.
 */
#include "supervisor/backend_impl.h"
#include "common/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* backend.c's settings, lent at init */
static const struct bk_config *bk;

static struct cg_dir root = CG_DIR_INIT;
static bool has_swap;
static bool said_no_swap;

static void v2_fini(void)
{
	cg_close(&root);
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0' || p[n] == '\n'))
			return true;
	return false;
}

/* Enable in d's cgroup.subtree_control what is listed in want and not on
 * yet. 0, or -1 with err filled. */
static int enable_controllers(const struct cg_dir *d, const char *const *want,
			      char *err, size_t errlen)
{
	char on[512] = "", add[128] = "";
	int r;

	if (d->fd >= 0 &&
	    (r = cg_read(d, "cgroup.subtree_control", on, sizeof(on))) < 0) {
		snprintf(err, errlen, "cgroup2: %s/cgroup.subtree_control: %s",
			 d->path, strerror(-r));
		return -1;
	}
	for (int i = 0; want[i]; i++)
		if (!word_in(on, want[i]))
			snprintf(add + strlen(add), sizeof(add) - strlen(add),
				 "%s+%s", add[0] ? " " : "", want[i]);
	if (!add[0])
		return 0;
	r = cg_write(d, "cgroup.subtree_control", add);
	if (r < 0) {
		snprintf(err, errlen,
			 "cgroup2: cannot enable %s in "
			 "%s/cgroup.subtree_control: %s",
			 add, d->path, strerror(-r));
		return -1;
	}
	return 0;
}

/* cpu and memory must be available at the root; pids is optional. */
static int controllers(const char **want, char *err, size_t errlen)
{
	char avail[512];
	int n = 0, r;

	r = cg_read(&root, "cgroup.controllers", avail, sizeof(avail));
	if (r < 0) {
		snprintf(err, errlen, "cgroup2: %s/cgroup.controllers: %s",
			 root.path, strerror(-r));
		return -1;
	}
	static const char *const needed[] = {"cpu", "memory"};
	for (int i = 0; i < 2; i++) {
		if (!word_in(avail, needed[i])) {
			snprintf(err, errlen,
				 "cgroup2: no %s controller in "
				 "%s/cgroup.controllers (\"%s\"): it is off "
				 "or bound to a cgroup1 hierarchy",
				 needed[i], root.path, avail);
			return -1;
		}
		want[n++] = needed[i];
	}
	if (word_in(avail, "pids"))
		want[n++] = "pids";
	if (word_in(avail, "io"))
		want[n++] = "io";
	want[n] = NULL;
	return 0;
}

static int v2_init(const struct bk_config *cfg, const struct cg_mounts *m,
		   char *err, size_t errlen)
{
	const char *want[5];
	struct cg_dir sub;
	int r;

	bk = cfg;
	if (!m->v2[0]) {
		snprintf(err, errlen,
			 "cgroup2: no cgroup2 file system mounted "
			 "under %s",
			 bk->mount);
		return -1;
	}
	if ((r = cg_open_mount(m->v2, &root)) < 0) {
		snprintf(err, errlen, "cgroup2: %s: %s", m->v2, strerror(-r));
		return -1;
	}
	if (controllers(want, err, errlen) < 0 ||
	    enable_controllers(&root, want, err, errlen) < 0)
		goto fail;
	if ((r = cg_open_subtree(&root, true, &sub)) < 0) {
		snprintf(err, errlen, "cgroup2: cannot make %s/%s: %s",
			 root.path, bk->subtree, strerror(-r));
		goto fail;
	}
	r = enable_controllers(&sub, want, err, errlen);
	/* the root has no memory.swap.*: its children show swap accounting */
	has_swap = cg_has_file(&sub, "memory.swap.max");
	said_no_swap = false;
	cg_close(&sub);
	if (r < 0)
		goto fail;
	return 0;
fail:
	v2_fini();
	return -1;
}

static int open_user(uid_t uid, struct cg_dir *d)
{
	int r = cg_open_user(&root, uid, false, d);

	if (r < 0)
		log_warnx("cgroup2: uid %u: no cgroup: %s", (unsigned)uid,
			  strerror(-r));
	return r;
}

static int v2_ensure_user(uid_t uid)
{
	struct cg_dir d;
	int r = cg_open_user(&root, uid, true, &d);

	if (r < 0)
		log_warnx("cgroup2: uid %u: cannot make its cgroup under "
			  "%s/%s: %s",
			  (unsigned)uid, root.path, bk->subtree, strerror(-r));
	else if (!has_swap && d.fd >= 0)
		has_swap = cg_has_file(&d, "memory.swap.max");
	cg_close(&d);
	return r;
}

static int v2_set_cpu(uid_t uid, const struct cpu_limit *l)
{
	uint64_t quota = cpu_quota_of(l);
	char buf[64];
	struct cg_dir d;
	int r;

	if ((r = open_user(uid, &d)) < 0)
		return r;
	if (quota == LIMIT_NONE)
		snprintf(buf, sizeof(buf), "max %" PRIu64, cpu_period_of(l));
	else
		snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64, quota,
			 cpu_period_of(l));
	r = cg_write(&d, "cpu.max", buf);
	if (r == 0 && l->weight)
		r = cg_write_u64(&d, "cpu.weight",
				 l->weight > 10000 ? 10000 : l->weight, "");
	cg_close(&d);
	return r;
}

/* memory.max below usage would make the kernel reclaim and then OOM-kill:
 * step towards it. swap.max has no order to keep with memory.max. */
static int v2_set_memory(uid_t uid, const struct mem_limit *l, uint64_t usage)
{
	uint64_t cur = LIMIT_NONE, used = 0, mem;
	struct cg_dir d;
	int r;

	if ((r = open_user(uid, &d)) < 0)
		return r;
	(void)cg_read_u64(&d, "memory.max", &cur);
	(void)cg_read_u64(&d, "memory.current", &used);
	mem = mem_step(l->max, usage > used ? usage : used, cur);
	r = mem == cur ? 0 : cg_write_u64(&d, "memory.max", mem, "max");
	if (r == 0 && has_swap)
		r = cg_write_u64(&d, "memory.swap.max", l->swap_max, "max");
	else if (r == 0 && !said_no_swap && !bk->dry_run) {
		log_info("cgroup2: no memory.swap.max (swap accounting off): "
			 "swap limits are not set");
		said_no_swap = true;
	}
	cg_close(&d);
	if (r < 0)
		return r;
	if (mem != l->max) {
		log_info("cgroup2: uid %u: memory limit %" PRIu64
			 " is below usage: stepped to %" PRIu64,
			 (unsigned)uid, l->max, mem);
		return BACKEND_AGAIN;
	}
	return 0;
}

/* Tell once per file that the host lacks it. */
static bool lacks(const struct cg_dir *d, const char *file, bool *said)
{
	if (cg_has_file(d, file))
		return false;
	if (!*said && !bk->dry_run)
		log_info("cgroup2: no %s (controller off): not set", file);
	*said = true;
	return true;
}

static int v2_set_extra(uid_t uid, const struct extra_limit *l)
{
	static bool no_pids, no_io;
	struct cg_dir d;
	int r;

	if ((r = open_user(uid, &d)) < 0)
		return r;
	r = cg_write_u64(&d, "memory.high", l->mem_high, "max");
	if (r == 0 && (d.fd < 0 || !lacks(&d, "pids.max", &no_pids)))
		r = cg_write_u64(&d, "pids.max", l->max_tasks, "max");
	if (r == 0 && (d.fd < 0 || !lacks(&d, "io.weight", &no_io)))
		r = cg_write_u64(&d, "io.weight", l->io_weight, "");
	cg_close(&d);
	return r;
}

static int v2_read_limits(uid_t uid, struct cpu_limit *cpu,
			  struct mem_limit *mem)
{
	char buf[64], *sp;
	struct cg_dir d;
	int r;

	if ((r = open_user(uid, &d)) < 0)
		return r;
	r = cg_read(&d, "cpu.max", buf, sizeof(buf));
	sp = r == 0 ? strchr(buf, ' ') : NULL;
	if (r == 0 && !sp)
		r = -EINVAL;
	if (r == 0) {
		*sp = '\0';
		r = cg_parse_u64(buf, &cpu->quota_usec);
	}
	if (r == 0)
		r = cg_parse_u64(sp + 1, &cpu->period_usec);
	if (r == 0)
		r = cg_read_u64(&d, "cpu.weight", &cpu->weight);
	if (r == 0)
		r = cg_read_u64(&d, "memory.max", &mem->max);
	mem->swap_max = LIMIT_NONE;
	if (r == 0 && has_swap)
		r = cg_read_u64(&d, "memory.swap.max", &mem->swap_max);
	cg_close(&d);
	return r;
}

static int v2_move_pid(uid_t uid, pid_t pid)
{
	char buf[16];
	struct cg_dir d;
	int r;

	if ((r = open_user(uid, &d)) < 0)
		return r;
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	r = cg_write(&d, "cgroup.procs", buf);
	cg_close(&d);
	return r;
}

static int v2_arm_oom(uid_t uid, struct oom_source *src)
{
	struct cg_dir d;
	int r, fd;

	if ((r = open_user(uid, &d)) < 0)
		return r;
	fd = cg_open_ro(&d, "memory.events");
	if (fd < 0) {
		log_warnx("cgroup2: uid %u: %s/memory.events: %s",
			  (unsigned)uid, d.path, strerror(-fd));
		cg_close(&d);
		return fd;
	}
	src->kind = OOM_V2_EVENTS;
	src->fds[0] = fd;
	src->nfds = 1;
	src->cgroup = cg_dir_ino(&d);
	r = cg_read_key(&d, "memory.events", "oom_kill", &src->oom_kill);
	src->has_counter = r == 0;
	if (r < 0)
		log_warnx("cgroup2: uid %u: %s/memory.events has no oom_kill "
			  "line",
			  (unsigned)uid, d.path);
	cg_close(&d);
	return 0;
}

static int v2_remove_user(uid_t uid)
{
	int r = cg_remove_user(&root, uid);

	if (r < 0 && r != -EBUSY)
		log_warnx("cgroup2: uid %u: remove its cgroup: %s",
			  (unsigned)uid, strerror(-r));
	return r;
}

static void release_one(uid_t uid, void *arg)
{
	bool keep_memory = *(bool *)arg;
	struct cpu_limit cpu = {.quota_usec = LIMIT_NONE};
	struct mem_limit mem = {.max = LIMIT_NONE, .swap_max = LIMIT_NONE};

	(void)v2_set_cpu(uid, &cpu);
	if (!keep_memory)
		(void)v2_set_memory(uid, &mem, 0);
	(void)v2_remove_user(uid);
}

static int v2_release_all(bool keep_memory)
{
	int r = cg_foreach_user(&root, release_one, &keep_memory);

	cg_remove_subtree(&root);
	return r;
}

static void v2_scan_setup(struct ipc_scan_setup *out)
{
	out->hierarchy = HIER_V2;
	out->systemd_names = 0;
	out->prefix[0] = '/';
	cg_copy(out->prefix + 1, sizeof(out->prefix) - 1, bk->subtree);
	cg_copy(out->cpuacct_dir, sizeof(out->cpuacct_dir), root.path);
	cg_copy(out->memory_dir, sizeof(out->memory_dir), root.path);
}

const struct backend_ops backend_cgroup2_ops = {
    .name = "cgroup2",
    .kind = BACKEND_CGROUP2,
    .init = v2_init,
    .fini = v2_fini,
    .ensure_user = v2_ensure_user,
    .set_cpu = v2_set_cpu,
    .set_memory = v2_set_memory,
    .set_extra = v2_set_extra,
    .read_limits = v2_read_limits,
    .move_pid = v2_move_pid,
    .arm_oom = v2_arm_oom,
    .remove_user = v2_remove_user,
    .release_all = v2_release_all,
    .scan_setup = v2_scan_setup,
};
