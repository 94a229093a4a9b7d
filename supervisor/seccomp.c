/*
 * The supervisor's own seccomp allowlist, loaded once start-up is done
 * (every privileged fd is open, the capabilities are cut, the first
 * workers run). Anything else kills the process: a supervisor made to do
 * what it never does stops, and systemd restarts it.
 *
 * What it runs from then on: the sd-event loop; worker restarts (socket
 * pair, stderr pipe, fork, /dev/null, execveat of the worker executables
 * opened at start); sd-bus and sd-journal (AF_UNIX sockets, SO_PASSCRED,
 * memfds for large journal entries), sd_notify (a datagram socket per
 * call); cgroup reads, writes, mkdir, rmdir, and the walk of a slice's
 * subtree for its OOM kills (systemd on v1: getdents64); pidfds for the
 * processes it moves (pidfd_open, PIDFD_GET_INFO) and for the clients
 * it names (SO_PEERPIDFD, /proc/PID/exe with CAP_SYS_PTRACE raised by
 * capset); the exempt commands' executables, read with the process's
 * own filesystem ids (setfsuid, setfsgid, readlinkat); audit records
 * (libaudit: NETLINK_AUDIT, sendto and recvfrom); state and event-log
 * writes (open, write, fsync, rename); config reloads (and NSS for user
 * and group names); the stop path (capset to raise DAC_OVERRIDE; unlink
 * of the socket and the seed's link to it).
 *
 * A filter is inherited across fork and exec, so a worker starts under
 * this one and adds its own, narrower filter on top (workers/sandbox.c):
 * the dynamic loader's and the sandbox's calls (chroot, setresuid,
 * setgroups, prlimit64, seccomp) are therefore allowed here too, and
 * nothing a worker's filter allows may be missing here (in fleet mode,
 * the recorder's TCP sockets; with cgfair-notify, its mail's).
 */
#include "supervisor/seccomp.h"
#include "common/log.h"

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <seccomp.h>

static void allow(scmp_filter_ctx ctx, int nr, unsigned n, ...)
{
	struct scmp_arg_cmp cmp[2];
	va_list ap;
	int rc;

	va_start(ap, n);
	for (unsigned i = 0; i < n && i < 2; i++)
		cmp[i] = va_arg(ap, struct scmp_arg_cmp);
	va_end(ap);
	rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, n, cmp);
	if (rc < 0)
		fatalx(EXIT_SANDBOX, "seccomp: allowing syscall %d: %s", nr,
		       strerror(-rc));
}

/* Allowed whatever their arguments. */
static const int plain[] = {
    /* files: cgroups, state, event log, config, /proc, /dev/null */
    SCMP_SYS(read),
    SCMP_SYS(readv),
    SCMP_SYS(pread64),
    SCMP_SYS(write),
    SCMP_SYS(writev),
    SCMP_SYS(pwrite64),
    SCMP_SYS(open),
    SCMP_SYS(openat),
    SCMP_SYS(close),
    SCMP_SYS(close_range),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(statx),
    SCMP_SYS(lseek),
    SCMP_SYS(getdents64),
    SCMP_SYS(mkdir),
    SCMP_SYS(mkdirat),
    SCMP_SYS(rmdir),
    SCMP_SYS(unlink),
    SCMP_SYS(unlinkat),
    SCMP_SYS(rename),
    SCMP_SYS(renameat),
    SCMP_SYS(renameat2),
    SCMP_SYS(fsync),
    SCMP_SYS(fdatasync),
    SCMP_SYS(fchmod),
    SCMP_SYS(ftruncate),
    SCMP_SYS(readlink),
    SCMP_SYS(readlinkat),
    SCMP_SYS(access),
    SCMP_SYS(faccessat),
    SCMP_SYS(faccessat2),
    SCMP_SYS(fcntl),
    SCMP_SYS(ioctl),
    SCMP_SYS(dup),
    SCMP_SYS(dup2),
    SCMP_SYS(dup3),
    SCMP_SYS(pipe2),
    SCMP_SYS(umask),
    SCMP_SYS(chdir),
    SCMP_SYS(fchdir),
    /* exe.c: a process's executable, read with its filesystem ids */
    SCMP_SYS(setfsuid),
    SCMP_SYS(setfsgid),
    SCMP_SYS(memfd_create),
    SCMP_SYS(fstatfs),
    SCMP_SYS(statfs),
    SCMP_SYS(flock),
    /* sockets: IPC, the admin socket's clients, D-Bus, journal, notify */
    SCMP_SYS(socketpair),
    SCMP_SYS(connect),
    SCMP_SYS(sendmsg),
    SCMP_SYS(sendto),
    SCMP_SYS(recvmsg),
    SCMP_SYS(recvfrom),
    SCMP_SYS(getsockopt),
    SCMP_SYS(setsockopt),
    SCMP_SYS(getsockname),
    SCMP_SYS(getpeername),
    SCMP_SYS(shutdown),
    /* the event loop */
    SCMP_SYS(epoll_create1),
    SCMP_SYS(epoll_ctl),
    SCMP_SYS(epoll_wait),
    SCMP_SYS(epoll_pwait),
    SCMP_SYS(epoll_pwait2),
    SCMP_SYS(ppoll),
    SCMP_SYS(poll),
    SCMP_SYS(timerfd_create),
    SCMP_SYS(timerfd_settime),
    SCMP_SYS(timerfd_gettime),
    SCMP_SYS(signalfd4),
    SCMP_SYS(eventfd2),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_getres),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(nanosleep),
    SCMP_SYS(gettimeofday),
    /* process */
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(getppid),
    SCMP_SYS(getuid),
    SCMP_SYS(geteuid),
    SCMP_SYS(getgid),
    SCMP_SYS(getegid),
    SCMP_SYS(getresuid),
    SCMP_SYS(getresgid),
    SCMP_SYS(getgroups),
    SCMP_SYS(brk),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(madvise),
    SCMP_SYS(futex),
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(restart_syscall),
    SCMP_SYS(sigaltstack),
    SCMP_SYS(getrandom),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    SCMP_SYS(uname),
    SCMP_SYS(sysinfo),
    SCMP_SYS(getrlimit),
    SCMP_SYS(prlimit64),
    SCMP_SYS(getrusage),
    SCMP_SYS(sched_yield),
    SCMP_SYS(sched_getaffinity),
    /* workers: stopped, reaped, started again */
    SCMP_SYS(kill),
    SCMP_SYS(tgkill),
    SCMP_SYS(pidfd_open),
    SCMP_SYS(pidfd_send_signal),
    SCMP_SYS(waitid),
    SCMP_SYS(wait4),
    SCMP_SYS(setsid),
    SCMP_SYS(execve),
    SCMP_SYS(execveat),
    /* the stop path raises CAP_DAC_OVERRIDE (caps_cleanup) */
    SCMP_SYS(capget),
    SCMP_SYS(capset),
    SCMP_SYS(prctl),
    /* a worker's start (the loader, then workers/sandbox.c) */
    SCMP_SYS(arch_prctl),
    SCMP_SYS(set_tid_address),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(rseq),
    SCMP_SYS(chroot),
    SCMP_SYS(setresuid),
    SCMP_SYS(setresgid),
    SCMP_SYS(setuid),
    SCMP_SYS(setgid),
    SCMP_SYS(setgroups),
    SCMP_SYS(seccomp),
    SCMP_SYS(accept4),
    /* the scanner's watch of the managed subtree (its inotify fd is made
     * before its own filter, so under this one: a restarted scanner
     * was killed here; workers/scanner/listing.c) */
    SCMP_SYS(inotify_init1),
    SCMP_SYS(inotify_add_watch),
    SCMP_SYS(inotify_rm_watch),
#ifdef CGFAIR_SANITIZED
    /* the ASan runtime's leak check at exit stops the world (a clone
     * that ptraces its parent, listing its threads with the old
     * getdents); the shipped filter never has these */
    SCMP_SYS(ptrace),
    SCMP_SYS(getdents),
#endif
};

void supervisor_seccomp(bool tcp)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	int rc;

	if (!ctx)
		fatalx(EXIT_SANDBOX, "seccomp_init failed");
	for (size_t i = 0; i < sizeof(plain) / sizeof(*plain); i++)
		allow(ctx, plain[i], 0);
	/* memory: never a mapping both writable and executable (the loader
	 * maps a worker's code read-only and executable) */
	allow(ctx, SCMP_SYS(mmap), 1,
	      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	allow(ctx, SCMP_SYS(mmap), 1,
	      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_WRITE, 0));
	allow(ctx, SCMP_SYS(mprotect), 1,
	      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	allow(ctx, SCMP_SYS(mprotect), 1,
	      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_WRITE, 0));
	/* sockets: local (bus, journal, notify, nscd) and netlink only */
	allow(ctx, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
	allow(ctx, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, AF_NETLINK));
	/* fleet mode: the recorder's TCP streams to the database, and
	 * cgfair-notify's to the mail relay (their own filters narrow them
	 * further); without them a recorder or notify worker started again
	 * died at its first connection (SIGSYS) */
	for (int f = 0; tcp && f < 2; f++)
		allow(ctx, SCMP_SYS(socket), 2,
		      SCMP_A0(SCMP_CMP_EQ, f ? AF_INET6 : AF_INET),
		      SCMP_A1(SCMP_CMP_MASKED_EQ,
			      ~(scmp_datum_t)(SOCK_NONBLOCK | SOCK_CLOEXEC),
			      SOCK_STREAM));
	/* fork (glibc: clone without a new stack or namespace); clone3
	 * gets ENOSYS so that libc falls back to clone */
	allow(ctx, SCMP_SYS(clone), 1,
	      SCMP_A0(SCMP_CMP_MASKED_EQ,
		      CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID |
			  CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS |
			  CLONE_NEWCGROUP,
		      0));
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (rc < 0)
		fatalx(EXIT_SANDBOX, "seccomp: clone3 rule: %s", strerror(-rc));
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		fatalx(EXIT_SANDBOX, "seccomp_load: %s", strerror(-rc));
	log_debug("seccomp allowlist loaded");
}
