/*
 * Worker executables: checked and opened once, exec'd from the open file.
 *
 * Root execs them, so a file or a directory above one that anyone else
 * could change would hand that user root. Each is checked once at start:
 * a regular file owned by root and writable by nobody else, and every
 * directory from / down to it owned by root and writable by nobody else
 * (a sticky directory such as /tmp is accepted: there, nobody but root
 * may rename or remove root's entries). The file is then kept open
 * (O_PATH) and each (re)start runs that very file with execveat(fd, "",
 * AT_EMPTY_PATH): a later rename, replacement or symlink changes nothing.
 * Hand-written rather than a library's: the rule is a dozen lines over
 * lstat, and the O_PATH fds are what the exec needs.
 */
#include "supervisor/exes.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#define EXE_FD_MIN 10 /* above the fds a worker is given (IPC_FD...) */

static const char *const names[] = {"cgfair-scanner",	    "cgfair-oomwatch",
				    "cgfair-frontend",	    "cgfair-metrics",
				    "cgfair-recorder",	    "cgfair-notify",
				    "cgfair-desktop-notify"};
#define NEXES (sizeof(names) / sizeof(names[0]))
static int fds[NEXES] = {-1, -1, -1, -1, -1, -1, -1};

static bool safe_dir(const struct stat *st)
{
	return S_ISDIR(st->st_mode) && st->st_uid == 0 &&
	       (!(st->st_mode & (S_IWGRP | S_IWOTH)) ||
		(st->st_mode & S_ISVTX));
}

/* Every directory from / down to dir (resolved) is root's alone. */
static int check_dirs(const char *dir, bool quiet)
{
	char real[PATH_MAX], *p;
	struct stat st;

	if (!realpath(dir, real)) {
		if (!quiet)
			log_warn("worker directory %s", dir);
		return -1;
	}
	for (p = real;; p++) {
		char c = *p;
		if (c && c != '/')
			continue;
		*p = '\0';
		const char *d = real[0] ? real : "/";
		int r = lstat(d, &st);
		if (r < 0 || !safe_dir(&st)) {
			if (!quiet)
				log_warnx("worker directory %s: %s", d,
					  r < 0 ? strerror(errno)
						: "not a directory of root's "
						  "that only root may write");
			return -1;
		}
		*p = c;
		if (!c)
			return 0;
	}
}

static int open_one(int dirfd, const char *dir, const char *name, bool quiet)
{
	struct stat st;
	int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	int high;

	if (fd < 0 || fstat(fd, &st) < 0) {
		if (!quiet)
			log_warn("worker %s/%s", dir, name);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		if (!quiet)
			log_warnx("worker %s/%s: not a root-owned file "
				  "writable by root alone",
				  dir, name);
		close(fd);
		return -1;
	}
	high = fcntl(fd, F_DUPFD_CLOEXEC, EXE_FD_MIN);
	close(fd);
	if (high < 0 && !quiet)
		log_warn("worker %s/%s", dir, name);
	return high;
}

static void close_all(void)
{
	for (size_t i = 0; i < NEXES; i++) {
		if (fds[i] >= 0)
			close(fds[i]);
		fds[i] = -1;
	}
}

int exes_open(const char *dir, bool quiet, bool history, bool notify)
{
	int dirfd;

	close_all();
	if (check_dirs(dir, quiet) < 0)
		return -1;
	dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		if (!quiet)
			log_warn("worker directory %s", dir);
		return -1;
	}
	for (size_t i = 0; i < NEXES; i++) {
		/* the recorder and notify (with its desktop helper) are
		 * looked at only when they run */
		if ((!history && strcmp(names[i], "cgfair-recorder") == 0) ||
		    (!notify &&
		     (strcmp(names[i], "cgfair-notify") == 0 ||
		      strcmp(names[i], "cgfair-desktop-notify") == 0)))
			continue;
		fds[i] = open_one(dirfd, dir, names[i], quiet);
		if (fds[i] < 0) {
			close(dirfd);
			close_all();
			return -1;
		}
	}
	close(dirfd);
	return 0;
}

int exes_fd(const char *name)
{
	for (size_t i = 0; i < NEXES; i++)
		if (strcmp(names[i], name) == 0)
			return fds[i];
	return -1;
}
