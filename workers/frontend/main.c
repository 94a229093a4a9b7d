/*
 * cgfair-frontend: owns the listening Unix socket the supervisor handed it
 * and talks to cgfairctl and monitoring clients. Chrooted, no files, no new
 * sockets: it may only accept on the socket it was given. Client input is
 * parsed here, never in the supervisor.
 */
#include "workers/frontend/clients.h"
#include "workers/frontend/dispatch.h"
#include "workers/frontend/request.h"
#include "workers/skeleton.h"
#include "common/log.h"

#include <json.h>
#include <string.h>
#include <sys/resource.h>

/* the bounds and the rows, as the supervisor last sent them: this
 * file's, lent to clients.c and dispatch.c at init */
static struct ipc_listen_setup setup;
static struct fe_rows rows;

static void frontend_allow(scmp_filter_ctx ctx)
{
	/* clients come only from the socket the supervisor handed over;
	 * their bytes move with read/write, which every worker has */
	sandbox_allow(ctx, SCMP_SYS(accept4));
	/* SO_PEERCRED and SO_PEERGROUPS: what a client may read */
	sandbox_allow(ctx, SCMP_SYS(getsockopt));
}

/* Before the sandbox: json-c seeds its hash function (getrandom, else
 * /dev/urandom) and may look at the locale on first use; do both now,
 * while files may still be opened. Room for max_clients fds, too. */
static void frontend_init(sd_event *event)
{
	json_object *o = json_tokener_parse("{\"a\":[1.5,\"x\"]}");
	struct rlimit rl;

	json_object_put(json_object_new_double(0.5));
	if (o)
		(void)json_object_to_json_string(o);
	json_object_put(o);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	clients_init(event, &setup);
	dispatch_init(event, &setup, &rows);
}

static bool frontend_handle(sd_event *event, struct ipc_msg *msg)
{
	(void)event;
	switch (msg->hdr.type) {
	case IPC_LISTEN:
		setup = msg->u.listen_setup;
		fe_set_mem_total(setup.mem_total);
		clients_listen(msg->fds[0]);
		return true;
	case IPC_CLIENT_REPLY:
		clients_reply(&msg->u.client_reply);
		return true;
	case IPC_EVENT:
		clients_event(msg->u.event.json);
		return true;
	case IPC_PENALTY_NOTE:
		fe_rows_note(&rows, &msg->u.penalty_note);
		return true;
	default:
		return fe_rows_handle(&rows, msg);
	}
}

static const struct skeleton_role frontend = {
    .role = ROLE_FRONTEND,
    .name = "cgfair-frontend",
    .chroot = true,
    .allow = frontend_allow,
    .init = frontend_init,
    .handle = frontend_handle,
};

int main(int argc, char **argv)
{
	skeleton_main(argc, argv, &frontend);
}
