/*
 * t-forkbomb MAX HOLD [WAIT]
 *
 * A bounded fork bomb for the max_tasks scenario: first, when WAIT is
 * given, wait (up to 30 s) until /proc/self/cgroup contains WAIT (the
 * daemon has placed this process in its user's cgroup); then fork
 * children that only sleep, until fork fails or MAX children run; print
 * "forked N (errno)" and hold them HOLD seconds (the test checks the
 * machine meanwhile); then kill them all and exit 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

static int placed(const char *want)
{
	char buf[4096];
	FILE *f = fopen("/proc/self/cgroup", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = '\0';
	return strstr(buf, want) != NULL;
}

int main(int argc, char **argv)
{
	long max, hold, n = 0;
	pid_t *kids;
	int err = 0;

	if (argc < 3 || (max = atol(argv[1])) <= 0 || max > 100000 ||
	    (hold = atol(argv[2])) < 0) {
		fprintf(stderr, "usage: t-forkbomb MAX HOLD [WAIT]\n");
		return 2;
	}
	for (int i = 0; argc > 3 && !placed(argv[3]); i++) {
		if (i == 300) {
			fprintf(stderr, "t-forkbomb: never placed\n");
			return 1;
		}
		usleep(100000);
	}
	kids = calloc((size_t)max, sizeof(*kids));
	if (!kids)
		return 1;
	for (; n < max; n++) {
		pid_t p = fork();
		if (p < 0) {
			err = errno;
			break;
		}
		if (p == 0) {
			pause();
			_exit(0);
		}
		kids[n] = p;
	}
	printf("forked %ld (%s)\n", n, err ? strerror(err) : "no error");
	fflush(stdout);
	sleep((unsigned)hold);
	for (long i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	return 0;
}
