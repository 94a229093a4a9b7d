/*
 * cgfair configuration: /etc/cgfair/cgfair.conf (or the seed's
 * /etc/cgroup_py/cgroup_py.conf), then the users.d drop-ins.
 *
 * The loader fills a fresh struct and reports every problem through a
 * callback, one message per problem, "file:line: [section] key: why". It
 * never touches a config the caller already has: the caller loads into a
 * new struct and swaps it in only when config_load() returned 0.
 *
 * Units in the struct: shares are fractions (0.9, not 90), durations are
 * milliseconds, sizes are bytes, CPU amounts are CPUs ("cores": cpu-seconds
 * per second).
 */
#ifndef CGFAIR_POLICY_CONFIG_H
#define CGFAIR_POLICY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "common/num.h"

#ifndef CGFAIR_SYSCONFDIR
#define CGFAIR_SYSCONFDIR "/etc"
#endif

#define CONFIG_MAIN_PATH   CGFAIR_SYSCONFDIR "/cgfair/cgfair.conf"
#define CONFIG_DROPIN_PATH CGFAIR_SYSCONFDIR "/cgfair/users.d"
#define CONFIG_SEED_PATH   CGFAIR_SYSCONFDIR "/cgroup_py/cgroup_py.conf"
#define CONFIG_SEED_SOCKET "/var/run/cgpy.sock"

#define CONFIG_NAME_MAX	  64  /* user, group, node names, incl. the NUL */
#define CONFIG_PATH_MAX	  256 /* file paths, incl. the NUL */
#define CONFIG_SOCK_MAX	  108 /* sizeof(sun_path) */
#define CONFIG_UNLIMITED  NUM_UNLIMITED /* a size without limit ("max") */
#define CONFIG_UID_NOBODY 65534u	/* always exempt */
/* [users] exempt_cgroups by default: Slurm's job cgroups (cgroup v1 and
 * v2, with and without systemd) and container scopes */
#define CONFIG_EXEMPT_CGROUPS                                                  \
	"/slurm/*, /slurm_*/*, /system.slice/slurmstepd.scope/*, "             \
	"/slurmstepd.scope/*, /machine.slice/*, */libpod-*.scope, "            \
	"*/docker-*.scope, /docker/*, /lxc.payload.*, /lxc/*"

enum config_format {
	CONFIG_FORMAT_AUTO,   /* [main] in the file means the seed's format */
	CONFIG_FORMAT_CGFAIR, /* cgfair.conf(5) */
	CONFIG_FORMAT_SEED,   /* Cgroup Py v.2's cgroup_py.conf */
};

enum config_backend {
	CONFIG_BACKEND_AUTO,	 /* systemd if PID 1, else what is mounted */
	CONFIG_BACKEND_SYSTEMD,	 /* D-Bus properties on user-UID.slice */
	CONFIG_BACKEND_CGROUPFS, /* direct, v2 or v1, never systemd */
	CONFIG_BACKEND_CGROUP2,
	CONFIG_BACKEND_CGROUP1,
};

enum config_cpu_mode {
	CONFIG_CPU_EVEN_ACTIVE, /* the seed's: the pool split by active users */
	CONFIG_CPU_FAIR,	/* max-min water-filling over demand */
	CONFIG_CPU_WEIGHT, /* work-conserving weights, caps only to bound */
};

enum config_penalty_mode {
	CONFIG_PENALTY_ACTIVE, /* the user's normal cap x fraction */
	CONFIG_PENALTY_LOCKED, /* fraction x CPUs x max_percent */
};

enum config_visibility {
	CONFIG_STATUS_OWN, /* a non-admin sees only their own row */
	CONFIG_STATUS_ALL,
};

enum config_level {
	CONFIG_ERROR,  /* the load fails */
	CONFIG_NOTICE, /* accepted, but the admin should know */
};

struct config_list {
	char **v;
	size_t n;
};

struct config_daemon {
	enum config_backend backend;
	char subtree[CONFIG_NAME_MAX];	   /* cgroup below the root: "cgfair" */
	char worker_user[CONFIG_NAME_MAX]; /* the workers run as this user */
	uint64_t interval_ms;		   /* between two scans */
	char state_dir[CONFIG_PATH_MAX];   /* penalties, runtime limits */
};

struct config_cpu {
	enum config_cpu_mode mode;
	double max_share;      /* of the machine, all users together */
	double active_share;   /* active: use >= this share of the machine */
	double active_cpus;    /* ... or >= this many CPUs when > 0 */
	double throttle_upper; /* of the cap: a throttle event starts */
	double throttle_lower; /* of the cap: it ends */
	double min_change;  /* a cap moving less than this is not rewritten */
	double min_cap;	    /* CPUs: no cap is ever set below this */
	uint32_t period_us; /* CFS period for quota */
	uint32_t default_weight; /* cpu.weight scale, 1..10000 */
	bool release_on_stop;	 /* caps removed when cgfaird stops */
};

struct config_memory {
	struct num_size limit;	    /* per user; default 25% of RAM */
	struct num_size swap_limit; /* swap beyond limit; 0 = none */
	struct num_size high;	    /* soft limit (memory.high); default max */
	bool release_on_stop;	    /* default: limits stay */
};

struct config_users {
	uint32_t min_uid;
	uint32_t max_uid;   /* highest managed uid (default: no bound) */
	uint32_t max_users; /* users managed at once (10,000) */
	struct config_list exempt_users;  /* names or numeric uids */
	struct config_list exempt_groups; /* names or numeric gids */
	uint64_t max_tasks; /* processes and threads per user; UNLIMITED */
	/* glob patterns of cgroup paths (fnmatch, '*' also crosses '/'):
	 * a process in a matching cgroup, or below one, is never moved */
	struct config_list exempt_cgroups;
	/* absolute paths of executables whose processes are never moved */
	struct config_list exempt_commands;
	/* a uid in a user's range of subuid_file is that user's; under
	 * systemd, nothing below a user-N.slice is moved out (default on) */
	bool subordinate_uids;
	char subuid_file[CONFIG_PATH_MAX]; /* /etc/subuid */
};

/* A threshold relative to the user's own cap or limit (share > 0), or an
 * absolute amount (CPUs or bytes); both 0: none. */
struct config_threshold {
	double share;
	double amount;
};

#define CONFIG_TIERS_MAX 8
struct config_tiers {
	uint32_t n;
	uint64_t ms[CONFIG_TIERS_MAX];
};

#define CONFIG_COMMANDS_MAX 32 /* [penalty] exempt_commands */
#define CONFIG_COMM_MAX	    16 /* the kernel's comm, incl. the NUL */

struct config_io {
	uint32_t weight; /* io.weight per user, 1..10000 (100: equal) */
};

struct config_penalty {
	uint64_t timeout_ms;
	enum config_penalty_mode mode;
	double fraction;
	/* the automatic penalty box (badness score, policy/badness.c) */
	bool automatic;	    /* [penalty] auto */
	uint64_t window_ms; /* use is averaged over this */
	uint64_t rise_ms;   /* 0 -> 100 at twice the threshold */
	double decay;	    /* points per minute below the thresholds */
	struct config_threshold cpu_threshold; /* share of the cap, or CPUs */
	struct config_threshold mem_threshold; /* share of the limit, bytes */
	double warn_at;			       /* points */
	struct config_tiers tiers;	       /* penalty lengths, in order */
	uint64_t forgive_ms; /* a tier falls back after this without one */
	struct config_list exempt_commands; /* process names (comm) */
};

struct config_oom {
	uint32_t watchers;
	bool kmsg_detail; /* read the kernel's OOM report for details */
};

struct config_socket {
	char path[CONFIG_SOCK_MAX];
	/* a symbolic link to path where Cgroup Py's clients look; "": none
	 * (with the seed's config file: CONFIG_SEED_SOCKET) */
	char seed_path[CONFIG_SOCK_MAX];
	char admin_group[CONFIG_NAME_MAX]; /* "" = only root may change */
	enum config_visibility status_visibility;
	uint32_t max_clients;
	uint32_t max_clients_per_uid;
	uint32_t admin_reserve; /* of max_clients, for root and admin_group */
	uint64_t idle_timeout_ms;
	uint32_t max_line;	     /* bytes of one request line */
	uint64_t subscriber_backlog; /* bytes queued for one subscriber */
};

struct config_audit {
	bool enabled; /* Linux audit records of admin actions */
};

#define CONFIG_ADDR_MAX 64 /* "[v6 address]:port", incl. the NUL */

struct config_metrics {
	/* "127.0.0.1:9747" or "[::1]:9747": the HTTP metrics listener;
	 * "": none (the default) */
	char listen[CONFIG_ADDR_MAX];
};

struct config_history {
	bool enable;	  /* cgfair-recorder keeps the usage history */
	uint64_t keep_ms; /* rows older than this are deleted */
};

/* [fleet]: many nodes sharing history, penalties and fixed limits
 * through PostgreSQL (cgfair-recorder talks to it). */
#define CONFIG_CONNINFO_MAX 512
struct config_fleet {
	char database[CONFIG_CONNINFO_MAX]; /* libpq keywords; "": no fleet */
	char node[CONFIG_NAME_MAX];	    /* "": [log] node_name, host name */
	char credentials[CONFIG_PATH_MAX];  /* root-only file; "": none */
	/* the longest penalty this node takes from another one */
	uint64_t max_penalty_ms;
};

/* [notify]: what cgfair-notify tells users and admins. Mail is off until
 * relay or one of the addresses is set (the seed's mail keys set them). */
#define CONFIG_MAIL_MAX 128 /* an address, incl. the NUL */
struct config_notify {
	char relay[CONFIG_ADDR_MAX]; /* numeric "address:port"; "": auto */
	char from[CONFIG_MAIL_MAX];  /* "": cgfair@<node name> */
	char admin[CONFIG_MAIL_MAX]; /* "": root@localhost (mail on) */
	char user_domain[CONFIG_MAIL_MAX]; /* "": localhost */
	uint64_t rate_limit_ms; /* one message per user and kind per this */
	uint64_t give_up_ms;	/* an undelivered mail is dropped after it */
	uint64_t retry_max_ms;	/* longest wait between two attempts */
	bool oom;		/* OOM kills (the seed's shouldMemoryNag) */
	bool throttle;		/* throttle events (shouldCPUNag) */
	bool penalty;		/* penalty box in and out */
	bool terminals;		/* write to the user's terminals */
	bool desktop;		/* a notice on the user's session bus */
	char templates[CONFIG_PATH_MAX]; /* the admin's message templates */
};

struct config_log {
	char event_log[CONFIG_PATH_MAX];    /* JSON lines; "" = none */
	char throttle_log[CONFIG_PATH_MAX]; /* the seed's records; "" = none */
	char node_name[CONFIG_NAME_MAX];    /* NODE field; "" = hostname */
	char system_name[CONFIG_NAME_MAX];  /* human name; "" = node name */
	uint32_t max_user_events;	    /* records per user and minute */
};

/* Per-user or per-group settings from a [user:NAME] or [group:NAME]
 * section. Bit k of set says key k was given; seq[k] orders assignments
 * over all files so that "later wins" also holds between groups. */
enum config_override_key {
	CONFIG_OVR_CPU_CAP,
	CONFIG_OVR_CPU_WEIGHT,
	CONFIG_OVR_MEMORY_LIMIT,
	CONFIG_OVR_SWAP_LIMIT,
	CONFIG_OVR_EXEMPT,
	CONFIG_OVR_AUTO_PENALTY,
	CONFIG_OVR_PENALTY_CPU,
	CONFIG_OVR_PENALTY_MEM,
	CONFIG_OVR_MAX_TASKS,
	CONFIG_OVR_MEMORY_HIGH,
	CONFIG_OVR_IO_WEIGHT,
	CONFIG_OVR_EMAIL, /* [user:NAME] only: the notices' address */
	CONFIG_OVR_N,
};

enum config_override_kind {
	CONFIG_OVR_USER,
	CONFIG_OVR_GROUP,
};

struct config_override {
	enum config_override_kind kind;
	char name[CONFIG_NAME_MAX]; /* as in the section; digits = an id */
	unsigned set;		    /* 1u << enum config_override_key */
	unsigned seq[CONFIG_OVR_N];
	double cpu_cap; /* CPUs; INFINITY = explicitly no fixed cap */
	uint32_t cpu_weight;
	struct num_size memory_limit;
	struct num_size swap_limit;
	uint64_t max_tasks;
	struct num_size memory_high;
	uint32_t io_weight;
	bool exempt;
	bool auto_penalty;
	struct config_threshold penalty_cpu; /* penalty_cpu_threshold */
	struct config_threshold penalty_mem; /* penalty_memory_threshold */
	char email[CONFIG_MAIL_MAX]; /* the user's mail address, "" none */
};

/* What a seed config said, key by key, for --migrate-config. */
#define CONFIG_SEED_KEYS_MAX 48
struct config_seed_line {
	char name[40];	     /* the seed's key as written */
	char value[120];     /* its value as written */
	const char *section; /* the cgfair key it became; NULL: ignored */
	const char *key;
	const char *note; /* ignored: why */
};

struct cgfair_config {
	struct config_daemon daemon;
	struct config_cpu cpu;
	struct config_memory memory;
	struct config_users users;
	struct config_io io;
	struct config_penalty penalty;
	struct config_oom oom;
	struct config_socket socket;
	struct config_log log;
	struct config_audit audit;
	struct config_metrics metrics;
	struct config_history history;
	struct config_fleet fleet;
	struct config_notify notify;
	struct config_override *overrides;
	size_t n_overrides;
	enum config_format format; /* of the main file that was read */
	size_t nseed; /* seed format: its keys, in the file's order */
	struct config_seed_line seed[CONFIG_SEED_KEYS_MAX];
	uint64_t mem_total; /* bytes the shares were resolved against */
};

typedef void (*config_report_fn)(void *arg, enum config_level level,
				 const char *msg);

struct config_source {
	const char *main; /* NULL: built-in defaults only */
	/* The seed's file, read before main when both exist: its values
	 * stand for the keys main does not set (each said in a notice).
	 * NULL: none. */
	const char *seed_base;
	bool main_optional; /* a missing main file is not an error */
	enum config_format format;
	/* users.d directories, highest priority first, NULL-terminated; a
	 * file name in an earlier directory hides the same name in later
	 * ones (sysctl.d). NULL: no drop-ins. */
	const char *const *dropin_dirs;
	uint64_t mem_total;	 /* MemTotal in bytes; 0: unknown, shares
				    of RAM then mean no limit */
	config_report_fn report; /* may be NULL */
	void *report_arg;
};

/* Built-in defaults; mem_total as in struct config_source. */
void config_defaults(struct cgfair_config *cfg, uint64_t mem_total);

/* Load into *cfg, which is overwritten (not freed: pass a fresh one).
 * Returns 0, or -1 after reporting every error; on -1 *cfg holds nothing
 * that needs config_free(). */
int config_load(struct cgfair_config *cfg, const struct config_source *src);

/* Like config_load for one INI text already in memory; name is used in
 * messages. For tests, fuzzing and `cgfairctl config --check`. */
int config_load_string(struct cgfair_config *cfg, const char *text,
		       const char *name, const struct config_source *src);

void config_free(struct cgfair_config *cfg);

/* Deep copy; returns 0 or -1 (out of memory, *dst then empty). */
int config_copy(struct cgfair_config *dst, const struct cgfair_config *src);

/* Which main file to read: explicit if given, else primary if it exists,
 * else seed if it exists, else NULL (defaults). */
const char *config_pick_main(const char *explicit_path, const char *primary,
			     const char *seed);

/* Print the effective configuration in cgfair.conf format (also for a
 * config read from the seed's file: the output is its translation).
 * Returns 0 or -1 on a write error. */
int config_print(const struct cgfair_config *cfg, FILE *out);

/* `cgfaird --migrate-config`: a config read from the seed's file as a
 * cgfair.conf, each translated key under a comment naming the seed's key
 * and value, the ignored ones as comments at the end. */
int config_print_migration(const struct cgfair_config *cfg, const char *from,
			   FILE *out);

const char *config_backend_name(enum config_backend b);
const char *config_cpu_mode_name(enum config_cpu_mode m);
const char *config_penalty_mode_name(enum config_penalty_mode m);

/* A numeric listening address, "192.0.2.1:9747" or "[2001:db8::1]:9747"
 * (no names: nothing is looked up), port 1..65535 (config_address.c; the
 * other values are read with common/num.h). */
struct sockaddr_storage;
const char *config_parse_address(const char *s, struct sockaddr_storage *out,
				 unsigned *len);

#endif
