/*
 * Unit tests of cgfair's IPC layer (ipc/ipc.c) over real SOCK_SEQPACKET
 * socketpairs: a round trip of every message type in ipc_rules from every
 * role that may send it (written out in this file, not read from the
 * table), with every fd count it permits; and the rejection
 * of everything else, with the fds that came along closed.
 *
 * Bad messages are crafted with raw sendmsg, never with ipc_send, so that
 * the receiver is tested against what any peer could put on the wire.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "ipc/ipc.h"

#define MAX_TEST_FDS 8 /* more than the receiver has control room for */

/* --- helpers ------------------------------------------------------------ */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own fd */
}

static void make_pair(int sv[2])
{
	assert_int_equal(
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
}

static void close_pair(int sv[2])
{
	close(sv[0]);
	close(sv[1]);
}

static bool fd_is_closed(int fd)
{
	return fcntl(fd, F_GETFD) == -1 && errno == EBADF;
}

/* fds to send: read ends of pipes, opened without O_CLOEXEC so that the
 * flag on the received copies can only come from MSG_CMSG_CLOEXEC. The
 * write ends stay with the test, to prove the received fd is the same
 * pipe. Slot 1 is an eventfd (a different kind of file). */
struct fdset {
	int n;
	int send[MAX_TEST_FDS];
	int keep[MAX_TEST_FDS];
};

static void open_fds(struct fdset *s, int n)
{
	assert_true(n <= MAX_TEST_FDS);
	s->n = n;
	for (int i = 0; i < n; i++) {
		if (i == 1) {
			s->send[i] = eventfd(0, 0);
			assert_true(s->send[i] >= 0);
			s->keep[i] = -1;
			continue;
		}
		int p[2];
		assert_int_equal(pipe(p), 0);
		s->send[i] = p[0];
		s->keep[i] = p[1];
	}
}

static void close_fdset(struct fdset *s)
{
	for (int i = 0; i < s->n; i++) {
		close(s->send[i]);
		if (s->keep[i] >= 0)
			close(s->keep[i]);
	}
	s->n = 0;
}

/* The received fd is a new descriptor of the very file that was sent, and
 * it is close-on-exec. */
static void check_received_fd(const struct fdset *s, int i, int got)
{
	struct stat a, b;

	assert_true(got >= 0);
	assert_int_not_equal(got, s->send[i]);
	assert_true(fcntl(got, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(fstat(s->send[i], &a), 0);
	assert_int_equal(fstat(got, &b), 0);
	assert_true(a.st_dev == b.st_dev);
	assert_true(a.st_ino == b.st_ino);
	if (s->keep[i] >= 0) { /* pipe: a byte written in comes out here */
		char c = 'A' + (char)i, r = 0;
		assert_int_equal(write(s->keep[i], &c, 1), 1);
		assert_int_equal(read(got, &r, 1), 1);
		assert_int_equal(r, c);
	} else { /* eventfd: anon inodes are shared, so check the counter */
		uint64_t v = 42, r = 0;
		assert_int_equal(write(s->send[i], &v, sizeof(v)), sizeof(v));
		assert_int_equal(read(got, &r, sizeof(r)), sizeof(r));
		assert_int_equal(r, 42);
	}
}

static void fill_str(char *s, size_t size, char c)
{
	memset(s, c, size - 1);
	s[size - 1] = '\0';
}

/* A valid payload of each type. Strings fill their field to the last byte
 * (the longest valid string). nfds picks the OOM source kind. */
static void fill_valid(uint32_t type, struct ipc_msg *m, int nfds)
{
	memset(&m->u, 0, sizeof(m->u));
	switch (type) {
	case IPC_PING:
		m->u.ping.nonce = 0x1122334455667788ull;
		break;
	case IPC_PONG:
		m->u.pong.nonce = 7;
		m->u.pong.cpu_usec = 123456;
		m->u.pong.maxrss_kb = 2048;
		break;
	case IPC_TEST_SYSCALL:
		m->u.test_syscall.call = TEST_SOCKET;
		break;
	case IPC_SCAN_SETUP:
		m->u.scan_setup.hierarchy = HIER_V2;
		m->u.scan_setup.min_uid = 1000;
		m->u.scan_setup.systemd_names = 1;
		m->u.scan_setup.max_uid = 60000;
		m->u.scan_setup.nexempt = IPC_EXEMPT_MAX;
		for (uint32_t i = 0; i < IPC_EXEMPT_MAX; i++)
			m->u.scan_setup.exempt[i] = 1000 + 2 * i;
		strcpy(m->u.scan_setup.prefix, "/cgfair");
		fill_str(m->u.scan_setup.cpuacct_dir,
			 sizeof(m->u.scan_setup.cpuacct_dir), 'c');
		fill_str(m->u.scan_setup.memory_dir,
			 sizeof(m->u.scan_setup.memory_dir), 'm');
		break;
	case IPC_PROC_CONNECTOR:
	case IPC_KMSG:
		break; /* a reserved word only */
	case IPC_LISTEN:
		m->u.listen_setup.max_clients = 64;
		m->u.listen_setup.max_clients_per_uid = 8;
		m->u.listen_setup.max_line = 4096;
		m->u.listen_setup.flags = LISTEN_STATUS_ALL | LISTEN_ADMIN_GID;
		m->u.listen_setup.idle_timeout_ms = 30000;
		m->u.listen_setup.subscriber_backlog = 1 << 16;
		m->u.listen_setup.admin_gid = 27;
		fill_str(m->u.listen_setup.cpu_dir,
			 sizeof(m->u.listen_setup.cpu_dir), 'c');
		strcpy(m->u.listen_setup.mem_dir, "/sys/fs/cgroup/memory");
		break;
	case IPC_SCAN_REQUEST:
		m->u.scan_request.cycle = 99;
		break;
	case IPC_SCAN_USERS:
		m->u.scan_users.cycle = 5;
		m->u.scan_users.count = IPC_BATCH;
		for (int i = 0; i < IPC_BATCH; i++) {
			m->u.scan_users.user[i].uid = 1000 + (uint32_t)i;
			m->u.scan_users.user[i].nprocs = (uint32_t)i;
			m->u.scan_users.user[i].flags = USAGE_HAS_CGROUP;
			m->u.scan_users.user[i].cpu_usec = 1000u * (uint64_t)i;
			m->u.scan_users.user[i].mem_bytes = 4096;
		}
		break;
	case IPC_SCAN_DONE:
		m->u.scan_done.cycle = 5;
		m->u.scan_done.mono_usec = 1;
		m->u.scan_done.scan_usec = 2;
		m->u.scan_done.ncpus = 2;
		m->u.scan_done.nusers = 3;
		m->u.scan_done.mem_total = 1ull << 33;
		break;
	case IPC_SWEEP_REQUEST:
		m->u.sweep_request.cycle = 6;
		break;
	case IPC_STRAY_PROC:
		m->u.stray_proc.pid = 4242;
		m->u.stray_proc.uid = 1001;
		m->u.stray_proc.start_time = 777;
		break;
	case IPC_SCAN_COMMANDS:
		m->u.scan_commands.count = IPC_COMMANDS_MAX;
		for (uint32_t i = 0; i < IPC_COMMANDS_MAX; i++)
			fill_str(m->u.scan_commands.name[i],
				 sizeof(m->u.scan_commands.name[i]), 'c');
		break;
	case IPC_OOM_ARM:
		m->u.oom_arm.uid = 1002;
		m->u.oom_arm.kind = nfds == 2 ? OOM_V1_EVENTFD : OOM_V2_EVENTS;
		m->u.oom_arm.gen = 3;
		break;
	case IPC_OOM_DISARM:
		m->u.oom_disarm.uid = 1002;
		break;
	case IPC_OOM_KILLS:
		m->u.oom_kills.uid = 1003;
		m->u.oom_kills.gen = 3;
		m->u.oom_kills.oom_kill = 4;
		m->u.oom_kills.mono_usec = 8;
		break;
	case IPC_OOM_VICTIM:
		m->u.oom_victim.pid = 31337;
		m->u.oom_victim.uid = 1003;
		m->u.oom_victim.rss_kb = 1 << 20;
		m->u.oom_victim.mono_usec = 9;
		fill_str(m->u.oom_victim.comm, sizeof(m->u.oom_victim.comm),
			 'k');
		strcpy(m->u.oom_victim.memcg, "/cgfair/user-1003");
		fill_str(m->u.oom_victim.task_memcg,
			 sizeof(m->u.oom_victim.task_memcg), 't');
		break;
	case IPC_CLIENT_REQUEST:
		m->u.client_request.id = 17;
		m->u.client_request.op = CLIENT_LIMIT_SET;
		m->u.client_request.uid = 1004;
		m->u.client_request.cpu_permille = 1500;
		m->u.client_request.mem_bytes = -1;
		m->u.client_request.seconds = -1;
		break;
	case IPC_CLIENT_REPLY:
		m->u.client_reply.id = 17;
		m->u.client_reply.status = EPERM;
		m->u.client_reply.flags = REPLY_MORE;
		fill_str(m->u.client_reply.message,
			 sizeof(m->u.client_reply.message), 'r');
		break;
	case IPC_USER_STATE:
		m->u.user_states.count = IPC_ROW_BATCH;
		for (uint32_t i = 0; i < IPC_ROW_BATCH; i++) {
			struct ipc_user_state *r = &m->u.user_states.row[i];
			r->uid = 1005 + i;
			r->flags = STATE_ACTIVE | STATE_PENALTY;
			r->ncpus = 2;
			r->cap_permille = -1;
			r->weight = 100;
			snprintf(r->name, sizeof(r->name), "user%u", i);
		}
		fill_str(m->u.user_states.row[IPC_ROW_BATCH - 1].name,
			 sizeof(m->u.user_states.row[0].name), 'u');
		break;
	case IPC_EVENT:
		fill_str(m->u.event.json, sizeof(m->u.event.json), 'j');
		m->u.event.json[0] = '{';
		break;
	case IPC_SCAN_EXEMPT:
		m->u.scan_exempt.index = IPC_CGPATTERN_MAX - 1;
		fill_str(m->u.scan_exempt.pattern,
			 sizeof(m->u.scan_exempt.pattern), 'p');
		m->u.scan_exempt.pattern[0] = '/';
		break;
	case IPC_STRAY_EXEMPT:
		m->u.stray_exempt.pid = 4242;
		m->u.stray_exempt.start_time = 77;
		break;
	case IPC_METRICS_LISTEN:
		break;
	case IPC_DAEMON_STATE:
		m->u.daemon_state.reload_ok = 1;
		m->u.daemon_state.reload_time = 1700000000;
		m->u.daemon_state.nworkers = IPC_WORKERS_MAX;
		for (uint32_t i = 0; i < IPC_WORKERS_MAX; i++) {
			fill_str(m->u.daemon_state.worker[i].name,
				 sizeof(m->u.daemon_state.worker[i].name), 'w');
			m->u.daemon_state.worker[i].restarts = i;
		}
		break;
	case IPC_SUBUID_FILE:
		m->u.subuid_file.generation = 3;
		break;
	case IPC_SUBUID_RANGES:
		m->u.subuid_ranges.count = IPC_SUBUID_BATCH;
		m->u.subuid_ranges.last = 1;
		for (int i = 0; i < IPC_SUBUID_BATCH; i++) {
			struct ipc_subuid_range *r =
			    &m->u.subuid_ranges.range[i];
			fill_str(r->owner, sizeof(r->owner), 'o');
			r->start = 100000 + 65536u * (uint32_t)i;
			r->count = 65536;
		}
		break;
	case IPC_SUBUID_TABLE:
		m->u.subuid_table.count = 2;
		m->u.subuid_table.last = 1;
		m->u.subuid_table.entry[0] =
		    (struct ipc_subuid_entry){100000, 65536, 1000};
		m->u.subuid_table.entry[1] =
		    (struct ipc_subuid_entry){165536, 65536, 1001};
		break;
	case IPC_HISTORY_SETUP:
		m->u.history_setup.keep_minutes = 90 * 24 * 60;
		break;
	case IPC_REPORT_REQUEST:
	case IPC_REPORT_QUERY:
		m->u.report_request.by = REPORT_BY_DAY;
		m->u.report_request.since = 1000;
		m->u.report_request.until = 2000;
		m->u.report_request.top = 10;
		break;
	case IPC_REPORT_REPLY:
		fill_str(m->u.client_reply.message,
			 sizeof(m->u.client_reply.message), 'r');
		break;
	case IPC_NOTIFY_SETUP:
		m->u.notify_setup.flags = NOTIFY_F_MAIL;
		m->u.notify_setup.kinds = 1u << NOTIFY_OOM;
		fill_str(m->u.notify_setup.relay,
			 sizeof(m->u.notify_setup.relay), 'r');
		fill_str(m->u.notify_setup.templates,
			 sizeof(m->u.notify_setup.templates), 't');
		break;
	case IPC_NOTIFY_EVENT:
		m->u.notify_event.kind = NOTIFY_OOM;
		fill_str(m->u.notify_event.user, sizeof(m->u.notify_event.user),
			 'u');
		fill_str(m->u.notify_event.comm, sizeof(m->u.notify_event.comm),
			 'c');
		fill_str(m->u.notify_event.reason,
			 sizeof(m->u.notify_event.reason), 'w');
		fill_str(m->u.notify_event.note, sizeof(m->u.notify_event.note),
			 'n');
		break;
	case IPC_PENALTY_NOTE:
		m->u.penalty_note.uid = 1004;
		fill_str(m->u.penalty_note.note, sizeof(m->u.penalty_note.note),
			 'n');
		break;
	case IPC_FLEET_SETUP:
		m->u.fleet_setup.poll_ms = 1000;
		fill_str(m->u.fleet_setup.node, sizeof(m->u.fleet_setup.node),
			 'n');
		fill_str(m->u.fleet_setup.conninfo,
			 sizeof(m->u.fleet_setup.conninfo), 'c');
		break;
	case IPC_FLEET_STATE:
		m->u.fleet_state.connected = 1;
		fill_str(m->u.fleet_state.error, sizeof(m->u.fleet_state.error),
			 'e');
		break;
	case IPC_FLEET_PUT:
	case IPC_FLEET_OVERRIDE:
		m->u.fleet_override.uid = 1000;
		m->u.fleet_override.flags = FLEET_PENALTY;
		m->u.fleet_override.fields = FLEET_F_ALL;
		m->u.fleet_override.penalty_until_ms = 1;
		m->u.fleet_override.cpu_permille = 500;
		m->u.fleet_override.mem_bytes = -1;
		m->u.fleet_override.max_tasks = IPC_LIMIT_MAX;
		m->u.fleet_override.mem_high = -1;
		m->u.fleet_override.io_weight = 100;
		fill_str(m->u.fleet_override.node,
			 sizeof(m->u.fleet_override.node), 'n');
		break;
	case IPC_PLOT_QUERY:
		m->u.plot_query.uid = 1000;
		m->u.plot_query.t0 = 1000;
		m->u.plot_query.t1 = 1000 + 3600;
		break;
	case IPC_PLOT_CHUNK:
	case IPC_NOTIFY_PLOT:
		m->u.plot_chunk.flags = REPLY_MORE;
		m->u.plot_chunk.len = sizeof(m->u.plot_chunk.data);
		m->u.plot_chunk.offset = IPC_PLOT_MAX - m->u.plot_chunk.len;
		memset(m->u.plot_chunk.data, 0x89,
		       sizeof(m->u.plot_chunk.data));
		break;
	case IPC_DESKTOP_NOTICE:
		m->u.desktop_notice.uid = 1000;
		m->u.desktop_notice.urgency = DESKTOP_URGENCY_CRITICAL;
		fill_str(m->u.desktop_notice.summary,
			 sizeof(m->u.desktop_notice.summary), 's');
		fill_str(m->u.desktop_notice.body,
			 sizeof(m->u.desktop_notice.body), 'b');
		break;
	default:
		fail_msg("no sample payload for message type %u (%s): add one",
			 type, ipc_type_name(type));
	}
}

/* Who may send each type, written out here from DESIGN (section 2) and
 * ipc.h's comments, not read from ipc_rules: the tests below hold the
 * table to it, so loosening the table fails them. A new type needs its
 * line here (test_senders_written_out). */
#define BY(r) (1u << (r))
static const uint32_t expected_senders[IPC_TYPE_COUNT] = {
    [IPC_PING] = BY(ROLE_SUPERVISOR),
    [IPC_PONG] = BY(ROLE_SCANNER) | BY(ROLE_OOMWATCH) | BY(ROLE_FRONTEND) |
		 BY(ROLE_METRICS) | BY(ROLE_RECORDER) | BY(ROLE_NOTIFY),
    [IPC_TEST_SYSCALL] = BY(ROLE_SUPERVISOR),
    [IPC_SCAN_SETUP] = BY(ROLE_SUPERVISOR),
    [IPC_PROC_CONNECTOR] = BY(ROLE_SUPERVISOR),
    [IPC_SCAN_REQUEST] = BY(ROLE_SUPERVISOR),
    [IPC_SCAN_USERS] = BY(ROLE_SCANNER),
    [IPC_SCAN_DONE] = BY(ROLE_SCANNER),
    [IPC_SWEEP_REQUEST] = BY(ROLE_SUPERVISOR),
    [IPC_STRAY_PROC] = BY(ROLE_SCANNER),
    [IPC_SCAN_COMMANDS] = BY(ROLE_SUPERVISOR),
    [IPC_OOM_ARM] = BY(ROLE_SUPERVISOR),
    [IPC_OOM_DISARM] = BY(ROLE_SUPERVISOR),
    [IPC_OOM_KILLS] = BY(ROLE_OOMWATCH),
    [IPC_KMSG] = BY(ROLE_SUPERVISOR),
    [IPC_OOM_VICTIM] = BY(ROLE_OOMWATCH),
    [IPC_LISTEN] = BY(ROLE_SUPERVISOR),
    [IPC_CLIENT_REQUEST] = BY(ROLE_FRONTEND),
    [IPC_CLIENT_REPLY] = BY(ROLE_SUPERVISOR),
    [IPC_USER_STATE] = BY(ROLE_SUPERVISOR),
    [IPC_EVENT] = BY(ROLE_SUPERVISOR),
    [IPC_SCAN_EXEMPT] = BY(ROLE_SUPERVISOR),
    [IPC_STRAY_EXEMPT] = BY(ROLE_SUPERVISOR),
    [IPC_METRICS_LISTEN] = BY(ROLE_SUPERVISOR),
    [IPC_DAEMON_STATE] = BY(ROLE_SUPERVISOR),
    [IPC_SUBUID_FILE] = BY(ROLE_SUPERVISOR),
    [IPC_SUBUID_RANGES] = BY(ROLE_SCANNER),
    [IPC_SUBUID_TABLE] = BY(ROLE_SUPERVISOR),
    [IPC_HISTORY_SETUP] = BY(ROLE_SUPERVISOR),
    [IPC_REPORT_REQUEST] = BY(ROLE_FRONTEND),
    [IPC_REPORT_QUERY] = BY(ROLE_SUPERVISOR),
    [IPC_REPORT_REPLY] = BY(ROLE_RECORDER),
    [IPC_NOTIFY_SETUP] = BY(ROLE_SUPERVISOR),
    [IPC_NOTIFY_EVENT] = BY(ROLE_SUPERVISOR),
    [IPC_PENALTY_NOTE] = BY(ROLE_SUPERVISOR),
    [IPC_FLEET_SETUP] = BY(ROLE_SUPERVISOR),
    [IPC_FLEET_STATE] = BY(ROLE_RECORDER),
    [IPC_FLEET_PUT] = BY(ROLE_SUPERVISOR),
    [IPC_FLEET_OVERRIDE] = BY(ROLE_RECORDER),
    [IPC_PLOT_QUERY] = BY(ROLE_SUPERVISOR),
    [IPC_PLOT_CHUNK] = BY(ROLE_RECORDER),
    [IPC_NOTIFY_PLOT] = BY(ROLE_SUPERVISOR),
    [IPC_DESKTOP_NOTICE] = BY(ROLE_NOTIFY),
};

static bool may_send(uint32_t type, int role)
{
	return expected_senders[type] & BY(role);
}

/* A role that may send type, and how many fds it must carry. */
static enum ipc_role a_sender(uint32_t type)
{
	for (int r = 0; r < ROLE_COUNT; r++)
		if (may_send(type, r))
			return (enum ipc_role)r;
	fail_msg("nobody may send %s", ipc_type_name(type));
	return ROLE_COUNT;
}

static int a_fd_count(uint32_t type)
{
	for (int n = 0; n <= IPC_MAX_FDS; n++)
		if (ipc_fd_count_ok(ipc_rules[type].fds, n))
			return n;
	fail_msg("no fd count is valid for %s", ipc_type_name(type));
	return -1;
}

/* sendmsg of exactly these bytes, with these fds in one SCM_RIGHTS. */
static void send_bytes(int sock, const void *buf, size_t len, const int *fds,
		       int nfds)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * MAX_TEST_FDS)];
	} ctl;
	struct iovec iov = {(void *)buf, len};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	assert_true(nfds >= 0 && nfds <= MAX_TEST_FDS);
	ipc_attach_fds(&mh, ctl.buf, sizeof(ctl.buf), fds, nfds);
	assert_int_equal(sendmsg(sock, &mh, MSG_NOSIGNAL), (ssize_t)len);
}

#define RAW_MAX (sizeof(struct ipc_hdr) + 2 * IPC_MAX_PAYLOAD)

/* A header with any field values, then paylen bytes of payload. */
static void send_raw(int sock, uint32_t type, uint32_t hdrlen,
		     uint32_t reserved, const void *payload, size_t paylen,
		     const struct fdset *fds)
{
	static uint8_t buf[RAW_MAX];
	struct ipc_hdr h = {
	    .type = type, .len = hdrlen, .seq = 1, .reserved = reserved};

	assert_true(sizeof(h) + paylen <= sizeof(buf));
	memcpy(buf, &h, sizeof(h));
	if (paylen)
		memcpy(buf + sizeof(h), payload, paylen);
	send_bytes(sock, buf, sizeof(h) + paylen, fds ? fds->send : NULL,
		   fds ? fds->n : 0);
}

/* A well-formed message of type whose payload is payload (its own size). */
static void send_typed(int sock, uint32_t type, const void *payload,
		       const struct fdset *fds)
{
	size_t size = ipc_rules[type].size;
	send_raw(sock, type, (uint32_t)size, 0, payload, size, fds);
}

/* The next message on sock is rejected, for a reason that contains
 * reason, and nothing of it is left in msg. */
static void expect_invalid(int sock, enum ipc_role from, const char *reason)
{
	struct ipc_msg m;
	const char *why = NULL;

	memset(&m, 0x55, sizeof(m));
	int rc = ipc_recv(sock, from, &m, &why);
	if (rc != IPC_INVALID)
		fail_msg("expected IPC_INVALID (%s), got %d", reason, rc);
	assert_non_null(why);
	if (reason && !strstr(why, reason))
		fail_msg("rejected for \"%s\", expected \"%s\"", why, reason);
	assert_int_equal(m.nfds, 0);
	assert_int_equal(m.fds[0], -1);
	assert_int_equal(m.fds[1], -1);
}

/* Send a bad message with fresh fds, expect its rejection, and check that
 * no fd came out of it. */
static void reject_case(int sv[2], enum ipc_role from, const char *reason,
			uint32_t type, uint32_t hdrlen, uint32_t reserved,
			const void *payload, size_t paylen, int nfds)
{
	struct fdset fds;
	int before = count_fds();

	open_fds(&fds, nfds);
	send_raw(sv[0], type, hdrlen, reserved, payload, paylen, &fds);
	close_fdset(&fds); /* the copies in flight are the receiver's */
	expect_invalid(sv[1], from, reason);
	assert_int_equal(count_fds(), before);
}

/* One good round trip through ipc_send and ipc_recv. */
static void roundtrip(int sv[2], uint32_t type, enum ipc_role from, int nfds)
{
	const struct ipc_rule *rule = &ipc_rules[type];
	static uint32_t seq = 1000;
	struct ipc_msg tx, rx;
	struct fdset fds;
	const char *why = NULL;
	int before = count_fds();

	fill_valid(type, &tx, nfds);
	open_fds(&fds, nfds);
	seq++;
	assert_int_equal(
	    ipc_send(sv[0], type, seq, &tx.u, rule->size, fds.send, nfds), 0);
	memset(&rx, 0x55, sizeof(rx));
	int rc = ipc_recv(sv[1], from, &rx, &why);
	if (rc != IPC_OK)
		fail_msg("%s from %s with %d fds: rc %d (%s)", rule->name,
			 ipc_role_name(from), nfds, rc, why ? why : "");
	assert_int_equal(rx.hdr.type, type);
	assert_int_equal(rx.hdr.len, rule->size);
	assert_int_equal(rx.hdr.seq, seq);
	assert_int_equal(rx.hdr.reserved, 0);
	assert_memory_equal(&rx.u, &tx.u, rule->size);
	/* the rest of the union is zeroed, not stale */
	for (size_t i = rule->size; i < sizeof(rx.u); i++)
		assert_int_equal(rx.u.raw[i], 0);
	assert_int_equal(rx.nfds, nfds);
	for (int i = 0; i < nfds; i++)
		check_received_fd(&fds, i, rx.fds[i]);
	for (int i = nfds; i < IPC_MAX_FDS; i++)
		assert_int_equal(rx.fds[i], -1);
	ipc_close_fds(&rx);
	assert_int_equal(rx.nfds, 0);
	close_fdset(&fds);
	assert_int_equal(count_fds(), before);
}

static void expect_again(int sock)
{
	struct ipc_msg m;
	const char *why = NULL;
	assert_int_equal(ipc_recv(sock, ROLE_SUPERVISOR, &m, &why), IPC_AGAIN);
	assert_int_equal(m.nfds, 0);
}

/* --- one test per message type ------------------------------------------ */

/* Every role, every fd count from 0 to one more than the maximum: a round
 * trip where the table allows it, a rejection with the fds closed where it
 * does not; then every kind of length and header lie for this type. */
static void test_type(void **state)
{
	uint32_t type = (uint32_t)(uintptr_t)*state;
	const struct ipc_rule *rule = &ipc_rules[type];
	int sv[2], start = count_fds(), good = 0;
	struct ipc_msg tx;

	assert_non_null(rule->name);
	assert_int_equal(strncmp(rule->name, "IPC_", 4), 0);
	assert_string_equal(ipc_type_name(type), rule->name + 4);
	assert_true(rule->size > 0 && rule->size <= IPC_MAX_PAYLOAD);
	assert_true(rule->senders != 0);
	assert_true(rule->senders < (1u << ROLE_COUNT));

	make_pair(sv);
	for (int r = 0; r < ROLE_COUNT; r++) {
		bool may = may_send(type, r);
		for (int n = 0; n <= IPC_MAX_FDS + 1; n++) {
			bool fds_ok = ipc_fd_count_ok(rule->fds, n);
			if (may && fds_ok) {
				roundtrip(sv, type, r, n);
				good++;
				continue;
			}
			/* more fds than the receiver takes spoil any
			 * message; otherwise the sender is checked first */
			const char *why = n > IPC_MAX_FDS || may
					      ? "fds"
					      : "not permitted to sender";
			fill_valid(type, &tx, n);
			reject_case(sv, r, why, type, (uint32_t)rule->size, 0,
				    &tx.u, rule->size, n);
		}
	}
	assert_true(good > 0);

	/* lengths and header fields, from a role that may send it */
	enum ipc_role from = a_sender(type);
	int n = a_fd_count(type);
	uint32_t size = (uint32_t)rule->size;
	fill_valid(type, &tx, n);

	/* payload one byte short, one byte long, much longer, empty */
	reject_case(sv, from, "wrong payload length", type, size - 1, 0, &tx.u,
		    size - 1, n);
	if (size < IPC_MAX_PAYLOAD)
		reject_case(sv, from, "wrong payload length", type, size + 1, 0,
			    &tx.u, size + 1, n);
	reject_case(sv, from, "wrong payload length", type, IPC_MAX_PAYLOAD, 0,
		    &tx.u, IPC_MAX_PAYLOAD, n);
	reject_case(sv, from, "wrong payload length", type, 0, 0, NULL, 0, n);
	/* the header lies about what came */
	reject_case(sv, from, "header length", type, size, 0, &tx.u, size - 1,
		    n);
	reject_case(sv, from, "header length", type, size - 1, 0, &tx.u, size,
		    n);
	reject_case(sv, from, "header length", type, size + 1, 0, &tx.u, size,
		    n);
	reject_case(sv, from, "header length", type, UINT32_MAX, 0, &tx.u, size,
		    n);
	reject_case(sv, from, "header length", type, size, 0, NULL, 0, n);
	/* reserved header word */
	reject_case(sv, from, "reserved", type, size, 1, &tx.u, size, n);
	reject_case(sv, from, "reserved", type, size, 0x80000000u, &tx.u, size,
		    n);

	/* after all that, the stream is still in step */
	roundtrip(sv, type, from, n);
	expect_again(sv[1]);
	close_pair(sv);
	assert_int_equal(count_fds(), start);
}

/* --- the rest ------------------------------------------------------------ */

/* Every type has its senders written out above, and the table agrees. */
static void test_senders_written_out(void **state)
{
	(void)state;
	for (uint32_t t = 1; t < IPC_TYPE_COUNT; t++) {
		if (!expected_senders[t])
			fail_msg("%s: no expected sender written out in "
				 "test_ipc.c",
				 ipc_type_name(t));
		assert_int_equal(ipc_rules[t].senders, expected_senders[t]);
	}
}

/* A client's socket comes only from the frontend: a CLIENT_REQUEST
 * carrying an fd from the scanner (or a watcher) is refused, fd closed. */
static void test_client_request_from_scanner(void **state)
{
	struct ipc_msg tx;
	int sv[2], start = count_fds();
	(void)state;

	make_pair(sv);
	for (int r = ROLE_SCANNER; r <= ROLE_OOMWATCH; r++) {
		fill_valid(IPC_CLIENT_REQUEST, &tx, 1);
		reject_case(sv, r, "not permitted to sender",
			    IPC_CLIENT_REQUEST, sizeof(tx.u.client_request), 0,
			    &tx.u, sizeof(tx.u.client_request), 1);
	}
	expect_again(sv[1]);
	close_pair(sv);
	assert_int_equal(count_fds(), start);
}

static void test_table(void **state)
{
	(void)state;
	assert_null(ipc_rules[IPC_NONE].name);
	assert_int_equal(ipc_rules[IPC_NONE].senders, 0);
	for (uint32_t t = 1; t < IPC_TYPE_COUNT; t++) {
		assert_non_null(ipc_rules[t].name);
		/* fds only ever travel supervisor -> worker, except the
		 * frontend's client socket (DESIGN section 2), with a
		 * request or a report */
		if (ipc_rules[t].fds != FDS_NONE &&
		    ipc_rules[t].senders != (1u << ROLE_SUPERVISOR))
			assert_true(t == IPC_CLIENT_REQUEST ||
				    t == IPC_REPORT_REQUEST);
	}
	assert_string_equal(ipc_type_name(IPC_NONE), "unknown");
	assert_string_equal(ipc_type_name(IPC_TYPE_COUNT), "unknown");
	assert_string_equal(ipc_type_name(UINT32_MAX), "unknown");
	assert_string_equal(ipc_type_name(IPC_PING), "PING");
	assert_string_equal(ipc_role_name(ROLE_SUPERVISOR), "supervisor");
	assert_string_equal(ipc_role_name(ROLE_FRONTEND), "frontend");
	assert_string_equal(ipc_role_name(ROLE_COUNT), "unknown");
	assert_string_equal(ipc_role_name((enum ipc_role) - 1), "unknown");
}

static void test_unknown_types(void **state)
{
	static const uint32_t bad[] = {IPC_NONE,	   IPC_TYPE_COUNT,
				       IPC_TYPE_COUNT + 1, 0x7fffffffu,
				       0x80000000u,	   UINT32_MAX};
	uint8_t payload[16] = {0};
	int sv[2], start = count_fds();
	(void)state;

	make_pair(sv);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		for (int r = 0; r < ROLE_COUNT; r++)
			for (int n = 0; n <= 1; n++)
				reject_case(sv, r, "unknown message type",
					    bad[i], sizeof(payload), 0, payload,
					    sizeof(payload), n);
	expect_again(sv[1]);
	close_pair(sv);
	assert_int_equal(count_fds(), start);
}

/* A record bigger than the receive buffer: MSG_TRUNC, even when its
 * header and the part that fits would look valid. */
static void test_truncated(void **state)
{
	static uint8_t big[2 * IPC_MAX_PAYLOAD];
	struct ipc_msg tx;
	int sv[2], start = count_fds();
	(void)state;

	make_pair(sv);
	fill_valid(IPC_EVENT, &tx, 0);
	memcpy(big, &tx.u, sizeof(tx.u.event));
	/* one byte more than the largest valid message */
	reject_case(sv, ROLE_SUPERVISOR, "truncated", IPC_EVENT,
		    IPC_MAX_PAYLOAD + 1, 0, big, IPC_MAX_PAYLOAD + 1, 0);
	/* a header claiming the type's length, and a long tail */
	reject_case(sv, ROLE_SUPERVISOR, "truncated", IPC_EVENT,
		    sizeof(tx.u.event), 0, big, sizeof(big), 0);
	/* with an fd that the table would permit: closed all the same */
	fill_valid(IPC_KMSG, &tx, 1);
	reject_case(sv, ROLE_SUPERVISOR, "truncated", IPC_KMSG,
		    sizeof(tx.u.kmsg), 0, big, sizeof(big), 1);
	fill_valid(IPC_CLIENT_REQUEST, &tx, 1);
	memcpy(big, &tx.u, sizeof(tx.u.client_request));
	reject_case(sv, ROLE_FRONTEND, "truncated", IPC_CLIENT_REQUEST,
		    sizeof(tx.u.client_request), 0, big, sizeof(big), 1);

	/* the largest record that fits is not truncated, only wrong */
	reject_case(sv, ROLE_SUPERVISOR, "wrong payload length", IPC_EVENT,
		    IPC_MAX_PAYLOAD, 0, big, IPC_MAX_PAYLOAD, 0);
	roundtrip(sv, IPC_EVENT, ROLE_SUPERVISOR, 0);
	expect_again(sv[1]);
	close_pair(sv);
	assert_int_equal(count_fds(), start);
}

/* More fds than IPC_MAX_FDS: a few (the receiver sees the excess in its
 * control buffer and closes it) or many (MSG_CTRUNC: the kernel drops
 * what does not fit). Either way all of them are closed. */
static void test_too_many_fds(void **state)
{
	struct ipc_msg tx;
	int sv[2], start = count_fds();
	(void)state;

	make_pair(sv);
	for (int n = IPC_MAX_FDS + 1; n <= MAX_TEST_FDS; n++) {
		fill_valid(IPC_OOM_ARM, &tx, 2);
		reject_case(sv, ROLE_SUPERVISOR, "fds", IPC_OOM_ARM,
			    sizeof(tx.u.oom_arm), 0, &tx.u,
			    sizeof(tx.u.oom_arm), n);
		fill_valid(IPC_CLIENT_REQUEST, &tx, 1);
		reject_case(sv, ROLE_FRONTEND, "fds", IPC_CLIENT_REQUEST,
			    sizeof(tx.u.client_request), 0, &tx.u,
			    sizeof(tx.u.client_request), n);
		fill_valid(IPC_PONG, &tx, 0);
		reject_case(sv, ROLE_SCANNER, "fds", IPC_PONG,
			    sizeof(tx.u.pong), 0, &tx.u, sizeof(tx.u.pong), n);
	}
	expect_again(sv[1]);
	close_pair(sv);
	assert_int_equal(count_fds(), start);
}

/* The fds of a rejected message are closed: check by their numbers too.
 * The kernel installs received fds at the lowest free numbers, so the
 * numbers are known in advance. */
static void test_rejected_fd_numbers(void **state)
{
	struct ipc_msg tx, rx;
	struct fdset fds;
	const char *why;
	int sv[2], start = count_fds();
	(void)state;

	make_pair(sv);
	fill_valid(IPC_PING, &tx, 0);
	open_fds(&fds, 2);
	send_typed(sv[0], IPC_PING, &tx.u, &fds);
	close_fdset(&fds);
	/* the two lowest free numbers, that the received fds will take */
	int a = dup(sv[0]), b = dup(sv[0]);
	assert_true(a >= 0 && b >= 0);
	close(a);
	close(b);
	assert_int_equal(ipc_recv(sv[1], ROLE_SUPERVISOR, &rx, &why),
			 IPC_INVALID);
	assert_true(fd_is_closed(a));
	assert_true(fd_is_closed(b));

	/* and when accepted, those very numbers hold the fds */
	fill_valid(IPC_OOM_ARM, &tx, 2);
	open_fds(&fds, 2);
	send_typed(sv[0], IPC_OOM_ARM, &tx.u, &fds);
	close_fdset(&fds);
	assert_int_equal(ipc_recv(sv[1], ROLE_SUPERVISOR, &rx, &why), IPC_OK);
	assert_int_equal(rx.nfds, 2);
	assert_true((rx.fds[0] == a && rx.fds[1] == b) ||
		    (rx.fds[0] == b && rx.fds[1] == a));
	ipc_close_fds(&rx);
	assert_true(fd_is_closed(a));
	assert_true(fd_is_closed(b));
	close_pair(sv);
	assert_int_equal(count_fds(), start);
}

/* Records shorter than the header, down to an empty one that carries an
 * fd (an empty record without fds reads as EOF: SEQPACKET cannot tell the
 * two apart). */
static void test_short(void **state)
{
	uint8_t bytes[sizeof(struct ipc_hdr)] = {IPC_PING};
	int sv[2], start = count_fds();
	(void)state;

	make_pair(sv);
	for (size_t len = 1; len < sizeof(struct ipc_hdr); len++) {
		struct fdset fds;
		open_fds(&fds, len % 2);
		send_bytes(sv[0], bytes, len, fds.send, fds.n);
		close_fdset(&fds);
		expect_invalid(sv[1], ROLE_SUPERVISOR, "shorter than");
	}
	struct fdset fds;
	open_fds(&fds, 1);
	send_bytes(sv[0], bytes, 0, fds.send, 1);
	close_fdset(&fds);
	expect_invalid(sv[1], ROLE_SUPERVISOR, "shorter than");
	expect_again(sv[1]);
	close_pair(sv);
	assert_int_equal(count_fds(), start);
}

struct str_field {
	uint32_t type;
	size_t offset, size;
};

#define FIELD(t, s, f)                                                         \
	{                                                                      \
		t, offsetof(struct s, f), sizeof(((struct s *)0)->f)           \
	}

/* Every char field of every payload struct. */
static const struct str_field str_fields[] = {
    FIELD(IPC_SCAN_SETUP, ipc_scan_setup, prefix),
    FIELD(IPC_SCAN_SETUP, ipc_scan_setup, cpuacct_dir),
    FIELD(IPC_SCAN_SETUP, ipc_scan_setup, memory_dir),
    FIELD(IPC_OOM_VICTIM, ipc_oom_victim, comm),
    FIELD(IPC_OOM_VICTIM, ipc_oom_victim, memcg),
    FIELD(IPC_OOM_VICTIM, ipc_oom_victim, task_memcg),
    FIELD(IPC_LISTEN, ipc_listen_setup, cpu_dir),
    FIELD(IPC_LISTEN, ipc_listen_setup, mem_dir),
    FIELD(IPC_CLIENT_REPLY, ipc_client_reply, message),
    FIELD(IPC_USER_STATE, ipc_user_states, row[0].name),
    FIELD(IPC_USER_STATE, ipc_user_states, row[IPC_ROW_BATCH - 1].name),
    FIELD(IPC_EVENT, ipc_event, json),
    FIELD(IPC_SCAN_EXEMPT, ipc_scan_exempt, pattern),
    FIELD(IPC_SUBUID_RANGES, ipc_subuid_ranges, range[0].owner),
    FIELD(IPC_SUBUID_RANGES, ipc_subuid_ranges,
	  range[IPC_SUBUID_BATCH - 1].owner),
    FIELD(IPC_NOTIFY_SETUP, ipc_notify_setup, relay),
    FIELD(IPC_NOTIFY_SETUP, ipc_notify_setup, from),
    FIELD(IPC_NOTIFY_SETUP, ipc_notify_setup, admin),
    FIELD(IPC_NOTIFY_SETUP, ipc_notify_setup, user_domain),
    FIELD(IPC_NOTIFY_SETUP, ipc_notify_setup, system_name),
    FIELD(IPC_NOTIFY_SETUP, ipc_notify_setup, node),
    FIELD(IPC_NOTIFY_SETUP, ipc_notify_setup, templates),
    FIELD(IPC_NOTIFY_EVENT, ipc_notify_event, user),
    FIELD(IPC_NOTIFY_EVENT, ipc_notify_event, comm),
    FIELD(IPC_NOTIFY_EVENT, ipc_notify_event, reason),
    FIELD(IPC_NOTIFY_EVENT, ipc_notify_event, note),
    FIELD(IPC_PENALTY_NOTE, ipc_penalty_note, note),
    FIELD(IPC_CLIENT_REQUEST, ipc_client_request, note),
    FIELD(IPC_FLEET_SETUP, ipc_fleet_setup, node),
    FIELD(IPC_FLEET_SETUP, ipc_fleet_setup, conninfo),
    FIELD(IPC_FLEET_STATE, ipc_fleet_state, error),
    FIELD(IPC_FLEET_PUT, ipc_fleet_override, node),
    FIELD(IPC_FLEET_OVERRIDE, ipc_fleet_override, node),
    FIELD(IPC_DAEMON_STATE, ipc_daemon_state, fleet.error),
};

/* A message of type with this payload, from a role that may send it and
 * with the fds it needs, is accepted. */
static void accept_case(int sv[2], uint32_t type, const struct ipc_msg *tx)
{
	const struct ipc_rule *rule = &ipc_rules[type];
	struct ipc_msg rx;
	struct fdset fds;
	const char *why = NULL;
	int before = count_fds();

	open_fds(&fds, a_fd_count(type));
	send_typed(sv[0], type, &tx->u, &fds);
	close_fdset(&fds);
	int rc = ipc_recv(sv[1], a_sender(type), &rx, &why);
	if (rc != IPC_OK)
		fail_msg("%s: rc %d (%s)", rule->name, rc, why ? why : "");
	assert_memory_equal(&rx.u, &tx->u, rule->size);
	ipc_close_fds(&rx);
	assert_int_equal(count_fds(), before);
}

/* Rejected for its payload, with the right sender and fds. */
static void reject_payload(int sv[2], uint32_t type, const struct ipc_msg *tx)
{
	reject_case(sv, a_sender(type), "invalid payload", type,
		    (uint32_t)ipc_rules[type].size, 0, &tx->u,
		    ipc_rules[type].size, a_fd_count(type));
}

static void test_unterminated_strings(void **state)
{
	struct ipc_msg tx;
	int sv[2], start = count_fds();
	(void)state;

	make_pair(sv);
	for (size_t i = 0; i < sizeof(str_fields) / sizeof(str_fields[0]);
	     i++) {
		const struct str_field *f = &str_fields[i];
		int n = a_fd_count(f->type);
		char *s;

		assert_true(f->offset + f->size <= ipc_rules[f->type].size);
		/* no NUL anywhere in the field */
		fill_valid(f->type, &tx, n);
		s = (char *)tx.u.raw + f->offset;
		memset(s, 'x', f->size);
		reject_payload(sv, f->type, &tx);
		/* the NUL only at the last byte: valid */
		s[f->size - 1] = '\0';
		accept_case(sv, f->type, &tx);
		/* an empty string, garbage after its NUL: valid */
		memset(s, 'y', f->size);
		s[0] = '\0';
		accept_case(sv, f->type, &tx);
	}
	expect_again(sv[1]);
	close_pair(sv);
	assert_int_equal(count_fds(), start);
}

/* Out-of-range enums and values in payloads, and the limits that pass. */
static void test_invalid_values(void **state)
{
	struct ipc_msg tx;
	int sv[2], start = count_fds();
	(void)state;

#define CASE(ok, t, field, value)                                              \
	do {                                                                   \
		fill_valid(t, &tx, a_fd_count(t));                             \
		tx.u.field = (value);                                          \
		if (ok)                                                        \
			accept_case(sv, t, &tx);                               \
		else                                                           \
			reject_payload(sv, t, &tx);                            \
	} while (0)
#define BAD(t, field, value)  CASE(false, t, field, value)
#define GOOD(t, field, value) CASE(true, t, field, value)

	make_pair(sv);
	BAD(IPC_TEST_SYSCALL, test_syscall.call, 0);
	BAD(IPC_TEST_SYSCALL, test_syscall.call, TEST_SENDMSG_OTHER + 1);
	BAD(IPC_TEST_SYSCALL, test_syscall.call, UINT32_MAX);
	GOOD(IPC_TEST_SYSCALL, test_syscall.call, TEST_OPEN_WRITE);
	GOOD(IPC_TEST_SYSCALL, test_syscall.call, TEST_SENDMSG_OTHER);

	BAD(IPC_SCAN_SETUP, scan_setup.hierarchy, 0);
	BAD(IPC_SCAN_SETUP, scan_setup.hierarchy, 3);
	BAD(IPC_SCAN_SETUP, scan_setup.hierarchy, UINT32_MAX);
	GOOD(IPC_SCAN_SETUP, scan_setup.hierarchy, HIER_V1);
	BAD(IPC_SCAN_SETUP, scan_setup.systemd_names, 2);
	BAD(IPC_SCAN_SETUP, scan_setup.systemd_names, UINT32_MAX);
	GOOD(IPC_SCAN_SETUP, scan_setup.systemd_names, 0);
	BAD(IPC_SCAN_SETUP, scan_setup.nexempt, IPC_EXEMPT_MAX + 1);
	BAD(IPC_SCAN_SETUP, scan_setup.nexempt, UINT32_MAX);
	GOOD(IPC_SCAN_SETUP, scan_setup.nexempt, 0);

	BAD(IPC_DAEMON_STATE, daemon_state.reload_ok, 2);
	BAD(IPC_DAEMON_STATE, daemon_state.nworkers, IPC_WORKERS_MAX + 1);
	BAD(IPC_DAEMON_STATE, daemon_state.worker[0].name[23], 'x');
	BAD(IPC_DAEMON_STATE, daemon_state.worker[15].name[23], 'x');
	GOOD(IPC_DAEMON_STATE, daemon_state.worker[3].name[0], 0);
	GOOD(IPC_DAEMON_STATE, daemon_state.reload_ok, 0);
	BAD(IPC_DAEMON_STATE, daemon_state.fleet_on, 2);
	BAD(IPC_DAEMON_STATE, daemon_state.fleet.connected, 2);

	/* fleet mode: a database row's values, as state.c keeps them */
	BAD(IPC_FLEET_OVERRIDE, fleet_override.flags, 2);
	BAD(IPC_FLEET_PUT, fleet_override.fields, FLEET_F_ALL + 1);
	BAD(IPC_FLEET_PUT, fleet_override.reserved, 1);
	BAD(IPC_FLEET_OVERRIDE, fleet_override.penalty_until_ms, -1);
	BAD(IPC_FLEET_OVERRIDE, fleet_override.cpu_permille, 0);
	BAD(IPC_FLEET_OVERRIDE, fleet_override.mem_bytes, -2);
	BAD(IPC_FLEET_OVERRIDE, fleet_override.max_tasks, INT64_MIN);
	BAD(IPC_FLEET_PUT, fleet_override.io_weight, 0);
	GOOD(IPC_FLEET_OVERRIDE, fleet_override.mem_high, 1);
	BAD(IPC_FLEET_STATE, fleet_state.connected, 2);
	BAD(IPC_FLEET_STATE, fleet_state.reserved, 1);
	BAD(IPC_FLEET_SETUP, fleet_setup.poll_ms, 99);
	GOOD(IPC_FLEET_SETUP, fleet_setup.poll_ms, 3600 * 1000);
	/* the OOM mail's plot: a piece within IPC_PLOT_MAX, a day at most */
	BAD(IPC_PLOT_CHUNK, plot_chunk.len, IPC_PLOT_PIECE_MAX + 1);
	BAD(IPC_PLOT_CHUNK, plot_chunk.offset, IPC_PLOT_MAX);
	BAD(IPC_NOTIFY_PLOT, plot_chunk.flags, 2);
	BAD(IPC_PLOT_CHUNK, plot_chunk.status, -1);
	GOOD(IPC_PLOT_CHUNK, plot_chunk.offset, 0);
	/* a desktop notice: an urgency of the spec's three */
	BAD(IPC_DESKTOP_NOTICE, desktop_notice.urgency, 3);
	GOOD(IPC_DESKTOP_NOTICE, desktop_notice.urgency, 0);
	BAD(IPC_PLOT_QUERY, plot_query.t1, 1000);
	BAD(IPC_PLOT_QUERY, plot_query.t1, 1000 + 24 * 3600 + 1);
	BAD(IPC_NOTIFY_EVENT, notify_event.plot_len, IPC_PLOT_MAX + 1);
	GOOD(IPC_NOTIFY_EVENT, notify_event.plot_len, IPC_PLOT_MAX);
	/* a report by node is the fleet's only */
	BAD(IPC_REPORT_QUERY, report_request.by, REPORT_BY_NODE);
	BAD(IPC_REPORT_QUERY, report_request.flags, 4);
	BAD(IPC_SCAN_SETUP, scan_setup.user_slices, 2);
	GOOD(IPC_SCAN_SETUP, scan_setup.user_slices, 1);

	BAD(IPC_SUBUID_RANGES, subuid_ranges.count, IPC_SUBUID_BATCH + 1);
	BAD(IPC_SUBUID_RANGES, subuid_ranges.last, 2);
	GOOD(IPC_SUBUID_RANGES, subuid_ranges.count, 0);
	BAD(IPC_SUBUID_TABLE, subuid_table.count, IPC_SUBUID_ROWS + 1);
	BAD(IPC_SUBUID_TABLE, subuid_table.last, 2);
	GOOD(IPC_SUBUID_TABLE, subuid_table.count, IPC_SUBUID_ROWS);

	BAD(IPC_SCAN_EXEMPT, scan_exempt.index, IPC_CGPATTERN_MAX);
	BAD(IPC_SCAN_EXEMPT, scan_exempt.index, UINT32_MAX);
	GOOD(IPC_SCAN_EXEMPT, scan_exempt.index, 0);

	BAD(IPC_SCAN_USERS, scan_users.count, IPC_BATCH + 1);
	BAD(IPC_SCAN_USERS, scan_users.count, UINT32_MAX);
	GOOD(IPC_SCAN_USERS, scan_users.count, 0);

	BAD(IPC_SCAN_COMMANDS, scan_commands.count, IPC_COMMANDS_MAX + 1);
	BAD(IPC_SCAN_COMMANDS, scan_commands.reserved, 1);
	BAD(IPC_SCAN_COMMANDS, scan_commands.name[3][0], 0); /* empty */
	GOOD(IPC_SCAN_COMMANDS, scan_commands.count, 3);
	GOOD(IPC_SCAN_COMMANDS, scan_commands.count, 0);

	BAD(IPC_OOM_ARM, oom_arm.kind, 0);
	BAD(IPC_OOM_ARM, oom_arm.kind, OOM_V2_EVENTS + 1);
	BAD(IPC_OOM_ARM, oom_arm.kind, UINT32_MAX);

	BAD(IPC_LISTEN, listen_setup.max_clients, 0);
	GOOD(IPC_LISTEN, listen_setup.max_clients, 1);
	BAD(IPC_LISTEN, listen_setup.max_clients_per_uid, 0);
	GOOD(IPC_LISTEN, listen_setup.max_clients_per_uid, UINT32_MAX);
	BAD(IPC_LISTEN, listen_setup.max_line, 0);
	BAD(IPC_LISTEN, listen_setup.max_line, 63);
	GOOD(IPC_LISTEN, listen_setup.max_line, 64);
	GOOD(IPC_LISTEN, listen_setup.max_line, 16 * 1024 * 1024);
	BAD(IPC_LISTEN, listen_setup.max_line, 16 * 1024 * 1024 + 1);
	BAD(IPC_LISTEN, listen_setup.max_line, UINT32_MAX);
	BAD(IPC_LISTEN, listen_setup.subscriber_backlog, 0);
	BAD(IPC_LISTEN, listen_setup.admin_reserve, 64); /* = max_clients */
	GOOD(IPC_LISTEN, listen_setup.admin_reserve, 63);

	BAD(IPC_CLIENT_REQUEST, client_request.op, 0);
	BAD(IPC_CLIENT_REQUEST, client_request.op, CLIENT_SET_OPTION + 1);
	BAD(IPC_CLIENT_REQUEST, client_request.op, UINT32_MAX);
	GOOD(IPC_CLIENT_REQUEST, client_request.op, CLIENT_PENALTY);
	GOOD(IPC_CLIENT_REQUEST, client_request.op, CLIENT_RELOAD);
	GOOD(IPC_CLIENT_REQUEST, client_request.op, CLIENT_CONFIG);
	GOOD(IPC_CLIENT_REQUEST, client_request.op, CLIENT_SET_OPTION);
	BAD(IPC_PENALTY_NOTE, penalty_note.reserved, 1);
	BAD(IPC_CLIENT_REQUEST, client_request.max_tasks, -2);
	BAD(IPC_CLIENT_REQUEST, client_request.io_weight, 10001);
	GOOD(IPC_CLIENT_REQUEST, client_request.io_weight, 10000);
	BAD(IPC_CLIENT_REQUEST, client_request.cpu_permille, -2);
	BAD(IPC_CLIENT_REQUEST, client_request.cpu_permille, INT64_MIN);
	GOOD(IPC_CLIENT_REQUEST, client_request.cpu_permille, -1);
	BAD(IPC_CLIENT_REQUEST, client_request.mem_bytes, -2);
	BAD(IPC_CLIENT_REQUEST, client_request.mem_bytes, INT64_MIN);
	/* the supervisor's own bounds, whatever the frontend parsed */
	BAD(IPC_CLIENT_REQUEST, client_request.mem_bytes, INT64_MAX);
	BAD(IPC_CLIENT_REQUEST, client_request.mem_bytes,
	    IPC_MEM_BYTES_MAX + 1);
	GOOD(IPC_CLIENT_REQUEST, client_request.mem_bytes, IPC_MEM_BYTES_MAX);
	BAD(IPC_CLIENT_REQUEST, client_request.mem_bytes, 1);
	BAD(IPC_CLIENT_REQUEST, client_request.mem_bytes,
	    IPC_MEM_BYTES_MIN - 1);
	GOOD(IPC_CLIENT_REQUEST, client_request.mem_bytes, IPC_MEM_BYTES_MIN);
	GOOD(IPC_CLIENT_REQUEST, client_request.mem_bytes, 0);
	BAD(IPC_CLIENT_REQUEST, client_request.cpu_permille,
	    IPC_CPU_PERMILLE_MAX + 1);
	GOOD(IPC_CLIENT_REQUEST, client_request.cpu_permille,
	     IPC_CPU_PERMILLE_MAX);
	BAD(IPC_CLIENT_REQUEST, client_request.seconds, -2);
	BAD(IPC_CLIENT_REQUEST, client_request.seconds, INT64_MIN);
	BAD(IPC_CLIENT_REQUEST, client_request.seconds, 0);
	BAD(IPC_CLIENT_REQUEST, client_request.seconds, IPC_SECONDS_MAX + 1);
	GOOD(IPC_CLIENT_REQUEST, client_request.seconds, IPC_SECONDS_MAX);
	GOOD(IPC_CLIENT_REQUEST, client_request.seconds, 3600);
	GOOD(IPC_CLIENT_REQUEST, client_request.flags,
	     REQ_CLEAR_FIRST | REQ_PENALTY);
	BAD(IPC_CLIENT_REQUEST, client_request.flags,
	    REQ_PENALTY | REQ_RELEASE);
	BAD(IPC_CLIENT_REQUEST, client_request.flags, 0x8);

	BAD(IPC_USER_STATE, user_states.count, 0);
	BAD(IPC_USER_STATE, user_states.count, IPC_ROW_BATCH + 1);
	BAD(IPC_USER_STATE, user_states.count, UINT32_MAX);
	GOOD(IPC_USER_STATE, user_states.count, 1);
	/* a row's name is checked only when the row counts */
	fill_valid(IPC_USER_STATE, &tx, 0);
	memset(tx.u.user_states.row[1].name, 'x',
	       sizeof(tx.u.user_states.row[1].name));
	reject_payload(sv, IPC_USER_STATE, &tx);
	tx.u.user_states.count = 1;
	accept_case(sv, IPC_USER_STATE, &tx);
#undef BAD
#undef GOOD
#undef CASE
	expect_again(sv[1]);
	close_pair(sv);
	assert_int_equal(count_fds(), start);
}

/* A control message other than SCM_RIGHTS (here credentials, which the
 * kernel attaches once the receiver sets SO_PASSCRED) is not part of the
 * protocol: the message is rejected, its fds closed. */
static void test_foreign_cmsg(void **state)
{
	struct ipc_msg tx;
	int sv[2], one = 1, start = count_fds();
	(void)state;

	make_pair(sv);
	assert_int_equal(
	    setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	fill_valid(IPC_PING, &tx, 0);
	reject_case(sv, ROLE_SUPERVISOR, NULL, IPC_PING, sizeof(tx.u.ping), 0,
		    &tx.u, sizeof(tx.u.ping), 0);
	fill_valid(IPC_KMSG, &tx, 1);
	reject_case(sv, ROLE_SUPERVISOR, NULL, IPC_KMSG, sizeof(tx.u.kmsg), 0,
		    &tx.u, sizeof(tx.u.kmsg), 1);
	close_pair(sv);
	assert_int_equal(count_fds(), start);
}

static void test_again_and_eof(void **state)
{
	struct ipc_msg tx, rx;
	const char *why;
	int sv[2], start = count_fds();
	(void)state;

	/* blocking socket: ipc_recv never blocks */
	make_pair(sv);
	expect_again(sv[1]);
	/* non-blocking socket */
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	expect_again(sv[1]);
	/* a message, then EOF, and EOF again */
	fill_valid(IPC_PING, &tx, 0);
	assert_int_equal(
	    ipc_send(sv[0], IPC_PING, 1, &tx.u, sizeof(tx.u.ping), NULL, 0), 0);
	close(sv[0]);
	assert_int_equal(ipc_recv(sv[1], ROLE_SUPERVISOR, &rx, &why), IPC_OK);
	assert_int_equal(rx.nfds, 0);
	assert_int_equal(ipc_recv(sv[1], ROLE_SUPERVISOR, &rx, &why), IPC_EOF);
	assert_int_equal(rx.nfds, 0);
	assert_int_equal(ipc_recv(sv[1], ROLE_SUPERVISOR, &rx, &why), IPC_EOF);
	close(sv[1]);

	/* shutdown of the peer's sending side is EOF too */
	make_pair(sv);
	assert_int_equal(shutdown(sv[0], SHUT_WR), 0);
	assert_int_equal(ipc_recv(sv[1], ROLE_SCANNER, &rx, &why), IPC_EOF);
	close_pair(sv);

	/* not a socket */
	errno = 0;
	assert_int_equal(ipc_recv(-1, ROLE_SUPERVISOR, &rx, &why), IPC_ERROR);
	assert_int_equal(errno, EBADF);
	assert_int_equal(count_fds(), start);
}

static void test_send_limits(void **state)
{
	static uint8_t big[IPC_MAX_PAYLOAD + 1];
	struct fdset fds;
	int sv[2], start = count_fds();
	(void)state;

	make_pair(sv);
	open_fds(&fds, IPC_MAX_FDS + 1);
	errno = 0;
	assert_int_equal(
	    ipc_send(sv[0], IPC_EVENT, 1, big, sizeof(big), NULL, 0), -1);
	assert_int_equal(errno, EMSGSIZE);
	errno = 0;
	assert_int_equal(ipc_send(sv[0], IPC_OOM_ARM, 1, big,
				  sizeof(struct ipc_oom_arm), fds.send,
				  IPC_MAX_FDS + 1),
			 -1);
	assert_int_equal(errno, EMSGSIZE);
	errno = 0;
	assert_int_equal(ipc_send(sv[0], IPC_PING, 1, big,
				  sizeof(struct ipc_ping), fds.send, -1),
			 -1);
	assert_int_equal(errno, EMSGSIZE);
	expect_again(sv[1]); /* nothing went out */

	/* the limits themselves are accepted by the sender */
	assert_int_equal(ipc_send(sv[0], IPC_EVENT, 1, big, IPC_MAX_PAYLOAD,
				  fds.send, IPC_MAX_FDS),
			 0);
	expect_invalid(sv[1], ROLE_SUPERVISOR, "wrong payload length");
	close_fdset(&fds);

	/* a full non-blocking socket: EAGAIN, and nothing was lost */
	struct ipc_msg tx, rx;
	const char *why;
	int sent = 0, got = 0;
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	fill_valid(IPC_PONG, &tx, 0);
	for (;;) {
		tx.u.pong.nonce = (uint64_t)sent;
		if (ipc_send(sv[0], IPC_PONG, (uint32_t)sent, &tx.u,
			     sizeof(tx.u.pong), NULL, 0) < 0)
			break;
		assert_true(++sent < 1000000);
	}
	assert_int_equal(errno, EAGAIN);
	assert_true(sent > 0);
	while (ipc_recv(sv[1], ROLE_OOMWATCH, &rx, &why) == IPC_OK) {
		assert_int_equal(rx.hdr.seq, (uint32_t)got);
		assert_int_equal(rx.u.pong.nonce, (uint64_t)got);
		got++;
	}
	assert_int_equal(got, sent);

	/* the peer is gone: EPIPE, and no SIGPIPE */
	close(sv[1]);
	errno = 0;
	assert_int_equal(
	    ipc_send(sv[0], IPC_PONG, 1, &tx.u, sizeof(tx.u.pong), NULL, 0),
	    -1);
	assert_int_equal(errno, EPIPE);
	close(sv[0]);
	assert_int_equal(count_fds(), start);
}

/* ipc_decode on its own (the fuzz target's entry point). */
static void test_decode(void **state)
{
	uint8_t buf[sizeof(struct ipc_hdr) + IPC_MAX_PAYLOAD];
	struct ipc_hdr h = {.type = IPC_KMSG, .len = sizeof(struct ipc_kmsg)};
	struct ipc_msg m;
	const char *why = NULL;
	int p[2];
	(void)state;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &h, sizeof(h));
	size_t len = sizeof(h) + sizeof(struct ipc_kmsg);

	assert_int_equal(
	    ipc_decode(buf, len, 0, false, ROLE_SUPERVISOR, &m, &why),
	    IPC_INVALID); /* KMSG needs its fd */
	assert_int_equal(
	    ipc_decode(NULL, 0, 0, false, ROLE_SUPERVISOR, &m, &why),
	    IPC_INVALID);

	/* truncated: rejected, the fd closed */
	assert_int_equal(pipe(p), 0);
	close(p[1]);
	m.fds[0] = p[0];
	m.fds[1] = -1;
	assert_int_equal(
	    ipc_decode(buf, len, 1, true, ROLE_SUPERVISOR, &m, &why),
	    IPC_INVALID);
	assert_non_null(strstr(why, "truncated"));
	assert_true(fd_is_closed(p[0]));

	/* longer than any receive buffer */
	static uint8_t huge[1 << 16];
	memcpy(huge, &h, sizeof(h));
	assert_int_equal(
	    ipc_decode(huge, sizeof(huge), 0, false, ROLE_SUPERVISOR, &m, &why),
	    IPC_INVALID);
	h.len = sizeof(huge) - sizeof(h);
	memcpy(huge, &h, sizeof(h));
	assert_int_equal(
	    ipc_decode(huge, sizeof(huge), 0, false, ROLE_SUPERVISOR, &m, &why),
	    IPC_INVALID);
	assert_non_null(strstr(why, "wrong payload length"));

	/* valid: the fd is handed over, not closed */
	assert_int_equal(pipe(p), 0);
	close(p[1]);
	m.fds[0] = p[0];
	m.fds[1] = -1;
	assert_int_equal(
	    ipc_decode(buf, len, 1, false, ROLE_SUPERVISOR, &m, &why), IPC_OK);
	assert_int_equal(m.nfds, 1);
	assert_int_equal(m.fds[0], p[0]);
	assert_false(fd_is_closed(p[0]));
	/* not from the frontend */
	assert_int_equal(
	    ipc_decode(buf, len, 1, false, ROLE_FRONTEND, &m, &why),
	    IPC_INVALID);
	assert_true(fd_is_closed(p[0]));

	assert_true(ipc_str_ok("", 1));
	assert_true(ipc_str_ok("ab", 3));
	assert_false(ipc_str_ok("abc", 3));
}

int main(void)
{
	struct CMUnitTest tests[IPC_TYPE_COUNT + 16];
	static char names[IPC_TYPE_COUNT][64];
	size_t n = 0;

	for (uint32_t t = 1; t < IPC_TYPE_COUNT; t++) {
		snprintf(names[t], sizeof(names[t]), "type %s",
			 ipc_rules[t].name ? ipc_rules[t].name : "(unnamed)");
		tests[n++] = (struct CMUnitTest){
		    .name = names[t],
		    .test_func = test_type,
		    .initial_state = (void *)(uintptr_t)t,
		};
	}
	const struct CMUnitTest rest[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test(test_senders_written_out),
	    cmocka_unit_test(test_client_request_from_scanner),
	    cmocka_unit_test(test_unknown_types),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_too_many_fds),
	    cmocka_unit_test(test_rejected_fd_numbers),
	    cmocka_unit_test(test_short),
	    cmocka_unit_test(test_unterminated_strings),
	    cmocka_unit_test(test_invalid_values),
	    cmocka_unit_test(test_foreign_cmsg),
	    cmocka_unit_test(test_again_and_eof),
	    cmocka_unit_test(test_send_limits),
	    cmocka_unit_test(test_decode),
	};
	for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++)
		tests[n++] = rest[i];
	return _cmocka_run_group_tests("ipc", tests, n, NULL, NULL);
}
