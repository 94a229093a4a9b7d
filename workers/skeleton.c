/*
 * The common body of cgfair's workers. A worker is started by the
 * supervisor with its IPC socket on IPC_FD, enters its sandbox, then runs
 * an sd-event loop that answers pings and passes the role's messages to the
 * role. It exits when the supervisor closes the socket, and on the first
 * message it does not expect: the supervisor then restarts it.
 */
#include "workers/skeleton.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

static const struct skeleton_role *self;
static bool test_hooks;
static uint32_t send_seq;

void skeleton_send(uint32_t type, const void *payload, size_t len,
		   const int *fds, int nfds)
{
	if (ipc_send(IPC_FD, type, ++send_seq, payload, len, fds, nfds) < 0)
		fatal(EXIT_IPC, "sending %s", ipc_type_name(type));
}

static void send_pong(const struct ipc_ping *ping)
{
	struct ipc_pong pong = {.nonce = ping->nonce};
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		pong.cpu_usec =
		    (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) *
			1000000u +
		    (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
		pong.maxrss_kb = (uint64_t)ru.ru_maxrss;
	}
	skeleton_send(IPC_PONG, &pong, sizeof(pong), NULL, 0);
}

/* Test hook (--debug only): make a call the sandbox forbids. Reaching the
 * line after the call means the sandbox failed, which is fatal too. */
static void forbidden_call(uint32_t call)
{
	log_warnx("test hook: making forbidden call %u", call);
	switch (call) {
	case TEST_OPEN_WRITE:
		(void)!open("/tmp/cgfair-sandbox-test", O_WRONLY | O_CREAT,
			    0600);
		break;
	case TEST_SOCKET:
		(void)!socket(AF_INET, SOCK_STREAM, 0);
		break;
	case TEST_EXECVE: {
		char *const argv[] = {"true", NULL};
		execve("/bin/true", argv, argv + 1);
		break;
	}
	case TEST_FCNTL_ASYNC:
		(void)!fcntl(IPC_FD, F_SETFL, O_ASYNC | O_NONBLOCK);
		break;
	case TEST_SENDMSG_OTHER: {
		struct msghdr mh = {0};
		/* stderr: a pipe, but the filter decides on the number */
		(void)!sendmsg(STDERR_FILENO, &mh, 0);
		break;
	}
	}
	fatalx(EXIT_SANDBOX, "forbidden call %u was allowed", call);
}

static int on_ipc(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	sd_event *event = sd_event_source_get_event(s);
	struct ipc_msg msg;
	const char *why = NULL;
	(void)data;
	(void)revents;

	for (;;) {
		int rc = ipc_recv(fd, ROLE_SUPERVISOR, &msg, &why);
		if (rc == IPC_AGAIN)
			return 0;
		if (rc == IPC_EOF) {
			log_debug("supervisor closed the socket, exiting");
			exit(EXIT_OK);
		}
		if (rc == IPC_ERROR)
			fatal(EXIT_IPC, "recvmsg");
		if (rc == IPC_INVALID)
			fatalx(EXIT_IPC, "invalid message from supervisor: %s",
			       why);
		switch (msg.hdr.type) {
		case IPC_PING:
			send_pong(&msg.u.ping);
			break;
		case IPC_TEST_SYSCALL:
			if (!test_hooks)
				fatalx(EXIT_IPC, "test message without "
						 "--debug");
			forbidden_call(msg.u.test_syscall.call);
			break;
		default:
			if (!self->handle || !self->handle(event, &msg))
				fatalx(EXIT_IPC, "unexpected %s for %s",
				       ipc_type_name(msg.hdr.type), self->name);
		}
	}
}

static int on_never(sd_event_source *s, uint64_t usec, void *data)
{
	(void)s;
	(void)usec;
	(void)data;
	return 0;
}

/* sd-event spreads timers by a value it takes from the boot id, read (an
 * open of /proc/sys/kernel/random/boot_id) when it first arms a timer
 * with some slack. Under the unit's ProcSubset=pid that file is hidden:
 * the read fails, and sd-event would try again at the first such timer,
 * inside the sandbox, where the open kills the worker (the OOM watcher's
 * recheck timer, at the first OOM kill). Arming one timer now, before the
 * sandbox, settles the value for good (0 without a boot id). */
static void settle_timer_slack(sd_event *event)
{
	sd_event_source *s = NULL;

	if (sd_event_add_time_relative(event, &s, CLOCK_MONOTONIC,
				       3600 * 1000000ULL, 60 * 1000000ULL,
				       on_never, NULL) < 0 ||
	    sd_event_run(event, 0) < 0)
		fatalx(EXIT_FATAL, "cannot arm sd-event's first timer");
	sd_event_source_disable_unref(s);
}

static void check_ipc_fd(void)
{
	struct stat st;
	int type;
	socklen_t len = sizeof(type);

	if (fstat(IPC_FD, &st) < 0 || !S_ISSOCK(st.st_mode) ||
	    getsockopt(IPC_FD, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
	    type != SOCK_SEQPACKET)
		fatalx(EXIT_USAGE,
		       "fd %d is not the supervisor's socket; "
		       "workers are started by cgfaird",
		       IPC_FD);
	/* keep it out of anything a worker might exec (it may not) */
	fcntl(IPC_FD, F_SETFD, FD_CLOEXEC);
}

bool skeleton_network;

int skeleton_main(int argc, char **argv, const struct skeleton_role *role)
{
	static const struct option opts[] = {
	    {"user", required_argument, NULL, 'u'},
	    {"chroot", required_argument, NULL, 'c'},
	    {"debug", no_argument, NULL, 'd'},
	    {"network", no_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0}};
	struct sandbox sb = {.user = "cgfair",
			     .allow = role->allow,
			     .max_file = role->max_file,
			     .extra_group = role->extra_group};
	const char *chroot_dir = NULL;
	sd_event *event = NULL;
	int c;

	self = role;
	/* exec'd from an open file (execveat, AT_EMPTY_PATH), the process is
	 * named after the fd's number on kernels before 6.14: give it its
	 * own name back (ps, pgrep, the SELinux tests) */
	prctl(PR_SET_NAME, role->name);
	log_init(role->name, false, false);
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			sb.user = optarg;
			break;
		case 'c':
			chroot_dir = optarg;
			break;
		case 'n':
			skeleton_network = true;
			break;
		case 'd':
			test_hooks = true;
			sb.report_violations = true;
			log_init(role->name, true, false);
			break;
		default:
			fatalx(EXIT_USAGE,
			       "usage: %s --user NAME [--chroot "
			       "DIR] [--network] [--debug]",
			       role->name);
		}
	}
	if (role->chroot) {
		if (!chroot_dir)
			fatalx(EXIT_USAGE, "%s needs --chroot", role->name);
		sb.chroot_dir = chroot_dir;
	}
	check_ipc_fd();
	/* the supervisor stops us by closing the socket; a ^C in a terminal
	 * or a SIGHUP to the whole unit is for the supervisor only */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN); /* a reload is the supervisor's business */
	signal(SIGPIPE, SIG_IGN);
	if (sd_event_default(&event) < 0)
		fatalx(EXIT_FATAL, "sd_event_default failed");
	settle_timer_slack(event);
	if (sd_event_add_io(event, NULL, IPC_FD, EPOLLIN, on_ipc, NULL) < 0)
		fatalx(EXIT_FATAL, "sd_event_add_io failed");
	if (role->init)
		role->init(event);
	sandbox_enter(&sb);
	log_debug("sandboxed, serving");
	int r = sd_event_loop(event);
	fatalx(EXIT_FATAL, "event loop ended: %s", strerror(-r));
}
