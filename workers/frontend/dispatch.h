/*
 * What a client's request line means (dispatch.c): answered from the rows,
 * or sent to the supervisor and its answer written back.
 */
#ifndef CGFAIR_FRONTEND_DISPATCH_H
#define CGFAIR_FRONTEND_DISPATCH_H

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "ipc/ipc.h"
#include "workers/frontend/client.h"
#include "workers/frontend/rows.h"

/* setup and rows: main.c's, as the supervisor last sent them */
void dispatch_init(sd_event *event, const struct ipc_listen_setup *setup,
		   const struct fe_rows *rows);
/* May c read every user's row (root, admin group, status_visibility)? */
bool client_sees_all(const struct client *c);
/* An error answer in the client's syntax (seed text closes after it). */
void client_error(struct client *c, int err, const char *msg);
/* Answer one request line (without its newline). */
void dispatch_line(struct client *c, const char *line, size_t len);
/* A supervisor answer for c (c->state == C_WAIT, ids match). */
void dispatch_reply(struct client *c, const struct ipc_client_reply *r);

#endif
