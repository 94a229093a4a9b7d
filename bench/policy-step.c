/*
 * policy-step [-n USERS] [-a ACTIVE] [-c CPUS] [-s STEPS] [-m even|fair]
 *
 * CPU time of one policy step (policy/, pure: what cgfaird runs once an
 * interval over every user) at many users. USERS users (default 10,000),
 * of which ACTIVE (default 10%) use CPU, each a little more than the one
 * before (from 0.5 CPU up): the order in which max-min water-filling
 * serves the most rounds. The others are idle. The state carries from
 * step to step as in cgfaird; the first step (every cap new) is shown
 * apart. Prints the median, minimum and maximum of STEPS steps (default
 * 20) of CLOCK_PROCESS_CPUTIME_ID.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "policy/config.h"
#include "policy/policy.h"

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void no_event(void *arg, const struct policy_event *ev)
{
	(void)arg;
	(void)ev;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	size_t n = 10000, active = 0, steps = 20;
	unsigned ncpu = 64;
	const char *mode = "even";
	struct cgfair_config cfg;
	int c;

	while ((c = getopt(argc, argv, "n:a:c:s:m:")) != -1) {
		if (c == 'n')
			n = strtoul(optarg, NULL, 10);
		else if (c == 'a')
			active = strtoul(optarg, NULL, 10);
		else if (c == 'c')
			ncpu = (unsigned)strtoul(optarg, NULL, 10);
		else if (c == 's')
			steps = strtoul(optarg, NULL, 10);
		else if (c == 'm')
			mode = optarg;
		else
			return 2;
	}
	if (!active)
		active = n / 10;
	if (!n || active > n || !steps || !ncpu) {
		fprintf(stderr, "policy-step: bad arguments\n");
		return 2;
	}
	config_defaults(&cfg, 64ull << 30);
	cfg.cpu.mode = strcmp(mode, "fair") == 0 ? CONFIG_CPU_FAIR
						 : CONFIG_CPU_EVEN_ACTIVE;
	cfg.cpu.active_cpus = 0.25;
	struct policy_user *u = calloc(n, sizeof(*u));
	double *ms = calloc(steps, sizeof(*ms)), first = 0;
	if (!u || !ms)
		return 1;
	for (size_t i = 0; i < n; i++)
		u[i].uid = 10000 + (uint32_t)i;
	for (size_t s = 0; s <= steps; s++) {
		struct policy_machine m = {ncpu, (int64_t)s * 5000};
		for (size_t i = 0; i < n; i++) {
			struct policy_state st = u[i].st;
			memset(&u[i].out, 0, sizeof(u[i].out));
			u[i].cpu = i < active
				       ? 0.5 + 1.5 * (double)i / (double)active
				       : 0.001;
			u[i].mem_usage = 100u << 20;
			u[i].st = st;
		}
		double t0 = cpu_ms();
		policy_step(&cfg, &m, u, n, no_event, NULL);
		double t = cpu_ms() - t0;
		if (s == 0)
			first = t;
		else
			ms[s - 1] = t;
	}
	qsort(ms, steps, sizeof(*ms), cmp);
	printf("policy step, %s mode, %zu users (%zu active), %u CPUs: "
	       "median %.2f ms, min %.2f, max %.2f over %zu steps; first "
	       "step %.2f ms\n",
	       mode, n, active, ncpu, ms[(steps - 1) / 2], ms[0], ms[steps - 1],
	       steps, first);
	free(u);
	free(ms);
	config_free(&cfg);
	return 0;
}
