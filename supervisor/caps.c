/*
 * The supervisor keeps uid 0 (it owns the cgroup files it writes) but,
 * once its privileged fds are open, only these capabilities:
 *   effective: KILL, to stop and restart workers (another uid), and
 *     AUDIT_WRITE, for its audit records (audit.c): what the running
 *     supervisor itself uses all the time.
 *   permitted only, raised for one step and dropped again:
 *     DAC_OVERRIDE: the top of every cgroup hierarchy is mode 0555, and
 *       removing the managed subtree when the daemon stops needs it
 *       (caps_cleanup; kept only when cgfaird started with it);
 *     SYS_PTRACE: reading the executable of a client for its audit
 *       record (/proc/<pid>/exe of a process with more capabilities than
 *       ours, or of another uid, needs it; caps_ptrace, actor.c);
 *     SETUID, SETGID: taking a process's filesystem ids for the readlink
 *       of its executable (exe.c; caps_setfsid);
 *     SETUID, SETGID, SYS_CHROOT, SETPCAP, for the workers: the
 *       supervisor runs with NoNewPrivs (its seccomp filter needs it;
 *       under the unit systemd sets it anyway), and under NoNewPrivs a
 *       worker exec'd by uid 0 gets no capability its parent's permitted
 *       set lacks. The worker needs them to chroot, drop to its user and
 *       clear its own bounding set.
 *   bounding: SETUID, SETGID, SYS_CHROOT, SETPCAP: what a worker starts
 *     with. KILL, AUDIT_WRITE, SYS_PTRACE and DAC_OVERRIDE are not in it,
 *     so no worker can ever have them.
 * NET_ADMIN (proc connector) and SYSLOG (/dev/kmsg) are needed only to
 * open fds, which happens before this is called; those fds are kept and
 * handed out again on every worker restart.
 */
#include "supervisor/caps.h"
#include "common/log.h"

#include <cap-ng.h>
#include <sys/prctl.h>

/* CAP_DAC_OVERRIDE is kept only where cgfaird has it: the unit leaves it
 * out (under systemd the cgroups are written through D-Bus, never by
 * cgfaird: no subtree of its own to remove). */
static bool keep_dac;

void caps_reduce(void)
{
	capng_get_caps_process();
	keep_dac = capng_have_capability(CAPNG_PERMITTED, CAP_DAC_OVERRIDE);
	capng_clear(CAPNG_SELECT_ALL);
	if (capng_updatev(CAPNG_ADD, CAPNG_BOUNDING_SET | CAPNG_PERMITTED,
			  CAP_SETUID, CAP_SETGID, CAP_SYS_CHROOT, CAP_SETPCAP,
			  -1) < 0 ||
	    capng_updatev(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
			  CAP_KILL, CAP_AUDIT_WRITE, -1) < 0 ||
	    capng_update(CAPNG_ADD, CAPNG_PERMITTED, CAP_SYS_PTRACE) < 0 ||
	    (keep_dac &&
	     capng_update(CAPNG_ADD, CAPNG_PERMITTED, CAP_DAC_OVERRIDE) < 0))
		fatalx(EXIT_SANDBOX, "capng_update failed");
	if (capng_apply(CAPNG_SELECT_ALL) < 0)
		fatalx(EXIT_SANDBOX, "capng_apply failed");
	log_debug("capabilities reduced: effective kill audit_write; "
		  "permitted also dac_override sys_ptrace and the workers' "
		  "setuid setgid sys_chroot setpcap");
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
	if (keep_dac)
		raise_cap(CAP_DAC_OVERRIDE, "CAP_DAC_OVERRIDE", raise);
}

void caps_ptrace(bool raise)
{
	raise_cap(CAP_SYS_PTRACE, "CAP_SYS_PTRACE", raise);
}

/* CAP_SETUID and CAP_SETGID for setfsuid/setfsgid (exe.c). Dropping them
 * applies the whole effective set again, which also drops the filesystem
 * capabilities the kernel raised on the way back to fsuid 0. */
void caps_setfsid(bool raise)
{
	raise_cap(CAP_SETUID, "CAP_SETUID", raise);
	raise_cap(CAP_SETGID, "CAP_SETGID", raise);
}
