/*
 * The control loop: every interval, scan -> policy -> backend writes ->
 * events; and the admin actions that change its state (penalty box, fixed
 * limits, reload). Admin actions return 0 or a negative errno, with a
 * human message in msg (always set).
 */
#ifndef CGFAIR_CONTROL_H
#define CGFAIR_CONTROL_H

#include "supervisor/actor.h"
#include "policy/config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct user;
struct ipc_client_request;

/* Start the loop (after the workers are registered and the config is
 * loaded); control_stop lifts the caps as configured. */
#include <systemd/sd-event.h>

/* cfg: the configuration in force (conf.c's; a reload refills it);
 * status: where a line for systemctl status goes after each cycle */
void control_start(sd_event *e, const struct cgfair_config *cfg,
		   void (*status)(const char *text));
void control_stop(void);
/* Called with every user after each step (the frontend's status rows). */
void control_set_row_hook(void (*hook)(const struct user *u));

/* Admin actions: who is the client process, as the supervisor read it
 * (actor.c); each makes one event and one audit record. */
/* seconds < 0: the configured penalty timeout; note: the admin's reason
 * ("" or NULL: none), kept after event_sanitize (one line of UTF-8) */
int control_penalty(const struct actor *who, uid_t uid, int64_t seconds,
		    const char *note, char *msg, size_t len);
int control_release(const struct actor *who, uid_t uid, char *msg, size_t len);
/* The automatic penalty box: uid's badness score and tier back to 0 (a
 * penalty in force stays; release ends it). */
int control_forgive(const struct actor *who, uid_t uid, char *msg, size_t len);
/* cpu_permille: fixed cap in 1/1000 of a CPU, 0 removes it, -1 unchanged;
 * mem_bytes: memory limit, 0 back to the default, -1 unchanged */
/* The seed's `set option`: interval (rq->seconds), the machine's share
 * (rq->cpu_permille), every user's memory limit (rq->mem_bytes); each -1
 * when unchanged. Runtime only: a reload brings the file's back. */
int control_set_option(const struct actor *who,
		       const struct ipc_client_request *rq, char *msg,
		       size_t len);
/* max_tasks, mem_high, io_weight: -1 unchanged, 0 back to the default,
 * IPC_LIMIT_MAX no limit (struct ipc_client_request) */
int control_limit_set(const struct actor *who, uid_t uid,
		      const struct ipc_client_request *rq, char *msg,
		      size_t len);
int control_limit_clear(const struct actor *who, uid_t uid, char *msg,
			size_t len);
/* by_signal: SIGHUP, who is its sender */
int control_reload(const struct actor *who, bool by_signal, char *msg,
		   size_t len);
/* The state changed outside an admin action (another node's values,
 * fleet.c): run a cycle now. */
void control_changed(void);
/* A request refused for want of rights (op: as in control_*'s records). */
/* "show config": the configuration in force, as cgfair.conf */
int control_print_config(FILE *f);
void control_refused(const struct actor *who, uid_t uid, const char *op);

#endif
