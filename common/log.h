/* Logging shared by every cgfair executable (OpenNTPD style). */
#ifndef CGFAIR_LOG_H
#define CGFAIR_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/* Distinct exit codes per fatal cause (earlyoom style): an admin or a unit's
 * RestartPreventExitStatus can tell what went wrong without reading logs. */
enum cgfair_exit {
	EXIT_OK = 0,
	EXIT_FATAL = 1,	  /* an unexpected system call failure */
	EXIT_USAGE = 2,	  /* bad command line */
	EXIT_CONFIG = 3,  /* the configuration does not parse */
	EXIT_SANDBOX = 4, /* dropping privileges or seccomp failed */
	EXIT_IPC = 5,	  /* the peer broke the protocol or went away */
	EXIT_BACKEND = 6, /* no usable cgroup backend */
	EXIT_NOTROOT = 7, /* the supervisor must start as root */
};

/* name is the role ("cgfaird", "scanner"...), used as prefix/identifier.
 * journal: send to the journal (sd_journal), else to stderr. */
void log_init(const char *name, bool debug, bool journal);
bool log_debug_enabled(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* fatal appends strerror(errno); both exit with the given code. */
void fatal(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
void fatalx(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

#endif
