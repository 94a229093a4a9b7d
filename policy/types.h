/*
 * The policy's types and constants, shared by its files (policy.h has the
 * overview and the units). Types only: each policy file includes this and
 * the headers of the files it calls, so that the files form a tree under
 * policy.c.
 */
#ifndef CGFAIR_POLICY_TYPES_H
#define CGFAIR_POLICY_TYPES_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/config.h"

#define POLICY_NO_CAP INFINITY

/* In fair mode an active user that is not held at its cap is given this
 * much more than it used, so that it can grow before the next interval. */
#define POLICY_FAIR_HEADROOM 0.25

/* At most this many divisions of the CPU per interval while users held
 * down by their new caps are being counted as active. */
#define POLICY_PROMOTE_ROUNDS 16

/* Who a user or group is: sections and lists in the config match by name,
 * or by number when written as digits. name may be NULL. */
struct policy_ident {
	uint32_t id;
	const char *name;
};

/* Per-user settings that replace the configured defaults. Bit
 * (1u << enum config_override_key) in set says the field is given. */
#define POLICY_OVR(key) (1u << (key))

struct policy_override {
	unsigned set;
	double cpu_cap;	       /* CPUs; POLICY_NO_CAP: explicitly none */
	uint32_t cpu_weight;   /* 1..10000 */
	uint64_t memory_limit; /* bytes, CONFIG_UNLIMITED */
	uint64_t swap_limit;   /* bytes, CONFIG_UNLIMITED */
	uint64_t max_tasks;    /* CONFIG_UNLIMITED */
	uint64_t memory_high;  /* bytes, CONFIG_UNLIMITED */
	uint32_t io_weight;    /* 1..10000 */
	bool exempt;
	bool auto_penalty; /* no: the automatic penalty box leaves it be */
	struct config_threshold penalty_cpu;
	struct config_threshold penalty_mem;
};

/* The penalty box. Plain fields: the supervisor persists them as they
 * are and restores them after a restart. */
struct policy_penalty {
	bool on;
	enum config_penalty_mode mode;
	double fraction;    /* of the cap (active) or of the pool (locked) */
	int64_t since_ms;   /* when it was set */
	int64_t expires_ms; /* when it ends; 0: never (until released) */
	bool automatic;	    /* given by the badness score, not an admin */
};

/* The automatic penalty box of one user (badness.c). Plain fields: the
 * supervisor persists them and restores them after a restart. Use is
 * kept as a ring of time slots, window / POLICY_WINDOW_SLOTS wide, each
 * holding the CPU-seconds and byte-seconds measured while the wall clock
 * was in it, so that the mean over the window is one sum. */
#define POLICY_WINDOW_SLOTS 32

struct policy_badness {
	double score;	       /* 0..100 */
	uint32_t tier;	       /* automatic penalties not forgiven yet */
	bool warned;	       /* warn_at was passed on this climb */
	int64_t calm_since_ms; /* no penalty since: forgiveness counts */
	int64_t last_ms;       /* the last step; 0: none yet */
	int64_t slot_ms;       /* the slots' width (the window changed:
				  they are cleared) */
	int64_t epoch[POLICY_WINDOW_SLOTS]; /* now_ms / slot_ms of a slot */
	double cpu_s[POLICY_WINDOW_SLOTS];  /* CPU-seconds counted in it */
	double mem_s[POLICY_WINDOW_SLOTS];  /* byte-seconds */
};

/* A throttle event under way. */
struct policy_throttle {
	bool on;
	int64_t start_ms;
	double cpu_sum; /* CPUs summed over the intervals of the event */
	uint32_t samples;
};

/* What is in force for one user, kept by the caller from one interval to
 * the next. All zero for a user seen for the first time: nothing written. */
struct policy_state {
	bool has_cap;	     /* cap was written */
	double cap;	     /* CPUs in force, POLICY_NO_CAP */
	uint32_t weight;     /* in force; 0: not written */
	bool has_mem;	     /* mem_limit was written */
	uint64_t mem_limit;  /* bytes in force */
	bool has_swap;	     /* swap_limit was written */
	uint64_t swap_limit; /* bytes in force */
	/* the other per-user limits: pids.max, memory.high, io.weight */
	bool has_extra;	    /* written */
	uint64_t max_tasks; /* in force, CONFIG_UNLIMITED */
	uint64_t mem_high;  /* in force, CONFIG_UNLIMITED */
	uint32_t io_weight; /* in force */
	bool active;	    /* counted as active last interval */
	struct policy_throttle throttle;
	struct policy_penalty penalty;
};

/* What policy_step() decided for one user this interval. After the step,
 * the values to write are the ones in struct policy_state; a write flag
 * says that value changed. If a write fails, the caller clears the state's
 * has_ flag (or weight) so that it is tried again next interval. */
struct policy_decision {
	bool exempt;	   /* managed no more: limits go back to none */
	bool active;	   /* counted in the division of the CPU */
	bool fixed;	   /* a fixed cap: its own, held back from the pool */
	bool locked;	   /* a locked penalty (in the pool, capped) */
	double target_cap; /* what the mode gives, before min_change */
	bool write_cap;
	bool write_weight;
	uint64_t mem_target; /* the limit it is heading to */
	bool write_mem;
	bool write_swap;
	bool write_extra; /* max_tasks, mem_high or io_weight changed */
	/* scratch for the CPU division */
	bool pool;	    /* shares the pool with the others */
	double pool_weight; /* 1, or the penalty fraction */
	double demand;	    /* fair mode: CPUs it could use */
	bool served;	    /* fair mode: demand met */
	bool cpu_bound;	    /* fair mode: held back by CFS, wants more */
};

struct policy_user {
	uint32_t uid;
	/* CPUs used over the last interval; NAN when unknown (the first
	 * sample of a user). */
	double cpu;
	/* of which, CPUs of [penalty] exempt_commands (as the scanner said:
	 * bounded by cpu before it counts) */
	double cpu_exempt;
	uint64_t mem_usage;	    /* bytes charged to the cgroup */
	struct policy_override ovr; /* users.d and run-time overrides */
	struct policy_state st;	    /* in and out */
	/* the automatic penalty box's state, in and out: the caller's, kept
	 * apart from st (a window of ~800 bytes) so that only users the box
	 * applies to need one; NULL: the box leaves the user be */
	struct policy_badness *badness;
	struct policy_decision out; /* out */
};

struct policy_machine {
	unsigned ncpu;	/* online CPUs */
	int64_t now_ms; /* wall clock */
};

enum policy_event_type {
	POLICY_EV_THROTTLE_START,
	POLICY_EV_THROTTLE_END,
	POLICY_EV_PENALTY_END,	/* expired */
	POLICY_EV_BADNESS_WARN, /* the score passed warn_at */
	POLICY_EV_AUTO_PENALTY, /* the score reached 100: into the box */
	POLICY_EV_TIER_DOWN,	/* forgive passed without a penalty */
};

/* The figures behind an automatic action (BADNESS_WARN, AUTO_PENALTY,
 * TIER_DOWN). A threshold of 0: none. */
struct policy_badness_figures {
	double score;
	uint32_t tier;	      /* after the action */
	uint64_t window_ms;   /* the averages are over this */
	double avg_cpu;	      /* CPUs counted, mean over the window */
	double cpu_threshold; /* CPUs */
	double avg_mem;	      /* bytes, mean over the window */
	double mem_threshold; /* bytes */
	uint64_t penalty_ms;  /* AUTO_PENALTY: its length */
};

struct policy_event {
	enum policy_event_type type;
	uint32_t uid;
	int64_t start_ms;   /* throttle start, or penalty since */
	int64_t end_ms;	    /* THROTTLE_END, PENALTY_END: now */
	double cpu;	    /* CPUs used in this interval */
	double cap;	    /* CPUs: the cap in force in this interval */
	double avg_cpu;	    /* THROTTLE_END: mean CPUs over the event */
	double avg_percent; /* the same, in percent of the machine: the
			       seed's throttleCPU "CPU" field */
	struct policy_badness_figures bad;
};

typedef void (*policy_event_fn)(void *arg, const struct policy_event *ev);

#endif
