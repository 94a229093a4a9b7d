/*
 * The HTTP metrics listener's supervisor side ([metrics] listen): the
 * listening TCP socket is made and bound here, then handed to the sandboxed
 * cgfair-metrics, which does all the HTTP; the supervisor only sends it the
 * users' rows and the daemon-wide figures, and reads nothing it says but
 * its pongs.
 */
#ifndef CGFAIR_SUPERVISOR_METRICS_H
#define CGFAIR_SUPERVISOR_METRICS_H

#include "policy/config.h"

struct metrics_settings {
	char listen[CONFIG_ADDR_MAX]; /* "": no listener */
};

/* An empty listen registers nothing. Otherwise bind the socket (a
 * failure is logged, and cgfaird runs without the listener) and register
 * the worker class. Call before caps_reduce(). */
void metrics_register(const struct metrics_settings *s);
/* A reload: the listener stays as it is until a restart (said). */
void metrics_reconfigure(const struct metrics_settings *s);

#endif
