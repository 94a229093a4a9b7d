/*
 * t-backend-cli: drive cgfair's real cgroup backend from the shell tests
 * (integration on this host, the VM scenarios). Test-only.
 *
 * t-backend-cli [--backend B] [--subtree S] [--mount M] [--mountinfo F]
 *               [--dry-run] [--debug] [--caps] COMMAND [ARGS] [-- COMMAND...]
 * --caps: after backend_init, keep only the supervisor's capabilities
 * (caps_reduce() of supervisor/caps.c), in cgfaird's order.
 *   info                    backend name
 *   ensure UID
 *   set-cpu UID QUOTA|max PERIOD [WEIGHT]
 *   set-mem UID BYTES|max [SWAP|max] [USAGE]   prints "again" on a step
 *   move UID PID
 *   remove UID              exit 16 while busy (EBUSY)
 *   read UID                cpu_quota= cpu_period= cpu_weight= mem_max=
 *                           swap_max= ("max" for no limit)
 *   arm-oom UID             kind= nfds= oom_kill= (or oom_kill=unknown)
 *   release [keep-memory]
 *   scan-setup
 * Several commands separated by "--" run in one process (systemd's
 * release only lifts what this process set).
 * Exit: 0, 1 a command failed (16 for EBUSY), 2 usage, 6 no backend.
 */
#include "supervisor/backend.h"
#include "supervisor/caps.h"
#include "common/log.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr,
		"usage: t-backend-cli [--backend B] [--subtree S] [--mount M] "
		"[--mountinfo F] [--dry-run] [--debug] [--caps] COMMAND [ARGS] "
		"[-- COMMAND...]\n");
	exit(2);
}

static uint64_t num(const char *s)
{
	char *end;
	unsigned long long v;

	if (strcmp(s, "max") == 0 || strcmp(s, "-1") == 0)
		return LIMIT_NONE;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || *s < '0' || *s > '9')
		usage();
	return v;
}

static void print_u64(const char *key, uint64_t v)
{
	if (v == LIMIT_NONE)
		printf("%s=max", key);
	else
		printf("%s=%" PRIu64, key, v);
}

static int cmd_read(uid_t uid)
{
	struct cpu_limit c;
	struct mem_limit m;
	int r = backend_read_limits(uid, &c, &m);

	if (r < 0)
		return r;
	print_u64("cpu_quota", c.quota_usec);
	print_u64(" cpu_period", c.period_usec);
	print_u64(" cpu_weight", c.weight);
	print_u64(" mem_max", m.max);
	print_u64(" swap_max", m.swap_max);
	printf("\n");
	return 0;
}

static int cmd_arm(uid_t uid)
{
	struct oom_source src;
	int r = backend_arm_oom(uid, &src);

	if (r < 0)
		return r;
	printf("kind=%s nfds=%d oom_kill=",
	       src.kind == OOM_V1_EVENTFD ? "v1-eventfd" : "v2-events",
	       src.nfds);
	if (src.has_counter)
		printf("%" PRIu64 "\n", src.oom_kill);
	else
		printf("unknown\n");
	for (int i = 0; i < src.nfds; i++)
		close(src.fds[i]);
	return 0;
}

static void cmd_scan_setup(void)
{
	struct ipc_scan_setup s;

	backend_scan_setup(&s);
	printf("hierarchy=%u systemd_names=%u prefix=%s cpuacct_dir=%s "
	       "memory_dir=%s\n",
	       s.hierarchy, s.systemd_names, s.prefix, s.cpuacct_dir,
	       s.memory_dir);
}

static int cmd_set_mem(int argc, char **argv, uid_t uid)
{
	struct mem_limit m = {.max = num(argv[2]), .swap_max = 0};
	int r;

	if (argc > 3)
		m.swap_max = num(argv[3]);
	r = backend_set_memory(uid, &m, argc > 4 ? num(argv[4]) : 0);
	if (r == BACKEND_AGAIN)
		printf("again\n");
	return r;
}

/* One command: argv[0] is its name. */
static int run(int argc, char **argv)
{
	const char *c = argv[0];
	uid_t uid = 0;

	if (strcmp(c, "info") == 0) {
		printf("%s\n", backend_name());
		return 0;
	}
	if (strcmp(c, "scan-setup") == 0) {
		cmd_scan_setup();
		return 0;
	}
	if (strcmp(c, "release") == 0)
		return backend_release_all(argc > 1 &&
					   strcmp(argv[1], "keep-memory") == 0);
	if (argc < 2)
		usage();
	uid = (uid_t)num(argv[1]);
	if (strcmp(c, "ensure") == 0)
		return backend_ensure_user(uid);
	if (strcmp(c, "remove") == 0)
		return backend_remove_user(uid);
	if (strcmp(c, "read") == 0)
		return cmd_read(uid);
	if (strcmp(c, "arm-oom") == 0)
		return cmd_arm(uid);
	if (argc < 3)
		usage();
	if (strcmp(c, "move") == 0)
		return backend_move_pid(uid, (pid_t)num(argv[2]));
	if (strcmp(c, "set-mem") == 0)
		return cmd_set_mem(argc, argv, uid);
	if (strcmp(c, "set-cpu") == 0 && argc >= 4) {
		struct cpu_limit l = {.quota_usec = num(argv[2]),
				      .period_usec = num(argv[3]),
				      .weight = argc > 4 ? num(argv[4]) : 0};
		return backend_set_cpu(uid, &l);
	}
	usage();
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"backend", required_argument, NULL, 'b'},
	    {"subtree", required_argument, NULL, 's'},
	    {"mount", required_argument, NULL, 'm'},
	    {"mountinfo", required_argument, NULL, 'i'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"debug", no_argument, NULL, 'd'},
	    {"caps", no_argument, NULL, 'c'},
	    {NULL, 0, NULL, 0}};
	struct backend_params p = {
	    .which = "auto", .subtree = "cgfair", .mount = "/sys/fs/cgroup"};
	bool debug = false, caps = false;
	char err[256];
	int c, r = 0;

	while ((c = getopt_long(argc, argv, "+b:s:m:i:ndc", lopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'b':
			p.which = optarg;
			break;
		case 's':
			p.subtree = optarg;
			break;
		case 'm':
			p.mount = optarg;
			break;
		case 'i':
			p.mountinfo = optarg;
			break;
		case 'n':
			p.dry_run = true;
			break;
		case 'd':
			debug = true;
			break;
		case 'c':
			caps = true;
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	log_init("t-backend-cli", debug, false);
	if (backend_init(&p, err, sizeof(err)) < 0) {
		fprintf(stderr, "t-backend-cli: %s\n", err);
		return 6;
	}
	if (caps)
		caps_reduce();
	for (int i = optind; i < argc && r >= 0;) {
		int j = i;
		while (j < argc && strcmp(argv[j], "--") != 0)
			j++;
		if (j == i)
			usage();
		r = run(j - i, argv + i);
		if (r < 0)
			fprintf(stderr, "t-backend-cli: %s: %s\n", argv[i],
				strerror(-r));
		i = j + 1;
	}
	backend_fini();
	return r == -EBUSY ? 16 : r < 0 ? 1 : 0;
}
