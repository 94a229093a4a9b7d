/*
 * t-run-as-uid UID[:GID] PROGRAM [ARG...]
 *
 * Become a bare numeric uid (and gid, default the same number) with no
 * supplementary groups, then exec PROGRAM. The uid needs no passwd entry.
 * The scenarios use it to start "user" processes in every tier, including
 * the busybox guest, which has no setpriv/runuser of its own to rely on.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: t-run-as-uid UID[:GID] PROGRAM [ARG...]\n");
	exit(2);
}

/* Parse a decimal id; reject signs, junk and (uid_t)-1. */
static unsigned long parse_id(const char *s, char **end)
{
	unsigned long v;

	if (*s < '0' || *s > '9')
		usage();
	errno = 0;
	v = strtoul(s, end, 10);
	if (errno != 0 || v >= UINT_MAX)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	unsigned long uid, gid;
	char *end;

	if (argc < 3)
		usage();
	uid = parse_id(argv[1], &end);
	gid = uid;
	if (*end == ':')
		gid = parse_id(end + 1, &end);
	if (*end != '\0')
		usage();

	if (setgroups(0, NULL) < 0) {
		perror("t-run-as-uid: setgroups");
		return 127;
	}
	if (setresgid(gid, gid, gid) < 0) {
		perror("t-run-as-uid: setresgid");
		return 127;
	}
	if (setresuid(uid, uid, uid) < 0) {
		perror("t-run-as-uid: setresuid");
		return 127;
	}
	/* A test that thinks it runs unprivileged must really be. */
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		fprintf(stderr, "t-run-as-uid: could regain uid 0\n");
		return 127;
	}
	execvp(argv[2], argv + 2);
	fprintf(stderr, "t-run-as-uid: exec %s: %s\n", argv[2],
		strerror(errno));
	return 127;
}
