/*
 * The frontend's connections (clients.c): accepting on the socket the
 * supervisor handed over, the bounds, moving bytes.
 */
#ifndef CGFAIR_FRONTEND_CLIENTS_H
#define CGFAIR_FRONTEND_CLIENTS_H

#include <systemd/sd-event.h>

#include "ipc/ipc.h"

/* setup: the bounds as the supervisor last sent them (main.c's, updated
 * in place) */
void clients_init(sd_event *event, const struct ipc_listen_setup *setup);
/* Start (or go on) accepting on fd, which the clients code now owns. */
void clients_listen(int fd);
void clients_reply(const struct ipc_client_reply *reply);
void clients_event(const char *json);

#endif
