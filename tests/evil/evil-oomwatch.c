/*
 * An impostor cgfair-oomwatch (tests only): on every arm it reports 1000
 * kills the kernel never counted, and a victim in the user's cgroup that
 * was never killed. Started by the real supervisor in place of the real
 * watcher (tests/lib/impostor.sh), in the real sandbox.
 */
#include "workers/skeleton.h"

#include <stdio.h>
#include <unistd.h>

static bool handle(sd_event *event, struct ipc_msg *msg)
{
	(void)event;
	switch (msg->hdr.type) {
	case IPC_OOM_ARM: {
		const struct ipc_oom_arm *a = &msg->u.oom_arm;
		struct ipc_oom_victim v = {.pid = 4242, .uid = a->uid};
		struct ipc_oom_kills k = {
		    .uid = a->uid, .gen = a->gen, .oom_kill = 1000};

		snprintf(v.comm, sizeof(v.comm), "invented");
		skeleton_send(IPC_OOM_VICTIM, &v, sizeof(v), NULL, 0);
		skeleton_send(IPC_OOM_KILLS, &k, sizeof(k), NULL, 0);
		ipc_close_fds(msg);
		return true;
	}
	case IPC_OOM_DISARM:
		return true;
	default: /* IPC_KMSG and whatever else: taken, ignored */
		ipc_close_fds(msg);
		return true;
	}
}

static void allow(scmp_filter_ctx ctx)
{
	sandbox_allow(ctx, SCMP_SYS(pread64));
}

static const struct skeleton_role role = {
    .role = ROLE_OOMWATCH,
    .name = "cgfair-oomwatch",
    .chroot = true,
    .allow = allow,
    .handle = handle,
};

int main(int argc, char **argv)
{
	skeleton_main(argc, argv, &role);
}
