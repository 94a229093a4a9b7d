/* Desktop notices: the helper's start and end; see desktop.h. */
#include "supervisor/desktop.h"
#include "supervisor/caps.h"
#include "supervisor/exes.h"
#include "supervisor/users.h"
#include "common/log.h"

#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/fsuid.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define DESKTOP_EXE	    "cgfair-desktop-notify"
#define DESKTOP_RUNNING_MAX 4		     /* helpers at once */
#define DESKTOP_KILL_USEC   (5 * 1000000ULL) /* a hung bus: killed */
#define NOGROUP		    65534	     /* a uid without a passwd entry */

struct helper {
	pid_t pid;
	uint32_t uid;
	sd_event_source *child, *timer;
};

static struct helper helpers[DESKTOP_RUNNING_MAX];

/* lstat as the user (its runtime directory is 0700: the supervisor has
 * no CAP_DAC_OVERRIDE under systemd), with the filesystem ids of uid, as
 * exe.c reads a process's executable. */
static int lstat_as(uint32_t uid, gid_t gid, const char *path, struct stat *st)
{
	int r, e;

	caps_setfsid(true);
	setfsgid(gid);
	setfsuid(uid);
	if ((uid_t)setfsuid((uid_t)-1) != uid) {
		r = -1;
		e = EPERM;
	} else {
		r = lstat(path, st);
		e = errno;
	}
	setfsuid(0);
	setfsgid(0);
	if ((uid_t)setfsuid((uid_t)-1) != 0 || (gid_t)setfsgid((gid_t)-1) != 0)
		fatalx(EXIT_FATAL, "cannot take filesystem ids 0 back");
	caps_setfsid(false);
	errno = e;
	return r;
}

/* The user's own bus socket, as logind's user runtime directory holds it.
 * The helper connects as the user, so a bus it may not reach stays out of
 * reach whatever the path holds by then; this check only keeps helpers
 * from starting for nothing and says why. */
static bool bus_ok(uint32_t uid, gid_t gid, char *addr, size_t size)
{
	char dir[64], path[80];
	struct stat st;

	snprintf(dir, sizeof(dir), "/run/user/%u", uid);
	snprintf(path, sizeof(path), "%s/bus", dir);
	if (lstat(dir, &st) < 0) {
		log_debug("desktop notice for uid %u: no session bus (%s)", uid,
			  dir);
		return false;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != uid) {
		log_warnx("desktop notice for uid %u: %s is not a directory "
			  "of uid %u; no helper started",
			  uid, dir, uid);
		return false;
	}
	if (lstat_as(uid, gid, path, &st) < 0) {
		log_debug("desktop notice for uid %u: no session bus (%s: %m)",
			  uid, path);
		return false;
	}
	if (!S_ISSOCK(st.st_mode) || st.st_uid != uid) {
		log_warnx("desktop notice for uid %u: %s is not a socket of "
			  "uid %u (a symlink or another owner's); no helper "
			  "started",
			  uid, path, uid);
		return false;
	}
	snprintf(addr, size, "DBUS_SESSION_BUS_ADDRESS=unix:path=%s", path);
	return true;
}

static void helper_free(struct helper *h)
{
	h->child = sd_event_source_unref(h->child);
	h->timer = sd_event_source_disable_unref(h->timer);
	h->pid = 0;
}

static int on_helper_exit(sd_event_source *s, const siginfo_t *si, void *arg)
{
	struct helper *h = arg;
	(void)s;

	if (si->si_code == CLD_EXITED && si->si_status == 0)
		log_info("desktop notice: sent to uid %u (helper pid %d)",
			 h->uid, (int)h->pid);
	else if (si->si_code == CLD_EXITED)
		log_warnx("desktop notice for uid %u: helper pid %d exited "
			  "with status %d",
			  h->uid, (int)h->pid, si->si_status);
	else if (si->si_status == SIGSYS)
		log_warnx("desktop notice for uid %u: helper pid %d killed "
			  "by its seccomp filter (a system call it does not "
			  "allow; the kernel's audit record names it)",
			  h->uid, (int)h->pid);
	else
		log_warnx("desktop notice for uid %u: helper pid %d killed "
			  "by signal %s",
			  h->uid, (int)h->pid, sigabbrev_np(si->si_status));
	helper_free(h);
	return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *arg)
{
	struct helper *h = arg;
	(void)s;
	(void)usec;

	log_warnx("desktop notice for uid %u: helper pid %d still running "
		  "after %llu s; killed",
		  h->uid, (int)h->pid, DESKTOP_KILL_USEC / 1000000);
	kill(h->pid, SIGKILL);
	return 0;
}

/* In the child: the user's ids and nothing else (no supplementary group,
 * no capability in any set, the bounding set empty), no new privileges;
 * then the helper, with only the bus address in its environment. */
static void child(int in, uint32_t uid, gid_t gid, char *env_bus)
    __attribute__((noreturn));
static void child(int in, uint32_t uid, gid_t gid, char *env_bus)
{
	int nul = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct rlimit core = {0, 0};
	sigset_t none;

	/* the pipe is non-blocking for the supervisor's end; the helper
	 * waits for its text */
	if (nul < 0 || fcntl(in, F_SETFL, 0) < 0 ||
	    dup2(in, STDIN_FILENO) < 0 || dup2(nul, STDOUT_FILENO) < 0)
		_exit(127);
	close_range(STDERR_FILENO + 1, ~0U, CLOSE_RANGE_CLOEXEC);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setsid();
	/* the supervisor's permitted set has what the change of ids takes
	 * (as for the workers); effective only here, and gone after it */
	capng_get_caps_process();
	if (capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE, CAP_SETUID, CAP_SETGID,
			  CAP_SETPCAP, -1) < 0 ||
	    capng_apply(CAPNG_SELECT_CAPS) < 0 || setgroups(0, NULL) < 0)
		_exit(126);
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_change_id((int)uid, (int)gid,
			    CAPNG_CLEAR_BOUNDING | CAPNG_CLEAR_AMBIENT) < 0 ||
	    capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE ||
	    setresuid(0, 0, 0) == 0 || getuid() != uid || geteuid() != uid ||
	    getgid() != gid || getegid() != gid)
		_exit(126);
	setrlimit(RLIMIT_CORE, &core);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(126);
	char *argv[] = {DESKTOP_EXE, NULL};
	char *envp[] = {env_bus, NULL, NULL};
#ifdef CGFAIR_SANITIZED
	/* as for the workers: no leak check under the seccomp filter */
	envp[1] = "ASAN_OPTIONS=detect_leaks=0";
#endif
	execveat(exes_fd(DESKTOP_EXE), "", argv, envp, AT_EMPTY_PATH);
	_exit(127);
}

static struct helper *free_slot(void)
{
	for (size_t i = 0; i < DESKTOP_RUNNING_MAX; i++)
		if (helpers[i].pid == 0)
			return &helpers[i];
	return NULL;
}

/* The text for the helper's stdin: the urgency, the summary, the body, one
 * NUL after each (the pipe holds far more than one notice: never blocks). */
static int feed(int fd, const struct ipc_desktop_notice *m)
{
	char buf[4 + sizeof(m->summary) + sizeof(m->body)];
	int n = snprintf(buf, sizeof(buf), "%u", m->urgency);
	size_t len = (size_t)n + 1;

	memcpy(buf + len, m->summary, strlen(m->summary) + 1);
	len += strlen(m->summary) + 1;
	memcpy(buf + len, m->body, strlen(m->body) + 1);
	len += strlen(m->body) + 1;
	return write(fd, buf, len) == (ssize_t)len ? 0 : -1;
}

void desktop_notice(sd_event *event, const struct ipc_desktop_notice *m)
{
	char env_bus[128];
	struct helper *h;
	struct passwd *pw;
	int p[2];

	if (m->uid == 0 || !user_find(m->uid)) {
		log_warnx("desktop notice for uid %u: not a user cgfair "
			  "manages; refused",
			  m->uid);
		return;
	}
	pw = getpwuid(m->uid);
	gid_t gid = pw ? pw->pw_gid : NOGROUP;
	if (!bus_ok(m->uid, gid, env_bus, sizeof(env_bus)))
		return;
	h = free_slot();
	if (!h) {
		log_warnx("desktop notice for uid %u: %d helpers already "
			  "running; dropped",
			  m->uid, DESKTOP_RUNNING_MAX);
		return;
	}
	if (exes_fd(DESKTOP_EXE) < 0) {
		log_warnx("desktop notice: no %s", DESKTOP_EXE);
		return;
	}
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0) {
		log_warn("desktop notice: pipe");
		return;
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_warn("desktop notice: fork");
		close(p[0]);
		close(p[1]);
		return;
	}
	if (pid == 0)
		child(p[0], m->uid, gid, env_bus);
	close(p[0]);
	if (feed(p[1], m) < 0)
		log_warnx("desktop notice for uid %u: the text did not fit "
			  "the pipe",
			  m->uid);
	close(p[1]);
	h->pid = pid;
	h->uid = m->uid;
	if (sd_event_add_child(event, &h->child, pid, WEXITED, on_helper_exit,
			       h) < 0 ||
	    sd_event_add_time_relative(event, &h->timer, CLOCK_MONOTONIC,
				       DESKTOP_KILL_USEC, 0, on_timeout,
				       h) < 0) {
		/* not watched: killed and reaped at once rather than lost */
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		helper_free(h);
		log_warnx("desktop notice for uid %u: cannot watch the helper",
			  m->uid);
		return;
	}
	log_debug("desktop notice for uid %u: helper pid %d", m->uid, (int)pid);
}
