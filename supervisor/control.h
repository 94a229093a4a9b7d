/*
 * The control loop: every interval, scan -> policy -> backend writes ->
 * events; and the admin actions that change its state (penalty box, fixed
 * limits, reload). Admin actions return 0 or a negative errno, with a
 * human message in msg (always set).
 */
#ifndef CGFAIR_CONTROL_H
#define CGFAIR_CONTROL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct user;
struct ipc_client_request;

/* Start the loop (after the workers are registered and the config is
 * loaded); control_stop lifts the caps as configured. */
void control_start(void);
void control_stop(void);
/* Called with every user after each step (the frontend's status rows). */
void control_set_row_hook(void (*hook)(const struct user *u));

struct admin {
	uid_t uid; /* who asked (SO_PEERCRED, read by the supervisor) */
	pid_t pid;
};

/* seconds < 0: the configured penalty timeout */
int control_penalty(const struct admin *who, uid_t uid, int64_t seconds,
		    char *msg, size_t len);
int control_release(const struct admin *who, uid_t uid, char *msg, size_t len);
/* The automatic penalty box: uid's badness score and tier back to 0 (a
 * penalty in force stays; release ends it). */
int control_forgive(const struct admin *who, uid_t uid, char *msg, size_t len);
/* cpu_permille: fixed cap in 1/1000 of a CPU, 0 removes it, -1 unchanged;
 * mem_bytes: memory limit, 0 back to the default, -1 unchanged */
/* The seed's `set option`: interval (rq->seconds), the machine's share
 * (rq->cpu_permille), every user's memory limit (rq->mem_bytes); each -1
 * when unchanged. Runtime only: a reload brings the file's back. */
int control_set_option(const struct admin *who,
		       const struct ipc_client_request *rq, char *msg,
		       size_t len);
/* max_tasks, mem_high, io_weight: -1 unchanged, 0 back to the default,
 * IPC_LIMIT_MAX no limit (struct ipc_client_request) */
int control_limit_set(const struct admin *who, uid_t uid,
		      const struct ipc_client_request *rq, char *msg,
		      size_t len);
int control_limit_clear(const struct admin *who, uid_t uid, char *msg,
			size_t len);
int control_reload(const struct admin *who, char *msg, size_t len);

#endif
