/*
 * cgfair-scanner: reads /proc and the user cgroups' accounting for the
 * supervisor. Runs as the cgfair user with a read-only seccomp allowlist:
 * it may open files for reading only, and never write, connect or exec.
 */
#include "workers/worker.h"

static void scanner_allow(scmp_filter_ctx ctx)
{
	sandbox_allow_open_readonly(ctx);
	sandbox_allow(ctx, SCMP_SYS(getdents64));
	sandbox_allow(ctx, SCMP_SYS(pread64));
	sandbox_allow(ctx, SCMP_SYS(readlinkat));
	sandbox_allow(ctx, SCMP_SYS(recvfrom)); /* proc connector */
}

static const struct worker_role scanner = {
	.role = ROLE_SCANNER,
	.name = "cgfair-scanner",
	.chroot = false,
	.allow = scanner_allow,
};

int main(int argc, char **argv)
{
	worker_main(argc, argv, &scanner);
}
