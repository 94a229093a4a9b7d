/*
 * Parsing of client requests: pure functions from a line of untrusted
 * text to a struct, no I/O, so that the unit tests and the fuzzer can call
 * them directly. Parsing happens here, in the sandboxed frontend, never in
 * the supervisor.
 *
 * Two syntaxes share the socket: one JSON object per line (cgfairctl,
 * monitoring) and, for any line not starting with '{', the seed's text
 * commands (`list --cgroup all`, `set cgroup user-1000.slice ...`).
 */
#ifndef CGFAIR_FRONTEND_REQUEST_H
#define CGFAIR_FRONTEND_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc/ipc.h"

enum fe_cmd {
	FE_STATUS = 1,
	FE_EVENTS,
	FE_PENALTY,
	FE_RELEASE,
	FE_LIMIT,
	FE_LIMIT_CLEAR,
	FE_RELOAD,
	FE_CONFIG,
	FE_METRICS,
	FE_VERSION,
	FE_FORGIVE,
	/* the seed's text commands */
	FE_SEED_HELP,
	FE_SEED_LIST,
	FE_SEED_LIST_CONFIG,
	FE_SEED_SET,
	FE_SEED_SET_OPTION,
	FE_REPORT,		/* the usage history (the recorder answers) */
	FE_CMD_LAST = FE_REPORT /* keep at the end: range checks use it */
};

enum fe_list { FE_LIST_ALL, FE_LIST_NAMES, FE_LIST_IDS };

#define FE_MAX_IDS 64 /* cgroups one `list --cgroup a,b,...` may name */

/* A user named by uid, or by name (resolved against the rows the
 * supervisor sent: the frontend cannot read /etc/passwd). */
struct fe_target {
	bool given;
	bool by_name;
	uint32_t uid;
	char name[IPC_NAME_MAX];
};

struct fe_request {
	enum fe_cmd cmd;
	bool text; /* seed syntax: plain text answer, then close */
	struct fe_target target;
	int64_t seconds;	 /* penalty: -1 = the configured timeout */
	char note[IPC_NOTE_MAX]; /* penalty: the admin's reason, "" none */
	int64_t cpu_permille;	 /* limit: -1 unchanged, 0 removes the cap */
	int64_t mem_bytes;	 /* limit: -1 unchanged, 0 back to default */
	/* limit: -1 unchanged, 0 back to default, IPC_LIMIT_MAX none */
	int64_t max_tasks;
	int64_t mem_high;
	int64_t io_weight; /* 1..10000 */
	/* seed `set cgroup` */
	int penaltybox;	  /* -1 unchanged, 0 off, 1 on */
	bool set_default; /* --default yes: clear fixed limits */
	/* seed `list --cgroup` */
	/* report: the period (CLOCK_REALTIME seconds, -1: the last 7 days up
	 * to now), the grouping (enum ipc_report_by), the busiest top users
	 * only (0: all) */
	int64_t since, until;
	uint32_t by, top;
	bool fleet; /* report: every node's history (the fleet database) */
	enum fe_list list;
	uint32_t ids[FE_MAX_IDS];
	size_t nids;
};

/* Parse one request line (without its newline; need not be NUL-terminated).
 * Returns 0, or -1 with a message for the client in err. */
int fe_parse_request(const char *line, size_t len, struct fe_request *req,
		     char *err, size_t errlen);
int fe_parse_json(const char *line, size_t len, struct fe_request *req,
		  char *err, size_t errlen);
int fe_parse_text(const char *line, size_t len, struct fe_request *req,
		  char *err, size_t errlen);

/* Value parsers: NULL on success, else a short reason. */
/* CPUs: "1.5" or "150%" (of one CPU, as systemd's CPUQuota=); "0" and
 * "none" remove a cap (0). */
/* The values below are the configuration's (common/num.c): one
 * syntax for cgfair.conf and the command line. A size may be a share of
 * RAM ("10%") once the supervisor said how much RAM there is. */
void fe_set_mem_total(uint64_t bytes);
const char *fe_parse_cpu(const char *s, int64_t *permille);
/* The seed's --cpulimit: a percent of one CPU, 0 removes the cap. */
const char *fe_parse_cpu_percent(const char *s, int64_t *permille);
/* "2G", "512M", "1.5G", "1048576" (binary units, the seed's N[kKmMgG]);
 * "0" and "default" mean the configured default (0). */
const char *fe_parse_size(const char *s, int64_t *bytes);
/* "600", "90s", "30m", "2h", "1d": seconds, at least 1. */
const char *fe_parse_seconds(const char *s, int64_t *seconds);
/* The seed's cgroup idents: user-UID.slice, user-UID, cg_UID, UID. */
const char *fe_parse_ident(const char *s, uint32_t *uid);

const char *fe_cmd_name(enum fe_cmd cmd);
/* Does the command change state (sent to the supervisor for a decision)? */
bool fe_cmd_changes_state(enum fe_cmd cmd);

#endif
