/*
 * The daemon-wide figures of the metrics (each worker's restarts, how the
 * last configuration load went, fleet mode's connection, the loop's
 * dispatch times), sent as IPC_DAEMON_STATE to the workers that render
 * metrics: at their start, again after every worker restart and
 * configuration reload (seen as events), and after every step.
 */
#ifndef CGFAIR_DAEMON_STATE_H
#define CGFAIR_DAEMON_STATE_H

struct worker;

/* Listen for the events that change the figures. Once, at start. */
void daemon_state_init(void);
/* The figures changed (the fleet's connection): send them to every
 * renderer. */
void daemon_state_changed(void);
/* Send the figures to w (a worker that has just started). */
void daemon_state_send(struct worker *w);

#endif
