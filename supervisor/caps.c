/*
 * The supervisor keeps uid 0 (it owns the cgroup files it writes) but only
 * the capabilities it still uses, in its effective, permitted and bounding
 * sets:
 *   SETUID, SETGID, SYS_CHROOT: the workers it execs start as root with
 *     the supervisor's bounding set and need these to chroot and drop;
 *   SETPCAP: so that the workers can clear their own bounding set;
 *   KILL: to stop and restart workers, which run as another uid.
 * NET_ADMIN (proc connector) and SYSLOG (/dev/kmsg) are needed only to
 * open fds, which happens before this is called; those fds are kept and
 * handed out again on every worker restart.
 */
#include "supervisor/cgfaird.h"
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
	if (capng_apply(CAPNG_SELECT_ALL) < 0)
		fatalx(EXIT_SANDBOX, "capng_apply failed");
	log_debug("capabilities reduced to setuid setgid sys_chroot "
		  "setpcap kill");
}
