/*
 * libFuzzer target for the receive and decode path of cgfair's IPC.
 *
 * Input: one mode byte, then the bytes of one message (header + payload).
 *   mode bits 0-2: fds attached (0..7; at most IPC_MAX_FDS for ipc_decode)
 *   mode bit 3:    ipc_decode's `truncated` flag
 *   mode bits 4-5: the sender's role on the socket path
 *   mode bit 6:    also send the message through a real SOCK_SEQPACKET
 *                  socketpair and read it with ipc_recv (the recvmsg,
 *                  SCM_RIGHTS and MSG_TRUNC/MSG_CTRUNC path)
 * The bytes go to ipc_decode once for each sender role. A result other than
 * IPC_OK or IPC_INVALID, an accepted message that breaks the rules, an fd
 * left open by a rejection or any fd leaked by the receive path aborts
 * (a crash for libFuzzer).
 *
 * Seed mode: FUZZ_IPC_SEEDS=DIR ./fuzz-ipc writes one valid message of
 * every type, from every role that may send it, into DIR and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "ipc/ipc.h"

#define MODE_NFDS   0x07
#define MODE_TRUNC  0x08
#define MODE_ROLE   0x30
#define MODE_SOCKET 0x40
#define MAX_SEND    8192 /* larger inputs skip the socket path */

static int sv[2] = {-1, -1};
static int basefd = -1; /* what the fds we attach are dups of */

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "fuzz_ipc: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

/* Which of the low fd numbers are open. Received fds take the lowest free
 * numbers, so any fd leaked by one input (ours, or one the kernel installed
 * on receive) shows up here. */
#define FD_WINDOW 64

static uint64_t open_fds(void)
{
	uint64_t map = 0;

	for (int fd = 0; fd < FD_WINDOW; fd++)
		if (is_open(fd))
			map |= 1ull << fd;
	return map;
}

/* What an accepted message must satisfy, checked independently of
 * ipc_decode's own code path. */
static void check_accepted(const uint8_t *buf, size_t len, int nfds,
			   enum ipc_role from, const struct ipc_msg *m)
{
	struct ipc_hdr h;

	if (len < sizeof(h))
		die("accepted %zu bytes, less than a header", len);
	memcpy(&h, buf, sizeof(h));
	if (memcmp(&h, &m->hdr, sizeof(h)) != 0)
		die("accepted header differs from the bytes");
	if (h.type == IPC_NONE || h.type >= IPC_TYPE_COUNT)
		die("accepted unknown type %u", h.type);
	const struct ipc_rule *r = &ipc_rules[h.type];
	if (!(r->senders & (1u << from)))
		die("accepted %s from %s", r->name, ipc_role_name(from));
	if (h.reserved != 0)
		die("accepted a reserved header word %#x", h.reserved);
	if (h.len != r->size || len != sizeof(h) + r->size)
		die("accepted %s of %zu bytes (header says %u, type %zu)",
		    r->name, len, h.len, r->size);
	if (!ipc_fd_count_ok(r->fds, nfds) || m->nfds != nfds)
		die("accepted %s with %d fds", r->name, nfds);
	if (memcmp(&m->u, buf + sizeof(h), r->size) != 0)
		die("accepted payload differs from the bytes");
	for (size_t i = r->size; i < sizeof(m->u); i++)
		if (m->u.raw[i] != 0)
			die("stale bytes after the %s payload", r->name);
	if (r->valid && !r->valid(&m->u, m->nfds))
		die("accepted an invalid %s payload", r->name);
}

static void check_rejected(int rc, const char *why, const struct ipc_msg *m)
{
	if (rc != IPC_INVALID)
		die("ipc_decode/ipc_recv returned %d", rc);
	if (!why || !*why)
		die("rejected without a reason");
	if (m->nfds != 0 || m->fds[0] != -1 || m->fds[1] != -1)
		die("rejected message still holds fds");
}

static void decode_path(const uint8_t *buf, size_t len, uint8_t mode)
{
	int nfds = mode & MODE_NFDS;
	bool truncated = mode & MODE_TRUNC;

	if (nfds > IPC_MAX_FDS)
		nfds = IPC_MAX_FDS; /* ipc_recv never hands decode more */
	for (int r = 0; r < ROLE_COUNT; r++) {
		struct ipc_msg m;
		const char *why = NULL;
		int mine[IPC_MAX_FDS];

		memset(&m, 0xa5, sizeof(m));
		m.fds[0] = m.fds[1] = -1;
		for (int i = 0; i < nfds; i++) {
			mine[i] = m.fds[i] = dup(basefd);
			if (mine[i] < 0)
				die("dup: %s", strerror(errno));
		}
		int rc = ipc_decode(buf, len, nfds, truncated, r, &m, &why);
		if (rc == IPC_OK) {
			if (truncated)
				die("accepted a truncated message");
			check_accepted(buf, len, nfds, r, &m);
			for (int i = 0; i < nfds; i++)
				if (m.fds[i] != mine[i] || !is_open(mine[i]))
					die("accepted fd %d lost", i);
			ipc_close_fds(&m);
		} else {
			check_rejected(rc, why, &m);
		}
		for (int i = 0; i < nfds; i++)
			if (is_open(mine[i]))
				die("fd %d still open after decode (rc %d)",
				    mine[i], rc);
	}
}

static void socket_path(const uint8_t *buf, size_t len, uint8_t mode)
{
	int nfds = mode & MODE_NFDS;
	enum ipc_role from = (enum ipc_role)((mode & MODE_ROLE) >> 4);
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * MODE_NFDS)];
	} ctl;
	int fds[MODE_NFDS];
	struct iovec iov = {(void *)buf, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct ipc_msg m;
	const char *why = NULL;

	if (len > MAX_SEND)
		return;
	for (int i = 0; i < nfds; i++)
		if ((fds[i] = dup(basefd)) < 0)
			die("dup: %s", strerror(errno));
	ipc_attach_fds(&mh, ctl.buf, sizeof(ctl.buf), fds, nfds);
	ssize_t n = sendmsg(sv[0], &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
	for (int i = 0; i < nfds; i++)
		close(fds[i]); /* the copies in flight are the receiver's */
	if (n < 0)
		die("sendmsg of %zu bytes: %s", len, strerror(errno));

	memset(&m, 0xa5, sizeof(m));
	int rc = ipc_recv(sv[1], from, &m, &why);
	if (rc == IPC_OK) {
		if (len > sizeof(struct ipc_hdr) + IPC_MAX_PAYLOAD ||
		    nfds > IPC_MAX_FDS)
			die("accepted a message that did not fit");
		check_accepted(buf, len, nfds, from, &m);
		for (int i = 0; i < nfds; i++)
			if (!(fcntl(m.fds[i], F_GETFD) & FD_CLOEXEC))
				die("received fd without FD_CLOEXEC");
		ipc_close_fds(&m);
	} else if (rc == IPC_EOF) {
		if (len != 0 || nfds != 0)
			die("EOF for a record of %zu bytes, %d fds", len, nfds);
	} else {
		check_rejected(rc, why, &m);
	}
	/* one record in, one record out: the socket is empty again */
	rc = ipc_recv(sv[1], from, &m, &why);
	if (rc != IPC_AGAIN)
		die("socket not drained: %d", rc);
}

/* --- seeds --------------------------------------------------------------- */

/* The smallest changes that make an all-zero payload of type valid. */
static void seed_payload(uint32_t type, struct ipc_msg *m, int nfds)
{
	memset(&m->u, 0, sizeof(m->u));
	switch (type) {
	case IPC_TEST_SYSCALL:
		m->u.test_syscall.call = TEST_SOCKET;
		break;
	case IPC_SCAN_SETUP:
		m->u.scan_setup.hierarchy = HIER_V2;
		m->u.scan_setup.min_uid = 1000;
		strcpy(m->u.scan_setup.prefix, "/cgfair");
		strcpy(m->u.scan_setup.cpuacct_dir, "/sys/fs/cgroup");
		strcpy(m->u.scan_setup.memory_dir, "/sys/fs/cgroup");
		m->u.scan_setup.nexempt = 1;
		m->u.scan_setup.exempt[0] = 1001;
		break;
	case IPC_SCAN_USERS:
		m->u.scan_users.count = 1;
		m->u.scan_users.user[0].uid = 1000;
		break;
	case IPC_OOM_ARM:
		m->u.oom_arm.kind = nfds == 2 ? OOM_V1_EVENTFD : OOM_V2_EVENTS;
		break;
	case IPC_OOM_VICTIM:
		strcpy(m->u.oom_victim.comm, "stress-ng");
		strcpy(m->u.oom_victim.memcg, "/cgfair/user-1000");
		break;
	case IPC_LISTEN:
		m->u.listen_setup.max_clients = 64;
		m->u.listen_setup.max_clients_per_uid = 8;
		m->u.listen_setup.max_line = 4096;
		m->u.listen_setup.subscriber_backlog = 65536;
		strcpy(m->u.listen_setup.cpu_dir, "/sys/fs/cgroup");
		break;
	case IPC_CLIENT_REQUEST:
		m->u.client_request.op = CLIENT_PENALTY;
		m->u.client_request.uid = 1000;
		m->u.client_request.cpu_permille = -1;
		m->u.client_request.mem_bytes = -1;
		m->u.client_request.seconds = -1;
		break;
	case IPC_CLIENT_REPLY:
		strcpy(m->u.client_reply.message, "ok");
		break;
	case IPC_USER_STATE:
		m->u.user_states.count = 1;
		strcpy(m->u.user_states.row[0].name, "alice");
		break;
	case IPC_EVENT:
		strcpy(m->u.event.json, "{\"event\":\"oom\"}");
		break;
	case IPC_HISTORY_SETUP:
		m->u.history_setup.keep_minutes = 90 * 24 * 60;
		break;
	case IPC_REPORT_REQUEST:
	case IPC_REPORT_QUERY:
		m->u.report_request.by = REPORT_BY_HOUR;
		m->u.report_request.until = 3600;
		m->u.report_request.top = 8;
		break;
	case IPC_NOTIFY_EVENT:
		m->u.notify_event.kind = NOTIFY_OOM;
		strcpy(m->u.notify_event.user, "alice");
		strcpy(m->u.notify_event.comm, "stress-ng");
		break;
	case IPC_PENALTY_NOTE:
		m->u.penalty_note.uid = 1000;
		strcpy(m->u.penalty_note.note, "20 jobs on the login node");
		break;
	case IPC_FLEET_SETUP:
		m->u.fleet_setup.poll_ms = 5000;
		strcpy(m->u.fleet_setup.node, "login1");
		strcpy(m->u.fleet_setup.conninfo,
		       "hostaddr=10.0.0.5 user=cgfair");
		break;
	case IPC_FLEET_STATE:
		m->u.fleet_state.connected = 1;
		break;
	case IPC_FLEET_PUT:
	case IPC_FLEET_OVERRIDE:
		m->u.fleet_override.uid = 1000;
		m->u.fleet_override.flags = FLEET_PENALTY;
		m->u.fleet_override.cpu_permille = -1;
		m->u.fleet_override.mem_bytes = 1 << 30;
		m->u.fleet_override.max_tasks = -1;
		m->u.fleet_override.mem_high = -1;
		m->u.fleet_override.io_weight = -1;
		strcpy(m->u.fleet_override.node, "login2");
		break;
	case IPC_PLOT_QUERY:
		m->u.plot_query.uid = 1000;
		m->u.plot_query.t0 = 1764700000;
		m->u.plot_query.t1 = 1764700000 + 3600;
		break;
	case IPC_PLOT_CHUNK:
	case IPC_NOTIFY_PLOT:
		/* the first piece of a PNG, more to come */
		m->u.plot_chunk.flags = REPLY_MORE;
		m->u.plot_chunk.len = 8;
		memcpy(m->u.plot_chunk.data, "\x89PNG\r\n\x1a\n", 8);
		break;
	case IPC_DESKTOP_NOTICE:
		m->u.desktop_notice.uid = 1000;
		m->u.desktop_notice.urgency = DESKTOP_URGENCY_CRITICAL;
		snprintf(m->u.desktop_notice.summary,
			 sizeof(m->u.desktop_notice.summary), "<b>oom</b>");
		snprintf(m->u.desktop_notice.body,
			 sizeof(m->u.desktop_notice.body), "killed \033[2J &");
		break;
	}
}

static int write_seeds(const char *dir)
{
	uint8_t buf[1 + sizeof(struct ipc_hdr) + IPC_MAX_PAYLOAD];
	int written = 0, bad = 0;

	for (uint32_t t = 1; t < IPC_TYPE_COUNT; t++) {
		const struct ipc_rule *r = &ipc_rules[t];
		for (int role = 0; role < ROLE_COUNT; role++) {
			if (!(r->senders & (1u << role)))
				continue;
			for (int nfds = 0; nfds <= IPC_MAX_FDS; nfds++) {
				if (!ipc_fd_count_ok(r->fds, nfds))
					continue;
				struct ipc_msg m;
				struct ipc_hdr h = {.type = t,
						    .len = (uint32_t)r->size,
						    .seq = 1};
				size_t len = 1 + sizeof(h) + r->size;
				const char *why = NULL;

				seed_payload(t, &m, nfds);
				buf[0] =
				    (uint8_t)(nfds | (role << 4) | MODE_SOCKET);
				memcpy(buf + 1, &h, sizeof(h));
				memcpy(buf + 1 + sizeof(h), &m.u, r->size);
				/* -1 fds: the count is checked, none closed */
				m.fds[0] = m.fds[1] = -1;
				if (ipc_decode(buf + 1, len - 1, nfds, false,
					       role, &m, &why) != IPC_OK) {
					fprintf(stderr, "seed %s: %s\n",
						r->name, why);
					bad++;
				}
				char path[4096];
				snprintf(path, sizeof(path), "%s/%s-%s-%d", dir,
					 r->name, ipc_role_name(role), nfds);
				FILE *f = fopen(path, "wb");
				if (!f || fwrite(buf, 1, len, f) != len ||
				    fclose(f) != 0) {
					perror(path);
					return 1;
				}
				written++;
			}
		}
	}
	fprintf(stderr, "wrote %d seeds to %s\n", written, dir);
	return bad ? 1 : 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *seeds = getenv("FUZZ_IPC_SEEDS");
	(void)argc;
	(void)argv;

	if (seeds)
		exit(write_seeds(seeds));
	basefd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (basefd < 0)
		die("/dev/null: %s", strerror(errno));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		die("socketpair: %s", strerror(errno));
	if (sv[1] + 2 * MODE_NFDS >= FD_WINDOW)
		die("fd %d too high for the leak check", sv[1]);
	/* room for the largest input in one record */
	int sz = 4 * MAX_SEND;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	const uint8_t *msg = data + 1;
	size_t len = size - 1;
	uint64_t before = open_fds();

	decode_path(msg, len, mode);
	if (mode & MODE_SOCKET)
		socket_path(msg, len, mode);
	uint64_t after = open_fds();
	if (after != before)
		die("fd leak: open fds %#llx before, %#llx after",
		    (unsigned long long)before, (unsigned long long)after);
	return 0;
}
