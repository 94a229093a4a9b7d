/*
 * wchan PID MS: every MS milliseconds, what PID's main thread is doing:
 * its state (/proc/PID/stat: R running or runnable, S sleeping, D
 * uninterruptible) and, asleep, the kernel function it waits in
 * (/proc/PID/wchan: ep_poll is the event loop's idle wait; anything else
 * is a wait inside a dispatch, e.g. unix_wait_for_peer, a datagram to a
 * full socket such as journald's). On SIGTERM or SIGINT it prints one
 * line per state and function, "COUNT STATE FUNCTION", most first, and
 * exits. For bench/systemd-scale.sh: a dispatch is timed on the wall
 * clock, and this tells work, waiting for a CPU and blocking apart. A
 * shell loop would fork a process for every sample in the TCG guest.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KINDS 64

static struct {
	char what[64];
	unsigned long n;
} kind[KINDS];
static int nkinds;
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* the first line of path, without its newline ("" when unreadable) */
static void read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	buf[0] = '\0';
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

static void count(const char *what)
{
	for (int i = 0; i < nkinds; i++)
		if (strcmp(kind[i].what, what) == 0) {
			kind[i].n++;
			return;
		}
	if (nkinds < KINDS) {
		snprintf(kind[nkinds].what, sizeof(kind[nkinds].what), "%s",
			 what);
		kind[nkinds++].n = 1;
	}
}

static int by_count(const void *a, const void *b)
{
	unsigned long x = ((const typeof(kind[0]) *)a)->n;
	unsigned long y = ((const typeof(kind[0]) *)b)->n;
	return x < y ? 1 : x > y ? -1 : 0;
}

int main(int argc, char **argv)
{
	long ms = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
	char stat_path[64], wchan_path[64], st[512], wc[48], what[64];

	if (ms <= 0 || atol(argv[1]) <= 0) {
		fprintf(stderr, "usage: wchan PID MS\n");
		return 2;
	}
	snprintf(stat_path, sizeof(stat_path), "/proc/%s/stat", argv[1]);
	snprintf(wchan_path, sizeof(wchan_path), "/proc/%s/wchan", argv[1]);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!stop) {
		read_line(stat_path, st, sizeof(st));
		const char *end = strrchr(st, ')');
		if (!end)
			break; /* gone */
		char state = end[1] == ' ' ? end[2] : '?';
		if (state == 'R')
			snprintf(what, sizeof(what), "R -");
		else {
			read_line(wchan_path, wc, sizeof(wc));
			snprintf(what, sizeof(what), "%c %s", state,
				 wc[0] ? wc : "?");
		}
		count(what);
		struct timespec gap = {ms / 1000, (ms % 1000) * 1000000L};
		nanosleep(&gap, NULL);
	}
	qsort(kind, (size_t)nkinds, sizeof(kind[0]), by_count);
	for (int i = 0; i < nkinds; i++)
		printf("%lu %s\n", kind[i].n, kind[i].what);
	return 0;
}
