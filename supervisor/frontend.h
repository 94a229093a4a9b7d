/*
 * The supervisor's side of the socket: it creates the listening socket
 * (before caps_reduce), hands it to the sandboxed cgfair-frontend with the
 * bounds, keeps the frontend's copy of the users' rows current, forwards
 * events to subscribers, and decides every state-changing request from the
 * credentials of the client's own socket, passed along with the request.
 */
#ifndef CGFAIR_SUPERVISOR_FRONTEND_H
#define CGFAIR_SUPERVISOR_FRONTEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "ipc/ipc.h"

struct user;
struct cgfair_config;

/* The [socket] section of cgfair.conf. */
struct frontend_settings {
	char path[108];	      /* sizeof(sun_path) */
	char seed_path[108];  /* a link to path for the seed's clients */
	char admin_group[64]; /* "": only root may change state */
	bool status_all;      /* status_visibility = all */
	uint32_t max_clients;
	uint32_t max_clients_per_uid;
	uint32_t admin_reserve;
	uint64_t idle_timeout_ms;
	uint32_t max_line;
	uint64_t subscriber_backlog;
	uint64_t mem_total; /* bytes of RAM: "--memory 10%" in requests */
	sd_event *event;    /* the loop (main.c's; not configuration) */
};

/* Create the socket (fatal when another cgfaird answers on it), register
 * the frontend worker class, and hook into the user table, the control
 * loop's rows and the events. Call before caps_reduce(). */
void frontend_register(const struct frontend_settings *s);
/* New bounds (a reload); the socket path changes only on restart. */
void frontend_configure(const struct frontend_settings *s);

/* One user's row changed (control_set_row_hook's signature). */
void frontend_user_changed(const struct user *u);
/* A row the caller filled itself; STATE_GONE in flags removes it. */
void frontend_row(const struct ipc_user_state *row);
/* users_add_hook's signature: rows of removed users go away. */
void frontend_users_hook(struct user *u, bool added);
/* The metrics worker keeps a copy of the rows too: register it (once),
 * and have every row sent to it again (at its start). */
void frontend_add_row_consumer(enum ipc_role role);
void frontend_resend_rows(enum ipc_role role);
/* Reports over the history go to the recorder through this hook (set by
 * history.c): 0 when passed on (the answer comes later), else an errno
 * value with a message for the client. The request is already narrowed to
 * what the client may see. */
typedef int (*frontend_report_fn)(const struct ipc_report_request *rq,
				  char *msg, size_t len);
void frontend_set_report_hook(frontend_report_fn fn);
/* One event (a JSON object, no newline) for the subscribers. */
void frontend_event(const char *json);
/* The admin's reason for uid's penalty ("": none any more), for status. */
void frontend_penalty_note(uid_t uid, const char *note);

#endif
