/*
 * The supervisor's own seccomp allowlist (seccomp.c).
 */
#ifndef CGFAIR_SECCOMP_H
#define CGFAIR_SECCOMP_H

/* Load it: once start-up is done, for good (a violation kills). */
#include <stdbool.h>

/* tcp: fleet mode, whose recorder (a worker this process starts again,
 * under this filter) opens TCP sockets to the database, or cgfair-notify,
 * which opens them to the mail relay. */
void supervisor_seccomp(bool tcp);

#endif
