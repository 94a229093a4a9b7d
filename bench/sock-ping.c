/*
 * sock-ping --socket PATH [--every MS]
 *
 * How long the supervisor's event loop stalls: every MS milliseconds
 * (default 10) a new connection to cgfaird's socket asks for the
 * configuration ({"cmd":"config"}), which the front end cannot answer
 * alone: the supervisor prints it in its loop. The round trip of each
 * request is timed; on SIGTERM or SIGINT (a request in flight counts with
 * the time it has waited so far) it prints
 *   pings N failed F max_ms X p50_ms Y p99_ms Z over50 K
 * and exits. For bench/systemd-scale.sh.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#define MAX_SAMPLES (1 << 20)

static volatile sig_atomic_t stop;
static double *ms;
static size_t n;
static unsigned failed;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One request: 0 when answered (a whole line came back). */
static int ping(const char *path)
{
	static const char rq[] = "{\"cmd\":\"config\"}\n";
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char buf[4096];
	int fd, r = -1;
	ssize_t k;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    write(fd, rq, sizeof(rq) - 1) == (ssize_t)(sizeof(rq) - 1)) {
		while ((k = read(fd, buf, sizeof(buf))) > 0)
			if (memchr(buf, '\n', (size_t)k)) {
				r = 0;
				break;
			}
	}
	close(fd);
	return r;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(void)
{
	unsigned over = 0;

	qsort(ms, n, sizeof(*ms), cmp);
	for (size_t i = 0; i < n; i++)
		over += ms[i] > 50.0;
	printf("pings %zu failed %u max_ms %.1f p50_ms %.2f p99_ms %.1f "
	       "over50 %u\n",
	       n, failed, n ? ms[n - 1] : 0.0, n ? ms[(n - 1) / 2] : 0.0,
	       n ? ms[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] : 0.0, over);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"every", required_argument, NULL, 'e'},
	    {NULL, 0, NULL, 0}};
	struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART */
	const char *path = NULL;
	double every = 10.0;
	int c;

	while ((c = getopt_long(argc, argv, "s:e:", opts, NULL)) != -1) {
		if (c == 's')
			path = optarg;
		else if (c == 'e')
			every = atof(optarg);
		else
			return 2;
	}
	if (!path || every <= 0) {
		fprintf(stderr,
			"usage: sock-ping --socket PATH [--every MS]\n");
		return 2;
	}
	ms = calloc(MAX_SAMPLES, sizeof(*ms));
	if (!ms)
		return 1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("ready\n");
	fflush(stdout);
	while (!stop && n < MAX_SAMPLES) {
		double t0 = now_ms(), t1;
		if (ping(path) < 0 && !stop)
			failed++;
		t1 = now_ms();
		ms[n++] = t1 - t0;
		if (t1 - t0 < every) {
			struct timespec d = {0,
					     (long)((every - (t1 - t0)) * 1e6)};
			nanosleep(&d, NULL);
		}
	}
	report();
	return 0;
}
