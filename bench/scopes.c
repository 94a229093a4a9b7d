/*
 * scopes UID0 N
 *
 * N sleeping processes of the uids UID0 .. UID0+N-1, each in a transient
 * scope bench-UID.scope of its own user-UID.slice, as a login would leave
 * them; for bench/systemd-scale.sh. The shell's way (one systemd-run
 * --scope, one setuid helper and one sleep per user) made 254 of 1,000
 * in 10 min in the TCG guest: every new program is translated anew there.
 * Here the children are forks of this program that never exec, and the
 * scopes are asked for from one bus connection, at most 32 calls in
 * flight (sd-bus). A scope whose call failed is asked for again, up to
 * three more rounds: in the TCG guest PID 1 dropped its bus connection
 * once at ~1,900 units ("Message recipient disconnected from message bus
 * without replying": 66 of 1,000 lost) and came back. Prints "scopes N
 * made, F failed (A asked again)" once every reply is in, then stays
 * until SIGTERM or SIGINT, when it kills its children.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <systemd/sd-bus.h>

#define IN_FLIGHT 32
#define ROUNDS	  4

static unsigned replies, failed;
/* per child: its scope failed in this round (asked again in the next) */
static bool *lost;

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	(void)err;
	replies++;
	/* made in a round whose reply was lost */
	if (sd_bus_message_is_method_error(
		m, "org.freedesktop.systemd1.UnitExists"))
		return 1;
	if (sd_bus_message_is_method_error(m, NULL)) {
		lost[(uintptr_t)userdata] = true;
		failed++;
		if (failed <= 5)
			fprintf(stderr, "scopes: %s\n",
				sd_bus_message_get_error(m)->message);
	}
	return 1;
}

/* a child: the user's uid and gid, no groups, asleep until killed (or
 * until this program dies: PR_SET_PDEATHSIG) */
static pid_t sleeper(uid_t uid)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	/* the death signal after the uid change, which clears it */
	if (setgroups(0, NULL) < 0 || setresgid(uid, uid, uid) < 0 ||
	    setresuid(uid, uid, uid) < 0 ||
	    prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		_exit(1);
	for (;;)
		pause();
}

static int ask_scope(sd_bus *bus, unsigned i, uid_t uid, pid_t pid)
{
	char unit[64], slice[64];
	snprintf(unit, sizeof(unit), "bench-%u.scope", (unsigned)uid);
	snprintf(slice, sizeof(slice), "user-%u.slice", (unsigned)uid);
	sd_bus_message *m = NULL;
	int r = sd_bus_message_new_method_call(
	    bus, &m, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
	    "org.freedesktop.systemd1.Manager", "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", unit, "fail");
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sv)", 2, "Slice", "s", slice,
					  "PIDs", "au", 1, (uint32_t)pid);
	if (r >= 0)
		r = sd_bus_message_append(m, "a(sa(sv))", 0);
	if (r >= 0)
		r = sd_bus_call_async(bus, NULL, m, on_reply,
				      (void *)(uintptr_t)i, 0);
	sd_bus_message_unref(m);
	return r;
}

static int wait_replies(sd_bus *bus, unsigned upto)
{
	while (replies < upto) {
		int r = sd_bus_process(bus, NULL);
		if (r < 0)
			return r;
		if (r == 0 && (r = sd_bus_wait(bus, UINT64_MAX)) < 0 &&
		    r != -EINTR)
			return r;
	}
	return 0;
}

/* One round: a scope for every child whose scope is not made yet, at
 * most IN_FLIGHT calls in flight; failed counts this round's failures.
 * again (the later rounds) counts the calls made again. */
static int ask_lost(sd_bus *bus, uid_t uid0, unsigned n, const pid_t *pids,
		    unsigned *again)
{
	unsigned asked = 0;

	replies = failed = 0;
	for (unsigned i = 0; i < n; i++) {
		if (!lost[i])
			continue;
		lost[i] = false;
		asked++;
		if (again)
			(*again)++;
		if (ask_scope(bus, i, uid0 + i, pids[i]) < 0) {
			fprintf(stderr, "scopes: uid %u: cannot ask\n",
				(unsigned)(uid0 + i));
			lost[i] = true;
			failed++;
			replies++;
			continue;
		}
		if (asked >= IN_FLIGHT) {
			int r = wait_replies(bus, asked - IN_FLIGHT);
			if (r < 0)
				return r;
		}
	}
	return wait_replies(bus, asked);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: scopes UID0 N\n");
		return 2;
	}
	uid_t uid0 = (uid_t)strtoul(argv[1], NULL, 10);
	unsigned n = (unsigned)strtoul(argv[2], NULL, 10);
	pid_t *pids = calloc(n ? n : 1, sizeof(*pids));
	lost = calloc(n ? n : 1, sizeof(*lost));
	sd_bus *bus = NULL;
	int r = sd_bus_open_system(&bus);
	if (!pids || !lost || r < 0) {
		fprintf(stderr, "scopes: no system bus: %s\n", strerror(-r));
		return 1;
	}
	r = 0; /* below: < 0 the bus went away, > 0 a fork failed */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (unsigned i = 0; i < n; i++) {
		pids[i] = sleeper(uid0 + i);
		lost[i] = true;
		if (pids[i] < 0) {
			fprintf(stderr, "scopes: uid %u: cannot fork: %s\n",
				(unsigned)(uid0 + i), strerror(errno));
			n = i; /* the children made so far are killed below */
			failed = r = 1;
			break;
		}
	}
	unsigned again = 0;
	for (int round = 0; round < ROUNDS && r == 0; round++) {
		r = ask_lost(bus, uid0, n, pids, round ? &again : NULL);
		if (r == 0 && failed == 0)
			break;
		if (round + 1 < ROUNDS)
			sleep(2); /* PID 1 back on the bus */
	}
	printf("scopes %u made, %u failed (%u asked again)%s\n", n - failed,
	       failed, again,
	       r < 0   ? " (the bus went away)"
	       : r > 0 ? " (fork failed)"
		       : "");
	fflush(stdout);
	int sig;
	sigwait(&set, &sig);
	for (unsigned i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	sd_bus_unref(bus);
	free(pids);
	free(lost);
	return failed ? 1 : 0;
}
