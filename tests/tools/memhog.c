/*
 * t-memhog [-t THREADS] [-d MS] [-w] MIB
 *
 * Allocate and touch MIB MiB of anonymous memory, split over THREADS
 * threads (default 1), one MiB at a time with MS milliseconds between steps
 * (default 0). Then exit 0, or with -w print "memhog: holding N MiB" and
 * wait until killed. Inside a cgroup with a smaller memory.max it is the
 * process the OOM killer picks.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024L * 1024L)

static long delay_ms;

static void usage(void)
{
	fprintf(stderr, "usage: t-memhog [-t THREADS] [-d MS] [-w] MIB\n");
	exit(2);
}

static long number(const char *s, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > max)
		usage();
	return v;
}

static void *hog(void *arg)
{
	long mib = (long)arg;
	struct timespec ts = {delay_ms / 1000, (delay_ms % 1000) * 1000000L};

	for (long i = 0; i < mib; i++) {
		char *p = mmap(NULL, MIB, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			perror("t-memhog: mmap");
			exit(1);
		}
		/* Touch every page with data that does not deduplicate. */
		for (long off = 0; off < MIB; off += 4096)
			p[off] = (char)(i + off / 4096 + 1);
		if (delay_ms > 0)
			nanosleep(&ts, NULL);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long threads = 1, mib, each;
	pthread_t tid[256];
	int c, wait = 0;

	while ((c = getopt(argc, argv, "t:d:w")) != -1) {
		switch (c) {
		case 't':
			threads = number(optarg, 256);
			break;
		case 'd':
			delay_ms = number(optarg, 60000);
			break;
		case 'w':
			wait = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc - 1)
		usage();
	mib = number(argv[optind], 1L << 20);
	if (threads < 1)
		threads = 1;
	each = mib / threads;
	for (long i = 0; i < threads; i++) {
		long share = i == 0 ? mib - each * (threads - 1) : each;
		int err = pthread_create(&tid[i], NULL, hog, (void *)share);

		if (err != 0) {
			fprintf(stderr, "t-memhog: pthread_create: %s\n",
				strerror(err));
			return 1;
		}
	}
	for (long i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	if (!wait) {
		printf("memhog: touched %ld MiB\n", mib);
		return 0;
	}
	printf("memhog: holding %ld MiB\n", mib);
	fflush(stdout);
	for (;;)
		pause();
}
