/*
 * A worker's queue of unsent messages (outbox.h). A singly linked list:
 * pushed at the tail, sent from the head, nothing else; each entry holds
 * one message as ipc_send takes it, so the socket sees the same records
 * in the same order as if it had taken them at once.
 */
#include "supervisor/outbox.h"
#include "ipc/ipc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct outbox_msg {
	struct outbox_msg *next;
	uint32_t type, seq;
	size_t len;
	int fds[IPC_MAX_FDS];
	int nfds;
	uint8_t payload[];
};

static void msg_free(struct outbox_msg *m)
{
	for (int i = 0; i < m->nfds; i++)
		close(m->fds[i]);
	free(m);
}

static int copy_fds(struct outbox_msg *m, const int *fds, int nfds)
{
	for (m->nfds = 0; m->nfds < nfds; m->nfds++) {
		int fd = fcntl(fds[m->nfds], F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		m->fds[m->nfds] = fd;
	}
	return 0;
}

int outbox_push(struct outbox *o, uint32_t type, uint32_t seq,
		const void *payload, size_t len, const int *fds, int nfds)
{
	struct outbox_msg *m;
	int r;

	if (o->count >= OUTBOX_MAX_MSGS)
		return -ENOBUFS;
	if (len > IPC_MAX_PAYLOAD || nfds < 0 || nfds > IPC_MAX_FDS)
		return -EMSGSIZE;
	m = calloc(1, sizeof(*m) + len);
	if (!m)
		return -ENOMEM;
	m->type = type;
	m->seq = seq;
	m->len = len;
	if (len)
		memcpy(m->payload, payload, len);
	r = copy_fds(m, fds, nfds);
	if (r < 0) {
		msg_free(m);
		return r;
	}
	if (o->tail)
		o->tail->next = m;
	else
		o->head = m;
	o->tail = m;
	o->count++;
	return 0;
}

int outbox_flush(struct outbox *o, int sock)
{
	while (o->head) {
		struct outbox_msg *m = o->head;

		if (ipc_send(sock, m->type, m->seq, m->payload, m->len, m->fds,
			     m->nfds) < 0)
			return errno == EAGAIN ? 1 : -errno;
		o->head = m->next;
		if (!o->head)
			o->tail = NULL;
		o->count--;
		o->sent++;
		msg_free(m);
	}
	return 0;
}

void outbox_clear(struct outbox *o)
{
	while (o->head) {
		struct outbox_msg *m = o->head;
		o->head = m->next;
		msg_free(m);
	}
	o->tail = NULL;
	o->count = 0;
}
