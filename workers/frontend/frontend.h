/* cgfair-frontend: what its files share. */
#ifndef CGFAIR_FRONTEND_H
#define CGFAIR_FRONTEND_H

#include <systemd/sd-event.h>

#include "ipc/ipc.h"
#include "workers/frontend/rows.h"

/* main.c: the bounds and the rows, as the supervisor last sent them */
extern struct ipc_listen_setup fe_setup;
extern struct fe_rows fe_rows;

/* clients.c */
void clients_init(sd_event *event);
/* Start (or go on) accepting on fd, which the clients code now owns. */
void clients_listen(int fd);
void clients_reply(const struct ipc_client_reply *reply);
void clients_event(const char *json);

#endif
