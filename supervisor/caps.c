/*
 * The supervisor keeps uid 0 (it owns the cgroup files it writes) but only
 * the capabilities it still uses, in its effective, permitted and bounding
 * sets:
 *   SETUID, SETGID, SYS_CHROOT: the workers it execs start as root with
 *     the supervisor's bounding set and need these to chroot and drop;
 *   SETPCAP: so that the workers can clear their own bounding set;
 *   KILL: to stop and restart workers, which run as another uid.
 * AUDIT_WRITE (audit records, audit.c) is kept in the effective and
 * permitted sets only: not in the bounding set, so no worker can have it.
 * SYS_PTRACE is kept in the permitted set only, like DAC_OVERRIDE, and
 * raised just to read the executable of a client (/proc/<pid>/exe of a
 * process with more capabilities than ours, or another uid, needs it):
 * the audit record names it.
 * DAC_OVERRIDE is kept in the permitted set only (not effective, not in the
 * bounding set, so no worker can have it): the top of every cgroup
 * hierarchy is mode 0555, and removing the managed subtree when the daemon
 * stops needs it. It is raised for that step alone (caps_cleanup).
 * NET_ADMIN (proc connector) and SYSLOG (/dev/kmsg) are needed only to
 * open fds, which happens before this is called; those fds are kept and
 * handed out again on every worker restart.
 */
#include "supervisor/caps.h"
#include "common/log.h"

#include <cap-ng.h>
#include <sys/prctl.h>

void caps_reduce(void)
{
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_updatev(CAPNG_ADD,
			  CAPNG_EFFECTIVE | CAPNG_PERMITTED |
			      CAPNG_BOUNDING_SET,
			  CAP_SETUID, CAP_SETGID, CAP_SYS_CHROOT, CAP_SETPCAP,
			  CAP_KILL, -1) < 0)
		fatalx(EXIT_SANDBOX, "capng_updatev failed");
	if (capng_update(CAPNG_ADD, CAPNG_PERMITTED, CAP_DAC_OVERRIDE) < 0 ||
	    capng_update(CAPNG_ADD, CAPNG_PERMITTED, CAP_SYS_PTRACE) < 0 ||
	    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
			 CAP_AUDIT_WRITE) < 0)
		fatalx(EXIT_SANDBOX, "capng_update failed");
	if (capng_apply(CAPNG_SELECT_ALL) < 0)
		fatalx(EXIT_SANDBOX, "capng_apply failed");
	log_debug("capabilities reduced to setuid setgid sys_chroot "
		  "setpcap kill audit_write");
}

static void raise_cap(unsigned cap, const char *name, bool raise)
{
	if (capng_update(raise ? CAPNG_ADD : CAPNG_DROP, CAPNG_EFFECTIVE, cap) <
		0 ||
	    capng_apply(CAPNG_SELECT_CAPS) < 0)
		log_warnx("cannot %s %s", raise ? "raise" : "drop", name);
}

/* Raise (or drop again) CAP_DAC_OVERRIDE in the effective set, for the
 * removal of the managed subtree at stop. */
void caps_cleanup(bool raise)
{
	raise_cap(CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE", raise);
}

void caps_ptrace(bool raise)
{
	raise_cap(CAP_SYS_PTRACE, "CAP_SYS_PTRACE", raise);
}
