/*
 * The supervisor's capability cut (caps.c).
 */
#ifndef CGFAIR_CAPS_H
#define CGFAIR_CAPS_H

#include <stdbool.h>

void caps_reduce(void);
void caps_cleanup(bool raise);
/* Raise (or drop again) CAP_SYS_PTRACE, for reading a client's
 * /proc/<pid>/exe (actor.c). */
void caps_ptrace(bool raise);
/* Raise (or drop again) CAP_SETUID and CAP_SETGID, for setfsuid and
 * setfsgid (exe.c). */
void caps_setfsid(bool raise);

#endif
