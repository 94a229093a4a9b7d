/*
 * Who sent a request. The uid and pid come from SO_PEERCRED; the login uid
 * (auid), the audit session and the executable from /proc/<pid>/loginuid,
 * sessionid and exe. /proc is read by pid, which another process may have
 * taken once the client ended, so the process is pinned with a pidfd first
 * - SO_PEERPIDFD (Linux 6.5): the very process that connected; before
 * that, pidfd_open of the SO_PEERCRED pid, whose effective uid must still
 * be the client's - and what /proc said is kept only when that pidfd still
 * names a running process afterwards: a pid cannot be reused while its
 * process runs. libaudit has no reader of another process's loginuid
 * (audit_getloginuid() is the caller's own), hence the few lines here.
 */
#include "supervisor/actor.h"
#include "supervisor/caps.h"
#include "common/num.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77 /* Linux 6.5; Debian 12's headers predate it */
#endif

/* A small /proc file of dir, NUL-terminated; false when unreadable. */
static bool read_small(int dir, const char *name, char *buf, size_t len)
{
	int fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n > 0;
}

/* A file of one number; ACTOR_UNSET when unreadable. */
static uint32_t read_u32(int dir, const char *name)
{
	char buf[32];
	uint64_t v;

	if (!read_small(dir, name, buf, sizeof(buf)))
		return ACTOR_UNSET;
	if (num_scan_uint(buf, sizeof(buf), UINT32_MAX, &v) == 0)
		return ACTOR_UNSET;
	return (uint32_t)v;
}

/* The effective uid, from the Uid: line of status; -1 when unreadable. */
static long read_euid(int dir)
{
	char buf[2048], *p;
	unsigned long r, e;

	if (!read_small(dir, "status", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, "\nUid:");
	if (!p || sscanf(p + 5, "%lu %lu", &r, &e) != 2)
		return -1;
	return (long)e;
}

static bool still_running(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};

	/* a pidfd polls readable once its process has exited */
	return poll(&p, 1, 0) == 0;
}

static void read_proc(struct actor *a, int pidfd, bool check_uid)
{
	char path[64];
	int dir;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d", (int)a->pid);
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return;
	a->auid = read_u32(dir, "loginuid");
	a->ses = read_u32(dir, "sessionid");
	/* the exe of a process with capabilities we lack, or of another
	 * uid, needs CAP_SYS_PTRACE (ptrace_may_access) */
	caps_ptrace(true);
	n = readlinkat(dir, "exe", a->exe, sizeof(a->exe) - 1);
	caps_ptrace(false);
	a->exe[n > 0 ? n : 0] = '\0';
	a->known = (!check_uid || read_euid(dir) == (long)a->uid) &&
		   still_running(pidfd);
	close(dir);
	if (!a->known) {
		a->auid = a->ses = ACTOR_UNSET;
		a->exe[0] = '\0';
	}
}

static void init(struct actor *a, pid_t pid, uid_t uid)
{
	memset(a, 0, sizeof(*a));
	a->uid = uid;
	a->pid = pid;
	a->auid = a->ses = ACTOR_UNSET;
}

void actor_from_pid(pid_t pid, uid_t uid, struct actor *out)
{
	int pidfd;

	init(out, pid, uid);
	if (pid <= 0)
		return;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0)
		return; /* gone: known stays false */
	read_proc(out, pidfd, true);
	close(pidfd);
}

int actor_from_socket(int fd, struct actor *out)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	int pidfd = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0)
		return -1;
	init(out, cr.pid, cr.uid);
	len = sizeof(pidfd);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0 &&
	    pidfd >= 0) {
		read_proc(out, pidfd, false);
		close(pidfd);
		return 0;
	}
	actor_from_pid(cr.pid, cr.uid, out);
	return 0;
}
