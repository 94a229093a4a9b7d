/* The executable of a process, read with its owner's filesystem ids. */
#ifndef CGFAIR_EXE_H
#define CGFAIR_EXE_H

#include <stddef.h>
#include <sys/types.h>

/* readlink of /proc/PID/exe into buf (NUL-terminated): 0 or -errno.
 * The caller holds a pidfd of pid, so the pid names that process. */
int exe_path(pid_t pid, char *buf, size_t size);

#endif
