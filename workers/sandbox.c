/*
 * The worker sandbox, applied in OpenSSH/OpenBSD order: the worker has
 * already opened what it needs (its fds came from the supervisor); then
 * chroot, drop to the unprivileged user with no capabilities in any set,
 * prove that root cannot be regained, make the process undumpable, cut its
 * rlimits, set NoNewPrivs, and load the seccomp allowlist last.
 */
#include "workers/sandbox.h"
#include "workers/sandbox_report.h"
#include "ipc/ipc.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cap-ng.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>

void sandbox_allow(scmp_filter_ctx ctx, int nr)
{
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	if (rc < 0)
		fatalx(EXIT_SANDBOX, "seccomp: allowing syscall %d: %s", nr,
		       strerror(-rc));
}

void sandbox_allow_open_readonly(scmp_filter_ctx ctx)
{
	static scmp_filter_ctx done; /* added once per filter */
	/* O_TMPFILE (and glibc's __O_TMPFILE) include O_DIRECTORY, and
	 * reading a directory is allowed: mask the tmpfile-only bit */
	const scmp_datum_t wflags = O_WRONLY | O_RDWR | O_CREAT | O_TRUNC |
				    O_APPEND | (O_TMPFILE & ~O_DIRECTORY);
	int rc;

	if (done == ctx)
		return;
	done = ctx;
	rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
			      SCMP_A2(SCMP_CMP_MASKED_EQ, wflags, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(open), 1,
				      SCMP_A1(SCMP_CMP_MASKED_EQ, wflags, 0));
	if (rc < 0)
		fatalx(EXIT_SANDBOX, "seccomp: read-only open rule: %s",
		       strerror(-rc));
}

/* fcntl with the commands the workers use: no F_SETOWN, F_SETSIG,
 * F_SETLEASE, F_NOTIFY (signals sent on their behalf) nor O_ASYNC. */
static void allow_fcntl(scmp_filter_ctx ctx)
{
	static const int cmds[] = {F_GETFD, F_SETFD, F_GETFL, F_DUPFD_CLOEXEC};
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		rc = seccomp_rule_add(
		    ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
		    SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)cmds[i]));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 2,
				      SCMP_A1(SCMP_CMP_EQ, F_SETFL),
				      SCMP_A2(SCMP_CMP_MASKED_EQ, O_ASYNC, 0));
	if (rc < 0)
		fatalx(EXIT_SANDBOX, "seccomp: fcntl rules: %s", strerror(-rc));
}

/* sendmsg and recvmsg on the IPC socket only (its number is fixed); a
 * role that receives on another socket (the scanner's proc connector,
 * whose number comes later) allows that itself. Client sockets are read
 * and written with read and write. */
static void allow_ipc(scmp_filter_ctx ctx)
{
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendmsg), 1,
				  SCMP_A0(SCMP_CMP_EQ, IPC_FD));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(recvmsg), 1,
				      SCMP_A0(SCMP_CMP_EQ, IPC_FD));
	if (rc < 0)
		fatalx(EXIT_SANDBOX, "seccomp: IPC rules: %s", strerror(-rc));
}

/* What every worker needs: its sd-event loop (epoll, timerfd), IPC
 * (recvmsg/sendmsg), malloc (no executable mappings), logging to stderr,
 * its own CPU time for the pong, and a clean exit. */
static void allow_common(scmp_filter_ctx ctx)
{
	static const int calls[] = {
	    SCMP_SYS(read),
	    SCMP_SYS(write),
	    SCMP_SYS(writev),
	    SCMP_SYS(close),
	    SCMP_SYS(epoll_wait),
	    SCMP_SYS(epoll_pwait),
	    /* libsystemd 257 (Debian 13) waits with epoll_pwait2 whenever
	     * its timeout is finite, for the nanoseconds; it falls back to
	     * epoll_wait only on ENOSYS or EPERM, never on a kill. The
	     * same wait as epoll_pwait with a timespec. */
	    SCMP_SYS(epoll_pwait2),
	    SCMP_SYS(epoll_ctl),
	    SCMP_SYS(ppoll),
	    SCMP_SYS(poll),
	    SCMP_SYS(clock_gettime),
	    SCMP_SYS(clock_nanosleep),
	    SCMP_SYS(nanosleep),
	    SCMP_SYS(gettimeofday),
	    SCMP_SYS(getpid),
	    SCMP_SYS(gettid),
	    SCMP_SYS(brk),
	    SCMP_SYS(munmap),
	    SCMP_SYS(mremap),
	    SCMP_SYS(madvise),
	    SCMP_SYS(futex),
	    SCMP_SYS(rt_sigreturn),
	    SCMP_SYS(rt_sigprocmask),
	    SCMP_SYS(exit),
	    SCMP_SYS(exit_group),
	    SCMP_SYS(restart_syscall),
	    SCMP_SYS(getrandom),
	    SCMP_SYS(fstat),
	    SCMP_SYS(newfstatat),
	    SCMP_SYS(lseek),
	    SCMP_SYS(timerfd_create),
	    SCMP_SYS(timerfd_settime),
	    SCMP_SYS(timerfd_gettime),
	    SCMP_SYS(getrusage),
	    SCMP_SYS(clock_getres),
	    SCMP_SYS(sched_yield),
	    SCMP_SYS(getuid),
	    SCMP_SYS(geteuid),
	    SCMP_SYS(getgid),
	    SCMP_SYS(getegid),
	};
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		sandbox_allow(ctx, calls[i]);

	/* mmap and mprotect, but never an executable mapping */
	int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
				  SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (rc == 0)
		rc =
		    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
				     SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	/* abort() signals itself; nothing else may be signalled */
	if (rc == 0)
		rc = seccomp_rule_add(
		    ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
		    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	if (rc < 0)
		fatalx(EXIT_SANDBOX, "seccomp: base rules: %s", strerror(-rc));
	allow_fcntl(ctx);
	allow_ipc(ctx);
#ifdef CGFAIR_SANITIZED
	/* The ASan/UBSan runtime reads /proc/self/maps (read-only) and stops
	 * the world (clone + ptrace) for its leak check at exit. Only
	 * sanitizer builds get this; the shipped filter does not. Writing,
	 * sockets and exec stay forbidden, so the sandbox tests hold. */
	sandbox_allow_open_readonly(ctx);
	static const int san[] = {
	    SCMP_SYS(readlink),
	    SCMP_SYS(clone),
	    SCMP_SYS(ptrace),
	    SCMP_SYS(wait4),
	    SCMP_SYS(prctl),
	    SCMP_SYS(sigaltstack),
	    SCMP_SYS(sched_getaffinity),
	    SCMP_SYS(getdents64),
	    SCMP_SYS(rt_sigaction),
	    SCMP_SYS(getppid),
	    SCMP_SYS(waitid),
	    SCMP_SYS(pread64),
	};
	for (size_t i = 0; i < sizeof(san) / sizeof(san[0]); i++)
		sandbox_allow(ctx, san[i]);
	/* whatever fcntl the runtime makes, but F_SETFL stays filtered (the
	 * O_ASYNC test hook must still be killed) */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1,
			     SCMP_A1(SCMP_CMP_NE, F_SETFL)) < 0)
		fatalx(EXIT_SANDBOX, "seccomp: sanitizer fcntl rule");
#endif
}

static void load_seccomp(const struct sandbox *sb)
{
	scmp_filter_ctx ctx = seccomp_init(
	    sb->report_violations ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS);
	int rc;

	if (!ctx)
		fatalx(EXIT_SANDBOX, "seccomp_init failed");
	if (sb->report_violations)
		sandbox_report_install();
	allow_common(ctx);
	if (sb->allow)
		sb->allow(ctx);
	/* NoNewPrivs is set by us already; do not let libseccomp set it
	 * again silently, so that the order stays visible here. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		fatalx(EXIT_SANDBOX, "seccomp_load: %s", strerror(-rc));
}

/* The supplementary groups: none, or the role's one extra group. */
static int set_groups(const char *extra)
{
	struct group *gr;

	if (!extra)
		return setgroups(0, NULL);
	gr = getgrnam(extra);
	if (!gr)
		fatalx(EXIT_SANDBOX, "group '%s' does not exist", extra);
	return setgroups(1, &gr->gr_gid);
}

static void drop_to_user(uid_t uid, gid_t gid, const char *extra)
{
	capng_clear(CAPNG_SELECT_ALL);
	if (set_groups(extra) < 0)
		fatal(EXIT_SANDBOX, "setgroups");
	if (capng_change_id((int)uid, (int)gid,
			    CAPNG_CLEAR_BOUNDING | CAPNG_CLEAR_AMBIENT) < 0)
		fatalx(EXIT_SANDBOX, "capng_change_id(%u, %u) failed", uid,
		       gid);
	/* capng_change_id clears effective/permitted; make sure no set
	 * (inheritable and ambient included) kept anything */
	if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
		fatalx(EXIT_SANDBOX, "capabilities remain after the drop");
	if (setresuid(0, 0, 0) == 0 || setuid(0) == 0)
		fatalx(EXIT_SANDBOX, "uid 0 could be regained");
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid)
		fatalx(EXIT_SANDBOX, "ids did not change");
}

static void limit(int resource, rlim_t value, const char *name)
{
	struct rlimit rl = {value, value};
	if (setrlimit(resource, &rl) < 0)
		fatal(EXIT_SANDBOX, "setrlimit %s", name);
}

void sandbox_enter(const struct sandbox *sb)
{
	struct passwd *pw;

	if (geteuid() != 0)
		fatalx(EXIT_SANDBOX,
		       "workers start as root and drop; "
		       "started as uid %u",
		       geteuid());
	pw = getpwnam(sb->user);
	if (!pw)
		fatalx(EXIT_SANDBOX,
		       "user '%s' does not exist (create it "
		       "with tools/ensure-user.sh)",
		       sb->user);
	if (pw->pw_uid == 0)
		fatalx(EXIT_SANDBOX, "user '%s' is root", sb->user);
	/* anything libc opens lazily must be opened before the filter */
	tzset();
	if (sb->chroot_dir) {
		if (chroot(sb->chroot_dir) < 0)
			fatal(EXIT_SANDBOX, "chroot %s", sb->chroot_dir);
		if (chdir("/") < 0)
			fatal(EXIT_SANDBOX, "chdir /");
	}
	drop_to_user(pw->pw_uid, pw->pw_gid, sb->extra_group);
	if (prctl(PR_SET_DUMPABLE, 0) < 0)
		fatal(EXIT_SANDBOX, "PR_SET_DUMPABLE");
#ifndef CGFAIR_SANITIZED /* the leak checker's thread counts as a process */
	limit(RLIMIT_NPROC, 0, "NPROC");
#endif
	limit(RLIMIT_FSIZE, (rlim_t)sb->max_file, "FSIZE");
	limit(RLIMIT_CORE, 0, "CORE");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fatal(EXIT_SANDBOX, "PR_SET_NO_NEW_PRIVS");
	load_seccomp(sb);
}
