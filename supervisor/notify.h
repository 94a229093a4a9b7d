/*
 * cgfair-notify's supervisor side ([notify]): registers the worker, and
 * hands it the events users are told about (OOM kills, throttle events
 * when asked, the penalty box) with the figures the supervisor knows. The
 * worker decides how to word and deliver them; the supervisor reads
 * nothing it says but its pongs, and never waits for it.
 */
#ifndef CGFAIR_SUPERVISOR_NOTIFY_H
#define CGFAIR_SUPERVISOR_NOTIFY_H

#include "ipc/ipc.h"

/* Anything is to be told: a kind on, and mail or terminals on. */
bool notify_wanted(const struct ipc_notify_setup *s);
/* Registers the worker when anything is to be told (a kind on, and mail
 * or terminals on). Call before workers_start(). */
void notify_register(const struct ipc_notify_setup *s);
/* Mail is on ([notify] relay at the start): the worker starts with
 * --network, loads libcurl and may reach the relay over TCP. */
bool notify_mail(void);
/* A reload: the new settings go to the running worker; turning notices
 * on from off, or mail on or off, takes a restart (said). */
void notify_reconfigure(const struct ipc_notify_setup *s);

#endif
