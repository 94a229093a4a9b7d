/*
 * cgfair-desktop-notify: one desktop notice on the user's session bus
 * ([notify] desktop). The supervisor starts it as the user, with no
 * supplementary group, no capability, no new privileges, and an
 * environment of DBUS_SESSION_BUS_ADDRESS alone; the text comes on stdin
 * (urgency, summary, body, each ended by a NUL), never on argv. It makes
 * the text safe for the bus and for the notification server (valid UTF-8,
 * no control bytes, <, > and & escaped: servers may read body markup),
 * loads a seccomp allowlist, calls org.freedesktop.Notifications.Notify
 * with a timeout and exits: 0 sent, 1 bad input, 2 no bus or no
 * notification service, 3 sandbox.
 */
#include "ipc/ipc.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <seccomp.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <systemd/sd-bus.h>

#define IN_MAX	     (4 + IPC_DESKTOP_SUMMARY_MAX + IPC_DESKTOP_BODY_MAX)
#define OUT_MAX	     (6 * IPC_DESKTOP_BODY_MAX) /* every byte "&amp;" */
#define CALL_TIMEOUT (3 * 1000000ULL) /* µs; the supervisor kills at 5 s */
#define EXPIRE_MS    0		      /* the notice stays until read */

/* Append one character (the server's view: text, never markup). */
static size_t put(char *out, size_t at, size_t size, const char *s, size_t n)
{
	if (at + n >= size)
		return at;
	memcpy(out + at, s, n);
	return at + n;
}

/* in -> out: valid UTF-8 only (a bad byte: '?'), no control character
 * (newline kept in the body, a tab as a space), markup escaped. */
static void clean(const char *in, char *out, size_t size, bool newlines)
{
	mbstate_t st;
	size_t at = 0, len = strlen(in);

	memset(&st, 0, sizeof(st));
	while (len > 0) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, in, len, &st);
		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			memset(&st, 0, sizeof(st));
			at = put(out, at, size, "?", 1);
			in++, len--;
			continue;
		}
		if (wc == '<')
			at = put(out, at, size, "&lt;", 4);
		else if (wc == '>')
			at = put(out, at, size, "&gt;", 4);
		else if (wc == '&')
			at = put(out, at, size, "&amp;", 5);
		else if (wc == '\n' && newlines)
			at = put(out, at, size, "\n", 1);
		else if (wc == '\t' || wc == '\n')
			at = put(out, at, size, " ", 1);
		else if (wc < 0x20 || (wc >= 0x7f && wc < 0xa0))
			at = put(out, at, size, "?", 1);
		else
			at = put(out, at, size, in, n);
		in += n, len -= n;
	}
	out[at] = '\0';
}

/* stdin, whole, bounded: three NUL-ended fields. */
static bool read_input(unsigned *urgency, char **summary, char **body)
{
	static char buf[IN_MAX + 1];
	size_t have = 0;
	ssize_t n;

	while (have < IN_MAX &&
	       (n = read(STDIN_FILENO, buf + have, IN_MAX - have)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return false;
		have += (size_t)n;
	}
	buf[have] = '\0';
	char *s = memchr(buf, '\0', have);
	if (!s || s == buf || s + 1 >= buf + have)
		return false;
	char *b = memchr(s + 1, '\0', have - (size_t)(s + 1 - buf));
	if (!b || b + 1 >= buf + have)
		return false;
	if (!memchr(b + 1, '\0', have - (size_t)(b + 1 - buf)))
		return false;
	*urgency = (unsigned)atoi(buf);
	*summary = s + 1;
	*body = b + 1;
	return *urgency <= DESKTOP_URGENCY_CRITICAL;
}

/* What sd-bus needs to connect to a unix socket, authenticate, call and
 * wait for the answer; nothing that opens a file for writing, execs or
 * makes any other socket. */
static bool sandbox(void)
{
	static const int calls[] = {
	    SCMP_SYS(read),
	    SCMP_SYS(write),
	    SCMP_SYS(writev),
	    SCMP_SYS(close),
	    SCMP_SYS(exit),
	    SCMP_SYS(exit_group),
	    SCMP_SYS(brk),
	    SCMP_SYS(munmap),
	    SCMP_SYS(mremap),
	    SCMP_SYS(madvise),
	    SCMP_SYS(connect),
	    SCMP_SYS(sendmsg),
	    SCMP_SYS(recvmsg),
	    SCMP_SYS(sendto),
	    SCMP_SYS(recvfrom),
	    SCMP_SYS(getsockopt),
	    SCMP_SYS(setsockopt),
	    SCMP_SYS(getsockname),
	    SCMP_SYS(getpeername),
	    SCMP_SYS(ppoll),
	    SCMP_SYS(poll),
	    SCMP_SYS(fcntl),
	    SCMP_SYS(fstat),
	    SCMP_SYS(newfstatat),
	    SCMP_SYS(statx),
	    SCMP_SYS(lseek),
	    SCMP_SYS(getuid),
	    SCMP_SYS(geteuid),
	    SCMP_SYS(getgid),
	    SCMP_SYS(getegid),
	    SCMP_SYS(getpid),
	    SCMP_SYS(gettid),
	    SCMP_SYS(getrandom),
	    SCMP_SYS(clock_gettime),
	    SCMP_SYS(clock_nanosleep),
	    SCMP_SYS(rt_sigprocmask),
	    SCMP_SYS(rt_sigreturn),
	    SCMP_SYS(futex),
	    SCMP_SYS(getdents64),
	    SCMP_SYS(uname),
	};
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	bool ok = ctx != NULL;

	for (size_t i = 0; ok && i < sizeof(calls) / sizeof(*calls); i++)
		ok = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, calls[i], 0) == 0;
	/* libsystemd 257 (Debian 13) binds a client's socket to an abstract
	 * address carrying the thread's name (PR_GET_NAME) or the bus's
	 * description, which helps no one here; the supervisor's filter,
	 * which this process inherits, kills bind. With PR_GET_NAME refused
	 * and no description set (open_session_bus) it does not bind. */
	ok = ok && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(prctl),
				    1, SCMP_A0(SCMP_CMP_EQ, PR_GET_NAME)) == 0;
	/* the bus socket, and nothing else */
	ok = ok && seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				    SCMP_A0(SCMP_CMP_EQ, AF_UNIX)) == 0;
	/* sd-bus reads files (/proc/self/..., the machine id) read-only */
	ok =
	    ok && seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
				   SCMP_A2(SCMP_CMP_MASKED_EQ,
					   O_ACCMODE | O_CREAT, O_RDONLY)) == 0;
	/* memory, never writable and executable at once */
	ok = ok &&
	     seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
			      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) == 0;
	ok = ok &&
	     seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
			      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) == 0;
	ok = ok && seccomp_load(ctx) == 0;
	seccomp_release(ctx);
	return ok;
}

/* The bus DBUS_SESSION_BUS_ADDRESS names, the one variable cgfaird gave
 * it. Not sd_bus_open_user(): that reads the variable with secure_getenv(),
 * which finds nothing in a secure exec (AT_SECURE: SELinux sets it for the
 * transition from cgfaird_t into this domain), and then looks for the
 * runtime directory in XDG_RUNTIME_DIR, which it does not have. */
static int open_session_bus(sd_bus **ret)
{
	const char *address = getenv("DBUS_SESSION_BUS_ADDRESS");
	sd_bus *bus = NULL;
	int r;

	if (!address)
		return -ENXIO;
	r = sd_bus_new(&bus);
	if (r >= 0)
		r = sd_bus_set_address(bus, address);
	if (r >= 0)
		r = sd_bus_set_bus_client(bus, 1);
	if (r >= 0)
		r = sd_bus_start(bus);
	if (r < 0) {
		sd_bus_unref(bus);
		return r;
	}
	*ret = bus;
	return 0;
}

static int notify(unsigned urgency, const char *summary, const char *body)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus *bus = NULL;
	int r;

	r = open_session_bus(&bus);
	if (r < 0) {
		fprintf(stderr, "cgfair-desktop-notify: session bus: %s\n",
			strerror(-r));
		return 2;
	}
	r = sd_bus_set_method_call_timeout(bus, CALL_TIMEOUT);
	if (r >= 0)
		r = sd_bus_message_new_method_call(
		    bus, &m, "org.freedesktop.Notifications",
		    "/org/freedesktop/Notifications",
		    "org.freedesktop.Notifications", "Notify");
	if (r >= 0)
		r = sd_bus_message_append(m, "susssas", "cgfair", 0u, "",
					  summary, body, 0);
	if (r >= 0)
		r = sd_bus_message_append(m, "a{sv}", 1, "urgency", "y",
					  (uint8_t)urgency);
	if (r >= 0)
		r = sd_bus_message_append(m, "i", (int32_t)EXPIRE_MS);
	if (r >= 0)
		r = sd_bus_call(bus, m, CALL_TIMEOUT, &error, &reply);
	if (r < 0)
		fprintf(stderr, "cgfair-desktop-notify: Notify: %s\n",
			error.message ? error.message : strerror(-r));
	sd_bus_error_free(&error);
	sd_bus_message_unref(reply);
	sd_bus_message_unref(m);
	sd_bus_flush_close_unref(bus);
	return r < 0 ? 2 : 0;
}

int main(void)
{
	static char summary[OUT_MAX], body[OUT_MAX];
	char *in_summary, *in_body;
	unsigned urgency;

	/* multibyte decoding of UTF-8, whatever the (empty) environment */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		return 3;
	if (!sandbox())
		return 3;
	if (!read_input(&urgency, &in_summary, &in_body))
		return 1;
	clean(in_summary, summary, sizeof(summary), false);
	clean(in_body, body, sizeof(body), true);
	return notify(urgency, summary, body);
}
