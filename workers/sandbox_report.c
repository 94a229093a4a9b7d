/*
 * With --debug, a call the seccomp filter forbids is reported before the
 * worker dies: which system call, from which function of which library,
 * and the code addresses found on the stack (the callers). The kernel's
 * audit record names only the call and an instruction pointer inside libc,
 * which says nothing about who made the call.
 *
 * The filter then traps (SIGSYS to this handler) instead of killing; the
 * handler writes its lines and dies of SIGSYS all the same (SA_RESETHAND,
 * then raise), so the supervisor sees the same death as without --debug.
 * Shipped workers keep the filter's kill action: nothing is trapped there.
 *
 * dladdr() is not async-signal-safe; it is used only here, on a path that
 * ends the process, in single-threaded workers, and only with --debug.
 */
#include "workers/sandbox_report.h"

#include <dlfcn.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>
#include <seccomp.h>

static void say(const char *line)
{
	(void)!write(STDERR_FILENO, line, strlen(line));
}

/* One line for an address that dladdr places in a loaded object. */
static void say_address(const char *what, uintptr_t addr)
{
	char line[512];
	Dl_info info;

	if (!dladdr((void *)addr, &info) || !info.dli_fname)
		return;
	if (info.dli_sname)
		snprintf(line, sizeof(line), "  %s %#lx: %s+%#lx in %s\n", what,
			 (unsigned long)addr, info.dli_sname,
			 (unsigned long)(addr - (uintptr_t)info.dli_saddr),
			 info.dli_fname);
	else
		snprintf(line, sizeof(line), "  %s %#lx: %s+%#lx\n", what,
			 (unsigned long)addr, info.dli_fname,
			 (unsigned long)(addr - (uintptr_t)info.dli_fbase));
	say(line);
}

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
	const ucontext_t *uc = ctx;
	char line[256];
	char *name =
	    seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, si->si_syscall);

	snprintf(line, sizeof(line),
		 "forbidden system call %d (%s); the sandbox stops this "
		 "worker; the call was made at:\n",
		 si->si_syscall, name ? name : "?");
	say(line);
#ifdef __x86_64__
	say_address("ip", (uintptr_t)uc->uc_mcontext.gregs[REG_RIP]);
	/* no frame pointers in Debian's libraries: every stack word that
	 * points into a loaded object is a candidate return address */
	const uintptr_t *sp = (const uintptr_t *)uc->uc_mcontext.gregs[REG_RSP];
	for (int i = 0; i < 96; i++)
		say_address("stack", sp[i]);
#else
	(void)uc;
#endif
	raise(sig); /* SA_RESETHAND: now the default action, death */
}

void sandbox_report_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSYS, &sa, NULL);
}
