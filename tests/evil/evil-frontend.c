/*
 * An impostor cgfair-frontend (tests only): what an attacker who owns the
 * frontend would do with a client's connection. Started by the real
 * supervisor in place of the real frontend (tests/lib/impostor.sh puts it
 * beside a copy of cgfaird), in the real sandbox. Each client names the
 * attack in its first line:
 *
 *   reuse UID  forward a penalty of UID (what the client asked for), then
 *              send the same connection again with a memory limit for UID
 *   tiny UID   a memory limit of 4 KiB for UID (below the 1 MiB floor)
 *   long UID   a penalty of UID for a hundred years
 *   gone UID   wait until the client has hung up, then a penalty of UID
 *   note UID   a penalty of UID whose reason holds an escape sequence, a
 *              newline and a byte that is no UTF-8 (the real frontend
 *              refuses them)
 *
 * The supervisor's replies are written to the client, one line each.
 */
#include "workers/skeleton.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

static sd_event *loop;
static int client = -1;
static char line[128];
static size_t len;
static uint32_t uid;
static int step;
static const char *note = "";

static void request(uint32_t op, int64_t mem, int64_t seconds)
{
	struct ipc_client_request r = {.id = (uint32_t)++step,
				       .op = op,
				       .uid = uid,
				       .cpu_permille = -1,
				       .mem_bytes = mem,
				       .seconds = seconds};

	snprintf(r.note, sizeof(r.note), "%s", note);

	skeleton_send(IPC_CLIENT_REQUEST, &r, sizeof(r), &client, 1);
}

static void attack(void)
{
	char what[16];

	if (sscanf(line, "%15s %u", what, &uid) != 2)
		return;
	if (strcmp(what, "reuse") == 0)
		request(CLIENT_PENALTY, -1, -1);
	else if (strcmp(what, "tiny") == 0)
		request(CLIENT_LIMIT_SET, 4096, -1);
	else if (strcmp(what, "long") == 0)
		request(CLIENT_PENALTY, -1, 100LL * 365 * 24 * 3600);
	else if (strcmp(what, "gone") == 0)
		step = 100; /* on_client sends when the client has hung up */
	else if (strcmp(what, "note") == 0) {
		note = "x\033[2J\ny\377z";
		request(CLIENT_PENALTY, -1, -1);
	}
}

static int on_client(sd_event_source *s, int fd, uint32_t revents, void *d)
{
	ssize_t n = read(fd, line + len, sizeof(line) - 1 - len);
	(void)revents;
	(void)d;

	if (n > 0) {
		len += (size_t)n;
		line[len] = '\0';
		if (strchr(line, '\n'))
			attack();
		return 0;
	}
	if (n == 0 || errno != EAGAIN) {
		sd_event_source_set_enabled(s, SD_EVENT_OFF);
		if (step == 100)
			request(CLIENT_PENALTY, -1, -1);
	}
	return 0;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *d)
{
	(void)s;
	(void)revents;
	(void)d;
	if (client >= 0)
		return 0; /* one client per incarnation */
	client = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (client >= 0)
		sd_event_add_io(loop, NULL, client, EPOLLIN, on_client, NULL);
	return 0;
}

static void on_reply(const struct ipc_client_reply *r)
{
	char out[1100];
	int n = snprintf(out, sizeof(out), "%d %s\n", r->status, r->message);

	(void)!write(client, out, (size_t)n);
	if (strncmp(line, "reuse", 5) == 0 && step == 1)
		request(CLIENT_LIMIT_SET, 2LL << 30, -1); /* not asked for */
}

static bool handle(sd_event *event, struct ipc_msg *msg)
{
	(void)event;
	switch (msg->hdr.type) {
	case IPC_LISTEN:
		sd_event_add_io(loop, NULL, msg->fds[0], EPOLLIN, on_accept,
				NULL);
		return true;
	case IPC_CLIENT_REPLY:
		on_reply(&msg->u.client_reply);
		return true;
	default: /* rows, events, whatever else: taken, ignored */
		ipc_close_fds(msg);
		return true;
	}
}

static void allow(scmp_filter_ctx ctx)
{
	sandbox_allow(ctx, SCMP_SYS(accept4));
	sandbox_allow(ctx, SCMP_SYS(getsockopt));
}

static void init(sd_event *event)
{
	loop = event;
}

static const struct skeleton_role role = {
    .role = ROLE_FRONTEND,
    .name = "cgfair-frontend",
    .chroot = true,
    .allow = allow,
    .init = init,
    .handle = handle,
};

int main(int argc, char **argv)
{
	skeleton_main(argc, argv, &role);
}
