/*
 * sleepers -u FIRST_UID [-U NUSERS] [-n NPROCS] [-t THREADS] [-c SUBTREE]
 *
 * Start NPROCS small sleeping processes (THREADS threads each, default 1)
 * under bare uids FIRST_UID .. FIRST_UID+NUSERS-1, round robin. With -c,
 * each process first puts itself in /sys/fs/cgroup/{cpu,cpuacct,memory}/
 * SUBTREE/user-UID (made here if missing), as cgfair would have placed
 * it. Prints "ready N" with the pids on one line ("pids P..."), then
 * waits; on SIGTERM/SIGINT it kills and reaps them all. For bench/cycle.sh
 * (1,000 users, 20,000 processes) and the integration test's 16-thread process.
 */
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const char *const ctls[] = {"cpu", "cpuacct", "memory"};

static void *nap(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static int join_cgroup(const char *sub, unsigned uid)
{
	char path[512];

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s", ctls[i],
			 sub);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/%s/user-%u",
			 ctls[i], sub, uid);
		mkdir(path, 0755);
		strcat(path, "/cgroup.procs");
		int fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0 || write(fd, "0", 1) != 1)
			return -1;
		close(fd);
	}
	return 0;
}

static void child(int ready, unsigned uid, int threads, const char *sub)
{
	if (sub && join_cgroup(sub, uid) < 0)
		_exit(120);
	if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
	    setresuid(uid, uid, uid) < 0)
		_exit(121);
	for (int i = 1; i < threads; i++) {
		pthread_t t;
		pthread_attr_t a;
		pthread_attr_init(&a);
		pthread_attr_setstacksize(&a, 64 * 1024);
		if (pthread_create(&t, &a, nap, NULL) != 0)
			_exit(122);
	}
	if (write(ready, "r", 1) != 1)
		_exit(123);
	close(ready);
	nap(NULL);
}

int main(int argc, char **argv)
{
	long first = -1, nusers = 1, nprocs = 1, threads = 1;
	const char *sub = NULL;
	int c, p[2];

	while ((c = getopt(argc, argv, "u:U:n:t:c:")) != -1) {
		switch (c) {
		case 'u':
			first = atol(optarg);
			break;
		case 'U':
			nusers = atol(optarg);
			break;
		case 'n':
			nprocs = atol(optarg);
			break;
		case 't':
			threads = atol(optarg);
			break;
		case 'c':
			sub = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (first <= 0 || nusers <= 0 || nprocs <= 0 || threads <= 0)
		goto usage;
	pid_t *pids = calloc((size_t)nprocs, sizeof(*pids));
	if (!pids || pipe(p) < 0)
		return 1;
	/* taken with sigwait; the children are killed with SIGKILL */
	sigset_t set;
	int sig;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	long started = 0;
	for (; started < nprocs; started++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("sleepers: fork");
			break;
		}
		if (pid == 0) {
			close(p[0]);
			child(p[1], (unsigned)(first + started % nusers),
			      (int)threads, sub);
		}
		pids[started] = pid;
	}
	close(p[1]);
	long ok = 0;
	char b;
	while (ok < started && read(p[0], &b, 1) == 1)
		ok++;
	printf("ready %ld\npids", ok);
	for (long i = 0; i < started && i < 64; i++)
		printf(" %d", (int)pids[i]);
	printf("\n");
	fflush(stdout);
	sigwait(&set, &sig);
	for (long i = 0; i < started; i++)
		kill(pids[i], SIGKILL);
	for (long i = 0; i < started; i++)
		waitpid(pids[i], NULL, 0);
	return ok == nprocs ? 0 : 1;
usage:
	fprintf(stderr, "usage: sleepers -u FIRST_UID [-U NUSERS] [-n NPROCS] "
			"[-t THREADS] [-c SUBTREE]\n");
	return 2;
}
