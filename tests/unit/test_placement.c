/*
 * Unit tests of placement's check before a move (supervisor/placement.c):
 * the scanner's report of a stray is taken through the scanner's worker
 * class, as from the worker, for real processes of other uids (forked and
 * setresuid'd here; needs root). A report whose uid is not the process's
 * real uid moves nothing and makes no cgroup, whether it names another
 * user or a managed uid for a root process; a true report does move.
 *
 * The worker table and the backend are replaced by the stubs below: the
 * backend records what it was asked to make and move (its real code is
 * tested in test_backend.c), the table hands out no worker.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "supervisor/backend.h"
#include "supervisor/workers.h"
#include "supervisor/placement.h"
#include "supervisor/users.h"

/* bare numeric uids no account uses */
#define UID_A 3901001u
#define UID_B 3901002u

/* --- stubs: the worker table ---------------------------------------------- */

static const struct worker_class *scanner;

void workers_add_class(const struct worker_class *wc)
{
	scanner = wc;
}

struct worker *worker_get(enum ipc_role role, unsigned index)
{
	(void)role;
	(void)index;
	return NULL;
}

pid_t worker_pid(const struct worker *w)
{
	(void)w;
	return -1;
}

int worker_tell(struct worker *w, uint32_t type, const void *payload,
		size_t len, const int *fds, int nfds)
{
	(void)w, (void)type, (void)payload, (void)len, (void)fds, (void)nfds;
	return -1;
}

/* --- stubs: the backend ------------------------------------------------- */

static unsigned made, moved;
static uid_t moved_uid;
static pid_t moved_pid;

int backend_ensure_user(uid_t uid)
{
	(void)uid;
	made++;
	return 0;
}

int backend_remove_user(uid_t uid)
{
	(void)uid;
	return 0;
}

int backend_move_pid(uid_t uid, pid_t pid)
{
	moved++;
	moved_uid = uid;
	moved_pid = pid;
	return 0;
}

void backend_scan_setup(struct ipc_scan_setup *out)
{
	(void)out;
}

/* --- processes of other uids ---------------------------------------------- */

/* A child that has taken uid (real, effective and saved) and waits to be
 * killed; returned once it has. */
static pid_t spawn_as(uid_t uid)
{
	int p[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setresuid(uid, uid, uid) < 0 || write(p[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

/* A child of uid that runs exe (sleep), returned once /proc shows it. */
static pid_t spawn_exec(uid_t uid, const char *exe)
{
	char link[64], buf[4096];
	pid_t pid = fork();
	ssize_t n = -1;

	assert_true(pid >= 0);
	if (pid == 0) {
		if (setresuid(uid, uid, uid) == 0)
			execl(exe, "sleep", "60", (char *)NULL);
		_exit(1);
	}
	snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
	for (int i = 0; i < 500; i++) {
		n = readlink(link, buf, sizeof(buf) - 1);
		if (n > 0 && (buf[n] = '\0', strcmp(buf, exe) == 0))
			break;
		usleep(10000);
	}
	assert_string_equal(buf, exe);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* The scanner's report, through the class as the worker loop passes it. */
static void report(pid_t pid, uid_t uid)
{
	struct ipc_msg msg;

	memset(&msg, 0, sizeof(msg));
	msg.hdr.type = IPC_STRAY_PROC;
	msg.hdr.len = sizeof(msg.u.stray_proc);
	msg.u.stray_proc.pid = (uint32_t)pid;
	msg.u.stray_proc.uid = (uint32_t)uid;
	assert_true(scanner->on_message(NULL, &msg));
}

static void assert_untouched(void)
{
	assert_int_equal(moved, 0);
	assert_int_equal(made, 0);
	assert_null(user_find(UID_A));
	assert_null(user_find(UID_B));
	assert_null(user_find(0));
}

static int setup(void **state)
{
	struct placement_params p;

	(void)state;
	if (geteuid() != 0) {
		print_message("needs root: processes of other uids\n");
		skip();
	}
	placement_defaults(&p);
	placement_reconfigure(&p);
	placement_add_workers();
	assert_non_null(scanner);
	made = moved = 0;
	return 0;
}

/* --- tests ------------------------------------------------------------- */

/* A process of uid B reported as uid A: another user's cgroup. */
static void test_other_uid(void **state)
{
	pid_t pid = spawn_as(UID_B);

	(void)state;
	report(pid, UID_A);
	reap(pid);
	assert_untouched();
}

/* A root process reported as a managed uid. */
static void test_root_as_managed(void **state)
{
	pid_t pid = spawn_as(0);

	(void)state;
	report(pid, UID_A);
	reap(pid);
	assert_untouched();
}

/* The control: the same process, truly reported, is moved (so the two
 * above would see a move if the check let it through). */
static void test_true_report(void **state)
{
	pid_t pid = spawn_as(UID_B);

	(void)state;
	report(pid, UID_B);
	reap(pid);
	assert_int_equal(moved, 1);
	assert_int_equal(moved_uid, UID_B);
	assert_int_equal(moved_pid, pid);
	assert_int_equal(made, 1);
	assert_non_null(user_find(UID_B));
	assert_int_equal(user_remove(UID_B), 0);
}

/* [users] exempt_commands: a stray running a listed executable stays
 * where it is; the same process is moved when the list names another. */
static void test_exempt_command(void **state)
{
	struct placement_params p;
	char exe[PATH_MAX] = "";
	pid_t pid;

	(void)state;
	assert_non_null(realpath("/bin/sleep", exe));
	pid = spawn_exec(UID_B, exe);
	placement_defaults(&p);
	p.nexe_paths = 2;
	snprintf(p.exe_paths[0], sizeof(p.exe_paths[0]), "/usr/bin/true");
	assert_true(strlen(exe) < sizeof(p.exe_paths[1]));
	memcpy(p.exe_paths[1], exe, strlen(exe) + 1);
	placement_reconfigure(&p);
	report(pid, UID_B);
	assert_untouched();
	p.nexe_paths = 1;
	placement_reconfigure(&p);
	report(pid, UID_B);
	reap(pid);
	assert_int_equal(moved, 1);
	assert_int_equal(moved_pid, pid);
	assert_int_equal(user_remove(UID_B), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_other_uid, setup),
	    cmocka_unit_test_setup(test_root_as_managed, setup),
	    cmocka_unit_test_setup(test_true_report, setup),
	    cmocka_unit_test_setup(test_exempt_command, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
