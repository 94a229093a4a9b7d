/*
 * place-latency -u UID [-g GID] -s SUBTREE [-n COUNT] [-t TIMEOUT_MS] [-v]
 *
 * COUNT times: fork a child that takes the time, becomes UID (setgroups,
 * setresgid, setresuid) and execs sleep; poll its /proc/PID/cgroup until
 * the cpu, cpuacct and memory lines all name /SUBTREE/user-UID (or below);
 * kill it. The latency of one sample is from the moment just before the
 * uid change (the first moment any placer can know the process is the
 * user's) to the first poll that sees it placed. Prints every sample with
 * -v, then "n= median_us= p99_us= max_us= timeouts=". Exit 1 if any sample
 * timed out. Used by bench/placement.sh (cgfaird and cgrulesengd side by
 * side) and tests/integration/placement.sh (the 50 ms bound).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

static char want[256];

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Is the path of this "ID:ctl:path" line want or below it? */
static bool line_placed(const char *path)
{
	size_t n = strlen(want);
	return strncmp(path, want, n) == 0 &&
	       (path[n] == '\n' || path[n] == '/' || path[n] == '\0');
}

/* 1 placed, 0 not yet, -1 gone */
static int placed(pid_t pid)
{
	char path[64], buf[4096];
	int fd, seen = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char *c1 = strchr(line, ':'),
		     *c2 = c1 ? strchr(c1 + 1, ':') : 0;
		if (!c2)
			continue;
		*c2 = '\0';
		for (char *ctl = strtok_r(c1 + 1, ",", &c1); ctl;
		     ctl = strtok_r(NULL, ",", &c1)) {
			if (strcmp(ctl, "cpu") && strcmp(ctl, "cpuacct") &&
			    strcmp(ctl, "memory"))
				continue;
			if (!line_placed(c2 + 1))
				return 0;
			seen++;
		}
	}
	return seen >= 3;
}

static void child(int wfd, uid_t uid, gid_t gid)
{
	uint64_t t0 = now_ns();

	if (write(wfd, &t0, sizeof(t0)) != sizeof(t0))
		_exit(126);
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		_exit(127);
	execl("/bin/sleep", "sleep", "30", (char *)NULL);
	_exit(127);
}

/* One sample: latency in ns, or UINT64_MAX on timeout. */
static uint64_t sample(uid_t uid, gid_t gid, uint64_t timeout_ns)
{
	struct timespec pause = {0, 20000};
	int p[2];
	uint64_t t0 = 0, lat = UINT64_MAX;

	if (pipe2(p, O_CLOEXEC) < 0)
		return lat;
	pid_t pid = fork();
	if (pid == 0)
		child(p[1], uid, gid);
	close(p[1]);
	if (pid < 0 || read(p[0], &t0, sizeof(t0)) != sizeof(t0)) {
		close(p[0]);
		return lat;
	}
	close(p[0]);
	for (;;) {
		int r = placed(pid);
		uint64_t t = now_ns();
		if (r == 1) {
			lat = t - t0;
			break;
		}
		if (r < 0 || t - t0 > timeout_ns)
			break;
		nanosleep(&pause, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return lat;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long uid = -1, gid = -1, n = 200, timeout_ms = 1000;
	const char *sub = NULL;
	bool verbose = false;
	int c;

	while ((c = getopt(argc, argv, "u:g:s:n:t:v")) != -1) {
		switch (c) {
		case 'u':
			uid = atol(optarg);
			break;
		case 'g':
			gid = atol(optarg);
			break;
		case 's':
			sub = optarg;
			break;
		case 'n':
			n = atol(optarg);
			break;
		case 't':
			timeout_ms = atol(optarg);
			break;
		case 'v':
			verbose = true;
			break;
		default:
			goto usage;
		}
	}
	if (uid <= 0 || !sub || n <= 0)
		goto usage;
	if (gid < 0)
		gid = uid;
	snprintf(want, sizeof(want), "/%s/user-%ld", sub, uid);
	prctl(PR_SET_TIMERSLACK, 1UL); /* 20 us polls, not 50 us + slack */
	uint64_t *lat = calloc((size_t)n, sizeof(*lat));
	long timeouts = 0;
	for (long i = 0; i < n; i++) {
		lat[i] = sample((uid_t)uid, (gid_t)gid,
				(uint64_t)timeout_ms * 1000000u);
		if (lat[i] == UINT64_MAX)
			timeouts++;
		if (verbose)
			printf("sample %ld %.1f us\n", i,
			       lat[i] == UINT64_MAX ? -1.0 : lat[i] / 1e3);
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_u64);
	size_t p99 = (size_t)((n * 99 + 99) / 100) - 1;
	printf("n=%ld median_us=%.0f p99_us=%.0f max_us=%.0f timeouts=%ld\n", n,
	       lat[n / 2] == UINT64_MAX ? -1 : lat[n / 2] / 1e3,
	       lat[p99] == UINT64_MAX ? -1 : lat[p99] / 1e3,
	       lat[n - 1] == UINT64_MAX ? -1 : lat[n - 1] / 1e3, timeouts);
	free(lat);
	return timeouts ? 1 : 0;
usage:
	fprintf(stderr, "usage: place-latency -u UID [-g GID] -s SUBTREE "
			"[-n COUNT] [-t TIMEOUT_MS] [-v]\n");
	return 2;
}
