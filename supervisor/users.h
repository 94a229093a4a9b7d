/*
 * The supervisor's table of managed users, keyed by uid. Each module keeps
 * its per-user state in its own section of struct user; modules that must
 * act when a user appears or goes (the OOM watchers) register a hook.
 */
#ifndef CGFAIR_USERS_H
#define CGFAIR_USERS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ipc/ipc.h"

struct user {
	uid_t uid;
	char name[IPC_NAME_MAX]; /* passwd name, or the uid as a number */
	bool has_cgroup;	 /* backend_ensure_user succeeded */

	/* placement (placement.c) */
	uint64_t moved; /* processes moved into the cgroup so far */

	/* usage and limits (control.c) */
	uint64_t cpu_usec;    /* last cumulative CPU time seen */
	uint64_t mem_bytes;
	uint32_t nprocs;
	double use_cores;     /* over the last interval */
	int64_t cap_usec;     /* quota per period in force, -1: none */
	uint64_t mem_limit;   /* in force */
	unsigned idle_cycles; /* cycles seen with no process */

	/* OOM (oom.c) */
	int oom_watcher;       /* index in the pool, -1: not armed */
	uint64_t oom_reported; /* oom_kill counter value last reported */
	bool oom_counter_known;
};

/* Called after a user's cgroup exists (added) and before it is removed. */
typedef void (*user_hook)(struct user *u, bool added);

void users_add_hook(user_hook hook);
struct user *user_find(uid_t uid);
/* Find or create the entry, ensure its cgroup, run the hooks. NULL when
 * the backend could not make the cgroup (logged; retried next time). */
struct user *user_ensure(uid_t uid);
/* Run the hooks, remove the cgroup (if empty) and the entry. -EBUSY: the
 * cgroup still has processes and the entry stays. */
int user_remove(uid_t uid);
void users_foreach(void (*fn)(struct user *u, void *arg), void *arg);
unsigned users_count(void);

#endif
