/*
 * The cgroup backends: one interface, three implementations (cgroup1,
 * cgroup2, systemd), all in the supervisor, the only writer of cgroup
 * files. Every function returns 0 or a negative errno and logs what failed
 * with the user, the file or unit, and the value.
 */
#ifndef CGFAIR_BACKEND_H
#define CGFAIR_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "ipc/ipc.h"

#define LIMIT_NONE UINT64_MAX /* no limit ("max") */

/* backend_set_memory: a step towards a limit below usage was written; call
 * again next cycle (with fresh usage) to go on towards the target. */
#define BACKEND_AGAIN 1

enum backend_kind { BACKEND_CGROUP1 = 1, BACKEND_CGROUP2, BACKEND_SYSTEMD };

struct backend_params {
	const char *which;   /* "auto", "systemd", "cgroup2", "cgroup1" */
	const char *subtree; /* managed subtree of direct backends: "cgfair" */
	const char *mount;   /* cgroup mount root: "/sys/fs/cgroup" (tests:
				a fake tree) */
	bool dry_run;	     /* decide and log, write nothing */
	const char *mountinfo; /* NULL: /proc/self/mountinfo (tests: a file) */
	sd_event *event;       /* systemd: the bus is attached to it (NULL:
				  calls stay synchronous only) */
};

struct cpu_limit {
	uint64_t quota_usec;  /* per period; LIMIT_NONE: no cap */
	uint64_t period_usec; /* e.g. 100000 */
	uint64_t weight;      /* cgroup2 scale 1..10000, 100 = default;
				 0: leave the weight as it is */
};

struct mem_limit {
	uint64_t max;	   /* bytes, LIMIT_NONE: no limit */
	uint64_t swap_max; /* bytes of swap on top of max, LIMIT_NONE */
};

/* The other per-user limits. A controller the host lacks is said once
 * (log) and skipped: the write still succeeds. */
struct extra_limit {
	uint64_t max_tasks; /* processes + threads; LIMIT_NONE: no limit
			       (systemd: TasksMax left to logind) */
	uint64_t mem_high;  /* bytes, soft limit; LIMIT_NONE */
	uint64_t io_weight; /* 1..10000, 100 = default */
};

/* What a watcher polls for one user's OOM kills. */
struct oom_source {
	enum ipc_oom_kind kind;
	int fds[IPC_MAX_FDS]; /* owned by the caller once returned */
	int nfds;
	uint64_t oom_kill; /* the counter when armed */
	uint64_t cgroup;   /* inode number of the memory cgroup directory:
			      a cgroup made anew has another one */
	bool has_counter;  /* false: the kernel has no oom_kill counter (v1
			      before 4.13): only the eventfd tells */
	bool tree; /* the user's kills are counted in cgroups below the one
		      watched (systemd on v1): the watcher only wakes the
		      supervisor, which reads backend_read_oom_kills */
};

/* Pick and prepare the backend (auto: systemd when it is PID 1, else the
 * hierarchy with cpu and memory). On failure, err names what is missing. */
int backend_init(const struct backend_params *p, char *err, size_t errlen);
/* Close what backend_init opened (before a new backend_init). */
void backend_fini(void);
enum backend_kind backend_kind(void);
const char *backend_name(void);

/* Cgroup Py's cgroups (PREFIX + uid, e.g. cg_1001, directly under each
 * v1 hierarchy): their processes go to the hierarchy's root (out of the
 * stale limits; placement then moves a managed user's into its cgroup),
 * and the emptied cgroups are removed. Before caps_reduce() (the top
 * directories are mode 0555). Nothing on other backends. */
void backend_clean_seed(const char *prefix);

/* --check-config: why this host's cgroup v1 (under root, e.g.
 * /sys/fs/cgroup) cannot weigh I/O, or NULL when it can (or is v2). A
 * weighing file in a disk's cgroups still needs bfq as its scheduler. */
const char *cg1_io_weight_note(const char *root);

int backend_ensure_user(uid_t uid);
int backend_set_cpu(uid_t uid, const struct cpu_limit *l);
/* usage: bytes charged now (the backend also reads the cgroup's own
 * figure and takes the larger); a limit below it is approached in steps:
 * BACKEND_AGAIN when only a step was written. */
int backend_set_memory(uid_t uid, const struct mem_limit *l, uint64_t usage);
int backend_set_extra(uid_t uid, const struct extra_limit *l);
int backend_read_limits(uid_t uid, struct cpu_limit *cpu,
			struct mem_limit *mem);
/* Move a whole process (all threads) into the user's cgroup; the caller
 * has checked the pid's uid and start time. Under systemd: adopted into
 * user-UID.slice with a transient scope cgfair-adopt-UID-PID.scope. */
int backend_move_pid(uid_t uid, pid_t pid);
int backend_arm_oom(uid_t uid, struct oom_source *src);
/* The user's oom_kill count for a tree source, read now: -EOPNOTSUPP when
 * the watched counter is the whole count. */
int backend_read_oom_kills(uid_t uid, uint64_t *value);
/* Remove an empty user cgroup (-EBUSY while it has processes). */
int backend_remove_user(uid_t uid);
/* On stop: lift CPU caps; memory limits too unless keep_memory; remove
 * what is empty. */
int backend_release_all(bool keep_memory);
/* systemd's limit writes are asynchronous (a 0 from a set call means
 * queued; a failure is logged when the reply comes): once a cycle, what
 * failed is sent again; at stop, settle waits (bounded) for the writes in
 * flight. Nothing on the direct backends, whose writes are done when the
 * call returns. */
void backend_retry(void);
void backend_settle(void);
/* Where the scanner reads usage and how it tells a placed process (all but
 * min_uid, which the caller fills). */
void backend_scan_setup(struct ipc_scan_setup *out);

#endif
