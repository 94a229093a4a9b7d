/*
 * The executable of a pinned process, for [users] exempt_commands.
 *
 * Why here and not in the scanner: /proc/PID/exe may be read only by a
 * process that passes the ptrace read check on PID (same uids and gids,
 * or CAP_SYS_PTRACE). The scanner runs as cgfair without capabilities,
 * so it cannot. The supervisor raises CAP_SETUID and CAP_SETGID (kept
 * permitted, see caps.c) and takes the process's own identity for the
 * one readlink: setfsuid/setfsgid to
 * the owner of /proc/PID (its effective ids), so the check is the one a
 * process of that user passes, and nothing else changes. A process whose
 * ids differ (setuid programs) or that made itself non-dumpable fails
 * the check and is simply not exempt. The link is compared, not parsed.
 *
 * Going back to fsuid 0 puts the filesystem capabilities the permitted
 * set holds (CAP_DAC_OVERRIDE, see caps.c) into the effective set again
 * (capabilities(7), "Effect of user ID changes"): they are dropped at
 * once, with CAP_SETUID and CAP_SETGID.
 */
#include "supervisor/exe.h"
#include "supervisor/caps.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/fsuid.h>
#include <sys/stat.h>

static bool fsid_is(uid_t uid, gid_t gid)
{
	/* setfs*id return the previous value; -1 never changes it */
	return (uid_t)setfsuid((uid_t)-1) == uid &&
	       (gid_t)setfsgid((gid_t)-1) == gid;
}

static void fsid_restore(void)
{
	setfsuid(0);
	setfsgid(0);
	if (!fsid_is(0, 0))
		fatalx(EXIT_FATAL, "cannot take filesystem ids 0 back");
	caps_setfsid(false);
}

int exe_path(pid_t pid, char *buf, size_t size)
{
	char path[32];
	struct stat st;
	ssize_t n;
	int dfd, e;

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dfd < 0)
		return -errno;
	if (fstat(dfd, &st) < 0 || st.st_uid == 0) {
		e = st.st_uid == 0 ? -EPERM : -errno;
		close(dfd);
		return e;
	}
	caps_setfsid(true);
	setfsgid(st.st_gid);
	setfsuid(st.st_uid);
	if (!fsid_is(st.st_uid, st.st_gid)) {
		fsid_restore();
		close(dfd);
		return -EPERM;
	}
	n = readlinkat(dfd, "exe", buf, size);
	e = errno;
	fsid_restore();
	close(dfd);
	if (n < 0)
		return -e;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}
