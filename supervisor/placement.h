/*
 * Placement: the supervisor's side of the scanner. It owns the proc
 * connector socket (opened with CAP_NET_ADMIN before caps_reduce(), kept
 * for the daemon's life, handed to every scanner it starts), sends the
 * scan setup and the sweep requests, moves the strays the scanner reports
 * into their users' cgroups, and passes usage reports to the control loop.
 *
 * Order in main: placement_init() before caps_reduce(); placement_add_
 * workers() with the other worker classes; backend_init() before
 * workers_start() (the scanner's setup comes from backend_scan_setup()).
 */
#ifndef CGFAIR_PLACEMENT_H
#define CGFAIR_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "ipc/ipc.h"

#define PLACEMENT_COMMANDS_MAX 64
#define PLACEMENT_COMMAND_LEN  256

struct placement_params {
	uint32_t min_uid;	      /* managed: uid >= min_uid (1000) */
	uint32_t max_uid;	      /* ... and <= max_uid; 0: no bound */
	uint64_t sweep_interval_usec; /* safety-net /proc sweep (60 s) */
	size_t nexempt;		      /* exempt uids (users, group members) */
	uid_t exempt[IPC_EXEMPT_MAX];
	/* [penalty] exempt_commands, for the scanner (none without auto) */
	struct ipc_scan_commands commands;
	/* [users] exempt_cgroups: judged by the scanner */
	size_t ncgroups;
	char cgroups[IPC_CGPATTERN_MAX][IPC_PATH_MAX];
	/* [users] exempt_commands: judged here, on the pinned process */
	size_t nexe_paths;
	char exe_paths[PLACEMENT_COMMANDS_MAX][PLACEMENT_COMMAND_LEN];
	sd_event *event; /* the loop (main.c's; not configuration) */
	/* [users] subordinate_uids and subuid_file (subuid.c) */
	bool subordinate_uids;
	char subuid_file[PLACEMENT_COMMAND_LEN];
};

void placement_defaults(struct placement_params *p);
/* Opens the proc connector; needs CAP_NET_ADMIN. Without it (a kernel
 * without CONFIG_PROC_EVENTS, a container) placement falls back to the
 * periodic sweep alone, with a warning. */
void placement_init(const struct placement_params *p);
/* Registers the scanner's worker class. */
void placement_add_workers(void);
/* New settings (reload): kept, and sent to a running scanner. */
void placement_reconfigure(const struct placement_params *p);
/* True when uid is managed under the current settings. */
bool placement_managed(uid_t uid);

/* The control loop's hooks for IPC_SCAN_USERS and IPC_SCAN_DONE. */
void placement_set_usage_handler(
    void (*on_users)(const struct ipc_scan_users *),
    void (*on_done)(const struct ipc_scan_done *));
/* Ask the scanner for one cycle: 0, or -1 when it is not running (the
 * cycle is then skipped; it is restarted by the worker table). */
int placement_request_scan(uint64_t cycle, uint64_t quiet_usec);
/* Ask for a /proc sweep now (besides the periodic one). */
int placement_request_sweep(void);

#endif
