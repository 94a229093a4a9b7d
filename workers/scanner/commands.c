/*
 * The CPU time of [penalty] exempt_commands (compilers, file transfers),
 * which does not count toward a user's badness score. The cgroups have no
 * per-command accounting, so each interval the scanner walks /proc (only
 * when the list is not empty), reads each process's stat and, for a
 * matching comm, its real uid; what such a process used since the last
 * walk (all of its time when it is new) is added to its uid's counter.
 *
 * The comm is what the process ran (or named itself): a user can name
 * any process after an exempt command. This is a courtesy, not a
 * boundary; the supervisor bounds the figure by the user's own cgroup
 * CPU. Time an exempt process used between the last walk and its exit is
 * lost here, so it counts as the user's: the error is on the strict side.
 *
 * Both tables are sorted arrays, bounded: beyond them a process or a uid
 * is not followed (its time counts as not exempt).
 */
#include "workers/scanner/scanner.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PROCS 16384
#define MAX_UIDS  4096

struct xproc {
	pid_t pid;
	uid_t uid;
	uint64_t start_time;
	uint64_t ticks;
};

struct xuid {
	uid_t uid;
	uint64_t ticks; /* only grows */
};

static struct ipc_scan_commands names;
static struct xproc *procs, *next;
static size_t nprocs, nnext;
static struct xuid uids[MAX_UIDS];
static size_t nuids;

void commands_set(const struct ipc_scan_commands *m)
{
	names = *m;
	if (names.count == 0) {
		free(procs);
		free(next);
		procs = next = NULL;
		nprocs = nnext = 0;
	}
}

static bool listed(const char *comm)
{
	for (uint32_t i = 0; i < names.count; i++)
		if (strcmp(names.name[i], comm) == 0)
			return true;
	return false;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = ((const struct xproc *)a)->pid;
	pid_t y = ((const struct xproc *)b)->pid;
	return x < y ? -1 : x > y;
}

static int cmp_xuid(const void *a, const void *b)
{
	uid_t x = ((const struct xuid *)a)->uid;
	uid_t y = ((const struct xuid *)b)->uid;
	return x < y ? -1 : x > y;
}

static struct xuid *find_uid(uid_t uid)
{
	struct xuid key = {.uid = uid};
	return nuids ? bsearch(&key, uids, nuids, sizeof(key), cmp_xuid) : NULL;
}

uint64_t commands_ticks(uid_t uid)
{
	const struct xuid *u = find_uid(uid);
	return u ? u->ticks : 0;
}

static void charge(uid_t uid, uint64_t ticks)
{
	struct xuid *u = find_uid(uid);
	size_t at = 0;

	if (!u) {
		if (nuids == MAX_UIDS)
			return;
		while (at < nuids && uids[at].uid < uid)
			at++;
		memmove(&uids[at + 1], &uids[at],
			(nuids - at) * sizeof(uids[0]));
		nuids++;
		u = &uids[at];
		*u = (struct xuid){.uid = uid};
	}
	u->ticks += ticks;
}

/* One process: followed when its comm is listed and its uid managed. */
static void look_at(int procfd, pid_t pid, const struct match *m)
{
	char path[32], buf[2048], comm[IPC_COMM_MAX];
	struct proc_info pi;
	struct xproc key = {.pid = pid}, *old;
	ssize_t n;

	snprintf(path, sizeof(path), "%d/stat", (int)pid);
	if (read_at(procfd, path, buf, sizeof(buf)) < 0 ||
	    parse_stat_comm(buf, comm, sizeof(comm)) < 0 || !listed(comm) ||
	    parse_stat(buf, &pi) < 0)
		return;
	snprintf(path, sizeof(path), "%d/status", (int)pid);
	n = read_at(procfd, path, buf, sizeof(buf));
	if (n < 0 && n != -EFBIG) /* Uid: is near the top: a cut file is fine */
		return;
	if (parse_status_uid(buf, &pi.uid) < 0 ||
	    !uid_managed(m, charged_uid(pi.uid)) || nnext == MAX_PROCS)
		return;
	old =
	    nprocs ? bsearch(&key, procs, nprocs, sizeof(key), cmp_pid) : NULL;
	if (old && old->start_time == pi.start_time && old->uid == pi.uid)
		charge(charged_uid(pi.uid), pi.cpu_ticks > old->ticks
						? pi.cpu_ticks - old->ticks
						: 0);
	else
		charge(charged_uid(pi.uid), pi.cpu_ticks);
	next[nnext++] =
	    (struct xproc){pid, pi.uid, pi.start_time, pi.cpu_ticks};
}

void commands_walk(int procfd, const struct match *m)
{
	char buf[32768];
	ssize_t len;
	struct xproc *t;

	if (names.count == 0)
		return;
	if (!next && !(next = calloc(MAX_PROCS, sizeof(*next))))
		return;
	if (!procs && !(procs = calloc(MAX_PROCS, sizeof(*procs))))
		return;
	nnext = 0;
	if (lseek(procfd, 0, SEEK_SET) < 0)
		return;
	while ((len = getdents64(procfd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < len;) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			pid_t pid;

			off += e->d_reclen;
			if (parse_pid_name(e->d_name, &pid))
				look_at(procfd, pid, m);
		}
	}
	qsort(next, nnext, sizeof(*next), cmp_pid);
	t = procs;
	procs = next;
	next = t;
	nprocs = nnext;
}
