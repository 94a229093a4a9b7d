/* Framing, fd passing and validation of cgfair's IPC messages. */
#include "ipc/ipc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>

#define BIT(r)	 (1u << (r))
#define SUP	 BIT(ROLE_SUPERVISOR)
#define SCANNER	 BIT(ROLE_SCANNER)
#define WATCHER	 BIT(ROLE_OOMWATCH)
#define FRONTEND BIT(ROLE_FRONTEND)
#define METRICS	 BIT(ROLE_METRICS)
#define RECORDER BIT(ROLE_RECORDER)
#define NOTIFY	 BIT(ROLE_NOTIFY)
#define WORKERS	 (SCANNER | WATCHER | FRONTEND | METRICS | RECORDER | NOTIFY)

bool ipc_str_ok(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static bool valid_test_syscall(const void *p, int nfds)
{
	const struct ipc_test_syscall *m = p;
	(void)nfds;
	return m->call >= TEST_OPEN_WRITE && m->call <= TEST_SENDMSG_OTHER;
}

static bool valid_scan_setup(const void *p, int nfds)
{
	const struct ipc_scan_setup *m = p;
	(void)nfds;
	return (m->hierarchy == HIER_V1 || m->hierarchy == HIER_V2) &&
	       m->systemd_names <= 1 && m->nexempt <= IPC_EXEMPT_MAX &&
	       m->user_slices <= 1 &&
	       ipc_str_ok(m->prefix, sizeof(m->prefix)) &&
	       ipc_str_ok(m->cpuacct_dir, sizeof(m->cpuacct_dir)) &&
	       ipc_str_ok(m->memory_dir, sizeof(m->memory_dir));
}

static bool valid_scan_users(const void *p, int nfds)
{
	const struct ipc_scan_users *m = p;
	(void)nfds;
	return m->count <= IPC_BATCH;
}

static bool valid_oom_arm(const void *p, int nfds)
{
	const struct ipc_oom_arm *m = p;
	/* v1: the eventfd and memory.oom_control; v2: memory.events */
	return (m->kind == OOM_V1_EVENTFD && nfds == 2) ||
	       (m->kind == OOM_V2_EVENTS && nfds == 1);
}

static bool valid_oom_victim(const void *p, int nfds)
{
	const struct ipc_oom_victim *m = p;
	(void)nfds;
	return ipc_str_ok(m->comm, sizeof(m->comm)) &&
	       ipc_str_ok(m->memcg, sizeof(m->memcg)) &&
	       ipc_str_ok(m->task_memcg, sizeof(m->task_memcg));
}

static bool valid_client_request(const void *p, int nfds)
{
	const struct ipc_client_request *m = p;
	const uint32_t flags = REQ_CLEAR_FIRST | REQ_PENALTY | REQ_RELEASE;
	(void)nfds;
	/* 0 means "none" (cpu) or "default" (memory) */
	return m->op >= CLIENT_PENALTY && m->op <= CLIENT_SET_OPTION &&
	       m->cpu_permille >= -1 &&
	       m->cpu_permille <= IPC_CPU_PERMILLE_MAX && m->mem_bytes >= -1 &&
	       (m->mem_bytes <= 0 || (m->mem_bytes >= IPC_MEM_BYTES_MIN &&
				      m->mem_bytes <= IPC_MEM_BYTES_MAX)) &&
	       (m->seconds == -1 ||
		(m->seconds >= 1 && m->seconds <= IPC_SECONDS_MAX)) &&
	       m->max_tasks >= -1 && m->mem_high >= -1 && m->io_weight >= -1 &&
	       m->io_weight <= 10000 && !(m->flags & ~flags) &&
	       (m->flags == 0 || m->op == CLIENT_LIMIT_SET) &&
	       (m->flags & (REQ_PENALTY | REQ_RELEASE)) !=
		   (REQ_PENALTY | REQ_RELEASE) &&
	       ipc_str_ok(m->note, sizeof(m->note)); /* penalty only */
}

static bool valid_penalty_note(const void *p, int nfds)
{
	const struct ipc_penalty_note *m = p;
	(void)nfds;
	return m->reserved == 0 && ipc_str_ok(m->note, sizeof(m->note));
}

static bool valid_history_setup(const void *p, int nfds)
{
	const struct ipc_history_setup *m = p;
	(void)nfds;
	return m->keep_minutes >= 60 && m->keep_minutes <= IPC_SECONDS_MAX / 60;
}

static bool valid_report_request(const void *p, int nfds)
{
	const struct ipc_report_request *m = p;
	(void)nfds;
	return m->by < REPORT_BY_COUNT &&
	       !(m->flags & ~(REPORT_ALL_USERS | REPORT_FLEET)) &&
	       (m->by != REPORT_BY_NODE || (m->flags & REPORT_FLEET)) &&
	       m->since >= 0 && m->since <= m->until &&
	       m->until <= INT64_MAX / 2 && m->top <= REPORT_TOP_MAX &&
	       m->reserved == 0;
}

static bool valid_client_reply(const void *p, int nfds)
{
	const struct ipc_client_reply *m = p;
	(void)nfds;
	return ipc_str_ok(m->message, sizeof(m->message));
}

static bool valid_listen_setup(const void *p, int nfds)
{
	const struct ipc_listen_setup *m = p;
	(void)nfds;
	return m->max_clients > 0 && m->max_clients_per_uid > 0 &&
	       m->admin_reserve < m->max_clients && m->max_line >= 64 &&
	       m->max_line <= 16 * 1024 * 1024 && m->subscriber_backlog > 0 &&
	       ipc_str_ok(m->cpu_dir, sizeof(m->cpu_dir)) &&
	       ipc_str_ok(m->mem_dir, sizeof(m->mem_dir));
}

static bool valid_user_state(const void *p, int nfds)
{
	const struct ipc_user_states *m = p;
	(void)nfds;
	if (m->count == 0 || m->count > IPC_ROW_BATCH)
		return false;
	for (uint32_t i = 0; i < m->count; i++)
		if (!ipc_str_ok(m->row[i].name, sizeof(m->row[i].name)))
			return false;
	return true;
}

static bool valid_scan_commands(const void *p, int nfds)
{
	const struct ipc_scan_commands *m = p;
	(void)nfds;
	if (m->count > IPC_COMMANDS_MAX || m->reserved)
		return false;
	for (uint32_t i = 0; i < m->count; i++)
		if (!ipc_str_ok(m->name[i], sizeof(m->name[i])) ||
		    !m->name[i][0])
			return false;
	return true;
}

static bool valid_event(const void *p, int nfds)
{
	const struct ipc_event *m = p;
	(void)nfds;
	return ipc_str_ok(m->json, sizeof(m->json));
}

static bool valid_scan_exempt(const void *p, int nfds)
{
	const struct ipc_scan_exempt *m = p;
	(void)nfds;
	return m->index < IPC_CGPATTERN_MAX &&
	       ipc_str_ok(m->pattern, sizeof(m->pattern));
}

static bool valid_daemon_state(const void *p, int nfds)
{
	const struct ipc_daemon_state *m = p;
	(void)nfds;
	if (m->reload_ok > 1 || m->nworkers > IPC_WORKERS_MAX ||
	    m->fleet_on > 1 || m->fleet.connected > 1 ||
	    !ipc_str_ok(m->fleet.error, sizeof(m->fleet.error)))
		return false;
	for (uint32_t i = 0; i < m->nworkers; i++)
		if (!ipc_str_ok(m->worker[i].name, sizeof(m->worker[i].name)))
			return false;
	return true;
}

static bool valid_subuid_ranges(const void *p, int nfds)
{
	const struct ipc_subuid_ranges *m = p;

	(void)nfds;
	if (m->count > IPC_SUBUID_BATCH || m->last > 1)
		return false;
	for (uint32_t i = 0; i < m->count; i++)
		if (!ipc_str_ok(m->range[i].owner, sizeof(m->range[i].owner)))
			return false;
	return true;
}

static bool valid_subuid_table(const void *p, int nfds)
{
	const struct ipc_subuid_table *m = p;

	(void)nfds;
	return m->count <= IPC_SUBUID_ROWS && m->last <= 1;
}

static bool valid_notify_setup(const void *p, int nfds)
{
	const struct ipc_notify_setup *m = p;

	(void)nfds;
	return m->kinds < (2u << NOTIFY_KIND_MAX) &&
	       ipc_str_ok(m->relay, sizeof(m->relay)) &&
	       ipc_str_ok(m->from, sizeof(m->from)) &&
	       ipc_str_ok(m->admin, sizeof(m->admin)) &&
	       ipc_str_ok(m->user_domain, sizeof(m->user_domain)) &&
	       ipc_str_ok(m->system_name, sizeof(m->system_name)) &&
	       ipc_str_ok(m->node, sizeof(m->node)) &&
	       ipc_str_ok(m->templates, sizeof(m->templates));
}

static bool valid_notify_event(const void *p, int nfds)
{
	const struct ipc_notify_event *m = p;

	(void)nfds;
	return m->kind >= NOTIFY_OOM && m->kind <= NOTIFY_KIND_MAX &&
	       m->plot_len <= IPC_PLOT_MAX &&
	       ipc_str_ok(m->user, sizeof(m->user)) &&
	       ipc_str_ok(m->comm, sizeof(m->comm)) &&
	       ipc_str_ok(m->reason, sizeof(m->reason)) &&
	       ipc_str_ok(m->note, sizeof(m->note)) &&
	       ipc_str_ok(m->email, sizeof(m->email));
}

static bool valid_desktop_notice(const void *p, int nfds)
{
	const struct ipc_desktop_notice *m = p;

	(void)nfds;
	return m->urgency <= DESKTOP_URGENCY_CRITICAL &&
	       ipc_str_ok(m->summary, sizeof(m->summary)) &&
	       ipc_str_ok(m->body, sizeof(m->body));
}

static bool valid_plot_query(const void *p, int nfds)
{
	const struct ipc_plot_query *m = p;

	(void)nfds;
	return m->t0 > 0 && m->t0 < m->t1 && m->t1 - m->t0 <= 24 * 3600;
}

static bool valid_plot_chunk(const void *p, int nfds)
{
	const struct ipc_plot_chunk *m = p;

	(void)nfds;
	return m->len <= sizeof(m->data) && !(m->flags & ~REPLY_MORE) &&
	       m->offset <= IPC_PLOT_MAX - m->len && m->status >= 0;
}

static bool valid_fleet_setup(const void *p, int nfds)
{
	const struct ipc_fleet_setup *m = p;

	(void)nfds;
	return m->poll_ms >= 100 && m->poll_ms <= 3600 * 1000 &&
	       ipc_str_ok(m->node, sizeof(m->node)) &&
	       ipc_str_ok(m->conninfo, sizeof(m->conninfo));
}

static bool valid_fleet_state(const void *p, int nfds)
{
	const struct ipc_fleet_state *m = p;

	(void)nfds;
	return m->connected <= 1 && m->reserved == 0 &&
	       ipc_str_ok(m->error, sizeof(m->error));
}

/* A value as state.c keeps it: -1 (none) or positive. */
static bool fleet_value_ok(int64_t v)
{
	return v == -1 || v > 0;
}

static bool valid_fleet_override(const void *p, int nfds)
{
	const struct ipc_fleet_override *m = p;

	(void)nfds;
	return !(m->flags & ~FLEET_PENALTY) && !(m->fields & ~FLEET_F_ALL) &&
	       m->reserved == 0 && m->penalty_until_ms >= 0 &&
	       fleet_value_ok(m->cpu_permille) &&
	       fleet_value_ok(m->mem_bytes) && fleet_value_ok(m->max_tasks) &&
	       fleet_value_ok(m->mem_high) && fleet_value_ok(m->io_weight) &&
	       ipc_str_ok(m->node, sizeof(m->node));
}

#define RULE(t, s, from, nfds, check)                                          \
	[t] = {.name = #t,                                                     \
	       .size = sizeof(s),                                              \
	       .senders = (from),                                              \
	       .fds = (nfds),                                                  \
	       .valid = (check)}

const struct ipc_rule ipc_rules[IPC_TYPE_COUNT] = {
    RULE(IPC_PING, struct ipc_ping, SUP, FDS_NONE, NULL),
    RULE(IPC_PONG, struct ipc_pong, WORKERS, FDS_NONE, NULL),
    RULE(IPC_TEST_SYSCALL, struct ipc_test_syscall, SUP, FDS_NONE,
	 valid_test_syscall),
    RULE(IPC_SCAN_SETUP, struct ipc_scan_setup, SUP, FDS_NONE,
	 valid_scan_setup),
    RULE(IPC_PROC_CONNECTOR, struct ipc_listen, SUP, FDS_ONE, NULL),
    RULE(IPC_SCAN_REQUEST, struct ipc_scan_request, SUP, FDS_NONE, NULL),
    RULE(IPC_SCAN_USERS, struct ipc_scan_users, SCANNER, FDS_NONE,
	 valid_scan_users),
    RULE(IPC_SCAN_DONE, struct ipc_scan_done, SCANNER, FDS_NONE, NULL),
    RULE(IPC_SWEEP_REQUEST, struct ipc_sweep_request, SUP, FDS_NONE, NULL),
    RULE(IPC_STRAY_PROC, struct ipc_stray_proc, SCANNER, FDS_NONE, NULL),
    RULE(IPC_SCAN_COMMANDS, struct ipc_scan_commands, SUP, FDS_NONE,
	 valid_scan_commands),
    RULE(IPC_OOM_ARM, struct ipc_oom_arm, SUP, FDS_ONE_OR_TWO, valid_oom_arm),
    RULE(IPC_OOM_DISARM, struct ipc_oom_disarm, SUP, FDS_NONE, NULL),
    RULE(IPC_OOM_KILLS, struct ipc_oom_kills, WATCHER, FDS_NONE, NULL),
    RULE(IPC_KMSG, struct ipc_kmsg, SUP, FDS_ONE, NULL),
    RULE(IPC_OOM_VICTIM, struct ipc_oom_victim, WATCHER, FDS_NONE,
	 valid_oom_victim),
    RULE(IPC_LISTEN, struct ipc_listen_setup, SUP, FDS_ONE, valid_listen_setup),
    RULE(IPC_CLIENT_REQUEST, struct ipc_client_request, FRONTEND, FDS_ONE,
	 valid_client_request),
    RULE(IPC_CLIENT_REPLY, struct ipc_client_reply, SUP, FDS_NONE,
	 valid_client_reply),
    RULE(IPC_USER_STATE, struct ipc_user_states, SUP, FDS_NONE,
	 valid_user_state),
    RULE(IPC_EVENT, struct ipc_event, SUP, FDS_NONE, valid_event),
    RULE(IPC_SCAN_EXEMPT, struct ipc_scan_exempt, SUP, FDS_NONE,
	 valid_scan_exempt),
    RULE(IPC_STRAY_EXEMPT, struct ipc_stray_exempt, SUP, FDS_NONE, NULL),
    RULE(IPC_METRICS_LISTEN, struct ipc_metrics_listen, SUP, FDS_ONE, NULL),
    RULE(IPC_DAEMON_STATE, struct ipc_daemon_state, SUP, FDS_NONE,
	 valid_daemon_state),
    RULE(IPC_SUBUID_FILE, struct ipc_subuid_file, SUP, FDS_ONE, NULL),
    RULE(IPC_SUBUID_RANGES, struct ipc_subuid_ranges, SCANNER, FDS_NONE,
	 valid_subuid_ranges),
    RULE(IPC_SUBUID_TABLE, struct ipc_subuid_table, SUP, FDS_NONE,
	 valid_subuid_table),
    RULE(IPC_HISTORY_SETUP, struct ipc_history_setup, SUP, FDS_NONE,
	 valid_history_setup),
    RULE(IPC_REPORT_REQUEST, struct ipc_report_request, FRONTEND, FDS_ONE,
	 valid_report_request),
    RULE(IPC_REPORT_QUERY, struct ipc_report_request, SUP, FDS_NONE,
	 valid_report_request),
    RULE(IPC_REPORT_REPLY, struct ipc_client_reply, RECORDER, FDS_NONE,
	 valid_client_reply),
    RULE(IPC_NOTIFY_SETUP, struct ipc_notify_setup, SUP, FDS_NONE,
	 valid_notify_setup),
    RULE(IPC_NOTIFY_EVENT, struct ipc_notify_event, SUP, FDS_NONE,
	 valid_notify_event),
    RULE(IPC_PENALTY_NOTE, struct ipc_penalty_note, SUP, FDS_NONE,
	 valid_penalty_note),
    RULE(IPC_FLEET_SETUP, struct ipc_fleet_setup, SUP, FDS_ONE,
	 valid_fleet_setup),
    RULE(IPC_FLEET_STATE, struct ipc_fleet_state, RECORDER, FDS_NONE,
	 valid_fleet_state),
    RULE(IPC_FLEET_PUT, struct ipc_fleet_override, SUP, FDS_NONE,
	 valid_fleet_override),
    RULE(IPC_FLEET_OVERRIDE, struct ipc_fleet_override, RECORDER, FDS_NONE,
	 valid_fleet_override),
    RULE(IPC_PLOT_QUERY, struct ipc_plot_query, SUP, FDS_NONE,
	 valid_plot_query),
    RULE(IPC_PLOT_CHUNK, struct ipc_plot_chunk, RECORDER, FDS_NONE,
	 valid_plot_chunk),
    RULE(IPC_NOTIFY_PLOT, struct ipc_plot_chunk, SUP, FDS_NONE,
	 valid_plot_chunk),
    RULE(IPC_DESKTOP_NOTICE, struct ipc_desktop_notice, NOTIFY, FDS_NONE,
	 valid_desktop_notice),
};

_Static_assert(sizeof(struct ipc_event) <= IPC_MAX_PAYLOAD, "event size");
_Static_assert(sizeof(struct ipc_scan_users) <= IPC_MAX_PAYLOAD, "batch");
_Static_assert(sizeof(struct ipc_user_states) <= IPC_MAX_PAYLOAD, "rows");
_Static_assert(sizeof(struct ipc_listen_setup) <= IPC_MAX_PAYLOAD, "listen");
_Static_assert(sizeof(struct ipc_scan_setup) <= IPC_MAX_PAYLOAD, "setup");
_Static_assert(sizeof(struct ipc_daemon_state) <= IPC_MAX_PAYLOAD, "daemon");
_Static_assert(sizeof(struct ipc_subuid_ranges) <= IPC_MAX_PAYLOAD, "subuid");
_Static_assert(sizeof(struct ipc_subuid_table) <= IPC_MAX_PAYLOAD, "subuid");
_Static_assert(sizeof(struct ipc_notify_setup) <= IPC_MAX_PAYLOAD, "notify");
_Static_assert(sizeof(struct ipc_desktop_notice) <= IPC_MAX_PAYLOAD, "desk");

static int cmp_range(const void *key, const void *elem)
{
	uint32_t uid = *(const uint32_t *)key;
	const struct ipc_subuid_entry *e = elem;

	if (uid < e->start)
		return -1;
	return uid - e->start >= e->count ? 1 : 0;
}

const struct ipc_subuid_entry *
ipc_subuid_find(const struct ipc_subuid_entry *table, size_t n, uint32_t uid)
{
	return n ? bsearch(&uid, table, n, sizeof(*table), cmp_range) : NULL;
}

const char *ipc_role_name(enum ipc_role role)
{
	static const char *const names[ROLE_COUNT] = {
	    "supervisor", "scanner",  "oomwatch", "frontend",
	    "metrics",	  "recorder", "notify"};
	return (unsigned)role < ROLE_COUNT ? names[role] : "unknown";
}

const char *ipc_type_name(uint32_t type)
{
	if (type == IPC_NONE || type >= IPC_TYPE_COUNT)
		return "unknown";
	return ipc_rules[type].name + 4; /* without "IPC_" */
}

void ipc_attach_fds(struct msghdr *mh, void *ctl, size_t ctl_size,
		    const int *fds, int nfds)
{
	size_t len = sizeof(int) * (size_t)nfds;

	if (nfds <= 0 || CMSG_SPACE(len) > ctl_size)
		return;
	memset(ctl, 0, CMSG_SPACE(len));
	mh->msg_control = ctl;
	mh->msg_controllen = CMSG_SPACE(len);
	struct cmsghdr *c = CMSG_FIRSTHDR(mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), fds, len);
}

int ipc_send(int sock, uint32_t type, uint32_t seq, const void *payload,
	     size_t len, const int *fds, int nfds)
{
	struct ipc_hdr hdr = {.type = type, .len = (uint32_t)len, .seq = seq};
	struct iovec iov[2] = {{&hdr, sizeof(hdr)}, {(void *)payload, len}};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * IPC_MAX_FDS)];
	} ctl;
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
	ssize_t n;

	if (len > IPC_MAX_PAYLOAD || nfds < 0 || nfds > IPC_MAX_FDS) {
		errno = EMSGSIZE;
		return -1;
	}
	ipc_attach_fds(&mh, ctl.buf, sizeof(ctl.buf), fds, nfds);
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != sizeof(hdr) + len) {
		errno = EMSGSIZE; /* SEQPACKET never sends part of a record */
		return -1;
	}
	return 0;
}

void ipc_close_fds(struct ipc_msg *msg)
{
	for (int i = 0; i < msg->nfds; i++)
		if (msg->fds[i] >= 0)
			close(msg->fds[i]);
	msg->nfds = 0;
	msg->fds[0] = msg->fds[1] = -1;
}

bool ipc_fd_count_ok(enum ipc_fd_rule rule, int nfds)
{
	switch (rule) {
	case FDS_NONE:
		return nfds == 0;
	case FDS_ONE:
		return nfds == 1;
	case FDS_TWO:
		return nfds == 2;
	case FDS_ONE_OR_TWO:
		return nfds == 1 || nfds == 2;
	}
	return false;
}

static int reject(struct ipc_msg *msg, const char **why, const char *reason)
{
	ipc_close_fds(msg);
	*why = reason;
	return IPC_INVALID;
}

/* Decode buf (what recvmsg returned) into msg. msg->fds/nfds must already
 * hold the fds that came with it, so that a rejection closes them. */
int ipc_decode(const uint8_t *buf, size_t len, int nfds, bool truncated,
	       enum ipc_role from, struct ipc_msg *msg, const char **why)
{
	const struct ipc_rule *rule;

	msg->nfds = nfds;
	if (truncated)
		return reject(msg, why, "message or its fds truncated");
	if (len < sizeof(struct ipc_hdr))
		return reject(msg, why, "message shorter than its header");
	memcpy(&msg->hdr, buf, sizeof(msg->hdr));
	if (msg->hdr.type == IPC_NONE || msg->hdr.type >= IPC_TYPE_COUNT)
		return reject(msg, why, "unknown message type");
	rule = &ipc_rules[msg->hdr.type];
	if (!(rule->senders & (1u << from)))
		return reject(msg, why, "message type not permitted to sender");
	if (msg->hdr.reserved != 0)
		return reject(msg, why, "reserved header field set");
	if (msg->hdr.len != len - sizeof(struct ipc_hdr))
		return reject(msg, why, "header length disagrees with message");
	if (msg->hdr.len != rule->size)
		return reject(msg, why, "wrong payload length for type");
	if (!ipc_fd_count_ok(rule->fds, nfds))
		return reject(msg, why, "fds not permitted for type");
	memset(&msg->u, 0, sizeof(msg->u));
	memcpy(&msg->u, buf + sizeof(struct ipc_hdr), msg->hdr.len);
	if (rule->valid && !rule->valid(&msg->u, nfds))
		return reject(msg, why, "invalid payload");
	return IPC_OK;
}

/* Collect the fds of every SCM_RIGHTS header; more than we take means the
 * sender broke the rules, and each one is closed, never leaked. */
static int collect_fds(struct msghdr *mh, struct ipc_msg *msg, bool *excess)
{
	int n = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
			*excess = true;
			continue;
		}
		size_t cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < cnt; i++) {
			int fd;
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
			if (n < IPC_MAX_FDS)
				msg->fds[n++] = fd;
			else {
				close(fd);
				*excess = true;
			}
		}
	}
	return n;
}

int ipc_recv(int sock, enum ipc_role from, struct ipc_msg *msg,
	     const char **why)
{
	uint8_t buf[sizeof(struct ipc_hdr) + IPC_MAX_PAYLOAD];
	union {
		struct cmsghdr align;
		/* room for one more than allowed, to see an excess */
		char buf[CMSG_SPACE(sizeof(int) * (IPC_MAX_FDS + 1))];
	} ctl;
	struct iovec iov = {buf, sizeof(buf)};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = ctl.buf,
			    .msg_controllen = sizeof(ctl.buf)};
	bool excess = false;
	ssize_t n;

	msg->fds[0] = msg->fds[1] = -1;
	msg->nfds = 0;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN ? IPC_AGAIN : IPC_ERROR;
	int nfds = collect_fds(&mh, msg, &excess);
	if (n == 0 && nfds == 0)
		return IPC_EOF;
	bool truncated = (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || excess;
	return ipc_decode(buf, (size_t)n, nfds, truncated, from, msg, why);
}
