/*
 * cgfair-oomwatch: one of a pool of watchers that poll the OOM sources the
 * supervisor armed and handed over as fds. Chrooted to an empty directory;
 * it opens no file at all.
 */
#include "workers/worker.h"

static void oomwatch_allow(scmp_filter_ctx ctx)
{
	sandbox_allow(ctx, SCMP_SYS(pread64)); /* re-read memory.events */
}

static const struct worker_role oomwatch = {
	.role = ROLE_OOMWATCH,
	.name = "cgfair-oomwatch",
	.chroot = true,
	.allow = oomwatch_allow,
};

int main(int argc, char **argv)
{
	worker_main(argc, argv, &oomwatch);
}
