/*
 * oom-latency --log FILE --uid UID --count N [--timeout S]
 *
 * The measuring half of bench/oom-latency.sh: watches the kernel log and
 * cgfair's event log at once and times, for each of N OOM kills of UID's
 * processes, the kill (the moment the kernel's "Killed process PID" record
 * is read from /dev/kmsg: the kernel stores it right after it counted the
 * kill and sent SIGKILL) to the moment the kill's oom event line is in the
 * event log (inotify). The nth kill is paired with the nth event; a pid
 * that differs is reported. Prints one line per kill, then
 * "kills=N median_ms=M p99_ms=P max_ms=X detail=D". Needs root (kmsg).
 */
#include "common/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/inotify.h>

#define MAX_KILLS 1000

struct kill {
	long pid;
	uint64_t killed, logged; /* CLOCK_MONOTONIC usec, 0: not yet */
	long event_pid;		 /* -1: the event named no victim */
};

static struct kill kills[MAX_KILLS];
static int nkilled, nlogged, want;
static long uid;

static void usage(void)
{
	fprintf(stderr, "usage: oom-latency --log FILE --uid UID --count N "
			"[--timeout S]\n");
	exit(2);
}

/* "...;Memory cgroup out of memory: Killed process PID (...) ... UID:U" */
static void on_kmsg_record(const char *rec, uint64_t t)
{
	const char *p = strstr(rec, ": Killed process ");
	const char *u = strstr(rec, ", UID:");
	long pid;

	if (!p || !u || strtol(u + 6, NULL, 10) != uid)
		return;
	pid = strtol(p + 17, NULL, 10);
	if (nkilled < MAX_KILLS)
		kills[nkilled++] = (struct kill){.pid = pid, .killed = t};
}

static void read_kmsg(int fd)
{
	char buf[8192];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0 ||
	       (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		buf[n] = '\0';
		on_kmsg_record(buf, clock_mono_usec());
	}
}

/* One line of the event log: an oom event of our uid? */
static void on_log_line(const char *line, uint64_t t)
{
	char key[32];
	const char *p;

	snprintf(key, sizeof(key), "\"uid\":%ld,", uid);
	if (!strstr(line, "\"event\":\"oom\"") || !strstr(line, key))
		return;
	if (nlogged >= MAX_KILLS)
		return;
	p = strstr(line, "\"pid\":");
	kills[nlogged].event_pid =
	    p && p[6] != 'n' ? strtol(p + 6, NULL, 10) : -1;
	kills[nlogged].logged = t;
	nlogged++;
}

static void read_log(int fd)
{
	static char buf[1 << 16];
	static size_t len;
	ssize_t n;
	uint64_t t = clock_mono_usec();

	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += (size_t)n;
		buf[len] = '\0';
		char *start = buf, *nl;
		while ((nl = strchr(start, '\n'))) {
			*nl = '\0';
			on_log_line(start, t);
			start = nl + 1;
		}
		len -= (size_t)(start - buf);
		memmove(buf, start, len);
		if (len == sizeof(buf) - 1)
			len = 0;
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void report(void)
{
	uint64_t lat[MAX_KILLS];
	int n = 0, detail = 0, mismatch = 0;

	for (int i = 0; i < nkilled && i < nlogged; i++) {
		struct kill *k = &kills[i];
		/* an event can be in the log before we read the kmsg line */
		lat[n] = k->logged > k->killed ? k->logged - k->killed : 0;
		detail += k->event_pid == k->pid;
		mismatch += k->event_pid != -1 && k->event_pid != k->pid;
		printf("kill %d pid %ld: %.3f ms%s\n", i + 1, k->pid,
		       (double)lat[n] / 1000.0,
		       k->event_pid == k->pid ? ""
		       : k->event_pid == -1   ? " (no victim detail)"
					      : " (event of another pid)");
		n++;
	}
	if (n == 0) {
		printf("kills=0\n");
		return;
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_u64);
	size_t p99 = ((size_t)n * 99 + 99) / 100 - 1; /* nearest rank */
	printf(
	    "kills=%d events=%d median_ms=%.3f p99_ms=%.3f max_ms=%.3f "
	    "detail=%d mismatched=%d\n",
	    nkilled, nlogged,
	    (double)(n % 2 ? lat[n / 2] : (lat[n / 2 - 1] + lat[n / 2]) / 2) /
		1000.0,
	    (double)lat[p99] / 1000.0, (double)lat[n - 1] / 1000.0, detail,
	    mismatch);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"log", required_argument, NULL, 'l'},
	    {"uid", required_argument, NULL, 'u'},
	    {"count", required_argument, NULL, 'c'},
	    {"timeout", required_argument, NULL, 't'},
	    {NULL, 0, NULL, 0}};
	const char *log = NULL;
	int c, timeout = 120;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			log = optarg;
			break;
		case 'u':
			uid = strtol(optarg, NULL, 10);
			break;
		case 'c':
			want = atoi(optarg);
			break;
		case 't':
			timeout = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (!log || uid <= 0 || want <= 0 || want > MAX_KILLS)
		usage();
	int kfd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int lfd = open(log, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	int ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (kfd < 0 || lfd < 0 || ifd < 0 ||
	    inotify_add_watch(ifd, log, IN_MODIFY) < 0) {
		perror("oom-latency: open");
		return 1;
	}
	lseek(kfd, 0, SEEK_END);
	lseek(lfd, 0, SEEK_END);
	printf("ready\n");
	fflush(stdout);
	uint64_t deadline = clock_mono_usec() + (uint64_t)timeout * 1000000u;
	while ((nkilled < want || nlogged < want) &&
	       clock_mono_usec() < deadline) {
		struct pollfd pfd[2] = {{kfd, POLLIN, 0}, {ifd, POLLIN, 0}};
		if (poll(pfd, 2, 200) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			read_kmsg(kfd);
		if (pfd[1].revents) {
			char ev[4096];
			while (read(ifd, ev, sizeof(ev)) > 0)
				;
			read_log(lfd);
		}
	}
	report();
	return nkilled >= want && nlogged >= want ? 0 : 1;
}
