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
 * flight (sd-bus). Prints "scopes N made, F failed" once every reply is
 * in, then stays until SIGTERM or SIGINT, when it kills its children.
 */
#include <errno.h>
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

static unsigned replies, failed;

static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *err)
{
	(void)userdata;
	(void)err;
	replies++;
	if (sd_bus_message_is_method_error(m, NULL)) {
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

static int ask_scope(sd_bus *bus, uid_t uid, pid_t pid)
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
		r = sd_bus_call_async(bus, NULL, m, on_reply, NULL, 0);
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

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: scopes UID0 N\n");
		return 2;
	}
	uid_t uid0 = (uid_t)strtoul(argv[1], NULL, 10);
	unsigned n = (unsigned)strtoul(argv[2], NULL, 10);
	pid_t *pids = calloc(n ? n : 1, sizeof(*pids));
	sd_bus *bus = NULL;
	int r = sd_bus_open_system(&bus);
	if (!pids || r < 0) {
		fprintf(stderr, "scopes: no system bus: %s\n", strerror(-r));
		return 1;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	for (unsigned i = 0; i < n; i++) {
		pids[i] = sleeper(uid0 + i);
		if (pids[i] < 0 || ask_scope(bus, uid0 + i, pids[i]) < 0) {
			fprintf(stderr, "scopes: uid %u: cannot fork or ask\n",
				(unsigned)(uid0 + i));
			failed++;
			replies++;
			continue;
		}
		if (i + 1 >= IN_FLIGHT &&
		    wait_replies(bus, i + 1 - IN_FLIGHT) < 0)
			break;
	}
	r = wait_replies(bus, n);
	printf("scopes %u made, %u failed%s\n", n - failed, failed,
	       r < 0 ? " (the bus went away)" : "");
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
	return failed ? 1 : 0;
}
