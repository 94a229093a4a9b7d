/*
 * The messages a worker has not taken yet: a FIFO per worker, used only
 * when its socket is full. A burst of per-user messages (10,000 new users
 * at start-up: one OOM_ARM and one USER_STATE each) is more than a
 * socket buffer holds, and the supervisor never waits for a worker; the
 * queue keeps them in order until the worker reads, within a bound past
 * which the worker is taken for hung.
 */
#ifndef CGFAIR_SUPERVISOR_OUTBOX_H
#define CGFAIR_SUPERVISOR_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* messages a worker may leave unread before it counts as hung: a few per
 * user at the [users] max_users ceiling (10,000 by default) */
#define OUTBOX_MAX_MSGS 65536

struct outbox_msg;

struct outbox {
	struct outbox_msg *head, *tail;
	size_t count;
	uint64_t sent; /* messages taken from the queue since it was made */
};

/* Queue a copy of the message (its fds duplicated: the caller keeps
 * its own). -ENOBUFS past OUTBOX_MAX_MSGS, -errno when out of memory or
 * fds. */
int outbox_push(struct outbox *o, uint32_t type, uint32_t seq,
		const void *payload, size_t len, const int *fds, int nfds);

/* Send from the head until the socket is full. 0: all sent; 1: some
 * left (wait for EPOLLOUT); -errno: the socket failed. */
int outbox_flush(struct outbox *o, int sock);

/* Drop everything queued (the worker is gone), closing the copied fds. */
void outbox_clear(struct outbox *o);

static inline bool outbox_empty(const struct outbox *o)
{
	return o->count == 0;
}

#endif
