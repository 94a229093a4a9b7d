/*
 * t-oomd: the OOM path of cgfaird without its control loop, for the
 * integration test, the VM scenario and the benchmark. Test-only.
 *
 * It is the supervisor's own code (supervisor/workers.c, oom.c, events.c,
 * users.c and the real backend) around a loop that takes commands on stdin
 * instead of the scanner and the policy, and it runs the real
 * cgfair-oomwatch pool, sandboxed, from --libexec.
 *
 * t-oomd --libexec DIR --subtree NAME --log FILE [--backend B]
 *        [--watchers K] [--detail-wait MS] [--no-kmsg] [--journal]
 *        [--debug]
 * Commands, one per line; each answers "ok CMD ..." or "err CMD why":
 *   add UID BYTES     the user's cgroup, memory limit BYTES (swap none)
 *   move UID PID      put a process into it
 *   remove UID        remove the user (exit 16 style: "err remove busy")
 *   watchers          "ok watchers PID PID..." (the pool, index order)
 *   hup               reopen the event log (SIGHUP does too)
 * EOF or SIGTERM: users removed, the subtree released, workers stopped.
 * "ready" is printed once every worker answered its first ping.
 */
#include "supervisor/backend.h"
#include "supervisor/cgfaird.h"
#include "supervisor/events.h"
#include "supervisor/oom.h"
#include "supervisor/users.h"
#include "common/log.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

struct options opts = {.worker_user = "cgfair", .foreground = true};

static sd_event *event;
static sd_event_source *ready_check;
static char line[512];
static size_t line_len;

sd_event *supervisor_event(void)
{
	return event;
}

void supervisor_status(const char *fmt, ...)
{
	(void)fmt;
}

static void reply(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void reply(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void collect(struct user *u, void *arg)
{
	uid_t *uids = arg;
	for (int i = 0; i < 64; i++)
		if (uids[i] == 0) {
			uids[i] = u->uid;
			return;
		}
}

static void on_stopped(void)
{
	sd_event_exit(event, 0);
}

/* Users removed (disarmed first), the subtree released, workers stopped. */
static void shutdown_all(void)
{
	uid_t uids[64] = {0};

	users_foreach(collect, uids);
	for (int i = 0; i < 64 && uids[i]; i++)
		user_remove(uids[i]);
	backend_release_all(false);
	events_close();
	workers_stop(on_stopped);
}

static void cmd_add(uid_t uid, uint64_t bytes)
{
	struct mem_limit l = {.max = bytes, .swap_max = 0};
	struct user *u = user_ensure(uid);
	int r;

	if (!u) {
		reply("err add %u cgroup", (unsigned)uid);
		return;
	}
	r = backend_set_memory(uid, &l, 0);
	if (r < 0)
		reply("err add %u %s", (unsigned)uid, strerror(-r));
	else
		reply("ok add %u", (unsigned)uid);
}

static void cmd_watchers(void)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "ok watchers");

	for (unsigned i = 0; i < 8; i++) {
		struct worker *w = worker_get(ROLE_OOMWATCH, i);
		if (!w || n < 0 || (size_t)n >= sizeof(buf))
			break;
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " %d",
			      (int)worker_pid(w));
	}
	reply("%s", buf);
}

static void command(char *cmd)
{
	unsigned long a = 0, b = 0;
	unsigned long long bytes = 0;
	int r;

	if (sscanf(cmd, "add %lu %llu", &a, &bytes) == 2)
		cmd_add((uid_t)a, bytes);
	else if (sscanf(cmd, "move %lu %lu", &a, &b) == 2) {
		r = backend_move_pid((uid_t)a, (pid_t)b);
		if (r < 0)
			reply("err move %lu %s", b, strerror(-r));
		else
			reply("ok move %lu", b);
	} else if (sscanf(cmd, "remove %lu", &a) == 1) {
		r = user_remove((uid_t)a);
		reply(r == -EBUSY ? "err remove %lu busy"
		      : r < 0	  ? "err remove %lu"
				  : "ok remove %lu",
		      a);
	} else if (strcmp(cmd, "watchers") == 0)
		cmd_watchers();
	else if (strcmp(cmd, "hup") == 0) {
		events_reopen();
		reply("ok hup");
	} else
		reply("err %s unknown", cmd);
}

static int on_stdin(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	ssize_t n;
	(void)revents;
	(void)data;

	n = read(fd, line + line_len, sizeof(line) - 1 - line_len);
	if (n <= 0) {
		sd_event_source_set_enabled(s, SD_EVENT_OFF);
		shutdown_all();
		return 0;
	}
	line_len += (size_t)n;
	line[line_len] = '\0';
	char *start = line, *nl;
	while ((nl = strchr(start, '\n'))) {
		*nl = '\0';
		command(start);
		start = nl + 1;
	}
	line_len -= (size_t)(start - line);
	memmove(line, start, line_len);
	if (line_len == sizeof(line) - 1)
		line_len = 0; /* an over-long line: dropped */
	return 0;
}

static int on_term(sd_event_source *s, const struct signalfd_siginfo *si,
		   void *data)
{
	(void)si;
	(void)data;
	sd_event_source_set_enabled(s, SD_EVENT_OFF);
	shutdown_all();
	return 0;
}

static int on_hup(sd_event_source *s, const struct signalfd_siginfo *si,
		  void *data)
{
	(void)s;
	(void)si;
	(void)data;
	events_reopen();
	return 0;
}

static int check_ready(sd_event_source *s, void *data)
{
	(void)data;
	if (!workers_all_ready())
		return 0;
	reply("ready");
	sd_event_source_set_enabled(s, SD_EVENT_OFF);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: t-oomd --libexec DIR --subtree NAME --log FILE "
			"[--backend B] [--watchers K] [--detail-wait MS] "
			"[--no-kmsg] [--journal] [--debug]\n");
	exit(2);
}

struct args {
	const char *backend, *subtree, *log;
	struct oom_settings oom;
	bool journal;
};

static void parse_args(int argc, char **argv, struct args *a)
{
	static const struct option lopts[] = {
	    {"libexec", required_argument, NULL, 'l'},
	    {"subtree", required_argument, NULL, 's'},
	    {"log", required_argument, NULL, 'o'},
	    {"backend", required_argument, NULL, 'b'},
	    {"watchers", required_argument, NULL, 'w'},
	    {"detail-wait", required_argument, NULL, 'W'},
	    {"no-kmsg", no_argument, NULL, 'K'},
	    {"journal", no_argument, NULL, 'j'},
	    {"debug", no_argument, NULL, 'd'},
	    {NULL, 0, NULL, 0}};
	int c;

	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			snprintf(opts.libexec_dir, sizeof(opts.libexec_dir),
				 "%s", optarg);
			break;
		case 's':
			a->subtree = optarg;
			break;
		case 'o':
			a->log = optarg;
			break;
		case 'b':
			a->backend = optarg;
			break;
		case 'w':
			a->oom.watchers = (unsigned)atoi(optarg);
			break;
		case 'W':
			a->oom.detail_wait_ms = (unsigned)atoi(optarg);
			break;
		case 'K':
			a->oom.no_kmsg = true;
			break;
		case 'j':
			a->journal = true;
			break;
		case 'd':
			opts.debug = true;
			break;
		default:
			usage();
		}
	}
	if (!opts.libexec_dir[0] || !a->subtree || !a->log || optind != argc)
		usage();
}

static void start_backend(const struct args *a)
{
	struct backend_params bp = {.which = a->backend,
				    .subtree = a->subtree,
				    .mount = "/sys/fs/cgroup",
				    .event = event};
	char err[256];

	if (backend_init(&bp, err, sizeof(err)) < 0)
		fatalx(EXIT_BACKEND, "%s", err);
	log_info("backend %s, subtree %s", backend_name(), a->subtree);
}

static void setup_loop(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (sd_event_default(&event) < 0 ||
	    sd_event_add_signal(event, NULL, SIGTERM, on_term, NULL) < 0 ||
	    sd_event_add_signal(event, NULL, SIGINT, on_term, NULL) < 0 ||
	    sd_event_add_signal(event, NULL, SIGHUP, on_hup, NULL) < 0 ||
	    sd_event_add_io(event, NULL, STDIN_FILENO, EPOLLIN, on_stdin,
			    NULL) < 0)
		fatalx(EXIT_FATAL, "cannot set up the event loop");
}

int main(int argc, char **argv)
{
	struct args a = {.backend = "auto"};

	parse_args(argc, argv, &a);
	log_init("t-oomd", opts.debug, false);
	if (geteuid() != 0)
		fatalx(EXIT_NOTROOT, "t-oomd must run as root");
	mkdir(CGFAIR_RUNDIR, 0755);
	mkdir(CGFAIR_EMPTYDIR, 0555);
	setup_loop();
	workers_init(event);
	events_init(
	    &(struct event_settings){.log_path = a.log, .journal = a.journal});
	oom_init(&a.oom);
	start_backend(&a);
	caps_reduce();
	workers_start();
	if (sd_event_add_post(event, &ready_check, check_ready, NULL) < 0)
		fatalx(EXIT_FATAL, "cannot add the readiness check");
	int r = sd_event_loop(event);
	sd_event_unref(event);
	return r < 0 ? 1 : r;
}
