/*
 * cgfair-frontend: owns the listening Unix socket the supervisor handed it
 * and talks to cgfairctl and monitoring clients. Chrooted, no files, no new
 * sockets: it may only accept on the socket it was given.
 */
#include "workers/worker.h"

static void frontend_allow(scmp_filter_ctx ctx)
{
	sandbox_allow(ctx, SCMP_SYS(accept4));
	sandbox_allow(ctx, SCMP_SYS(getsockopt)); /* SO_PEERCRED */
	sandbox_allow(ctx, SCMP_SYS(sendto));
	sandbox_allow(ctx, SCMP_SYS(recvfrom));
	sandbox_allow(ctx, SCMP_SYS(shutdown));
}

static const struct worker_role frontend = {
	.role = ROLE_FRONTEND,
	.name = "cgfair-frontend",
	.chroot = true,
	.allow = frontend_allow,
};

int main(int argc, char **argv)
{
	worker_main(argc, argv, &frontend);
}
