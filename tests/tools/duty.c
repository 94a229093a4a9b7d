/*
 * t-duty PERCENT: use PERCENT of one CPU, in 10 ms slices (busy for
 * PERCENT% of each slice, asleep the rest), until killed. The light user
 * of the fair-mode scenario.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	const double slice = 0.01;
	double pct = argc > 1 ? atof(argv[1]) : 0;

	if (argc != 2 || pct <= 0 || pct > 100) {
		fprintf(stderr, "usage: t-duty PERCENT (0 < PERCENT <= 100)\n");
		return 2;
	}
	for (;;) {
		double start = now(), busy = slice * pct / 100;
		volatile unsigned long x = 0;
		while (now() - start < busy)
			x++;
		struct timespec rest = {0, (long)((slice - busy) * 1e9)};
		if (rest.tv_nsec > 0)
			nanosleep(&rest, NULL);
	}
}
