/*
 * Small reads relative to directory fds. A process or a cgroup can vanish
 * between two reads: every function returns a negative errno instead of
 * failing, and the caller skips what is gone (ENOENT, ESRCH, ENODEV).
 */
#include "workers/scanner/scanner.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Read up to size-1 bytes and NUL-terminate; -EFBIG when the file did not
 * fit (a parser must not judge a cut file). */
ssize_t read_at(int dirfd, const char *path, char *buf, size_t size)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t have = 0;
	ssize_t n = 0;

	if (fd < 0)
		return -errno;
	while (have < size - 1) {
		n = read(fd, buf + have, size - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	int err = n < 0 ? errno : 0;
	close(fd);
	buf[have] = '\0';
	if (err)
		return -err;
	return have == size - 1 ? -EFBIG : (ssize_t)have;
}

int read_u64_at(int dirfd, const char *path, uint64_t *v)
{
	char buf[64], *end;
	ssize_t n = read_at(dirfd, path, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	if (parse_u64(buf, &end, v) < 0 || (*end != '\n' && *end != '\0'))
		return -EINVAL;
	return 0;
}

int read_key_at(int dirfd, const char *path, const char *key, uint64_t *v)
{
	char buf[8192];
	ssize_t n = read_at(dirfd, path, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return parse_key_u64(buf, key, v);
}

/* Lines of a file of any size (cgroup.procs of a busy user). */
int count_lines_at(int dirfd, const char *path, uint32_t *count)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char buf[4096];
	uint32_t n = 0;
	ssize_t r;

	if (fd < 0)
		return -errno;
	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = errno;
			close(fd);
			return -err;
		}
		for (const char *p = buf;
		     (p = memchr(p, '\n', (size_t)(buf + r - p))); p++)
			n++;
	}
	close(fd);
	*count = n;
	return 0;
}

/* The process's files are read through one /proc/PID directory fd: once
 * it is open, every file under it belongs to that process or fails with
 * ESRCH/ENOENT, even if the pid is reused meanwhile. status first (the
 * uid: most processes of a sweep stop there), then stat (start time, CPU)
 * and cgroup for managed uids only. */
static int inspect_dir(int dfd, pid_t pid, const struct match *m,
		       struct proc_info *pi, enum place *place)
{
	char buf[4096];
	ssize_t n;
	int r;

	/* status is long; its Uid line is in the first part */
	n = read_at(dfd, "status", buf, sizeof(buf));
	if (n < 0 && n != -EFBIG)
		return (int)n;
	if ((r = parse_status_uid(buf, &pi->uid)) < 0)
		return r;
	pi->owner = charged_uid(pi->uid);
	if (!uid_managed(m, pi->owner))
		return 0;
	n = read_at(dfd, "stat", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	if ((r = parse_stat(buf, pi)) < 0)
		return r;
	if (pi->pid != pid)
		return -EINVAL;
	n = read_at(dfd, "cgroup", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	*place = parse_cgroup(buf, m, pi->uid);
	return 0;
}

/* 0 with *place (PLACE_UNKNOWN for an unmanaged uid), or -errno: ENOENT
 * or ESRCH when the process is gone, EINVAL when its files do not parse. */
int proc_inspect(int procfd, pid_t pid, const struct match *m,
		 struct proc_info *pi, enum place *place)
{
	char name[16];
	int dfd, r;

	snprintf(name, sizeof(name), "%d", (int)pid);
	dfd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	memset(pi, 0, sizeof(*pi));
	pi->pid = pid;
	*place = PLACE_UNKNOWN;
	r = inspect_dir(dfd, pid, m, pi, place);
	close(dfd);
	return r;
}
