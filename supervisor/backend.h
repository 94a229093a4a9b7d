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

#include "ipc/ipc.h"

#define LIMIT_NONE UINT64_MAX /* no limit ("max") */

enum backend_kind { BACKEND_CGROUP1 = 1, BACKEND_CGROUP2, BACKEND_SYSTEMD };

struct backend_params {
	const char *which;   /* "auto", "systemd", "cgroup2", "cgroup1" */
	const char *subtree; /* managed subtree of direct backends: "cgfair" */
	const char *mount;   /* cgroup mount root: "/sys/fs/cgroup" (tests:
				a fake tree) */
	bool dry_run;	     /* decide and log, write nothing */
};

struct cpu_limit {
	uint64_t quota_usec;  /* per period; LIMIT_NONE: no cap */
	uint64_t period_usec; /* e.g. 100000 */
	uint64_t weight;      /* cgroup2 scale 1..10000, 100 = default */
};

struct mem_limit {
	uint64_t max;	   /* bytes, LIMIT_NONE: no limit */
	uint64_t swap_max; /* bytes of swap on top of max, LIMIT_NONE */
};

/* What a watcher polls for one user's OOM kills. */
struct oom_source {
	enum ipc_oom_kind kind;
	int fds[IPC_MAX_FDS]; /* owned by the caller once returned */
	int nfds;
	uint64_t oom_kill; /* the counter when armed */
};

/* Pick and prepare the backend (auto: systemd when it is PID 1, else the
 * hierarchy with cpu and memory). On failure, err names what is missing. */
int backend_init(const struct backend_params *p, char *err, size_t errlen);
enum backend_kind backend_kind(void);
const char *backend_name(void);

int backend_ensure_user(uid_t uid);
int backend_set_cpu(uid_t uid, const struct cpu_limit *l);
/* usage: bytes charged now; a limit below it is approached in steps */
int backend_set_memory(uid_t uid, const struct mem_limit *l, uint64_t usage);
int backend_read_limits(uid_t uid, struct cpu_limit *cpu,
			struct mem_limit *mem);
/* Move a whole process (all threads) into the user's cgroup. */
int backend_move_pid(uid_t uid, pid_t pid);
int backend_arm_oom(uid_t uid, struct oom_source *src);
/* Remove an empty user cgroup (-EBUSY while it has processes). */
int backend_remove_user(uid_t uid);
/* On stop: lift CPU caps; memory limits too unless keep_memory; remove
 * what is empty. */
int backend_release_all(bool keep_memory);
/* Where the scanner reads usage and how it tells a placed process. */
void backend_scan_setup(struct ipc_scan_setup *out);

#endif
