/*
 * An impostor cgfair-scanner (tests only), started by the real supervisor
 * in place of the real scanner (tests/lib/impostor.sh), in the real
 * sandbox. On every scan request it reports:
 *   - 300 users from min_uid up, more than the test's max_users;
 *   - uid 5 and max_uid + 1, outside the configured range;
 *   - 4096 CPUs and a scan clock of its own choosing.
 * On every sweep request, every process in /proc as a stray of min_uid:
 * processes of other uids (root's, the test's other user's) included.
 */
#include "workers/skeleton.h"

#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static struct ipc_scan_setup setup;

static void report_users(uint64_t cycle)
{
	struct ipc_scan_users m = {.cycle = cycle};
	uint32_t uids[302];
	unsigned n = 0;

	for (uint32_t i = 0; i < 300; i++)
		uids[n++] = setup.min_uid + i;
	uids[n++] = 5;
	uids[n++] = setup.max_uid + 1;
	for (unsigned i = 0; i < n; i++) {
		m.user[m.count++] =
		    (struct ipc_user_usage){.uid = uids[i],
					    .nprocs = 1,
					    .flags = USAGE_HAS_CGROUP,
					    .cpu_usec = cycle * 1000000};
		if (m.count == IPC_BATCH || i == n - 1) {
			skeleton_send(IPC_SCAN_USERS, &m, sizeof(m), NULL, 0);
			m.count = 0;
		}
	}
	struct ipc_scan_done d = {
	    .cycle = cycle, .mono_usec = cycle, .ncpus = 4096, .nusers = n};
	skeleton_send(IPC_SCAN_DONE, &d, sizeof(d), NULL, 0);
}

static void report_strays(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		struct ipc_stray_proc s = {.pid = (uint32_t)atoi(e->d_name),
					   .uid = setup.min_uid};
		skeleton_send(IPC_STRAY_PROC, &s, sizeof(s), NULL, 0);
	}
	closedir(d);
}

static bool handle(sd_event *event, struct ipc_msg *msg)
{
	(void)event;
	switch (msg->hdr.type) {
	case IPC_SCAN_SETUP:
		setup = msg->u.scan_setup;
		return true;
	case IPC_PROC_CONNECTOR:
		ipc_close_fds(msg);
		return true;
	case IPC_SCAN_REQUEST:
		report_users(msg->u.scan_request.cycle);
		return true;
	case IPC_SWEEP_REQUEST:
		report_strays();
		return true;
	default: /* whatever else the supervisor says: taken, ignored */
		ipc_close_fds(msg);
		return true;
	}
}

static void allow(scmp_filter_ctx ctx)
{
	sandbox_allow_open_readonly(ctx);
	sandbox_allow(ctx, SCMP_SYS(getdents64));
}

static const struct skeleton_role role = {
    .role = ROLE_SCANNER,
    .name = "cgfair-scanner",
    .chroot = false,
    .allow = allow,
    .handle = handle,
};

int main(int argc, char **argv)
{
	skeleton_main(argc, argv, &role);
}
