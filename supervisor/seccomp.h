/*
 * The supervisor's own seccomp allowlist (seccomp.c).
 */
#ifndef CGFAIR_SECCOMP_H
#define CGFAIR_SECCOMP_H

/* Load it: once start-up is done, for good (a violation kills). */
void supervisor_seccomp(void);

#endif
