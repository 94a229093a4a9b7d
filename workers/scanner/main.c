/*
 * cgfair-scanner: reads /proc and the user cgroups' accounting for the
 * supervisor. Runs as the cgfair user with a read-only seccomp allowlist:
 * it may open files for reading only, and never write, connect or exec.
 */
#include "workers/scanner/scanner.h"
#include "workers/skeleton.h"
#include "common/log.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static struct scanner sc;

/* Beyond the common set: read-only opens (/proc, cgroup files), directory
 * listing (getdents64: /proc and the user-* cgroups) and a watch of the
 * subtree's directory (inotify), pread64 (cgroup
 * files are kept open and re-read at offset 0 each cycle) and sysinfo,
 * which glibc's qsort calls (sysconf(_SC_PHYS_PAGES)) before sorting a
 * large array, and recvmsg for the proc connector. */
static void scanner_allow(scmp_filter_ctx ctx)
{
	sandbox_allow_open_readonly(ctx);
	sandbox_allow(ctx, SCMP_SYS(getdents64));
	sandbox_allow(ctx, SCMP_SYS(pread64));
	sandbox_allow(ctx, SCMP_SYS(sysinfo));
	/* the proc connector, whose fd number the supervisor decides */
	sandbox_allow(ctx, SCMP_SYS(recvmsg));
	/* a watch of the managed subtree (workers/scanner/listing.c): it
	 * only ever reports; the inotify fd is made before the sandbox */
	sandbox_allow(ctx, SCMP_SYS(inotify_add_watch));
	sandbox_allow(ctx, SCMP_SYS(inotify_rm_watch));
}

static void send_msg(uint32_t type, const void *payload, size_t len)
{
	skeleton_send(type, payload, len, NULL, 0);
}

/* Before the sandbox: /proc is opened once and every pid is read below
 * it with openat. */
static void scanner_init_role(sd_event *event)
{
	(void)event;
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		fatal(EXIT_FATAL, "open /proc");
	scanner_init(&sc, procfd, "/sys/devices/system/cpu/online", send_msg);
}

static bool scanner_handle(sd_event *event, struct ipc_msg *msg)
{
	switch (msg->hdr.type) {
	case IPC_SCAN_SETUP:
		if (scanner_setup(&sc, &msg->u.scan_setup) < 0)
			fatalx(EXIT_IPC, "unusable scan setup");
		return true;
	case IPC_SCAN_EXEMPT:
		if (scanner_exempt_cgroup(&sc, &msg->u.scan_exempt) < 0)
			fatalx(EXIT_IPC, "exempt cgroup pattern out of order");
		return true;
	case IPC_STRAY_EXEMPT:
		scanner_stray_exempt(&sc, &msg->u.stray_exempt);
		return true;
	case IPC_PROC_CONNECTOR:
		connector_attach(event, msg->fds[0], &sc);
		msg->fds[0] = -1;
		return true;
	case IPC_SCAN_REQUEST:
		scanner_cycle(&sc, &msg->u.scan_request);
		return true;
	case IPC_SWEEP_REQUEST:
		scanner_sweep(&sc);
		return true;
	case IPC_SUBUID_FILE:
		subuid_parse_file(msg->fds[0], msg->u.subuid_file.generation,
				  send_msg);
		msg->fds[0] = -1;
		return true;
	case IPC_SUBUID_TABLE: {
		int r = subuid_table_add(&msg->u.subuid_table);
		if (r < 0)
			fatalx(EXIT_IPC, "subordinate uid table not sorted, "
					 "disjoint and bounded");
		if (r > 0)
			scanner_subuids_changed(&sc);
		return true;
	}
	case IPC_SCAN_COMMANDS:
		commands_set(&msg->u.scan_commands);
		return true;
	default:
		return false;
	}
}

static const struct skeleton_role scanner = {
    .role = ROLE_SCANNER,
    .name = "cgfair-scanner",
    .chroot = false,
    .allow = scanner_allow,
    .init = scanner_init_role,
    .handle = scanner_handle,
};

int main(int argc, char **argv)
{
	skeleton_main(argc, argv, &scanner);
}
