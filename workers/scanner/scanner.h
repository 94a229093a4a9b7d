/*
 * cgfair-scanner: shared state and the prototypes of its files, grouped by
 * file. Everything the scanner parses (/proc, cgroup files, netlink) is
 * untrusted text: every parser takes a NUL-terminated buffer, checks its
 * numbers for overflow and treats a malformed file as "skip this one".
 * Readers take directory fds, so that the unit tests run them on a fake
 * tree in a temporary directory.
 */
#ifndef CGFAIR_SCANNER_H
#define CGFAIR_SCANNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

#include "ipc/ipc.h"

#define UID_NOBODY 65534u

/* What "managed" and "placed" mean, from IPC_SCAN_SETUP. */
struct match {
	enum ipc_hierarchy hier;
	bool systemd_names; /* user-U.slice instead of user-U */
	bool user_slices;   /* anything below any user-N.slice is placed */
	uint32_t min_uid;
	uint32_t max_uid; /* 0: no upper bound */
	uint32_t nexempt;
	uint32_t exempt[IPC_EXEMPT_MAX]; /* sorted */
	char prefix[IPC_PATH_MAX];	 /* "/cgfair", no trailing slash */
	/* [users] exempt_cgroups, from the IPC_SCAN_EXEMPT messages */
	uint32_t npatterns;
	char patterns[IPC_CGPATTERN_MAX][IPC_PATH_MAX];
};

/* One process, as /proc showed it in one consistent read. */
struct proc_info {
	pid_t pid;
	uid_t uid;	     /* real uid */
	uid_t owner;	     /* whom it is charged to: uid or its owner */
	uint64_t start_time; /* clock ticks after boot */
	uint64_t cpu_ticks;  /* utime + stime */
};

enum place {
	PLACE_UNKNOWN = 0, /* no line for the controllers we check */
	PLACE_IN,	   /* in <prefix>/<user name> or below it */
	PLACE_OUT,	   /* outside it for at least one controller */
	PLACE_EXEMPT, /* outside, but in a cgroup of [users] exempt_cgroups */
};

/* parse.c: pure parsers of untrusted text (NUL-terminated buffers) */
int parse_u64(const char *s, char **end, uint64_t *v);
int parse_stat(const char *buf, struct proc_info *pi);
int parse_status_uid(const char *buf, uid_t *uid);
int parse_stat_comm(const char *buf, char *comm, size_t size);
bool parse_pid_name(const char *name, pid_t *pid);
enum place parse_cgroup(const char *buf, const struct match *m, uid_t uid);
int parse_key_u64(const char *buf, const char *key, uint64_t *v);
int parse_cpu_list(const char *buf, uint32_t *count);
int parse_meminfo_total(const char *buf, uint64_t *bytes);
int parse_user_name(const char *name, bool systemd_names, uid_t *uid);
int user_name(char *buf, size_t size, bool systemd_names, uid_t uid);
bool uid_managed(const struct match *m, uid_t uid);
bool cgroup_exempt(const char *buf, const struct match *m);
int match_from_setup(struct match *m, const struct ipc_scan_setup *s);

/* read.c: small reads relative to directory fds */
ssize_t read_at(int dirfd, const char *path, char *buf, size_t size);
int read_u64_at(int dirfd, const char *path, uint64_t *v);
int read_key_at(int dirfd, const char *path, const char *key, uint64_t *v);
int count_lines_at(int dirfd, const char *path, uint32_t *count);
int proc_inspect(int procfd, pid_t pid, const struct match *m,
		 struct proc_info *pi, enum place *place);

/* cgstat.c: one user cgroup's own accounting */
struct cgstat_usage {
	uint64_t cpu_usec;
	uint64_t mem_bytes;
	uint64_t mem_cache;
	uint32_t nprocs;
	bool found; /* the cgroup exists (in at least one hierarchy) */
};
/* One cycle's reads. */
struct cgstat_pass {
	int cpu_root, mem_root; /* the managed subtree in each hierarchy */
	const struct match *m;
	uint64_t cycle;
	uint64_t quiet_ns; /* IPC_SCAN_REQUEST's quiet_usec; 0: read all */
	size_t nread;	   /* out: users whose counters were read */
};
/* A user-* directory of the listing. */
struct cgstat_seen {
	uid_t uid;
	uint64_t ino;
};
void cgstat_init(void);
uint64_t cgstat_refresh_period(size_t n);
bool cgstat_due(uint64_t cycle, uid_t uid, size_t n);
void cgstat_reset(void);
int cgstat_align(const struct ipc_user_usage *users, size_t n);
void cgstat_inodes(const struct cgstat_seen *seen, size_t n);
int cgstat_read(const struct cgstat_pass *p, size_t i, struct cgstat_usage *u);
void cgstat_cycle(struct cgstat_pass *p, const struct ipc_user_usage *users,
		  struct cgstat_usage *out);
int uids_push(uid_t **uids, size_t *n, size_t *cap, uid_t uid);
int cgstat_list_users(int root, const struct match *m,
		      struct cgstat_seen **seen, size_t *n, size_t *cap);

/* listing.c: the subtree's user-* directories, kept between cycles and
 * listed again only when inotify says the directory changed */
struct listing {
	int ifd, wd; /* inotify fd and its watch of the root, -1: none */
	dev_t dev;   /* the listed directory */
	ino_t ino;
	bool valid; /* seen is the directory's content as of the watch */
	struct cgstat_seen *seen; /* sorted by uid */
	size_t n, cap;
	uint64_t relists; /* listings done, for the tests and the logs */
};
void listing_init(struct listing *l);
void listing_reset(struct listing *l);
void listing_free(struct listing *l);
int listing_get(struct listing *l, int root, const char *path,
		const struct match *m);

/* pending.c: processes of managed users seen outside their cgroup */
struct pending {
	pid_t pid; /* 0: free slot */
	uid_t uid;
	uid_t owner; /* charged to (subordinate uids: their owner) */
	uint64_t start_time;
	uint64_t cpu_ticks; /* the most seen (never goes back) */
	/* its executable is in [users] exempt_commands (the supervisor said
	 * so): not reported again until it execs or changes uid */
	bool exempt;
};
void pending_reset(void);
struct pending *pending_find(pid_t pid);
/* Returns the entry, NULL when the table is full; *fresh says whether
 * (pid, start_time) is new (a reused pid replaces the old entry). */
struct pending *pending_put(const struct proc_info *pi, bool *fresh);
/* Drop an entry; its CPU time moves to the uid's retired total, so that
 * a user's extra CPU time never goes backwards. */
void pending_retire(pid_t pid);
size_t pending_count(void);
void pending_foreach(bool (*fn)(struct pending *p, void *arg), void *arg);
uint64_t retired_ticks(uid_t uid);
void retired_foreach(void (*fn)(uid_t uid, void *arg), void *arg);
void retired_forget(bool (*keep)(uid_t uid, void *arg), void *arg);

/* commands.c: the CPU of [penalty] exempt_commands, per managed uid: a
 * counter per uid that only grows (the supervisor takes differences). */
void commands_set(const struct ipc_scan_commands *m);
/* One walk of /proc: the exempt processes of managed users, and what
 * they used since the last walk. Nothing when no command is set. */
void commands_walk(int procfd, const struct match *m);
/* The uid's counter, in clock ticks. */
uint64_t commands_ticks(uid_t uid);

/* subuid.c: subordinate uids ([users] subordinate_uids) */
int parse_subuid_line(const char *line, size_t len, struct ipc_subuid_range *r);
/* Parse the subuid file and send its ranges (IPC_SUBUID_RANGES); closes
 * fd. */
void subuid_parse_file(int fd, uint32_t generation,
		       void (*send)(uint32_t type, const void *payload,
				    size_t len));
/* A batch of the supervisor's table: 1 applied, 0 more to come, -EINVAL
 * refused (the table in force stays). */
int subuid_table_add(const struct ipc_subuid_table *t);
/* The uid a process of real uid `uid` is charged to: the owner of the
 * range holding it, else uid itself. */
uid_t charged_uid(uid_t uid);
uint32_t subuid_count(void);

/* scan.c: the usage cycle, the sweep and the per-pid check */
typedef void (*scan_send_fn)(uint32_t type, const void *payload, size_t len);

struct scanner {
	bool configured;
	struct match m;
	int procfd;   /* /proc (or a fake tree in the tests) */
	int cpu_root; /* <cpuacct_dir><prefix>, -1 until it exists */
	int mem_root; /* <memory_dir><prefix>; == cpu_root on v2 */
	char cpu_path[2 * IPC_PATH_MAX];
	char mem_path[2 * IPC_PATH_MAX];
	const char *cpu_online; /* /sys/devices/system/cpu/online */
	long hz;		/* clock ticks per second */
	scan_send_fn send;
	uint64_t sweeps, strays, events;
	struct listing listing; /* the cpu (or unified) root's users */
	/* exempt cgroup patterns received since the last setup */
	uint32_t nnext;
	char next[IPC_CGPATTERN_MAX][IPC_PATH_MAX];
};

void scanner_init(struct scanner *s, int procfd, const char *cpu_online,
		  scan_send_fn send);
int scanner_setup(struct scanner *s, const struct ipc_scan_setup *setup);
/* One exempt cgroup pattern for the next setup; -EINVAL out of order. */
int scanner_exempt_cgroup(struct scanner *s, const struct ipc_scan_exempt *e);
/* The supervisor leaves this stray where it is (exempt_commands). */
void scanner_stray_exempt(struct scanner *s, const struct ipc_stray_exempt *e);
void scanner_cycle(struct scanner *s, const struct ipc_scan_request *r);
void scanner_sweep(struct scanner *s);
/* A pid the connector named (exec, uid change, fork of a stray). */
void scanner_check(struct scanner *s, pid_t pid);
void scanner_fork(struct scanner *s, pid_t parent, pid_t child);
/* A new subordinate uid table is in force: judge every tracked stray
 * again and sweep. */
void scanner_subuids_changed(struct scanner *s);

/* connector.c: proc connector events */
struct cn_event {
	uint32_t what; /* PROC_EVENT_* */
	pid_t pid;     /* tgid of the process concerned */
	pid_t parent;  /* fork: the parent's tgid */
	bool thread;   /* fork: a new thread, not a process */
};
typedef void (*cn_event_fn)(void *arg, const struct cn_event *ev);
int cn_parse(const void *buf, size_t len, cn_event_fn fn, void *arg);
void connector_attach(sd_event *event, int fd, struct scanner *s);

#endif
