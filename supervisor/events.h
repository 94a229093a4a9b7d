/*
 * cgfair's events: the one list of event types, and event_emit(), which
 * every part of the supervisor calls. Each event goes to every sink:
 *   - the journal (sd_journal_send: a MESSAGE_ID per type, CGFAIR_*
 *     fields; etc/cgfair.catalog explains each type);
 *   - the JSON-lines event log, whose throttleCPU and OOM records also
 *     carry every key Cgroup Py v.2 wrote in its throttle.log;
 *   - the sinks added with events_add_sink() (the frontend's subscribers).
 * A sink that fails is logged (once per burst) and never stops the daemon.
 */
#ifndef CGFAIR_EVENTS_H
#define CGFAIR_EVENTS_H

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

/* Where events go; the lead fills it from the configuration. */
struct event_settings {
	const char *log_path; /* JSON lines; NULL: the default, "": none */
	/* the seed's throttle.log: its throttleCPU and OOM records with
	 * exactly its keys, nothing else; NULL or "": none */
	const char *seed_log_path;
	const char *node;	  /* NODE; NULL or "": the host name */
	bool journal;		  /* send to the journal */
	uint64_t max_user_events; /* per user and minute; 0: the default */
};

#define EVENTS_DEFAULT_LOG "/var/log/cgfair/events.log"

/* Apply settings (again on reload): opens the log, creating its directory
 * 0750. A log that cannot be opened is logged; events still go to the
 * other sinks. */
void events_init(const struct event_settings *s);
/* Close and reopen the log (SIGHUP, after logrotate moved it). */
void events_reopen(void);
void events_close(void);

/* Send one event to every sink. */
void event_emit(enum event_type type, const struct event_fields *f);

/* A third sink: fn gets every event as one JSON object (no newline), the
 * same text as the log line. At most EVENTS_MAX_SINKS. */
#define EVENTS_MAX_SINKS 4
typedef void (*event_sink)(enum event_type type, const char *json, void *arg);
int events_add_sink(event_sink fn, void *arg);

const char *event_type_name(enum event_type type);

/* For the tests: the JSON record of an event (free() it), and a line of
 * text made fit for JSON and the journal (valid UTF-8, no controls). */
char *event_format_json(enum event_type type, const struct event_fields *f,
			struct timespec now);
void event_sanitize(char *s);

#endif
