/*
 * The proc connector: a NETLINK_CONNECTOR socket the supervisor opened,
 * bound to CN_IDX_PROC and subscribed (that needs CAP_NET_ADMIN, which
 * the scanner never has). The scanner only reads it: exec and uid-change
 * events name a pid to check at once, forks of known strays name their
 * children. When the kernel drops events (ENOBUFS: the socket buffer
 * overflowed) nothing tells which, so a full /proc sweep runs at once.
 */
#include "workers/scanner/scanner.h"
#include "common/log.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#define CN_BURST 256 /* datagrams per wakeup: the IPC socket gets its turn */

static sd_event_source *source;
static int conn_fd = -1;

/* The part of struct proc_event we read: header and the largest member
 * we use (fork), as the kernel may send a shorter or longer record. */
#define EV_MIN                                                                 \
	(offsetof(struct proc_event, event_data) +                             \
	 sizeof(struct fork_proc_event))

static bool decode(const struct proc_event *pe, struct cn_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->what = pe->what;
	switch (pe->what) {
	case PROC_EVENT_FORK:
		ev->pid = pe->event_data.fork.child_tgid;
		ev->parent = pe->event_data.fork.parent_tgid;
		ev->thread = pe->event_data.fork.child_pid !=
			     pe->event_data.fork.child_tgid;
		return true;
	case PROC_EVENT_EXEC:
		ev->pid = pe->event_data.exec.process_tgid;
		return true;
	case PROC_EVENT_UID:
		ev->pid = pe->event_data.id.process_tgid;
		return true;
	default:
		return false;
	}
}

/* One datagram: netlink messages, each a cn_msg carrying a proc_event.
 * Returns the events passed to fn, or -EINVAL for a malformed datagram
 * (what came before the bad part was passed on). */
int cn_parse(const void *buf, size_t len, cn_event_fn fn, void *arg)
{
	const struct nlmsghdr *nh = buf;
	int n = 0;

	for (; NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
		if (nh->nlmsg_type == NLMSG_NOOP)
			continue;
		if (nh->nlmsg_type == NLMSG_ERROR ||
		    nh->nlmsg_len < NLMSG_LENGTH(sizeof(struct cn_msg)))
			return -EINVAL;
		const struct cn_msg *cn = NLMSG_DATA(nh);
		size_t room = nh->nlmsg_len - NLMSG_LENGTH(sizeof(*cn));
		if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC ||
		    cn->len > room)
			return -EINVAL;
		if (cn->len < EV_MIN)
			continue; /* an ack or a record we do not read */
		struct proc_event pe;
		memcpy(&pe, cn->data,
		       sizeof(pe) < cn->len ? sizeof(pe) : cn->len);
		struct cn_event ev;
		if (decode(&pe, &ev) && ev.pid > 0) {
			fn(arg, &ev);
			n++;
		}
	}
	return n;
}

static void on_event(void *arg, const struct cn_event *ev)
{
	struct scanner *s = arg;

	if (ev->what == PROC_EVENT_FORK) {
		if (!ev->thread)
			scanner_fork(s, ev->parent, ev->pid);
	} else {
		scanner_check(s, ev->pid);
	}
}

/* Only the kernel (port 0) may speak on this socket; anything else is
 * dropped unread. */
static ssize_t receive(int fd, void *buf, size_t size)
{
	struct sockaddr_nl from;
	struct iovec iov = {buf, size};
	struct msghdr mh = {.msg_name = &from,
			    .msg_namelen = sizeof(from),
			    .msg_iov = &iov,
			    .msg_iovlen = 1};
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

	if (n >= 0 && (mh.msg_namelen != sizeof(from) || from.nl_pid != 0 ||
		       (mh.msg_flags & MSG_TRUNC)))
		return 0;
	return n;
}

static int on_readable(sd_event_source *es, int fd, uint32_t revents,
		       void *data)
{
	struct scanner *s = data;
	union {
		struct nlmsghdr align;
		char buf[8192];
	} u;
	(void)es;
	(void)revents;

	for (int i = 0; i < CN_BURST; i++) {
		ssize_t n = receive(fd, u.buf, sizeof(u.buf));
		if (n < 0 && errno == ENOBUFS) {
			log_debug("proc connector lost events: sweeping");
			scanner_sweep(s);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n < 0)
			fatal(EXIT_FATAL, "proc connector");
		if (n > 0 && cn_parse(u.buf, (size_t)n, on_event, s) < 0)
			log_debug("malformed proc connector message");
	}
	return 0;
}

/* The socket came from the supervisor (IPC_PROC_CONNECTOR); a second one
 * replaces the first. */
void connector_attach(sd_event *event, int fd, struct scanner *s)
{
	source = sd_event_source_disable_unref(source);
	if (conn_fd >= 0)
		close(conn_fd);
	conn_fd = fd;
	if (sd_event_add_io(event, &source, fd, EPOLLIN, on_readable, s) < 0)
		fatalx(EXIT_FATAL, "cannot watch the proc connector");
	log_debug("proc connector attached");
}
