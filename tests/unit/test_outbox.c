/*
 * Unit tests of a worker's outbox (supervisor/outbox.c) on a real
 * SOCK_SEQPACKET socketpair, as the supervisor uses it: what a full
 * socket did not take is sent later in the order it was told, with its
 * fds, and the queue is bounded.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "ipc/ipc.h"
#include "supervisor/outbox.h"

static int sv[2];

static int setup(void **state)
{
	int small = 4096;
	(void)state;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv) < 0)
		return -1;
	/* a few messages fill it, as 10,000 users fill a default one */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

/* Fill the socket directly (as worker_tell does while the queue is
 * empty); returns how many it took. */
static uint64_t fill(uint64_t first)
{
	struct ipc_ping p;
	uint64_t n = first;

	for (;; n++) {
		p.nonce = n;
		if (ipc_send(sv[0], IPC_PING, (uint32_t)n, &p, sizeof(p), NULL,
			     0) < 0)
			break;
	}
	assert_int_equal(errno, EAGAIN);
	return n;
}

/* Read everything the worker's end holds; each ping's nonce must be the
 * next one expected. */
static uint64_t drain(uint64_t expect)
{
	struct ipc_msg m;
	const char *why;

	while (ipc_recv(sv[1], ROLE_SUPERVISOR, &m, &why) == IPC_OK) {
		assert_int_equal(m.hdr.type, IPC_PING);
		assert_int_equal(m.u.ping.nonce, expect);
		expect++;
	}
	return expect;
}

/* What did not fit goes out after what did, in order, over several
 * flushes as the reader makes room. */
static void test_order_kept(void **state)
{
	struct outbox o = {0};
	uint64_t next = fill(0), expect = 0;
	(void)state;

	for (uint64_t i = next; i < next + 200; i++) {
		struct ipc_ping p = {.nonce = i};
		assert_int_equal(outbox_push(&o, IPC_PING, (uint32_t)i, &p,
					     sizeof(p), NULL, 0),
				 0);
	}
	assert_int_equal(outbox_flush(&o, sv[0]), 1);
	int rounds = 0;
	while (!outbox_empty(&o)) {
		expect = drain(expect);
		assert_true(outbox_flush(&o, sv[0]) >= 0);
		assert_true(++rounds < 1000);
	}
	assert_int_equal(drain(expect), next + 200);
	assert_int_equal(o.sent, 200);
	assert_true(rounds > 1);
}

/* An fd told with a message arrives with it, as the file told, even
 * when the caller closed its own copy after telling. */
static void test_fds_copied(void **state)
{
	struct outbox o = {0};
	struct ipc_msg m;
	const char *why;
	struct stat a, b;
	int fd = open("/dev/null", O_RDONLY);
	struct ipc_listen l = {0};
	(void)state;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &a), 0);
	assert_int_equal(
	    outbox_push(&o, IPC_PROC_CONNECTOR, 1, &l, sizeof(l), &fd, 1), 0);
	close(fd);
	assert_int_equal(outbox_flush(&o, sv[0]), 0);
	assert_int_equal(ipc_recv(sv[1], ROLE_SUPERVISOR, &m, &why), IPC_OK);
	assert_int_equal(m.hdr.type, IPC_PROC_CONNECTOR);
	assert_int_equal(m.nfds, 1);
	assert_int_equal(fstat(m.fds[0], &b), 0);
	assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	ipc_close_fds(&m);
}

/* Bounded: the message past OUTBOX_MAX_MSGS is refused, and clearing
 * frees it all (the sanitizer build checks for leaks). */
static void test_bounded(void **state)
{
	struct outbox o = {0};
	struct ipc_ping p = {0};
	(void)state;

	for (unsigned i = 0; i < OUTBOX_MAX_MSGS; i++)
		assert_int_equal(
		    outbox_push(&o, IPC_PING, i, &p, sizeof(p), NULL, 0), 0);
	assert_int_equal(outbox_push(&o, IPC_PING, 0, &p, sizeof(p), NULL, 0),
			 -ENOBUFS);
	outbox_clear(&o);
	assert_true(outbox_empty(&o));
	assert_null(o.head);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_order_kept, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fds_copied, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bounded, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
