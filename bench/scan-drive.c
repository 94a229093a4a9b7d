/*
 * scan-drive: run cgfair-scanner alone, as the supervisor would (as root,
 * its socket on fd 3, sandboxed as --user), and drive it:
 *
 *   scan-drive [--scanner PATH] [--user NAME] [--v2] [--connector]
 *              --prefix /SUBTREE --cpuacct DIR --memory DIR
 *              [--min-uid N] [--max-uid N] [--quiet USEC] [--pause MS]
 *              COMMAND...
 *   --quiet    the request's quiet_usec (default 50000, cgfaird's at its
 *              default interval); 0: the scanner reads every user
 *   --pause    wait MS between two cycles (cold caches, as in service)
 *   COMMAND: cycles N   N usage cycles, one after the other
 *            sweep      one /proc sweep (ends with a cycle, as a marker)
 *            watch SEC  print strays as the connector reports them
 *
 * Prints one line per message ("STRAY pid uid start t_usec", "USER ...",
 * "DONE cycle scan_usec nusers ... nread N") and at the
 * end "SCANNER_CPU usec" (the scanner's whole CPU time, from wait4), so
 * that bench/cycle.sh can put the scanner's cost per cycle next to the
 * seed's way of scanning. Also a handy tool to watch placement decisions.
 */
#include "common/clock.h"
#include "ipc/ipc.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

static int sock = -1;
static uint32_t seq;
static bool verbose_users;
/* what cgfaird asks with its defaults: 1% of a CPU over 5 s */
static uint64_t quiet_usec = 50000;
static unsigned pause_ms; /* between two cycles */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static pid_t start_scanner(const char *exe, const char *user)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		die("socketpair");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (dup2(sv[1], IPC_FD) < 0)
			_exit(127);
		char *argv[] = {(char *)exe, "--user", (char *)user, NULL};
		execv(exe, argv);
		_exit(127);
	}
	close(sv[1]);
	sock = sv[0];
	return pid;
}

static int open_connector(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
				 .nl_groups = CN_IDX_PROC};
	enum proc_cn_mcast_op op = PROC_CN_MCAST_LISTEN;
	union {
		struct nlmsghdr nh;
		char buf[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(op))];
	} u;
	int size = 8 << 20;
	int fd =
	    socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("proc connector");
	memset(&u, 0, sizeof(u));
	u.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof(op));
	u.nh.nlmsg_type = NLMSG_DONE;
	struct cn_msg *cn = NLMSG_DATA(&u.nh);
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->len = sizeof(op);
	memcpy(cn->data, &op, sizeof(op));
	if (send(fd, &u, u.nh.nlmsg_len, 0) < 0)
		die("proc connector listen");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	return fd;
}

static void tell(uint32_t type, const void *p, size_t len, const int *fds,
		 int nfds)
{
	if (ipc_send(sock, type, ++seq, p, len, fds, nfds) < 0)
		die("ipc_send");
}

/* Wait for one message (timeout_ms < 0: forever); 0 on timeout. */
static int next_msg(struct ipc_msg *m, int timeout_ms)
{
	const char *why = NULL;

	for (;;) {
		int rc = ipc_recv(sock, ROLE_SCANNER, m, &why);
		if (rc == IPC_OK)
			return 1;
		if (rc == IPC_EOF) {
			fprintf(stderr, "scan-drive: the scanner exited\n");
			exit(1);
		}
		if (rc == IPC_INVALID) {
			fprintf(stderr, "scan-drive: invalid message: %s\n",
				why);
			exit(1);
		}
		if (rc == IPC_ERROR)
			die("ipc_recv");
		struct pollfd p = {.fd = sock, .events = POLLIN};
		if (poll(&p, 1, timeout_ms) == 0)
			return 0;
	}
}

static void print_msg(const struct ipc_msg *m)
{
	if (m->hdr.type == IPC_STRAY_PROC) {
		printf("STRAY %u %u %llu %llu\n", m->u.stray_proc.pid,
		       m->u.stray_proc.uid,
		       (unsigned long long)m->u.stray_proc.start_time,
		       (unsigned long long)clock_usec(CLOCK_MONOTONIC));
	} else if (m->hdr.type == IPC_SCAN_USERS && verbose_users) {
		for (uint32_t i = 0; i < m->u.scan_users.count; i++) {
			const struct ipc_user_usage *u =
			    &m->u.scan_users.user[i];
			printf("USER %u procs %u unplaced %u cpu %llu extra "
			       "%llu mem %llu cache %llu flags %u\n",
			       u->uid, u->nprocs, u->unplaced,
			       (unsigned long long)u->cpu_usec,
			       (unsigned long long)u->extra_usec,
			       (unsigned long long)u->mem_bytes,
			       (unsigned long long)u->mem_cache, u->flags);
		}
	}
}

/* One cycle: request, take every batch until DONE. */
static void cycle(uint64_t n)
{
	struct ipc_scan_request r = {.cycle = n, .quiet_usec = quiet_usec};
	struct ipc_msg m;

	if (pause_ms && n > 1)
		usleep(pause_ms * 1000);
	uint64_t w0 = clock_usec(CLOCK_MONOTONIC);
	uint64_t c0 = clock_usec(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t procs = 0;

	tell(IPC_SCAN_REQUEST, &r, sizeof(r), NULL, 0);
	for (;;) {
		next_msg(&m, -1);
		print_msg(&m);
		if (m.hdr.type == IPC_SCAN_USERS)
			for (uint32_t i = 0; i < m.u.scan_users.count; i++)
				procs += m.u.scan_users.user[i].nprocs;
		if (m.hdr.type == IPC_SCAN_DONE && m.u.scan_done.cycle == n)
			break;
	}
	printf(
	    "DONE %llu scan_usec %llu nusers %u nprocs %llu ncpus %u "
	    "wall_usec %llu drive_cpu_usec %llu mem_total %llu nread %u\n",
	    (unsigned long long)n, (unsigned long long)m.u.scan_done.scan_usec,
	    m.u.scan_done.nusers, (unsigned long long)procs,
	    m.u.scan_done.ncpus,
	    (unsigned long long)(clock_usec(CLOCK_MONOTONIC) - w0),
	    (unsigned long long)(clock_usec(CLOCK_PROCESS_CPUTIME_ID) - c0),
	    (unsigned long long)m.u.scan_done.mem_total, m.u.scan_done.nread);
}

static void watch(int seconds)
{
	struct ipc_msg m;
	uint64_t end =
	    clock_usec(CLOCK_MONOTONIC) + (uint64_t)seconds * 1000000;

	while (clock_usec(CLOCK_MONOTONIC) < end) {
		int left =
		    (int)((end - clock_usec(CLOCK_MONOTONIC)) / 1000) + 1;
		if (next_msg(&m, left))
			print_msg(&m);
		fflush(stdout);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: scan-drive [--scanner PATH] [--user NAME] "
			"[--v2] [--connector] [--users] --prefix P --cpuacct "
			"DIR --memory DIR [--min-uid N] [--max-uid N] "
			"[--quiet USEC] [--pause MS] "
			"cycles N | sweep | watch SEC ...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
	    {"scanner", required_argument, NULL, 's'},
	    {"user", required_argument, NULL, 'u'},
	    {"v2", no_argument, NULL, '2'},
	    {"connector", no_argument, NULL, 'c'},
	    {"users", no_argument, NULL, 'U'},
	    {"prefix", required_argument, NULL, 'p'},
	    {"cpuacct", required_argument, NULL, 'a'},
	    {"memory", required_argument, NULL, 'm'},
	    {"min-uid", required_argument, NULL, 'n'},
	    {"max-uid", required_argument, NULL, 'x'},
	    {"quiet", required_argument, NULL, 'q'},
	    {"pause", required_argument, NULL, 'P'},
	    {NULL, 0, NULL, 0}};
	struct ipc_scan_setup setup = {.hierarchy = HIER_V1, .min_uid = 1000};
	const char *exe = "build/cgfair-scanner", *user = "cgfair";
	bool conn = false;
	int c;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			exe = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case '2':
			setup.hierarchy = HIER_V2;
			break;
		case 'c':
			conn = true;
			break;
		case 'U':
			verbose_users = true;
			break;
		case 'p':
			snprintf(setup.prefix, sizeof(setup.prefix), "%s",
				 optarg);
			break;
		case 'a':
			snprintf(setup.cpuacct_dir, sizeof(setup.cpuacct_dir),
				 "%s", optarg);
			break;
		case 'm':
			snprintf(setup.memory_dir, sizeof(setup.memory_dir),
				 "%s", optarg);
			break;
		case 'n':
			setup.min_uid = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'x':
			setup.max_uid = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'q':
			quiet_usec = strtoull(optarg, NULL, 10);
			break;
		case 'P':
			pause_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	if (optind >= argc || !setup.prefix[0] || !setup.cpuacct_dir[0] ||
	    !setup.memory_dir[0])
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	int cfd = conn ? open_connector() : -1;
	pid_t pid = start_scanner(exe, user);
	tell(IPC_SCAN_SETUP, &setup, sizeof(setup), NULL, 0);
	if (cfd >= 0)
		tell(IPC_PROC_CONNECTOR, &(struct ipc_listen){0},
		     sizeof(struct ipc_listen), &cfd, 1);
	uint64_t n = 0;
	for (int i = optind; i < argc; i++) {
		if (strcmp(argv[i], "cycles") == 0 && i + 1 < argc) {
			long k = atol(argv[++i]);
			for (long j = 0; j < k; j++)
				cycle(++n);
		} else if (strcmp(argv[i], "sweep") == 0) {
			struct ipc_sweep_request r = {0};
			tell(IPC_SWEEP_REQUEST, &r, sizeof(r), NULL, 0);
			cycle(++n);
		} else if (strcmp(argv[i], "watch") == 0 && i + 1 < argc) {
			watch(atoi(argv[++i]));
		} else {
			usage();
		}
	}
	close(sock);
	struct rusage ru;
	int st;
	if (wait4(pid, &st, 0, &ru) < 0)
		die("wait4");
	printf(
	    "SCANNER_CPU %llu exit %d\n",
	    (unsigned long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
		    1000000ull +
		(unsigned long long)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec),
	    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return 0;
}
