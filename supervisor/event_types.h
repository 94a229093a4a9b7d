/*
 * What an event is: its type and its fields. Types only, so that the
 * modules that keep per-type state (users.c, event_limit.c) need not
 * include events.h, which emits them.
 */
#ifndef CGFAIR_EVENT_TYPES_H
#define CGFAIR_EVENT_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <sys/types.h>

#include "supervisor/actor.h"

enum event_type {
	EVENT_LIMIT_CHANGE = 0, /* a user's CPU cap or memory limit changed */
	EVENT_THROTTLE_START,	/* use reached upper x cap */
	EVENT_THROTTLE_END,	/* use stayed at or below lower x cap */
	EVENT_OOM,		/* one OOM kill in a user's cgroup */
	EVENT_PENALTY_ON,	/* a user went into the penalty box */
	EVENT_PENALTY_OFF,	/* ... and came out */
	EVENT_ADMIN_ACTION,	/* a state-changing request from a client */
	EVENT_WORKER_RESTART,	/* a worker died and is being restarted */
	EVENT_CONFIG_RELOAD,   /* the configuration was (or was not) reloaded */
	EVENT_PENALTY_WARNING, /* a user's badness score passed warn_at */
	EVENT_PENALTY_TIER,    /* a user's penalty tier fell back a step */
	EVENT_SUPPRESSED,      /* a user's records beyond the bound, counted */
	EVENT_TYPE_COUNT
};

/* The version of the records' keys and their meaning (docs/events.md):
 * the "schema" key of every record, CGFAIR_SCHEMA in the journal. A new
 * key is added within a version; a key renamed, retyped, or given another
 * meaning or unit makes a new one. */
#define EVENTS_SCHEMA 1

/* "No cap" / "no limit" in the limit fields. */
#define EVENT_NO_CAP   (-1)
#define EVENT_NO_LIMIT UINT64_MAX

/*
 * What an event says. Zero-initialise it and set what the type uses (the
 * comment of each group names its types); unused fields are ignored.
 * uid 0 means "no user": root is never a managed user.
 */
struct event_fields {
	uid_t uid;	     /* the user concerned */
	const char *user;    /* their name; NULL: from the user table */
	const char *message; /* the human sentence; NULL: a default one */
	const char *reason;  /* why (limit change, penalty, worker restart,
				failed reload): free text, may be NULL */

	/* EVENT_LIMIT_CHANGE: a pair is reported when its values differ.
	 * EVENT_THROTTLE_START/END: cpu_new is the cap in force. */
	int64_t cpu_old, cpu_new;      /* cap in 1/1000 CPU, EVENT_NO_CAP */
	uint64_t mem_old, mem_new;     /* bytes, EVENT_NO_LIMIT */
	uint64_t tasks_old, tasks_new; /* max_tasks, EVENT_NO_LIMIT */
	uint64_t high_old, high_new;   /* memory high, bytes, EVENT_NO_LIMIT */
	uint32_t io_old, io_new;       /* io weight */

	/* EVENT_THROTTLE_START, EVENT_THROTTLE_END */
	time_t start, end;  /* CLOCK_REALTIME seconds */
	double cpu_percent; /* the seed's CPU key: average use over the event
			       in percent (the seed: of the whole machine) */

	/* EVENT_OOM */
	uint64_t oom_kills;  /* the cgroup's oom_kill counter after it */
	pid_t pid;	     /* the victim, 0: not known */
	const char *comm;    /* its name, NULL: not known */
	uint64_t rss_kb;     /* its resident memory when killed */
	uint32_t victim_uid; /* the uid the kernel gave the victim */
	const char *memcg;   /* the cgroup the kernel named */

	/* EVENT_PENALTY_ON */
	time_t until; /* CLOCK_REALTIME seconds, 0: no end */
	/* EVENT_PENALTY_ON, EVENT_PENALTY_OFF: the admin's reason, NULL */
	const char *note;

	/* EVENT_PENALTY_ON given by the badness score (automatic set),
	 * EVENT_PENALTY_WARNING, EVENT_PENALTY_TIER: the figures behind it */
	bool automatic;
	double badness;	      /* the score, 0..100 */
	uint32_t tier;	      /* after the action */
	uint64_t window_ms;   /* the means are over this */
	double cpu_avg;	      /* CPUs counted, mean over the window */
	double cpu_threshold; /* CPUs; 0: none */
	double mem_avg;	      /* bytes, mean over the window */
	double mem_threshold; /* bytes; 0: none */
	uint64_t penalty_ms;  /* PENALTY_ON: its length */

	/* EVENT_ADMIN_ACTION (uid: the target, 0 when none) */
	const char *action; /* "penalty", "limit", "reload", ... */
	int status;	    /* 0 or the errno value the client got */

	/* Any event an admin action made: who asked (client_* keys) and what
	 * changed (the *_old / *_new keys), as in its audit record. */
	const struct actor *actor;
	const struct change *change;

	/* EVENT_WORKER_RESTART (reason: how it ended) */
	const char *worker; /* "oomwatch/1" */
	pid_t worker_pid;   /* the process that ended */

	/* EVENT_SUPPRESSED: this many records of that type were not written
	 * in the last window_s seconds (event_limit.c) */
	uint64_t suppressed;
	enum event_type suppressed_type;
	unsigned window_s;

	/* EVENT_CONFIG_RELOAD (reason: the error when it failed) */
	const char *config; /* the file */
	bool failed;	    /* the old configuration stays */
};

/* The event sink: events.c's event_emit() is the one, handed to the
 * modules below events.c that emit (event_limit.c) at their init. */
typedef void event_emit_fn(enum event_type type, const struct event_fields *f);

#endif
