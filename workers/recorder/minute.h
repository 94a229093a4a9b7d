/*
 * The recorder's table of users and what they did since the last flush:
 * the rows the supervisor sends (cumulative counters, memory now) become
 * per-minute figures (CPU used in the minute, mean and peak memory, ...).
 * Pure: no I/O, so that the unit tests drive it directly.
 */
#ifndef CGFAIR_RECORDER_MINUTE_H
#define CGFAIR_RECORDER_MINUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc/ipc.h"

/* The counters of a user's last stored minute (the database's). */
struct rec_totals {
	uint64_t cpu_usec, throttled_usec, oom_kills;
};

/* One user's figures over one minute (or part of it: a minute flushed
 * twice, say before a report, adds up in the database). */
struct rec_minute {
	int64_t minute; /* CLOCK_REALTIME seconds / 60 */
	uint32_t uid;
	uint32_t nprocs; /* the most seen */
	uint32_t flags;	 /* STATE_* seen in the minute, or'ed */
	uint32_t samples;
	int64_t cap_permille;	 /* the last seen, -1: none */
	uint64_t cpu_usec;	 /* used in the minute */
	uint64_t mem_sum;	 /* of samples: the mean is mem_sum/samples */
	uint64_t mem_peak;	 /* the most seen */
	uint64_t throttled_usec; /* in the minute */
	uint64_t oom_kills;	 /* in the minute */
	struct rec_totals total; /* the counters at the flush */
	char name[IPC_NAME_MAX];
};

struct rec_user {
	struct ipc_user_state row; /* the last one sent */
	bool gone;		   /* STATE_GONE came: flush, then forget */
	struct rec_totals base;	   /* the counters at the last flush */
	/* used since the flush under counters that have since gone back:
	 * the user went and came back within the minute (its cgroup made
	 * again), and the minute still holds what the old ones counted */
	struct rec_totals carry;
	uint64_t mem_sum, mem_peak;
	uint32_t samples, nprocs_max, flags_or;
};

struct rec_table {
	struct rec_user *v; /* sorted by uid */
	size_t n, cap;
};

/* Take one row. *fresh tells whether the user was not in the table (the
 * caller then sets its base). A counter below the last row's counts from
 * zero, what the last row counted since the flush kept in the minute.
 * NULL when out of memory, or for the STATE_GONE row of an unknown user. */
struct rec_user *rec_take(struct rec_table *t, const struct ipc_user_state *r,
			  bool *fresh);
/* The counters a fresh user counts from. With the database's last totals
 * (db): from them, so that what was used while no recorder ran is not
 * lost, or from zero when a counter went back below them (its cgroup was
 * made again). Without: from zero when the user appeared while the
 * recorder ran (started: after its first sample; its cgroup is new), else
 * from the counters as they are now (what came before is unknown). */
void rec_set_base(struct rec_user *u, const struct rec_totals *db,
		  bool started);
/* A sample of every user's memory, processes and state (a timer). */
void rec_sample(struct rec_table *t);
/* The figures since the last flush, for minute, in *out (n of them,
 * allocated; the caller frees): users with nothing to say are left out.
 * The bases move to the counters of now and gone users are forgotten.
 * -1 when out of memory (nothing changed). */
int rec_flush(struct rec_table *t, int64_t minute, struct rec_minute **out,
	      size_t *n);
void rec_clear(struct rec_table *t);

#endif
