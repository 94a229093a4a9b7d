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
#include "policy/policy.h"
#include "supervisor/event_types.h"

struct user {
	uid_t uid;
	char name[IPC_NAME_MAX]; /* passwd name, or the uid as a number */
	bool has_cgroup;	 /* backend_ensure_user succeeded */
	bool named;		 /* name looked up (NSS), with the cgroup */
	bool no_passwd;		 /* NSS knew no such uid then (until a reload
				    asks again, control.c) */
	bool setup_queued;	 /* its cgroup is to be made (control.c) */

	/* placement (placement.c) */
	uint64_t moved; /* processes moved into the cgroup so far */

	/* usage and limits (control.c) */
	uint64_t cpu_usec;    /* last cumulative CPU time seen (cgroup plus
				 processes not yet placed) */
	bool cpu_known;	      /* cpu_usec holds a sample */
	int64_t cpu_delta;    /* usec used in the last cycle, -1: unknown */
	uint64_t exempt_usec; /* the scanner's exempt-commands counter */
	int64_t exempt_delta; /* its growth in the last cycle, -1: none */
	uint64_t mem_bytes;
	uint64_t mem_cache;
	uint32_t nprocs;
	uint64_t seen_cycle;	/* the last scan cycle that reported the user */
	unsigned idle_cycles;	/* cycles in a row seen with no process */
	uint64_t moved_at_step; /* moved, as the last step saw it */
	double use_cores;	/* over the last interval, NAN: unknown */
	bool ovr_resolved;	/* ovr holds the users.d settings */
	struct policy_override ovr;
	struct policy_state pol; /* what is in force, policy's state */
	uint64_t throttled_usec; /* wall time spent in throttle events */

	/* counters for the metrics, since cgfaird started */
	uint64_t oom_kills; /* OOM kills reported */

	/* OOM (oom.c) */
	int oom_watcher;       /* index in the pool, -1: not armed */
	uint64_t oom_reported; /* oom_kill counter value last reported */
	bool oom_counter_known;
	uint32_t oom_gen; /* of the last arm: older watcher reports are stale */
	bool oom_no_counter; /* kernel without oom_kill: count kmsg victims */
	bool oom_tree; /* count read by the backend, the watcher only wakes */
	int oom_fd; /* the counter's file, read here on a watcher's wake-up */
	/* tree counts: kills reported from the kernel log alone (their cgroup
	 * was gone before its count was read), which the count absorbs if it
	 * still shows them before oom_log_only_until (oom.c) */
	unsigned oom_log_only;
	uint64_t oom_log_only_until;

	/* event records of this user (event_limit.c) */
	uint64_t ev_window; /* CLOCK_MONOTONIC usec the window began */
	uint64_t ev_sent;   /* records written in it */
	/* and not written, per type (EVENT_TYPE_COUNT of them); NULL: none.
	 * Allocated at a first drop: few users ever have one, and 104 bytes
	 * a user add up at 10,000 users (issue 17) */
	uint64_t *ev_dropped;
};

/* Called after a user's cgroup exists (added) and before it is removed. */
typedef void (*user_hook)(struct user *u, bool added);

void users_add_hook(user_hook hook);
/* At most this many users ([users] max_users): a scanner that reports
 * uids without end gets no cgroup made for the ones beyond. */
void users_set_max(unsigned max);
struct user *user_find(uid_t uid);
/* Find or create the entry, ensure its cgroup, run the hooks. NULL when
 * the backend could not make the cgroup (logged; retried next time). */
struct user *user_ensure(uid_t uid);
/* Find or create the entry alone (no NSS, no cgroup: user_ensure makes
 * it later). NULL beyond max_users. */
struct user *user_entry(uid_t uid);
/* Run the hooks, remove the cgroup (if empty) and the entry. -EBUSY: the
 * cgroup still has processes and the entry stays. */
int user_remove(uid_t uid);
void users_foreach(void (*fn)(struct user *u, void *arg), void *arg);
unsigned users_count(void);

#endif
