/*
 * t-cpu-log PID MS: every MS milliseconds print "REALTIME_USEC CPU_USEC",
 * the wall clock (the clock of cgfaird's event timestamps) and the CPU
 * time all of PID's threads have used (its process CPU clock: the
 * scheduler's sum_exec_runtime, the figure the cgroup's CPU accounting
 * adds up), until PID is gone. A shell loop cannot do this in the
 * busybox guest (no sub-second date), and a script that samples between
 * commands runs seconds behind in an emulated guest; this one writes each
 * line with its own time stamp, so a late sample is still a true one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long usec(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return -1;
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	long pid = argc == 3 ? strtol(argv[1], NULL, 10) : 0;
	long ms = argc == 3 ? strtol(argv[2], NULL, 10) : 0;
	clockid_t clk;

	if (pid <= 0 || ms <= 0) {
		fprintf(stderr, "usage: t-cpu-log PID MS\n");
		return 2;
	}
	if (clock_getcpuclockid((pid_t)pid, &clk) != 0) {
		fprintf(stderr, "t-cpu-log: no process %ld\n", pid);
		return 1;
	}
	for (;;) {
		struct timespec gap = {ms / 1000, (ms % 1000) * 1000000L};
		long long cpu = usec(clk);
		if (cpu < 0)
			return 0; /* the process is gone (EINVAL) */
		printf("%lld %lld\n", usec(CLOCK_REALTIME), cpu);
		fflush(stdout);
		nanosleep(&gap, NULL);
	}
}
