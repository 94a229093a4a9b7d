/*
 * The worker executables (exes.c): opened once at start, after checking
 * that root alone can change them and every directory above them, and run
 * from those open files on every (re)start, so that replacing a file or a
 * directory later changes nothing.
 */
#ifndef CGFAIR_EXES_H
#define CGFAIR_EXES_H

#include <stdbool.h>

/* Check and open every worker executable in dir (cgfair-recorder only
 * with history: [history] enable; cgfair-notify and cgfair-desktop-notify
 * only with notify: notices
 * on). 0, or -1 (logged unless quiet) when one is missing or unsafe; then
 * nothing is kept. */
int exes_open(const char *dir, bool quiet, bool history, bool notify);
/* The open file of a worker executable (O_PATH, close-on-exec), -1 when
 * exes_open did not open it. */
int exes_fd(const char *name);

#endif
