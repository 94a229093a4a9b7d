/*
 * t-spin [-t THREADS] [-s SECONDS]
 *
 * Burn CPU in THREADS busy threads (default 1) for SECONDS of wall time
 * (default 0: until killed). A CPU hog for the fairness and cap scenarios.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double seconds;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *burn(void *arg)
{
	volatile unsigned long x = 0;
	double start = now();

	(void)arg;
	for (;;) {
		for (int i = 0; i < 1000000; i++)
			x++;
		if (seconds > 0 && now() - start >= seconds)
			break;
	}
	return NULL;
}

static long number(const char *s, long max)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < 0 || v > max) {
		fprintf(stderr, "usage: t-spin [-t THREADS] [-s SECONDS]\n");
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long threads = 1;
	pthread_t tid;
	int c;

	while ((c = getopt(argc, argv, "t:s:")) != -1) {
		switch (c) {
		case 't':
			threads = number(optarg, 1024);
			break;
		case 's':
			seconds = number(optarg, 86400);
			break;
		default:
			fprintf(stderr,
				"usage: t-spin [-t THREADS] [-s SECONDS]\n");
			return 2;
		}
	}
	if (threads < 1)
		threads = 1;
	for (long i = 1; i < threads; i++) {
		int err = pthread_create(&tid, NULL, burn, NULL);

		if (err != 0) {
			fprintf(stderr, "t-spin: pthread_create: %s\n",
				strerror(err));
			return 1;
		}
	}
	burn(NULL);
	return 0;
}
