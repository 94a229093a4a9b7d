/* cgfair-notify's terminal notices; see tty.h. */
#include "workers/notify/tty.h"
#include "workers/notify/text.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <utmpx.h>
#include <sys/stat.h>
#include <systemd/sd-login.h>

#define MAX_TTYS  64
#define LINE_MAX_ 32 /* "pts/123456": utmp's ut_line is 32 bytes */

struct ttys {
	char line[MAX_TTYS][LINE_MAX_];
	size_t n;
};

/* A terminal name as logind and utmp give it ("pts/3", "tty2"): no
 * path, no "..", so that "/dev/" + it stays in /dev. */
static bool plain_line(const char *l)
{
	if (strncmp(l, "pts/", 4) == 0)
		l += 4;
	return l[0] && l[0] != '.' && strlen(l) < LINE_MAX_ - 5 &&
	       strspn(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789") == strlen(l);
}

static void add(struct ttys *t, const char *line)
{
	if (strncmp(line, "/dev/", 5) == 0)
		line += 5;
	if (!plain_line(line) || t->n == MAX_TTYS)
		return;
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->line[i], line) == 0)
			return;
	snprintf(t->line[t->n++], LINE_MAX_, "%s", line);
}

static void from_logind(struct ttys *t, uid_t uid)
{
	char **sessions = NULL;
	int n = sd_uid_get_sessions(uid, 0, &sessions);

	for (int i = 0; i < n; i++) {
		char *tty = NULL;
		if (sd_session_get_tty(sessions[i], &tty) >= 0 && tty)
			add(t, tty);
		free(tty);
		free(sessions[i]);
	}
	free(sessions);
}

/* The utmp file read record by record: glibc's getutxent opens it
 * read-write first and locks it with an alarm, which the sandbox (rightly)
 * refuses; a read-only pass over fixed-size records needs neither. */
static void from_utmp(struct ttys *t, const char *name)
{
	struct utmpx u;
	int fd = open(_PATH_UTMPX, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	while (read(fd, &u, sizeof(u)) == (ssize_t)sizeof(u)) {
		char line[sizeof(u.ut_line) + 1];
		if (u.ut_type != USER_PROCESS ||
		    strncmp(u.ut_user, name, sizeof(u.ut_user)) != 0)
			continue;
		memcpy(line, u.ut_line, sizeof(u.ut_line));
		line[sizeof(u.ut_line)] = '\0';
		add(t, line);
	}
	close(fd);
}

/* Open for writing only what the user owns and lets group tty write
 * (mesg y); the permission check is the kernel's (we are group tty), the
 * owner and mode checks are write(1)'s. */
static int open_tty(const char *line, uid_t uid)
{
	char path[LINE_MAX_ + 8];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "/dev/%s", line);
	fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_uid != uid ||
	    !(st.st_mode & S_IWGRP) || !isatty(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

static void write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, s, len);
		if (w <= 0)
			return; /* full (EAGAIN) or gone: never wait */
		s += w;
		len -= (size_t)w;
	}
}

unsigned tty_notify(uint32_t uid, const char *name, const char *node,
		    const char *subject, const char *text)
{
	static char raw[NOTIFY_TEXT_MAX + 512], out[4 * sizeof(raw)];
	struct ttys t = {.n = 0};
	unsigned sent = 0;
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	from_logind(&t, (uid_t)uid);
	from_utmp(&t, name);
	if (t.n == 0)
		return 0;
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%H:%M UTC", &tm);
	/* every byte, the banner's included, goes through notify_neutral */
	snprintf(raw, sizeof(raw),
		 "\nMessage from cgfair@%s at %s ...\n%s\n\n%s\nEOF\n", node,
		 when, subject, text);
	size_t len = notify_neutral(out, sizeof(out), raw, true, true);
	for (size_t i = 0; i < t.n; i++) {
		int fd = open_tty(t.line[i], (uid_t)uid);
		if (fd < 0) {
			log_debug("uid %u's terminal %s: no messages", uid,
				  t.line[i]);
			continue;
		}
		write_all(fd, out, len);
		close(fd);
		log_debug("uid %u's terminal %s: told", uid, t.line[i]);
		sent++;
	}
	return sent;
}
