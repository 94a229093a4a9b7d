/*
 * t-duty PERCENT: use PERCENT of one CPU, in 10 ms slices, until killed:
 * in each slice, run until this thread has used PERCENT% of the slice in
 * CPU time, then sleep until the next slice starts. The light user of the
 * fair-mode scenario. Its demand is CPU time, not busy wall time, so that
 * it stays the same when it shares a CPU with other users' threads (and
 * under emulation, where the two clocks drift apart): what it gets then
 * shows whether a cap cut it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	const long long slice = 10000000; /* 10 ms */
	double pct = argc > 1 ? atof(argv[1]) : 0;

	if (argc != 2 || pct <= 0 || pct > 100) {
		fprintf(stderr, "usage: t-duty PERCENT (0 < PERCENT <= 100)\n");
		return 2;
	}
	long long busy = (long long)(slice * pct / 100);
	long long next = ns(CLOCK_MONOTONIC);
	for (;;) {
		long long cpu0 = ns(CLOCK_THREAD_CPUTIME_ID);
		volatile unsigned long x = 0;
		while (ns(CLOCK_THREAD_CPUTIME_ID) - cpu0 < busy)
			x++;
		next += slice;
		/* behind (it waited for a CPU): start the next slice now */
		long long now = ns(CLOCK_MONOTONIC);
		if (next < now)
			next = now;
		struct timespec at = {next / 1000000000LL, next % 1000000000LL};
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, NULL);
	}
}
