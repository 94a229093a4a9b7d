/*
 * place-storm -u UID0 -U NUSERS -s SUBTREE [-g GID] [-r RATE] [-d SECS]
 *             [-l LIFE_MS] [-e SAMPLE_EVERY]
 *
 * A storm of short processes for bench/placement.sh --storm: RATE
 * processes a second (default 5000) for SECS seconds (10), round robin
 * over uids UID0..UID0+NUSERS-1, each living LIFE_MS (50) after its exec.
 * Each child takes the time, becomes its uid (setgroups, setresgid to GID
 * or, without -g, to the uid, setresuid) and execs this program again
 * (--probe), which at its end
 * checks that /proc/self/cgroup names /SUBTREE/user-UID in cpu, cpuacct
 * and memory (v1) or in the unified line (v2). Every SAMPLE_EVERY-th
 * (default 50) also polls that file every 50 us from its start, for the
 * exec-to-placed latency (polling every process would take the CPUs the
 * placers need). Each probe writes one record to a pipe; at the end:
 *   spawned N secs S rate R placed P wrong W lost L sampled K
 *   median_us M p99_us P99 max_us X late T
 * (late: sampled ones not placed within their life). Exit 1 unless every
 * process was placed by its end. The binary must be executable by the
 * uids (the bench copies it to a world-readable place).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

struct rec {
	int32_t placed_at_end; /* 1 yes, 0 no, -1 could not tell */
	int32_t sampled;
	int64_t lat_ns; /* -1: not placed within its life, or not sampled */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* 1 placed, 0 not, -1 unreadable */
static int placed(const char *want)
{
	char buf[4096];
	size_t wl = strlen(want);
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC), ok = 0,
	    bad = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		char *c1 = strchr(l, ':'),
		     *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2++ = '\0';
		bool v2 = c1[1] == '\0', want_line = v2;
		for (char *s, *ctl = strtok_r(c1 + 1, ",", &s); ctl;
		     ctl = strtok_r(NULL, ",", &s))
			want_line |= !strcmp(ctl, "cpu") ||
				     !strcmp(ctl, "cpuacct") ||
				     !strcmp(ctl, "memory");
		if (!want_line)
			continue;
		if (strncmp(c2, want, wl) == 0 &&
		    (c2[wl] == '\0' || c2[wl] == '/'))
			ok++;
		else if (!v2)
			bad++;
	}
	return ok > 0 && !bad;
}

static int probe(char **argv)
{
	const char *want = argv[2];
	uint64_t t0 = strtoull(argv[3], NULL, 10);
	uint64_t life = strtoull(argv[4], NULL, 10) * 1000000u;
	struct rec r = {.sampled = atoi(argv[5]), .lat_ns = -1};
	int fd = atoi(argv[6]);
	struct timespec pause = {0, 50000};

	if (r.sampled)
		while (now_ns() - t0 < life) {
			if (placed(want) == 1) {
				r.lat_ns = (int64_t)(now_ns() - t0);
				break;
			}
			nanosleep(&pause, NULL);
		}
	uint64_t t = now_ns();
	if (t - t0 < life) {
		struct timespec rest = {0, (long)(life - (t - t0))};
		nanosleep(&rest, NULL);
	}
	r.placed_at_end = placed(want);
	return write(fd, &r, sizeof(r)) == sizeof(r) ? 0 : 1;
}

struct tally {
	long got, ok, wrong, nsamp, late;
	int64_t *lat;
};

/* The records that are there (all of them when fd blocks). */
static void take(int fd, struct tally *t)
{
	struct rec r;

	while (read(fd, &r, sizeof(r)) == sizeof(r)) {
		t->got++;
		t->ok += r.placed_at_end == 1;
		t->wrong += r.placed_at_end != 1;
		if (!r.sampled)
			continue;
		if (r.lat_ns < 0)
			t->late++;
		else
			t->lat[t->nsamp++] = r.lat_ns;
	}
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	long uid0 = -1, nusers = 1, rate = 5000, secs = 10, life = 50,
	     every = 50, gid = -1;
	const char *sub = NULL;
	int c, p[2];

	if (argc == 7 && strcmp(argv[1], "--probe") == 0)
		return probe(argv);
	while ((c = getopt(argc, argv, "u:U:s:g:r:d:l:e:")) != -1) {
		long v = atol(optarg ? optarg : "0");
		if (c == 'u')
			uid0 = v;
		else if (c == 'U')
			nusers = v;
		else if (c == 's')
			sub = optarg;
		else if (c == 'g')
			gid = v;
		else if (c == 'r')
			rate = v;
		else if (c == 'd')
			secs = v;
		else if (c == 'l')
			life = v;
		else if (c == 'e')
			every = v;
		else
			return 2;
	}
	if (uid0 <= 0 || nusers <= 0 || !sub || rate <= 0 || secs <= 0 ||
	    life <= 0 || every <= 0) {
		fprintf(stderr, "usage: place-storm -u UID0 -U NUSERS -s "
				"SUBTREE [-g GID] [-r RATE] [-d SECS] "
				"[-l LIFE_MS] [-e SAMPLE_EVERY]\n");
		return 2;
	}
	char self[4096];
	ssize_t sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (sl <= 0 || pipe(p) < 0)
		return 1;
	/* the records are taken between forks too: a probe that waits to
	 * write stays alive (a first version read only at the end: 26,000
	 * probes waited) */
	(void)fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
	(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
	self[sl] = '\0';
	signal(SIGCHLD, SIG_IGN); /* no zombies: the probes report by pipe */
	prctl(PR_SET_TIMERSLACK, 1UL);
	long total = rate * secs, spawned = 0;
	struct tally tl = {0};
	tl.lat = calloc((size_t)total / (size_t)every + 2, sizeof(*tl.lat));
	if (!tl.lat)
		return 1;
	uint64_t start = now_ns(), gap = 1000000000u / (uint64_t)rate;
	for (long i = 0; i < total; i++) {
		uint64_t at = start + (uint64_t)i * gap, t = now_ns();
		if (t < at) {
			struct timespec d = {0, (long)(at - t)};
			nanosleep(&d, NULL);
		}
		long uid = uid0 + i % nusers, g = gid >= 0 ? gid : uid;
		pid_t pid = fork();
		if (pid == 0) {
			char want[256], t0s[32], lifes[32], fds[16];
			uint64_t t0 = now_ns();
			close(p[0]);
			snprintf(want, sizeof(want), "/%s/user-%ld", sub, uid);
			snprintf(t0s, sizeof(t0s), "%llu",
				 (unsigned long long)t0);
			snprintf(lifes, sizeof(lifes), "%ld", life);
			snprintf(fds, sizeof(fds), "%d", p[1]);
			if (setgroups(0, NULL) < 0 ||
			    setresgid((gid_t)g, (gid_t)g, (gid_t)g) < 0 ||
			    setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) < 0)
				_exit(127);
			execl(self, self, "--probe", want, t0s, lifes,
			      i % every == 0 ? "1" : "0", fds, (char *)NULL);
			_exit(127);
		}
		if (pid > 0)
			spawned++;
		take(p[0], &tl);
	}
	double took = (double)(now_ns() - start) / 1e9;
	close(p[1]);
	(void)fcntl(p[0], F_SETFL, 0);
	take(p[0], &tl); /* blocking now: until every probe has written */
	long got = tl.got, ok = tl.ok, wrong = tl.wrong, nsamp = tl.nsamp,
	     late = tl.late;
	int64_t *lat = tl.lat;
	qsort(lat, (size_t)nsamp, sizeof(*lat), cmp);
	size_t p99 = nsamp ? ((size_t)nsamp * 99 + 99) / 100 - 1 : 0;
	printf("spawned %ld secs %.2f rate %.0f placed %ld wrong %ld lost %ld "
	       "sampled %ld median_us %.0f p99_us %.0f max_us %.0f late %ld\n",
	       spawned, took, (double)spawned / took, ok, wrong, spawned - got,
	       nsamp + late, nsamp ? (double)lat[(nsamp - 1) / 2] / 1e3 : -1.0,
	       nsamp ? (double)lat[p99] / 1e3 : -1.0,
	       nsamp ? (double)lat[nsamp - 1] / 1e3 : -1.0, late);
	free(lat);
	return wrong || spawned != got || late ? 1 : 0;
}
