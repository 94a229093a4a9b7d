/*
 * Desktop notices ([notify] desktop): cgfair-notify words the notice and
 * asks (IPC_DESKTOP_NOTICE); the supervisor checks it and runs
 * cgfair-desktop-notify, a short-lived helper, as the user with no
 * privilege, so that it can reach that user's own session bus and nothing
 * else. It never waits for the helper: a child event reaps it, a timer
 * kills it when it hangs.
 */
#ifndef CGFAIR_SUPERVISOR_DESKTOP_H
#define CGFAIR_SUPERVISOR_DESKTOP_H

#include "ipc/ipc.h"

#include <systemd/sd-event.h>

/* Checks the request (a managed user other than root, its bus a socket
 * of its own, not a symlink; fewer than DESKTOP_RUNNING_MAX helpers
 * running) and starts the helper; every refusal is logged. */
void desktop_notice(sd_event *event, const struct ipc_desktop_notice *m);

#endif
