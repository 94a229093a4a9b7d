/*
 * The OOM mail's plot, the supervisor's side: an OOM notice is held back
 * while the recorder draws the user's last hour (IPC_PLOT_QUERY), and
 * goes to cgfair-notify with the PNG (IPC_NOTIFY_PLOT pieces, then the
 * event) once the recorder's last piece came, or without it after
 * PLOT_WAIT_USEC, when the recorder is not running, or when what it sent
 * is not a PNG within IPC_PLOT_MAX bytes. The supervisor never waits.
 */
#ifndef CGFAIR_SUPERVISOR_NOTIFY_PLOT_H
#define CGFAIR_SUPERVISOR_NOTIFY_PLOT_H

#include "ipc/ipc.h"

#include <stdbool.h>

/* Hold m back for its plot: false when it cannot be asked for (no
 * recorder, too many in flight): send m as it is. */
bool notify_plot_ask(const struct ipc_notify_event *m);
/* A piece from the recorder (IPC_PLOT_CHUNK); false: a protocol
 * violation (pieces out of order), the recorder is cut off. */
bool notify_plot_piece(const struct ipc_plot_chunk *c);

#endif
