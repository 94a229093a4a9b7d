/*
 * oom-latency --log FILE --uid UID [--users N] --count K [--timeout S]
 *
 * The measuring half of bench/oom-latency.sh: watches the kernel log and
 * cgfair's event log at once and times, for each of K OOM kills of the
 * processes of uids UID..UID+N-1 (N: 1), the kill (the moment the
 * kernel's "Killed process PID" record is read from /dev/kmsg: the kernel
 * stores it right after it counted the kill and sent SIGKILL) to the
 * moment the kill's oom event line is in the event log (inotify). An
 * event is paired with the kill of the pid it names (one without a victim
 * with the oldest unpaired kill of its uid); a kill reported twice, or
 * never, is counted. After the Kth kill and event it waits 2 s more for
 * duplicates. Prints one line per kill, then "kills=K events=E
 * median_ms=M p99_ms=P max_ms=X detail=D mismatched=0 unreported=U
 * duplicates=D". Needs root (kmsg).
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
	long pid, uid;
	uint64_t killed, logged; /* CLOCK_MONOTONIC usec, 0: not yet */
	long event_pid;		 /* -1: the event named no victim */
	int events;		 /* how many events named it */
};

struct event {
	long pid, uid; /* pid -1: no victim */
	uint64_t t;
};

static struct kill kills[MAX_KILLS];
static struct event events[MAX_KILLS];
static int nkilled, nlogged, want;
static long uid, nusers = 1;

static int ours(long u)
{
	return u >= uid && u < uid + nusers;
}

static void usage(void)
{
	fprintf(stderr, "usage: oom-latency --log FILE --uid UID [--users N] "
			"--count K [--timeout S]\n");
	exit(2);
}

/* "...;Memory cgroup out of memory: Killed process PID (...) ... UID:U" */
static void on_kmsg_record(const char *rec, uint64_t t)
{
	const char *p = strstr(rec, ": Killed process ");
	const char *u = strstr(rec, ", UID:");
	long pid;

	if (!p || !u || !ours(strtol(u + 6, NULL, 10)))
		return;
	pid = strtol(p + 17, NULL, 10);
	if (nkilled < MAX_KILLS)
		kills[nkilled++] = (struct kill){
		    .pid = pid, .uid = strtol(u + 6, NULL, 10), .killed = t};
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
	const char *p, *u = strstr(line, "\"uid\":");

	if (!strstr(line, "\"event\":\"oom\"") || !u ||
	    !ours(strtol(u + 6, NULL, 10)) || nlogged >= MAX_KILLS)
		return;
	p = strstr(line, "\"pid\":");
	events[nlogged++] = (struct event){
	    .pid = p && p[6] != 'n' ? strtol(p + 6, NULL, 10) : -1,
	    .uid = strtol(u + 6, NULL, 10),
	    .t = t};
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

/* The kill an event reports: its victim's, else the oldest unpaired one
 * of its uid. */
static struct kill *pair(const struct event *e)
{
	for (int i = 0; i < nkilled; i++)
		if (e->pid != -1 && kills[i].pid == e->pid)
			return &kills[i];
	for (int i = 0; i < nkilled; i++)
		if (e->pid == -1 && kills[i].uid == e->uid && !kills[i].events)
			return &kills[i];
	return NULL;
}

/* The number of kills not reported exactly once, and events of no kill. */
static int report(void)
{
	uint64_t lat[MAX_KILLS];
	int n = 0, detail = 0, unpaired = 0, unreported = 0, dups = 0;

	for (int i = 0; i < nlogged; i++) {
		struct kill *k = pair(&events[i]);
		if (!k) {
			unpaired++;
			continue;
		}
		if (k->events++) {
			dups++;
			continue;
		}
		k->logged = events[i].t;
		k->event_pid = events[i].pid;
	}
	for (int i = 0; i < nkilled; i++) {
		struct kill *k = &kills[i];
		if (!k->events) {
			unreported++;
			printf("kill %d pid %ld uid %ld: never reported\n",
			       i + 1, k->pid, k->uid);
			continue;
		}
		/* an event can be in the log before we read the kmsg line */
		lat[n] = k->logged > k->killed ? k->logged - k->killed : 0;
		detail += k->event_pid == k->pid;
		printf("kill %d pid %ld uid %ld: %.3f ms%s\n", i + 1, k->pid,
		       k->uid, (double)lat[n] / 1000.0,
		       k->event_pid == k->pid ? "" : " (no victim detail)");
		n++;
	}
	if (n == 0) {
		printf("kills=%d events=%d\n", nkilled, nlogged);
		return unreported + dups + unpaired;
	}
	qsort(lat, (size_t)n, sizeof(*lat), cmp_u64);
	size_t p99 = ((size_t)n * 99 + 99) / 100 - 1; /* nearest rank */
	printf(
	    "kills=%d events=%d median_ms=%.3f p99_ms=%.3f max_ms=%.3f "
	    "detail=%d mismatched=%d unreported=%d duplicates=%d\n",
	    nkilled, nlogged,
	    (double)(n % 2 ? lat[n / 2] : (lat[n / 2 - 1] + lat[n / 2]) / 2) /
		1000.0,
	    (double)lat[p99] / 1000.0, (double)lat[n - 1] / 1000.0, detail,
	    unpaired, unreported, dups);
	return unreported + dups + unpaired;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"log", required_argument, NULL, 'l'},
	    {"uid", required_argument, NULL, 'u'},
	    {"users", required_argument, NULL, 'n'},
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
		case 'n':
			nusers = strtol(optarg, NULL, 10);
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
	if (!log || uid <= 0 || nusers <= 0 || want <= 0 || want > MAX_KILLS)
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
	uint64_t grace = 0; /* after the last one: duplicates? */
	for (;;) {
		uint64_t now = clock_mono_usec();
		if (!grace && nkilled >= want && nlogged >= want)
			grace = now + 2000000u;
		if (now >= deadline || (grace && now >= grace))
			break;
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
	int bad = report();
	return !bad && nkilled >= want && nlogged >= want ? 0 : 1;
}
