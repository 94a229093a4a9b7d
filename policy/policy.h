/*
 * cgfair policy: numbers in, limits out. Pure code: no I/O, no globals, no
 * clock (the time is an argument), no allocation. The supervisor keeps one
 * struct policy_user per managed user, fills in what the scanner measured,
 * calls policy_step() once per interval and applies what it decided.
 *
 * Units: CPU amounts are CPUs ("cores", cpu-seconds per second), INFINITY
 * meaning no cap; memory in bytes, CONFIG_UNLIMITED meaning no limit; time
 * is wall-clock milliseconds since the epoch (so that penalty expiry times
 * survive a restart).
 *
 * Files: fairshare.c (caps per mode), throttle.c (throttle events),
 * penalty.c (penalty box), badness.c (the automatic penalty box: score,
 * tiers, forgiveness), memory.c (memory limits and steps), users.c
 * (exemptions and users.d overrides), policy.c (the per-interval step).
 */
#ifndef CGFAIR_POLICY_POLICY_H
#define CGFAIR_POLICY_POLICY_H

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
	struct policy_badness badness;
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

/* One interval: expire penalties, throttle events, CPU caps per the mode,
 * weights, memory limits. emit may be NULL. */
void policy_step(const struct cgfair_config *cfg,
		 const struct policy_machine *m, struct policy_user *users,
		 size_t n, policy_event_fn emit, void *arg);

/* --- users.c --- */

/* The users.d settings of a user: a [user:] section beats [group:]
 * sections, and between groups the assignment read last wins. exempt
 * (and POLICY_OVR(CONFIG_OVR_EXEMPT)) folds in every exemption rule:
 * uid < min_uid, nobody, exempt_users, exempt_groups, exempt = yes. */
void policy_resolve_user(const struct cgfair_config *cfg,
			 const struct policy_ident *user,
			 const struct policy_ident *groups, size_t ngroups,
			 struct policy_override *out);

/* Fields given in top replace those of base (run-time over users.d). */
void policy_override_merge(struct policy_override *base,
			   const struct policy_override *top);

/* uid < min_uid, uid > max_uid or nobody: never managed, whatever the
 * config says. */
bool policy_uid_exempt(const struct cgfair_config *cfg, uint32_t uid);

/* --- fairshare.c --- */

/* The CPU use at or above which a user counts as active, in CPUs. */
double policy_active_threshold(const struct config_cpu *cpu, unsigned ncpu);

/* Active: use >= the threshold, or use >= throttle_upper x its cap (a user
 * held down by a cap below the threshold still wants the CPU), staying
 * active down to throttle_lower x its cap. NAN use: was_active.
 * policy_cpu_caps() also counts a user whose use would fill the cap it is
 * about to get. */
bool policy_is_active(const struct config_cpu *cpu, unsigned ncpu, double use,
		      double cap, bool was_active);

/* Weighted max-min fair division of capacity over the active users with
 * out.pool set, by out.demand and out.pool_weight, into out.target_cap;
 * what no one demands is shared by weight, so the caps sum to capacity
 * (less when the weights sum to less than 1: a weight is a fraction of
 * what a full user would get, never more). */
void policy_water_fill(struct policy_user *users, size_t n, double capacity);

/* Fills out.active, out.fixed and out.target_cap of every user that is
 * not exempt. */
void policy_cpu_caps(const struct cgfair_config *cfg,
		     const struct policy_machine *m, struct policy_user *users,
		     size_t n);

/* Is target different enough from what is in force to be written? */
bool policy_cap_should_write(bool has_cap, double cur, double target,
			     double min_change);

/* --- throttle.c --- */

/* Feeds one interval's use against the cap that was in force; returns
 * true and fills *ev when an event starts or ends. */
bool policy_throttle_update(struct policy_throttle *t,
			    const struct config_cpu *cpu, unsigned ncpu,
			    double use, double cap, int64_t now_ms,
			    struct policy_event *ev);

/* --- penalty.c --- */

/* timeout_ms 0: the configured timeout. Mode and fraction are taken from
 * the config now, so that a reload does not change a running penalty. */
void policy_penalty_start(struct policy_penalty *p,
			  const struct config_penalty *cfg, int64_t now_ms,
			  uint64_t timeout_ms);
bool policy_penalty_expired(const struct policy_penalty *p, int64_t now_ms);
void policy_penalty_end(struct policy_penalty *p);

/* The cap of a penalised user whose cap would otherwise be normal_cap. */
double policy_penalty_cap(const struct policy_penalty *p,
			  const struct config_cpu *cpu, unsigned ncpu,
			  double normal_cap);

/* --- badness.c --- */

/* The CPUs that count toward badness: use less what exempt commands used,
 * that figure bounded to 0..use (it comes from a worker). */
double policy_counted_cpu(double use, double exempt);

/* The thresholds of a user, in CPUs and bytes (0: none): its users.d
 * override, else the config's; a share is of its cap (the fixed one, else
 * what max_percent gives one user alone) or of its memory limit. */
double policy_cpu_threshold(const struct cgfair_config *cfg, unsigned ncpu,
			    const struct policy_override *ovr);
double policy_mem_threshold(const struct cgfair_config *cfg,
			    const struct policy_override *ovr);

/* One interval of the automatic penalty box for u (policy_step calls it
 * after expiry and before the caps, so a new penalty bites at once). */
void policy_badness_step(const struct cgfair_config *cfg,
			 const struct policy_machine *m, struct policy_user *u,
			 policy_event_fn emit, void *arg);

/* The means over the window ending now (CPUs, bytes). */
void policy_badness_means(const struct policy_badness *b,
			  const struct config_penalty *cfg, int64_t now_ms,
			  double *cpu, double *mem);

/* An admin's forgive: score, tier and window back to nothing. */
void policy_badness_forgive(struct policy_badness *b);

/* --- memory.c --- */

/* The memory limit of a user: its override, else the configured one. */
uint64_t policy_memory_target(const struct cgfair_config *cfg,
			      const struct policy_override *ovr);
uint64_t policy_swap_target(const struct cgfair_config *cfg,
			    const struct policy_override *ovr);

/* The other limits of a user (max_tasks, memory high, io weight): its
 * overrides, else the configured ones; an exempt user's are lifted. */
void policy_extra_targets(const struct cgfair_config *cfg,
			  const struct policy_override *ovr, bool exempt,
			  uint64_t *max_tasks, uint64_t *mem_high,
			  uint32_t *io_weight);

/* The next limit to write on the way to target: target itself, unless
 * that is below what the cgroup uses now; then the usage (rounded up to a
 * page), so that no limit is set below usage in one step and the limit
 * follows usage down as memory is freed. */
uint64_t policy_memory_step(uint64_t usage, uint64_t target);

#endif
