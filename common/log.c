/* Logging shared by every cgfair executable.
 *
 * The supervisor logs to the journal when systemd connected its stderr to it
 * (JOURNAL_STREAM), so that records carry a priority and fields. Workers
 * always log to stderr: their seccomp filter forbids socket(), and the
 * supervisor's unit sends their stderr to the journal anyway. */
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

static const char *log_name = "cgfair";
static bool log_debug_on;
static bool log_journal;

void log_init(const char *name, bool debug, bool journal)
{
	log_name = name;
	log_debug_on = debug;
	log_journal = journal;
}

bool log_debug_enabled(void)
{
	return log_debug_on;
}

static void vlog(int prio, const char *fmt, va_list ap, int errnum)
{
	char msg[1024];
	int n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= 0 && errnum != 0 && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s",
			 strerror(errnum));
	if (log_journal) {
		sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", prio,
				"SYSLOG_IDENTIFIER=%s", log_name, NULL);
		return;
	}
	/* One write per line so that lines of several processes sharing
	 * stderr do not interleave. */
	char line[1200];
	n = snprintf(line, sizeof(line), "%s[%d]: %s\n", log_name,
		     (int)getpid(), msg);
	if (n > 0)
		(void)!write(STDERR_FILENO, line,
			     (size_t)n < sizeof(line) ? (size_t)n
						      : sizeof(line) - 1);
}

#define LOG_FN(fn, prio, errnum)                                               \
	void fn(const char *fmt, ...)                                          \
	{                                                                      \
		int saved = errno;                                             \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		vlog(prio, fmt, ap, errnum);                                   \
		va_end(ap);                                                    \
		errno = saved;                                                 \
	}

LOG_FN(log_warn, LOG_WARNING, saved)
LOG_FN(log_warnx, LOG_WARNING, 0)
LOG_FN(log_info, LOG_INFO, 0)

void log_debug(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (!log_debug_on)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
	errno = saved;
}

void fatal(int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, saved);
	va_end(ap);
	exit(code);
}

void fatalx(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(code);
}
