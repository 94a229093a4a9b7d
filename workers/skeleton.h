/* The skeleton every worker runs: argv, sandbox, sd-event loop, pings. */
#ifndef CGFAIR_SKELETON_H
#define CGFAIR_SKELETON_H

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "ipc/ipc.h"
#include "workers/sandbox.h"

struct skeleton_role {
	enum ipc_role role;
	const char *name;
	/* chroot to the directory the supervisor names: the empty one for
	 * roles that read no files, the recorder's own for the recorder */
	bool chroot;
	unsigned long long max_file; /* RLIMIT_FSIZE; 0: writes no file */
	/* a group kept as the one supplementary group (notify: "tty", as
	 * write(1)'s setgid); NULL: none */
	const char *extra_group;
	void (*allow)(scmp_filter_ctx ctx);
	/* before the sandbox: set up what the role needs (sd-event sources) */
	void (*init)(sd_event *event);
	/* a message the skeleton does not handle itself; return false on a
	 * message this role does not take (a protocol violation) */
	bool (*handle)(sd_event *event, struct ipc_msg *msg);
};

/* argv: --user NAME [--chroot DIR] [--network] [--debug]. Never
 * returns. */
int skeleton_main(int argc, char **argv, const struct skeleton_role *role)
    __attribute__((noreturn));

/* --network was given: the role may open its network sockets (the
 * recorder in fleet mode); its allow() hook reads it. */
extern bool skeleton_network;

/* Send a message to the supervisor; fatal when the supervisor is gone. */
void skeleton_send(uint32_t type, const void *payload, size_t len,
		   const int *fds, int nfds);

#endif
