/*
 * seed-scan [-n CYCLES] [-m MIN_UID]: the seed's way of measuring usage,
 * as a baseline for bench/cycle.sh. Each cycle walks /proc/[0-9]*, stats
 * each entry for its owner, reads each managed process's /proc/PID/stat
 * and sums utime+stime per uid (Cgroup Py v.2 did this with psutil every
 * interval). Prints "cycle N cpu_usec U procs P users K" per cycle, CPU
 * time of this process only (CLOCK_PROCESS_CPUTIME_ID).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#define MAX_UID 131072

static uint64_t cpu_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
}

/* utime + stime: fields 14 and 15, counted after the last ')' */
static uint64_t stat_ticks(const char *buf)
{
	const char *p = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;

	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%llu %llu",
			 &ut, &st) != 2)
		return 0;
	return ut + st;
}

int main(int argc, char **argv)
{
	static uint64_t ticks[MAX_UID];
	long cycles = 5, min_uid = 1000;
	int c;

	while ((c = getopt(argc, argv, "n:m:")) != -1) {
		if (c == 'n')
			cycles = atol(optarg);
		else if (c == 'm')
			min_uid = atol(optarg);
		else
			return 2;
	}
	for (long n = 1; n <= cycles; n++) {
		uint64_t t0 = cpu_usec();
		long procs = 0, users = 0;
		memset(ticks, 0, sizeof(ticks));
		DIR *d = opendir("/proc");
		for (struct dirent *e; d && (e = readdir(d));) {
			char path[300], buf[1024];
			struct stat st;
			if (e->d_name[0] < '0' || e->d_name[0] > '9')
				continue;
			snprintf(path, sizeof(path), "/proc/%s", e->d_name);
			if (stat(path, &st) < 0 || st.st_uid < (uid_t)min_uid ||
			    st.st_uid >= MAX_UID)
				continue;
			strcat(path, "/stat");
			int fd = open(path, O_RDONLY);
			if (fd < 0)
				continue;
			ssize_t k = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (k <= 0)
				continue;
			buf[k] = '\0';
			if (!ticks[st.st_uid])
				users++;
			ticks[st.st_uid] += stat_ticks(buf) + 1;
			procs++;
		}
		if (d)
			closedir(d);
		printf("cycle %ld cpu_usec %llu procs %ld users %ld\n", n,
		       (unsigned long long)(cpu_usec() - t0), procs, users);
	}
	return 0;
}
