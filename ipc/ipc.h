/*
 * cgfair's IPC protocol: the one header that owns it.
 *
 * The supervisor and each worker talk over one SOCK_SEQPACKET socketpair,
 * so one recvmsg is one message. A message is a fixed header followed by
 * exactly the payload struct of its type: every receive checks the length
 * for the type, who may send it, how many fds it may carry, and that
 * strings end inside their field. Anything else is a protocol violation.
 *
 * Messages only ever carry fixed-size structs of integers and bounded
 * strings: no pointers, no variable-length fields, so a payload is valid
 * or not by its size and a per-type check alone.
 */
#ifndef CGFAIR_IPC_H
#define CGFAIR_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The worker's end of its socketpair is always this fd after exec. */
#define IPC_FD 3

#define IPC_MAX_PAYLOAD	  2048
#define IPC_MAX_FDS	  2
#define IPC_PATH_MAX	  256
#define IPC_NAME_MAX	  64
#define IPC_NOTE_MAX	  128 /* an admin's reason text, incl. the NUL */
#define IPC_COMM_MAX	  16
#define IPC_BATCH	  31   /* users per scan batch message */
#define IPC_EXEMPT_MAX	  256  /* exempt uids in IPC_SCAN_SETUP */
#define IPC_COMMANDS_MAX  32   /* names in IPC_SCAN_COMMANDS */
#define IPC_CGPATTERN_MAX 64   /* exempt cgroup patterns (IPC_SCAN_EXEMPT) */
#define IPC_SUBUID_MAX	  4096 /* subordinate uid ranges in all */
#define IPC_SUBUID_BATCH  24   /* ranges per IPC_SUBUID_RANGES */
#define IPC_SUBUID_ROWS	  160  /* entries per IPC_SUBUID_TABLE */

/* Who sends. A worker's peer is always the supervisor. */
enum ipc_role {
	ROLE_SUPERVISOR = 0,
	ROLE_SCANNER,
	ROLE_OOMWATCH,
	ROLE_FRONTEND,
	ROLE_METRICS,  /* the HTTP metrics listener ([metrics] listen) */
	ROLE_RECORDER, /* the usage history ([history] enable) */
	ROLE_NOTIFY,   /* mail and terminal notices to users ([notify]) */
	ROLE_COUNT
};

enum ipc_type {
	IPC_NONE = 0,
	/* any worker <-> supervisor */
	IPC_PING, /* sup -> worker: liveness check */
	IPC_PONG, /* worker -> sup: answer, with the worker's CPU time */
	IPC_TEST_SYSCALL, /* sup -> worker, --debug only: make a forbidden call
			   */
	/* scanner */
	IPC_SCAN_SETUP,	    /* sup -> scanner: where user cgroups live */
	IPC_PROC_CONNECTOR, /* sup -> scanner: fd of the proc connector */
	IPC_SCAN_REQUEST,   /* sup -> scanner: measure usage now */
	IPC_SCAN_USERS,	    /* scanner -> sup: a batch of per-user usage */
	IPC_SCAN_DONE,	    /* scanner -> sup: end of one cycle */
	IPC_SWEEP_REQUEST,  /* sup -> scanner: full /proc sweep for strays */
	IPC_STRAY_PROC,	    /* scanner -> sup: a managed process to place */
	IPC_SCAN_COMMANDS,  /* sup -> scanner: names of exempt commands */
	/* oom watchers */
	IPC_OOM_ARM,	/* sup -> watcher: watch this user's OOM source fds */
	IPC_OOM_DISARM, /* sup -> watcher: stop watching a user */
	IPC_OOM_KILLS,	/* watcher -> sup: a user's oom_kill counter moved */
	IPC_KMSG,	/* sup -> watcher: fd of /dev/kmsg, for victim detail */
	IPC_OOM_VICTIM, /* watcher -> sup: a victim seen in the kernel log */
	/* frontend */
	IPC_LISTEN,	    /* sup -> frontend: the listening socket */
	IPC_CLIENT_REQUEST, /* frontend -> sup: a state-changing request,
			       with the client's connected socket */
	IPC_CLIENT_REPLY,   /* sup -> frontend: the answer to a request */
	IPC_USER_STATE,	    /* sup -> frontend: users' rows for status */
	IPC_EVENT,	    /* sup -> frontend: one event for subscribers */
	/* scanner, exemptions */
	IPC_SCAN_EXEMPT,  /* sup -> scanner: one exempt cgroup pattern */
	IPC_STRAY_EXEMPT, /* sup -> scanner: this stray stays where it is */
	/* metrics */
	IPC_METRICS_LISTEN, /* sup -> metrics: the listening TCP socket */
	IPC_DAEMON_STATE,   /* sup -> frontend, metrics: daemon-wide figures */
	/* scanner, subordinate uids */
	IPC_SUBUID_FILE,   /* sup -> scanner: the subuid file to parse (fd) */
	IPC_SUBUID_RANGES, /* scanner -> sup: a batch of its ranges */
	IPC_SUBUID_TABLE,  /* sup -> scanner: a batch of the accepted table */
	/* recorder (usage history) */
	IPC_HISTORY_SETUP,  /* sup -> recorder: retention, at every start */
	IPC_REPORT_REQUEST, /* frontend -> sup: a report, with the client's
			       connected socket */
	IPC_REPORT_QUERY,   /* sup -> recorder: a report the sup allowed */
	IPC_REPORT_REPLY,   /* recorder -> sup: a chunk of its answer */
	/* notify */
	IPC_NOTIFY_SETUP, /* sup -> notify: [notify], at start and reload */
	IPC_NOTIFY_EVENT, /* sup -> notify: one event to tell a user about */
	IPC_PENALTY_NOTE, /* sup -> frontend: an admin's reason for a penalty */
	/* fleet ([fleet] database, carried by the recorder) */
	IPC_FLEET_SETUP,    /* sup -> recorder: the database, the node, with
			       the credentials file (fd) */
	IPC_FLEET_STATE,    /* recorder -> sup: connected or not, backlog */
	IPC_FLEET_PUT,	    /* sup -> recorder: an admin's values of a user,
			       for every node */
	IPC_FLEET_OVERRIDE, /* recorder -> sup: a user's values some node
			       wrote */
	/* the OOM mail's plot ([history] and [notify] mail) */
	IPC_PLOT_QUERY,	 /* sup -> recorder: draw a user's last hour */
	IPC_PLOT_CHUNK,	 /* recorder -> sup: a piece of that PNG */
	IPC_NOTIFY_PLOT, /* sup -> notify: a piece of the next event's PNG */
	/* desktop notices ([notify] desktop) */
	IPC_DESKTOP_NOTICE, /* notify -> sup: a notice for a user's session
			       bus, sent by cgfair-desktop-notify as the user */
	IPC_TYPE_COUNT
};

struct ipc_hdr {
	uint32_t type;
	uint32_t len; /* payload bytes after the header */
	uint32_t seq;
	uint32_t reserved; /* zero */
};

/* --- payloads ---------------------------------------------------------- */

struct ipc_ping {
	uint64_t nonce;
};

struct ipc_pong {
	uint64_t nonce;
	uint64_t cpu_usec; /* the worker's own CPU time so far */
	uint64_t maxrss_kb;
};

enum ipc_test_call {
	TEST_OPEN_WRITE = 1, /* open a file for writing */
	TEST_SOCKET,	     /* create a socket */
	TEST_EXECVE,	     /* execute a program */
	TEST_FCNTL_ASYNC,    /* fcntl(F_SETFL, O_ASYNC): signals on I/O */
	TEST_SENDMSG_OTHER,  /* sendmsg on a socket other than IPC_FD */
};

struct ipc_test_syscall {
	uint32_t call; /* enum ipc_test_call */
};

enum ipc_hierarchy { HIER_V1 = 1, HIER_V2 = 2 };

/* Where the scanner finds usage and how it recognises a placed process.
 * A process of uid U is placed when its cgroup (for each listed
 * controller) is <prefix>/<name of U> or below it. */
struct ipc_scan_setup {
	uint32_t hierarchy; /* enum ipc_hierarchy */
	uint32_t min_uid;
	uint32_t systemd_names; /* 1: user-U.slice, 0: user-U */
	uint32_t max_uid; /* managed: min_uid <= uid <= max_uid; 0: none */
	char prefix[IPC_PATH_MAX];	/* cgroup path, e.g. "/cgfair" */
	char cpuacct_dir[IPC_PATH_MAX]; /* mount point: cpuacct or unified */
	char memory_dir[IPC_PATH_MAX];	/* mount point: memory or unified */
	/* exempt uids (config users and groups, resolved by the supervisor),
	 * sorted: the scanner neither reports nor tracks their processes */
	uint32_t nexempt;
	/* 1 ([users] subordinate_uids, systemd names): a process anywhere
	 * below any user-N.slice is placed, whatever its uid (delegated
	 * subtrees: user@N.service, rootless containers) */
	uint32_t user_slices;
	uint32_t exempt[IPC_EXEMPT_MAX];
};

/* The exempt cgroup patterns ([users] exempt_cgroups) come before the
 * IPC_SCAN_SETUP that applies them, one per message, index 0, 1, ...: the
 * setup replaces the scanner's list with what came since the last setup,
 * so that no process is judged against half a list. A process with a
 * line of /proc/PID/cgroup matching one (fnmatch without FNM_PATHNAME, on
 * the path or one of its parents) is neither reported nor tracked. */
struct ipc_scan_exempt {
	uint32_t index; /* 0 .. IPC_CGPATTERN_MAX - 1, in order */
	uint32_t reserved;
	char pattern[IPC_PATH_MAX];
};

/* The supervisor found a reported stray's executable in [users]
 * exempt_commands: the scanner stops reporting it until it execs again
 * or changes uid. */
struct ipc_stray_exempt {
	uint32_t pid;
	uint32_t reserved;
	uint64_t start_time; /* as in the IPC_STRAY_PROC it answers */
};

/* Subordinate uids ([users] subordinate_uids): a uid in some user's range
 * of /etc/subuid is that user's. The file is text anyone with a range can
 * have an admin tool write, so the scanner parses it: the supervisor
 * opens it and passes the fd (IPC_SUBUID_FILE); the scanner answers with
 * every range as written, owner by name or number, in IPC_SUBUID_RANGES
 * batches, the last one flagged (also when the file is empty or does not
 * parse). The supervisor resolves the owners (NSS), refuses what it must
 * (see supervisor/subuid.c), and sends the table it accepted back in
 * IPC_SUBUID_TABLE batches, owner as a uid, sorted by start; the scanner
 * applies it when the last batch arrives, so that no process is judged
 * against half a table. A newer generation replaces an older one. */
struct ipc_subuid_file {
	uint32_t generation;
	uint32_t reserved;
};

struct ipc_subuid_range {
	char owner[IPC_NAME_MAX]; /* as written: a name or a number */
	uint32_t start;
	uint32_t count;
};

struct ipc_subuid_ranges {
	uint32_t generation; /* of the IPC_SUBUID_FILE it answers */
	uint32_t count;	     /* valid entries, <= IPC_SUBUID_BATCH */
	uint32_t last;	     /* 1: the file's last batch */
	uint32_t skipped;    /* lines that did not parse, so far */
	struct ipc_subuid_range range[IPC_SUBUID_BATCH];
};

struct ipc_subuid_entry {
	uint32_t start; /* first subordinate uid */
	uint32_t count; /* >= 1 */
	uint32_t owner; /* the uid they are charged to */
};

/* The entry of a sorted, disjoint table holding uid, or NULL: the lookup
 * both ends of IPC_SUBUID_TABLE use (the supervisor at the move, the
 * scanner when it judges placement). */
const struct ipc_subuid_entry *
ipc_subuid_find(const struct ipc_subuid_entry *table, size_t n, uint32_t uid);

struct ipc_subuid_table {
	uint32_t generation;
	uint32_t count; /* valid entries, <= IPC_SUBUID_ROWS */
	uint32_t last;	/* 1: the table is complete */
	uint32_t reserved;
	struct ipc_subuid_entry entry[IPC_SUBUID_ROWS];
};

struct ipc_scan_request {
	uint64_t cycle;
	/* The scanner may leave users unread this cycle when it can tell
	 * from the subtree's own counter that together they used less than
	 * this CPU time (usec) since their last reads; it then reports their
	 * last figures. 0: read every user. */
	uint64_t quiet_usec;
};

struct ipc_user_usage {
	uint32_t uid;
	uint32_t nprocs;     /* processes of the user (placed or not) */
	uint32_t unplaced;   /* of which outside their cgroup */
	uint32_t flags;	     /* USAGE_* */
	uint64_t cpu_usec;   /* cumulative, cgroup accounting */
	uint64_t extra_usec; /* cumulative CPU of unplaced processes */
	uint64_t mem_bytes;  /* charged to the user's cgroup */
	uint64_t mem_cache;  /* of which page cache (memory.stat) */
	/* cumulative CPU of the user's processes named in
	 * IPC_SCAN_COMMANDS, as the scanner counts it (the supervisor never
	 * lets it count for more than the cgroup's own figure) */
	uint64_t exempt_usec;
};

#define USAGE_HAS_CGROUP 0x1 /* the user's cgroup exists */

struct ipc_scan_users {
	uint64_t cycle;
	uint32_t count; /* valid entries, <= IPC_BATCH */
	uint32_t reserved;
	struct ipc_user_usage user[IPC_BATCH];
};

struct ipc_scan_done {
	uint64_t cycle;
	uint64_t mono_usec; /* CLOCK_MONOTONIC when the cycle was read */
	uint64_t scan_usec; /* the scanner's CPU time for this cycle */
	uint32_t ncpus;	    /* online CPUs */
	uint32_t nusers;
	uint64_t mem_total; /* bytes of RAM */
	uint32_t nread;	    /* users read this cycle; the others were quiet */
	uint32_t reserved;
};

/* The processes whose CPU the scanner counts apart ([penalty]
 * exempt_commands), by comm; count 0: none (nothing is walked). Sent
 * after every IPC_SCAN_SETUP. */
struct ipc_scan_commands {
	uint32_t count;
	uint32_t reserved;
	char name[IPC_COMMANDS_MAX][IPC_COMM_MAX];
};

struct ipc_sweep_request {
	uint64_t cycle;
};

struct ipc_stray_proc {
	uint32_t pid;
	uint32_t uid;	     /* real uid the scanner saw */
	uint64_t start_time; /* /proc/PID/stat starttime, in clock ticks */
};

enum ipc_oom_kind {
	OOM_V1_EVENTFD = 1, /* fds: eventfd, memory.oom_control (read) */
	OOM_V2_EVENTS,	    /* fds: memory.events (read, POLLPRI) */
};

struct ipc_oom_arm {
	uint32_t uid;
	uint32_t kind; /* enum ipc_oom_kind */
	uint32_t gen;  /* arm generation, echoed in IPC_OOM_KILLS so that the
			  supervisor drops reports of an earlier arm */
	uint32_t reserved;
};

struct ipc_oom_disarm {
	uint32_t uid;
};

struct ipc_oom_kills {
	uint32_t uid;
	uint32_t gen;	   /* of the IPC_OOM_ARM this counter belongs to */
	uint64_t oom_kill; /* the counter as read now (absolute) */
	uint64_t mono_usec;
};

struct ipc_kmsg {
	uint32_t reserved;
};

struct ipc_oom_victim {
	uint32_t pid;
	uint32_t uid;	 /* the victim's uid as the kernel printed it */
	uint64_t rss_kb; /* anon + file + shmem rss */
	uint64_t mono_usec;
	char comm[IPC_COMM_MAX + 1];
	char memcg[IPC_PATH_MAX];      /* oom_memcg= ("" global or unknown) */
	char task_memcg[IPC_PATH_MAX]; /* task_memcg= ("" unknown) */
};

struct ipc_listen {
	uint32_t reserved;
};

/* IPC_LISTEN: the listening socket (the fd) and the frontend's bounds. Sent
 * again, with the same socket, when a reload changed the settings. */
struct ipc_listen_setup {
	uint32_t max_clients;
	uint32_t max_clients_per_uid;
	uint32_t max_line;	     /* bytes of one request line */
	uint32_t flags;		     /* LISTEN_* */
	uint64_t idle_timeout_ms;    /* a client silent this long is closed */
	uint64_t subscriber_backlog; /* bytes queued for one subscriber */
	uint32_t admin_gid;	     /* with LISTEN_ADMIN_GID: may read all */
	/* of max_clients, slots only root and admin_group members may take:
	 * no set of other uids can lock the admins out */
	uint32_t admin_reserve;
	uint64_t mem_total; /* bytes of RAM, for sizes given as a share */
	/* for the seed's `list --cgroup`: where the user cgroups are */
	char cpu_dir[IPC_PATH_MAX];
	char mem_dir[IPC_PATH_MAX];
};

/* flags: everyone sees every row; admin_gid is set; the user cgroups are
 * user-UID.slice (systemd), not user-UID */
#define LISTEN_STATUS_ALL    0x1
#define LISTEN_ADMIN_GID     0x2
#define LISTEN_SYSTEMD_NAMES 0x4

enum ipc_client_op {
	CLIENT_PENALTY = 1, /* put uid in the penalty box */
	CLIENT_RELEASE,	    /* take uid out of it */
	CLIENT_LIMIT_SET,   /* fixed cpu cap / memory limit for uid */
	CLIENT_LIMIT_CLEAR, /* remove fixed limits of uid */
	CLIENT_RELOAD,	    /* reload the configuration */
	CLIENT_CONFIG,	    /* print the effective configuration */
	CLIENT_FORGIVE,	    /* reset uid's badness score and tier */
	CLIENT_SET_OPTION,  /* the seed's `set option`: runtime globals */
};

/* One request per client connection: the supervisor refuses a connection
 * that already carried one (so a frontend cannot replay a client's socket
 * for an action the client did not ask for), which is why the seed's
 * `set cgroup` (clear, set, penalty box) travels as one CLIENT_LIMIT_SET
 * with REQ_* flags. */
struct ipc_client_request {
	uint32_t id; /* frontend's request number, echoed in the reply */
	uint32_t op; /* enum ipc_client_op */
	uint32_t uid;
	uint32_t flags;	      /* REQ_*, CLIENT_LIMIT_SET only */
	int64_t cpu_permille; /* cap in 1/1000 of a core, -1: unchanged */
	int64_t mem_bytes;    /* -1: unchanged */
	int64_t seconds;      /* penalty duration, -1: configured timeout;
				 set option: the interval, -1 unchanged.
				 set option: cpu_permille is the share of
				 the machine (max_percent), mem_bytes the
				 memory limit of every user */
	/* limit set: -1 unchanged, 0 back to the default, IPC_LIMIT_MAX no
	 * limit, else the value */
	int64_t max_tasks;
	int64_t mem_high;  /* bytes */
	int64_t io_weight; /* 1..10000 (never IPC_LIMIT_MAX) */
	/* CLIENT_PENALTY: the admin's reason, "" none. The frontend refuses
	 * control characters; the supervisor checks the NUL and replaces
	 * any control byte and bad UTF-8 again before it keeps it. */
	char note[IPC_NOTE_MAX];
};

#define IPC_LIMIT_MAX INT64_MAX

/* An admin's reason for a penalty: what the frontend and the supervisor
 * accept, and what status and the notices show. */
struct ipc_penalty_note {
	uint32_t uid;
	uint32_t reserved;
	char note[IPC_NOTE_MAX]; /* "": none (the penalty ended) */
};

#define REQ_CLEAR_FIRST 0x1 /* clear the fixed limits first */
#define REQ_PENALTY	0x2 /* then put uid in the penalty box */
#define REQ_RELEASE	0x4 /* or take it out */

/* What a request may ask for: the supervisor's bounds, checked on receipt
 * (the frontend's parser refuses the same with a friendlier message). */
#define IPC_CPU_PERMILLE_MAX (65536LL * 1000)	      /* 65536 CPUs */
#define IPC_MEM_BYTES_MAX    (1LL << 60)	      /* 1 EiB */
#define IPC_MEM_BYTES_MIN    (1LL << 20)	      /* below: surely a typo */
#define IPC_SECONDS_MAX	     (10LL * 365 * 24 * 3600) /* ten years */

/* A long answer (the configuration) comes in several replies with the same
 * id, each but the last flagged REPLY_MORE. */
struct ipc_client_reply {
	uint32_t id;
	int32_t status; /* 0 or an errno value */
	uint32_t flags; /* REPLY_* */
	uint32_t reserved;
	char message[1024];
};

#define REPLY_MORE 0x1

/* One user's row for status, metrics and the seed's `list --cgroup`. */
struct ipc_user_state {
	uint32_t uid;
	uint32_t flags; /* STATE_* */
	uint32_t nprocs;
	uint32_t ncpus;	      /* online CPUs, for shares of the machine */
	int64_t cap_permille; /* -1: none */
	uint64_t weight;
	uint64_t use_permille; /* last interval, 1/1000 of a core */
	uint64_t mem_bytes;
	uint64_t mem_limit;
	uint64_t mem_cache;	 /* of mem_bytes, page cache */
	uint64_t penalty_until;	 /* CLOCK_REALTIME seconds, 0: none */
	uint32_t badness_tenths; /* the automatic box's score x 10 */
	uint32_t tier;		 /* its automatic penalties not forgiven */
	uint64_t cpu_usec;	 /* cumulative CPU time (counter) */
	uint64_t throttled_usec; /* cumulative wall time throttled */
	uint64_t oom_kills;	 /* reported since cgfaird started */
	uint64_t max_tasks;	 /* in force, 0: no limit */
	uint64_t mem_high;	 /* in force, 0: no limit */
	uint32_t io_weight;	 /* in force, 0: not written */
	uint32_t reserved;
	char name[IPC_NAME_MAX];
};

/* Rows travel in batches: one message per row would overflow the socket
 * buffer when thousands of users change in one interval. */
#define IPC_ROW_BATCH 10

struct ipc_user_states {
	uint32_t count; /* valid rows, 1..IPC_ROW_BATCH */
	uint32_t reserved;
	struct ipc_user_state row[IPC_ROW_BATCH];
};

#define STATE_ACTIVE	0x1
#define STATE_THROTTLED 0x2
#define STATE_PENALTY	0x4
#define STATE_FIXED	0x8
#define STATE_GONE	0x10 /* remove the row */
#define STATE_AUTO	0x20 /* the penalty is the automatic box's */

struct ipc_event {
	char json[IPC_MAX_PAYLOAD - 8];
};

/* IPC_METRICS_LISTEN: the listening TCP socket ([metrics] listen), made
 * and bound by the supervisor; the worker only accepts on it. */
struct ipc_metrics_listen {
	uint32_t reserved;
};

/* Daemon-wide figures for the metrics (IPC_DAEMON_STATE), sent to the
 * frontend and the metrics worker at their start and whenever a worker
 * restarts or the configuration is reloaded. */
#define IPC_WORKERS_MAX 16

struct ipc_worker_count {
	uint64_t restarts; /* since cgfaird started */
	char name[24];	   /* "scanner", "oomwatch/0" */
};

/* Fleet mode's connection (IPC_FLEET_STATE, see below), also in the
 * daemon's figures for status. */
struct ipc_fleet_state {
	uint32_t connected; /* 0 or 1 */
	uint32_t reserved;
	int64_t since;	  /* CLOCK_REALTIME s of the change */
	uint64_t backlog; /* whole minutes not sent yet */
	uint64_t sent;	  /* rows sent since the recorder started */
	char error[256];  /* why it is not connected, "" */
};

/* The supervisor's event loop (supervisor/loop.c): how long its dispatches
 * took. One dispatch runs one event source's callback; nothing else the
 * loop serves (the socket's requests, OOM events, pings) is looked at
 * until it returns, so the longest dispatch is the longest stall. */
#define IPC_LOOP_BUCKETS 5 /* upper bounds, below; one more: the rest */
#define IPC_LOOP_BOUNDS_US                                                     \
	{                                                                      \
		1000, 10000, 50000, 250000, 1000000                            \
	}

struct ipc_loop_stats {
	uint64_t dispatches;		   /* since cgfaird started */
	uint64_t busy_us;		   /* their time together */
	uint64_t bucket[IPC_LOOP_BUCKETS]; /* <= each bound, not cumulative */
	uint64_t max_us;		   /* the longest since start */
	uint64_t max_recent_us;		   /* ... in this and the last
					      minute of the loop's clock */
};

struct ipc_daemon_state {
	uint32_t reload_ok;	 /* the last (re)load succeeded: 1, else 0 */
	uint32_t nworkers;	 /* valid entries of worker */
	uint64_t reload_time;	 /* CLOCK_REALTIME seconds of that load */
	uint64_t reload_ok_time; /* of the last successful one */
	struct ipc_worker_count worker[IPC_WORKERS_MAX];
	uint32_t fleet_on; /* 1: [fleet] database is set; fleet is valid */
	uint32_t reserved;
	struct ipc_fleet_state fleet;
	struct ipc_loop_stats loop;
};

/* The usage history (cgfair-recorder, [history]): the recorder keeps a copy
 * of the users' rows (IPC_USER_STATE, like the frontend) and stores
 * per-minute figures in SQLite; IPC_HISTORY_SETUP says how long to keep
 * them. */
struct ipc_history_setup {
	uint64_t keep_minutes; /* rows older than this go, >= 60 */
};

/* A report over the history: the frontend parses the client's request and
 * passes it with the client's socket (IPC_REPORT_REQUEST); the supervisor
 * reads the client's credentials from that socket, narrows the request to
 * the client's own uid unless the client may see every row, and passes it
 * on (IPC_REPORT_QUERY, no fd); the recorder answers with JSON text in
 * IPC_REPORT_REPLY chunks (struct ipc_client_reply, REPLY_MORE on all but
 * the last), which the supervisor forwards to the frontend as
 * IPC_CLIENT_REPLY with the same id. */
enum ipc_report_by {
	REPORT_BY_USER = 0, /* one row per user over the period */
	REPORT_BY_DAY,	    /* per user and UTC day */
	REPORT_BY_HOUR,	    /* per user and hour */
	REPORT_BY_MINUTE,   /* per user and minute (plots of short spans) */
	REPORT_BY_NODE,	    /* per node and user, the last minute seen
			       (status --fleet); with REPORT_FLEET only */
	REPORT_BY_COUNT
};

#define REPORT_ALL_USERS 0x1 /* no uid filter (uid is ignored) */
#define REPORT_FLEET	 0x2 /* every node's history (the fleet database) */
#define REPORT_TOP_MAX	 100 /* users in a report with top */

struct ipc_report_request {
	uint32_t id;	/* the frontend's request number, echoed */
	uint32_t uid;	/* the one user, unless REPORT_ALL_USERS */
	uint32_t flags; /* REPORT_* */
	uint32_t by;	/* enum ipc_report_by */
	int64_t since;	/* CLOCK_REALTIME seconds, since <= until */
	int64_t until;
	uint32_t top; /* 0: every user; else the top users by CPU only */
	uint32_t reserved;
};

/* cgfair-notify ([notify]): the supervisor tells it what happened and to
 * whom; the worker decides nothing about users, only how to word and
 * deliver (rate limit per user and kind, queue, retries). */
enum ipc_notify_kind {
	NOTIFY_OOM = 1,	    /* a process of the user was OOM-killed */
	NOTIFY_THROTTLE,    /* a throttle event ended */
	NOTIFY_PENALTY_ON,  /* the user went into the penalty box */
	NOTIFY_PENALTY_OFF, /* ... and came out */
	NOTIFY_KIND_MAX = NOTIFY_PENALTY_OFF
};

#define NOTIFY_F_MAIL	   0x1 /* send mail through the relay */
#define NOTIFY_F_TERMINALS 0x2 /* write to the user's terminals */
#define NOTIFY_F_DESKTOP   0x4 /* a notice on the user's session bus */
#define IPC_MAIL_MAX	   128 /* an address, incl. the NUL */

struct ipc_notify_setup {
	uint32_t flags;	       /* NOTIFY_F_* */
	uint32_t kinds;	       /* bit (1 << kind): told at all */
	uint64_t rate_limit_s; /* one message per user and kind per this */
	uint64_t give_up_s;    /* a mail undelivered this long is dropped */
	uint64_t retry_max_s;  /* longest wait between two attempts */
	char relay[64];	       /* numeric "address:port" of the relay */
	char from[IPC_MAIL_MAX];
	char admin[IPC_MAIL_MAX]; /* "": no admin mail */
	char user_domain[IPC_MAIL_MAX];
	char system_name[IPC_NAME_MAX];
	char node[IPC_NAME_MAX];
	char templates[IPC_PATH_MAX]; /* directory of the admin's templates */
};

struct ipc_notify_event {
	uint32_t kind; /* enum ipc_notify_kind */
	uint32_t uid;
	uint32_t pid;	       /* OOM: the victim, 0: not known */
	uint32_t plot_len;     /* bytes of PNG sent before it (IPC_NOTIFY_PLOT),
				  0: none */
	int64_t time;	       /* CLOCK_REALTIME s of the event */
	uint64_t rss_kb;       /* OOM: the victim's resident memory */
	uint64_t mem_limit;    /* bytes, 0: none */
	uint64_t mem_usage;    /* bytes charged to the user now */
	int64_t cap_permille;  /* CPU cap, 1/1000 CPU, -1: none */
	uint64_t cpu_permille; /* THROTTLE: mean use over the event */
	int64_t start;	       /* THROTTLE: when it began (s) */
	int64_t until;	       /* PENALTY_ON: its end (s), 0: none */
	char user[IPC_NAME_MAX];
	char comm[IPC_COMM_MAX + 1]; /* OOM: the victim's name, "" unknown */
	char reason[128];	     /* PENALTY_*: why */
	char note[IPC_NOTE_MAX];     /* PENALTY_*: the admin's reason, "" */
	char email[IPC_MAIL_MAX];    /* users.d email =, "": user@domain */
};

/* A desktop notice (IPC_DESKTOP_NOTICE): the worker words it as for the
 * terminals; the supervisor checks that uid is a user it manages with a
 * session bus socket of its own at /run/user/UID/bus, then runs
 * cgfair-desktop-notify as that user, without privilege, with the text on
 * its stdin. The helper, not the worker, makes the text safe for the bus
 * (UTF-8, no control bytes, markup escaped). */
#define DESKTOP_URGENCY_CRITICAL 2 /* the spec's urgency hint: 0 low .. 2 */
#define IPC_DESKTOP_SUMMARY_MAX	 128
#define IPC_DESKTOP_BODY_MAX	 1536

struct ipc_desktop_notice {
	uint32_t uid;
	uint32_t urgency; /* 0 .. DESKTOP_URGENCY_CRITICAL */
	char summary[IPC_DESKTOP_SUMMARY_MAX];
	char body[IPC_DESKTOP_BODY_MAX];
};

/* The OOM mail's plot of the user's CPU and memory over the last hour:
 * the supervisor asks the recorder (IPC_PLOT_QUERY), which draws it from
 * history.db with cairo, without any text (no fonts: fontconfig would open
 * font files under the sandbox, and the recorder's chroot has none), and
 * answers in IPC_PLOT_CHUNK pieces (REPLY_MORE on all but the last; status
 * not 0: no plot). The supervisor holds the event back until the last
 * piece or PLOT_WAIT_MS, bounds the whole to IPC_PLOT_MAX bytes and a PNG
 * signature, and sends it to cgfair-notify as IPC_NOTIFY_PLOT pieces
 * (offset rising from 0) right before the event, whose plot_len says how
 * many bytes belong to it. */
#define IPC_PLOT_MAX	   (256 * 1024)
#define IPC_PLOT_PIECE_MAX 1536

struct ipc_plot_query {
	uint32_t id;
	uint32_t uid;
	int64_t t0, t1; /* s since the epoch, t0 < t1, at most a day */
};

struct ipc_plot_chunk {
	uint32_t id;	 /* the query's; IPC_NOTIFY_PLOT: 0 */
	int32_t status;	 /* 0, or an errno value (no plot) */
	uint32_t flags;	 /* REPLY_MORE */
	uint32_t len;	 /* bytes of data used */
	uint32_t offset; /* IPC_NOTIFY_PLOT: where data goes */
	uint32_t reserved;
	uint8_t data[IPC_PLOT_PIECE_MAX];
};

/* Fleet mode ([fleet] database): the recorder talks to PostgreSQL (libpq)
 * for its node. IPC_FLEET_SETUP comes after every IPC_HISTORY_SETUP when
 * the fleet is on, with the credentials file the supervisor opened (fd:
 * more libpq connection keywords, e.g. password=...; /dev/null when none).
 * The recorder answers IPC_FLEET_STATE whenever the connection comes or
 * goes. An admin's penalty or fixed limits (IPC_FLEET_PUT) are written to
 * the database; every node's recorder reads the table each interval and
 * passes each row that changed (IPC_FLEET_OVERRIDE): the supervisor
 * applies it only within its own bounds, and only to a user it manages. */
#define IPC_CONNINFO_MAX 512

struct ipc_fleet_setup {
	uint64_t poll_ms; /* read the others' values this often */
	char node[IPC_NAME_MAX];
	char conninfo[IPC_CONNINFO_MAX]; /* libpq keywords, not secret */
};

/* A user's values as the admins of the nodes left them, one row per uid.
 * A write (IPC_FLEET_PUT) replaces the fields it names (what the admin's
 * action changed: the penalty, or some limits), the rest of the row
 * stays: per field, the last writer wins (the database's commit order). */
/* flags: in the box until penalty_until_ms (0: until released) */
#define FLEET_PENALTY 0x1
/* fields: what a write replaces */
#define FLEET_F_PENALTY 0x1
#define FLEET_F_CPU	0x2
#define FLEET_F_MEM	0x4
#define FLEET_F_TASKS	0x8
#define FLEET_F_HIGH	0x10
#define FLEET_F_IO	0x20
#define FLEET_F_ALL	0x3f
struct ipc_fleet_override {
	uint32_t uid;
	uint32_t flags;	 /* FLEET_PENALTY */
	uint32_t fields; /* FLEET_F_*: IPC_FLEET_PUT only, else 0 */
	uint32_t reserved;
	int64_t penalty_until_ms; /* CLOCK_REALTIME ms, 0: until released */
	/* as state.c keeps them: -1 none, IPC_LIMIT_MAX no limit */
	int64_t cpu_permille;
	int64_t mem_bytes;
	int64_t max_tasks;
	int64_t mem_high;
	int64_t io_weight;
	int64_t written_us; /* the database's clock at the write (recorder ->
			       sup only) */
	char node[IPC_NAME_MAX]; /* who wrote it (recorder -> sup only) */
};

/* --- rules and framing --------------------------------------------------- */

enum ipc_fd_rule { FDS_NONE = 0, FDS_ONE = 1, FDS_TWO = 2, FDS_ONE_OR_TWO };

struct ipc_rule {
	const char *name;
	size_t size;	  /* exact payload size */
	uint32_t senders; /* bit per enum ipc_role */
	enum ipc_fd_rule fds;
	/* extra checks on the payload (string termination, ranges) */
	bool (*valid)(const void *payload, int nfds);
};

/* The one permission table: indexed by enum ipc_type. */
extern const struct ipc_rule ipc_rules[IPC_TYPE_COUNT];

struct ipc_msg {
	struct ipc_hdr hdr;
	union {
		uint8_t raw[IPC_MAX_PAYLOAD];
		struct ipc_ping ping;
		struct ipc_pong pong;
		struct ipc_test_syscall test_syscall;
		struct ipc_scan_setup scan_setup;
		struct ipc_scan_request scan_request;
		struct ipc_scan_users scan_users;
		struct ipc_scan_done scan_done;
		struct ipc_sweep_request sweep_request;
		struct ipc_scan_commands scan_commands;
		struct ipc_stray_proc stray_proc;
		struct ipc_oom_arm oom_arm;
		struct ipc_oom_disarm oom_disarm;
		struct ipc_oom_kills oom_kills;
		struct ipc_kmsg kmsg;
		struct ipc_oom_victim oom_victim;
		struct ipc_listen listen;
		struct ipc_client_request client_request;
		struct ipc_client_reply client_reply;
		struct ipc_listen_setup listen_setup;
		struct ipc_user_states user_states;
		struct ipc_event event;
		struct ipc_scan_exempt scan_exempt;
		struct ipc_stray_exempt stray_exempt;
		struct ipc_metrics_listen metrics_listen;
		struct ipc_daemon_state daemon_state;
		struct ipc_subuid_file subuid_file;
		struct ipc_subuid_ranges subuid_ranges;
		struct ipc_subuid_table subuid_table;
		struct ipc_history_setup history_setup;
		struct ipc_report_request report_request;
		struct ipc_notify_setup notify_setup;
		struct ipc_notify_event notify_event;
		struct ipc_penalty_note penalty_note;
		struct ipc_fleet_setup fleet_setup;
		struct ipc_fleet_state fleet_state;
		struct ipc_fleet_override fleet_override;
		struct ipc_plot_query plot_query;
		struct ipc_plot_chunk plot_chunk;
		struct ipc_desktop_notice desktop_notice;
	} u;
	int fds[IPC_MAX_FDS]; /* -1 when absent; owned by the receiver */
	int nfds;
};

enum ipc_result {
	IPC_OK = 0,
	IPC_AGAIN = -1,	  /* nothing to read now (EAGAIN) */
	IPC_EOF = -2,	  /* the peer closed */
	IPC_ERROR = -3,	  /* recvmsg failed; errno says why */
	IPC_INVALID = -4, /* protocol violation: kill the peer */
};

const char *ipc_role_name(enum ipc_role role);
const char *ipc_type_name(uint32_t type);

/* Send one message with up to IPC_MAX_FDS fds (nfds may be 0). Retries on
 * EINTR. Returns 0, or -1 with errno (EAGAIN when a non-blocking socket is
 * full: the caller decides whether the peer is stuck). */
int ipc_send(int sock, uint32_t type, uint32_t seq, const void *payload,
	     size_t len, const int *fds, int nfds);

/* Put nfds fds in one SCM_RIGHTS header of mh, using ctl (ctl_size bytes,
 * cmsghdr-aligned) as its control buffer; nothing when nfds is 0 or they
 * do not fit. Also for tests that craft raw (and wrong) messages. */
struct msghdr;
void ipc_attach_fds(struct msghdr *mh, void *ctl, size_t ctl_size,
		    const int *fds, int nfds);

/* Receive one message from a peer of role `from`, validate it against the
 * rules. On IPC_INVALID, *why names the violation and every fd that came
 * with the message is already closed. */
int ipc_recv(int sock, enum ipc_role from, struct ipc_msg *msg,
	     const char **why);

/* Validate a received buffer (header + payload) without a socket: the
 * decode half of ipc_recv, used by it and by the fuzz target. */
int ipc_decode(const uint8_t *buf, size_t len, int nfds, bool truncated,
	       enum ipc_role from, struct ipc_msg *msg, const char **why);

void ipc_close_fds(struct ipc_msg *msg);

/* True when nfds fds are what the rule asks for. */
bool ipc_fd_count_ok(enum ipc_fd_rule rule, int nfds);

/* True when a string field ends inside its buffer. */
bool ipc_str_ok(const char *s, size_t size);

#endif
