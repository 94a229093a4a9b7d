/*
 * Inside the backends: the table each implementation fills, the mounts
 * found in mountinfo, and the path-safety helpers every direct write goes
 * through (backend.c). Not for the rest of the supervisor: it uses
 * backend.h.
 */
#ifndef CGFAIR_BACKEND_IMPL_H
#define CGFAIR_BACKEND_IMPL_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "supervisor/backend.h"

#define BK_ERR_MAX 256

/* Mount points of the cgroup file systems under params.mount; "" when
 * absent. One v1 hierarchy may carry several controllers (co-mounted). */
struct cg_mounts {
	char v2[PATH_MAX];
	char cpu[PATH_MAX];
	char cpuacct[PATH_MAX];
	char memory[PATH_MAX];
	char pids[PATH_MAX];
	char blkio[PATH_MAX];
};

/* An open directory of a cgroup tree and its path, for messages. In a dry
 * run a directory that does not exist yet has fd -1. */
struct cg_dir {
	int fd;
	dev_t dev; /* the file system it is on: a walk never leaves it */
	char path[PATH_MAX];
};

#define CG_DIR_INIT                                                            \
	{                                                                      \
		.fd = -1                                                       \
	}

/* What backend_init was given, lent to the implementation's init. */
struct bk_config {
	char subtree[PATH_MAX];
	char mount[PATH_MAX];
	bool dry_run;
	sd_event *event;
};

struct backend_ops {
	const char *name;
	enum backend_kind kind;
	/* 0, or -1 with err filled (what is missing) */
	int (*init)(const struct bk_config *cfg, const struct cg_mounts *m,
		    char *err, size_t errlen);
	void (*fini)(void);
	int (*ensure_user)(uid_t uid);
	int (*set_cpu)(uid_t uid, const struct cpu_limit *l);
	int (*set_memory)(uid_t uid, const struct mem_limit *l, uint64_t usage);
	int (*set_extra)(uid_t uid, const struct extra_limit *l);
	int (*read_limits)(uid_t uid, struct cpu_limit *cpu,
			   struct mem_limit *mem);
	int (*move_pid)(uid_t uid, pid_t pid);
	int (*arm_oom)(uid_t uid, struct oom_source *src);
	/* NULL unless arm_oom sets src->tree */
	int (*read_oom_kills)(uid_t uid, uint64_t *value);
	int (*remove_user)(uid_t uid);
	int (*release_all)(bool keep_memory);
	/* NULL but where writes are asynchronous (systemd) */
	void (*retry)(void);
	void (*settle)(void);
	void (*scan_setup)(struct ipc_scan_setup *out);
	/* NULL but on cgroup v1: the seed's cgroups (see backend.h) */
	void (*clean_seed)(const char *prefix);
};

extern const struct backend_ops backend_cgroup1_ops;
extern const struct backend_ops backend_cgroup2_ops;
extern const struct backend_ops backend_systemd_ops;

/* The parameters in force (strings copied). */

/* --- backend.c: mounts --------------------------------------------------- */

/* Fill m from a mountinfo file, keeping mount points at or below under. */
int cg_parse_mountinfo(const char *file, const char *under,
		       struct cg_mounts *m);
/* backend_cgroup1.c: [io] weight (cgroup v2's scale) on the scale of v1's
 * weight file (blkio.bfq.weight or blkio.weight). */
uint64_t cg1_io_weight(const char *file, uint64_t w);
/* The cgroup2 mount mnt lists ctrl in its cgroup.controllers. */
bool cg_v2_has(const char *mnt, const char *ctrl);
/* A subtree is one or more plain names ([A-Za-z0-9._-], not . or ..)
 * separated by single slashes. */
bool cg_subtree_valid(const char *subtree);

/* --- backend.c: the managed tree ------------------------------------------ */

/* Open a hierarchy's mount point (trusted: it comes from mountinfo). */
int cg_open_mount(const char *path, struct cg_dir *out);
/* Open (and with create, make) the directory name inside parent: one
 * component, never a symlink, never another file system. */
int cg_open_child(const struct cg_dir *parent, const char *name, bool create,
		  struct cg_dir *out);
/* The managed subtree (bk.subtree) under a mount. */
int cg_open_subtree(const struct cg_dir *mnt, bool create, struct cg_dir *out);
/* <mount>/<subtree>/user-UID */
int cg_open_user(const struct cg_dir *mnt, uid_t uid, bool create,
		 struct cg_dir *out);
void cg_close(struct cg_dir *d);
void cg_user_name(uid_t uid, char *buf, size_t len);
/* Parse "<prefix><digits><suffix>" (no sign, no leading zero). */
bool cg_parse_user_name(const char *name, const char *prefix,
			const char *suffix, uid_t *uid);

/* Write value to a file of d (dry run: log it). 0 or -errno, logged. */
int cg_write(const struct cg_dir *d, const char *file, const char *value);
/* A number, or the word for "no limit" when v is LIMIT_NONE. */
int cg_write_u64(const struct cg_dir *d, const char *file, uint64_t v,
		 const char *none_word);
/* Read a file (NUL-terminated, trailing newline dropped). */
int cg_read(const struct cg_dir *d, const char *file, char *buf, size_t len);
/* A number; "max" and v1's "unlimited" (>= 2^62) read as LIMIT_NONE;
 * v1's -1 too. */
int cg_read_u64(const struct cg_dir *d, const char *file, uint64_t *v);
int cg_parse_u64(const char *s, uint64_t *v);
/* The value of a "key N" line of a flat-keyed file: -ENODATA without it. */
int cg_read_key(const struct cg_dir *d, const char *file, const char *key,
		uint64_t *v);
int cg_parse_key(const char *text, const char *key, uint64_t *v);
bool cg_has_file(const struct cg_dir *d, const char *file);
/* A read-only fd of a file of d (for the watchers), or -errno. */
int cg_open_ro(const struct cg_dir *d, const char *file);
/* The directory's inode number (0 if fstat fails): a cgroup's identity. */
uint64_t cg_dir_ino(const struct cg_dir *d);
/* rmdir user-UID in the subtree: 0 (also when absent), -EBUSY... */
int cg_remove_user(const struct cg_dir *mnt, uid_t uid);
/* rmdir the subtree when empty (quietly keeps it otherwise). */
void cg_remove_subtree(const struct cg_dir *mnt);
/* Call fn for each user-UID directory of the subtree. */
int cg_foreach_user(const struct cg_dir *mnt, void (*fn)(uid_t uid, void *arg),
		    void *arg);

/* Copy a string into a fixed field; false (logged) when it does not fit. */
bool cg_copy(char *dst, size_t size, const char *src);

/* --- backend.c: arithmetic ------------------------------------------------ */

#define MEM_STEP_ROUND (1024 * 1024) /* steps land on MiB boundaries */

/* The memory limit to write now for target, given the bytes charged and
 * the limit in force: never below usage (rounded up) in one step, never
 * above what is in force when lowering. */
uint64_t mem_step(uint64_t target, uint64_t usage, uint64_t in_force);
/* cgroup2 weight (1..10000) to v1 cpu.shares (2..262144) and back. */
uint64_t weight_to_shares(uint64_t weight);
uint64_t shares_to_weight(uint64_t shares);
/* memsw for v1: max + swap, LIMIT_NONE when either is. */
uint64_t memsw_of(const struct mem_limit *l);
/* Clamp a quota to what the kernel takes (>= 1 ms), period to 1 ms..1 s. */
uint64_t cpu_period_of(const struct cpu_limit *l);
uint64_t cpu_quota_of(const struct cpu_limit *l);

/* --- backend_cgroup1.c, shared with systemd on a v1 host ----------------- */

/* Arm the v1 OOM eventfd on a memory cgroup directory. The caller's
 * dry_run: the systemd backend never runs backend_cgroup1.c's init, so
 * nothing of that file's own settings may be read here. */
int cg1_arm_oom(const struct cg_dir *memdir, uid_t uid, bool dry_run,
		struct oom_source *src);

#endif
