/*
 * cgfaird: the supervisor. Starts as root, opens what needs privilege,
 * reduces its capabilities, starts the sandboxed workers and runs the
 * sd-event loop. It is the only process that writes cgroup files.
 */
#include "supervisor/caps.h"
#include "supervisor/seccomp.h"
#include "supervisor/workers.h"
#include "supervisor/audit.h"
#include "supervisor/backend.h"
#include "supervisor/conf.h"
#include "supervisor/control.h"
#include "supervisor/daemon_state.h"
#include "supervisor/events.h"
#include "supervisor/exes.h"
#include "supervisor/fleet.h"
#include "supervisor/frontend.h"
#include "supervisor/metrics.h"
#include "supervisor/history.h"
#include "supervisor/loop.h"
#include "supervisor/notify.h"
#include "supervisor/oom.h"
#include "supervisor/placement.h"
#include "supervisor/settings.h"
#include "supervisor/users.h"
#include "common/log.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

/* The command line; main.c alone reads it and hands each module what it
 * needs at init. */
static struct options {
	const char *config_path; /* NULL: the default search */
	bool foreground;
	bool debug;
	bool dry_run; /* decide and log, write no cgroup file */
	bool check_config;
	bool migrate_config; /* print the seed's config as cgfair.conf */
	char libexec_dir[4096];
} opts;

static sd_event *event;
static sd_event_source *ready_check;

/* the control loop's one line for systemctl status */
/* Once a step: its line for systemd's STATUS=, and the loop's figures
 * (dispatch times) to status and the metrics. */
static void step_done(const char *text)
{
	sd_notifyf(0, "STATUS=%s", text);
	daemon_state_changed();
}

static void usage(FILE *f)
{
	fprintf(f, "usage: cgfaird [--config FILE] [--foreground] [--debug] "
		   "[--dry-run] [--check-config] [--migrate-config] "
		   "[--version]\n");
}

static void parse_args(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"foreground", no_argument, NULL, 'f'},
	    {"debug", no_argument, NULL, 'd'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"check-config", no_argument, NULL, 'C'},
	    {"migrate-config", no_argument, NULL, 'M'},
	    {"version", no_argument, NULL, 'V'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0}};
	int c;

	while ((c = getopt_long(argc, argv, "c:fdnVh", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			opts.config_path = optarg;
			break;
		case 'f':
			opts.foreground = true;
			break;
		case 'd':
			opts.debug = true;
			break;
		case 'n':
			opts.dry_run = true;
			break;
		case 'C':
			opts.check_config = true;
			break;
		case 'M':
			opts.migrate_config = true;
			break;
		case 'V':
			printf("cgfaird %s\n", CGFAIR_VERSION);
			exit(EXIT_OK);
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		default:
			usage(stderr);
			exit(EXIT_USAGE);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(EXIT_USAGE);
	}
}

/* cgfair-notify runs: [notify] turns a notice on (notify.c decides). */
static bool notify_on(void)
{
	struct ipc_notify_setup ns;

	settings_notify(conf(), &ns);
	return notify_wanted(&ns);
}

/* The usage history, or fleet mode, which rides on it. */
static bool recorder_on(void)
{
	return conf()->history.enable || conf()->fleet.database[0];
}

/* Workers beside this binary (a run from the build tree), else in the
 * configured libexec directory; opened and checked once (exes.c). */
static void find_libexec(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0) {
		self[n] = '\0';
		char *here = dirname(self);
		if (exes_open(here, true, recorder_on(), notify_on()) == 0) {
			snprintf(opts.libexec_dir, sizeof(opts.libexec_dir),
				 "%s", here);
			return;
		}
	}
	snprintf(opts.libexec_dir, sizeof(opts.libexec_dir), "%s",
		 CGFAIR_LIBEXECDIR);
	if (exes_open(opts.libexec_dir, false, recorder_on(), notify_on()) < 0)
		fatalx(EXIT_FATAL, "no usable workers in %s", opts.libexec_dir);
}

/* /run/cgfair and the empty, root-owned directory chrooted workers get. */
static void make_rundirs(void)
{
	struct stat st;

	if (mkdir(CGFAIR_RUNDIR, 0755) < 0 && errno != EEXIST)
		fatal(EXIT_FATAL, "mkdir %s", CGFAIR_RUNDIR);
	if (mkdir(CGFAIR_EMPTYDIR, 0555) < 0 && errno != EEXIST)
		fatal(EXIT_FATAL, "mkdir %s", CGFAIR_EMPTYDIR);
	if (lstat(CGFAIR_EMPTYDIR, &st) < 0)
		fatal(EXIT_FATAL, "stat %s", CGFAIR_EMPTYDIR);
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)))
		fatalx(EXIT_FATAL,
		       "%s must be a directory owned and writable "
		       "by root alone",
		       CGFAIR_EMPTYDIR);
	if (rmdir(CGFAIR_EMPTYDIR "/.") < 0 && errno == ENOTEMPTY)
		fatalx(EXIT_FATAL, "%s is not empty", CGFAIR_EMPTYDIR);
}

static void on_stopped(void)
{
	/* nobody stays throttled while the daemon is down */
	control_stop();
	audit_record("stop", 0, NULL, NULL, true);
	log_info("stopped");
	sd_event_exit(event, EXIT_OK);
}

static int on_term(sd_event_source *s, const struct signalfd_siginfo *si,
		   void *data)
{
	(void)s;
	(void)data;
	log_info("signal %s: stopping", sigabbrev_np((int)si->ssi_signo));
	sd_notify(0, "STOPPING=1");
	workers_stop(on_stopped);
	return 0;
}

static int on_hup(sd_event_source *s, const struct signalfd_siginfo *si,
		  void *data)
{
	(void)s;
	(void)data;
	char msg[256];
	struct actor sender;

	sd_notify(0, "RELOADING=1");
	log_info("SIGHUP from pid %u: reloading", si->ssi_pid);
	events_reopen(); /* logrotate moved the event log */
	actor_from_pid((pid_t)si->ssi_pid, (uid_t)si->ssi_uid, &sender);
	control_reload(&sender, true, msg, sizeof(msg));
	sd_notify(0, "READY=1");
	return 0;
}

/* --debug only: each SIGUSR2 has every worker make the next forbidden
 * call (open for writing, socket, execve, fcntl O_ASYNC, sendmsg on
 * another socket), to test the sandbox. */
static int on_usr2(sd_event_source *s, const struct signalfd_siginfo *si,
		   void *data)
{
	static uint32_t next = TEST_OPEN_WRITE;
	(void)s;
	(void)si;
	(void)data;
	log_warnx("test hook: workers make forbidden call %u", next);
	workers_test_syscall(next);
	next = next == TEST_SENDMSG_OTHER ? TEST_OPEN_WRITE : next + 1;
	return 0;
}

static int check_ready(sd_event_source *s, void *data)
{
	(void)data;
	if (!workers_all_ready())
		return 0;
	sd_notify(0, "READY=1\nSTATUS=running");
	log_info("ready: all workers answered");
	sd_event_source_set_enabled(s, SD_EVENT_OFF);
	return 0;
}

static void setup_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (sd_event_add_signal(event, NULL, SIGTERM, on_term, NULL) < 0 ||
	    sd_event_add_signal(event, NULL, SIGINT, on_term, NULL) < 0 ||
	    sd_event_add_signal(event, NULL, SIGHUP, on_hup, NULL) < 0)
		fatalx(EXIT_FATAL, "cannot add signal handlers");
	if (opts.debug &&
	    sd_event_add_signal(event, NULL, SIGUSR2, on_usr2, NULL) < 0)
		fatalx(EXIT_FATAL, "cannot add the SIGUSR2 test hook");
}

/* Before caps_reduce(): the socket is made as root. */
static void start_frontend(void)
{
	struct frontend_settings fs;

	settings_frontend(conf(), &fs);
	fs.event = event;
	frontend_register(&fs);
}

/* Before caps_reduce(), like the socket; the daemon-wide figures go to
 * whichever workers render metrics. */
static void start_metrics(void)
{
	struct metrics_settings ms;

	daemon_state_init();
	settings_metrics(conf(), &ms);
	metrics_register(&ms);
}

/* Before caps_reduce(): the recorder's directory and its ACL. */
static void start_history(void)
{
	struct history_settings hs;
	struct fleet_settings fs;

	settings_fleet(conf(), &fs);
	fleet_configure(&fs);
	settings_history(conf(), &hs);
	history_register(&hs);
}

static void start_notify(void)
{
	struct ipc_notify_setup ns;

	settings_notify(conf(), &ns);
	notify_register(&ns);
}

static void start_backend(void)
{
	struct backend_params bp;
	char err[256];

	settings_backend(conf(), opts.dry_run, &bp);
	bp.event = event;
	if (backend_init(&bp, err, sizeof(err)) < 0)
		fatalx(EXIT_BACKEND, "%s", err);
	/* Cgroup Py's cgroups, before the placement's first sweep */
	backend_clean_seed(settings_seed_prefix(conf()));
}

/* Before caps_reduce(): the proc connector needs CAP_NET_ADMIN. */
static void start_placement(void)
{
	struct placement_params pp;

	settings_placement(conf(), &pp);
	pp.event = event;
	placement_init(&pp);
	users_set_max(conf()->users.max_users);
}

/* Before caps_reduce(): /dev/kmsg may need CAP_SYSLOG. */
static void start_events_and_oom(void)
{
	struct event_settings es;
	struct oom_settings os;

	settings_events(conf(), &es);
	es.event = event;
	events_init(&es);
	settings_oom(conf(), &os);
	os.event = event;
	oom_init(&os);
}

static void on_reload(const struct cgfair_config *cfg)
{
	struct placement_params pp;
	struct event_settings es;
	struct frontend_settings fs;
	struct metrics_settings ms;
	struct history_settings hs;
	struct fleet_settings fls;
	struct ipc_notify_setup ns;

	settings_placement(cfg, &pp);
	pp.event = event;
	placement_reconfigure(&pp);
	users_set_max(cfg->users.max_users);
	settings_events(cfg, &es);
	es.event = event;
	events_init(&es);
	settings_frontend(cfg, &fs);
	frontend_configure(&fs);
	settings_metrics(cfg, &ms);
	metrics_reconfigure(&ms);
	settings_history(cfg, &hs);
	history_reconfigure(&hs);
	settings_fleet(cfg, &fls);
	fleet_configure(&fls);
	settings_notify(cfg, &ns);
	notify_reconfigure(&ns);
	audit_configure(cfg->audit.enabled);
}

int main(int argc, char **argv)
{
	int r;

	/* blocks of 128 KiB and more (the policy step's per-user arrays,
	 * megabytes at 10,000 users, made and freed every interval) in
	 * mappings of their own, given back when freed: glibc's dynamic
	 * threshold moves them into the heap after the first free, and its
	 * pages stay (issue 17) */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	parse_args(argc, argv);
	if (opts.check_config)
		conf_check_and_exit(opts.config_path);
	if (opts.migrate_config)
		conf_migrate_and_exit(opts.config_path);
	/* under systemd our stderr is the journal: log there with fields */
	log_init("cgfaird", opts.debug,
		 getenv("JOURNAL_STREAM") != NULL || !opts.foreground);
	if (geteuid() != 0)
		fatalx(EXIT_NOTROOT, "cgfaird must be started as root");
	conf_load_initial(opts.config_path);
	if (!opts.foreground && daemon(0, 0) < 0)
		fatal(EXIT_FATAL, "daemon");
	find_libexec();
	make_rundirs();
	if (sd_event_default(&event) < 0)
		fatalx(EXIT_FATAL, "sd_event_default failed");
	setup_signals();
	workers_init(event, conf()->daemon.worker_user, opts.debug);
	placement_add_workers();
	start_events_and_oom();
	start_frontend();
	start_metrics();
	start_history();
	start_notify();
	start_backend();
	start_placement();
	audit_init(conf()->audit.enabled); /* as root: it asks the kernel */
	caps_reduce();
	conf_add_reload_hook(on_reload);
	sd_event_set_watchdog(event, true);
	workers_start();
	control_start(event, conf(), step_done);
	if (sd_event_add_post(event, &ready_check, check_ready, NULL) < 0)
		fatalx(EXIT_FATAL, "cannot add the readiness check");
	audit_record("start", 0, NULL, NULL, true);
	log_info("cgfaird %s started%s", CGFAIR_VERSION,
		 opts.dry_run ? " (dry run: no cgroup file is written)" : "");
	/* start-up is done: every privileged fd is open, the first workers
	 * run; from here on the allowlist (a violation kills) */
	supervisor_seccomp(fleet_enabled() || notify_mail());
	r = loop_run(event);
	sd_event_unref(event);
	return r < 0 ? EXIT_FATAL : r;
}
