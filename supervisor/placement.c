/*
 * Placement, the supervisor's side of the scanner: the proc connector
 * socket, the scanner's worker class, sweeps, and the move of every stray
 * the scanner reports into its user's cgroup.
 *
 * Verifying a stray without parsing /proc (DESIGN: the supervisor does
 * not parse /proc). The scanner saw (pid, real uid, start time). Before a
 * move we pin the process with pidfd_open(pid): from then on the pidfd
 * names one process, and while it is alive the pid number cannot be given
 * to another. Its real uid comes from the kernel through the pidfd
 * (PIDFD_GET_INFO, Linux 6.13+; before that, the owner of /proc/PID read
 * with fstat on an O_PATH fd, which is the effective uid, and a process
 * whose uids differ is then left for the next report). Only a live
 * process whose uid is the reported uid is moved, and it is alive after
 * the move (checked on the pidfd), so the pid we wrote was that process.
 *
 * The start time is not compared here: reading it means parsing
 * /proc/PID/stat. It guards against a pid reused by another process, and
 * the uid check on the pinned process already gives the property that
 * matters: a process is only ever moved into the cgroup of its own real
 * uid, so a reused pid of another uid is refused, and one of the same uid
 * belongs in that cgroup anyway. The scanner compares start times itself
 * (its table drops a pid whose start time changed) and reads one process's
 * files through one /proc/PID directory fd, so its report is consistent.
 * The check also bounds what a compromised scanner can do: it can only
 * get live processes moved into their own uid's cgroup.
 *
 * Exemptions. [users] exempt_cgroups is judged by the scanner, which
 * neither reports nor tracks a process in such a cgroup (a Slurm job
 * step, a container); a lying scanner can at worst prevent a move. [users]
 * exempt_commands is judged here, on the pinned process (exe.c says why
 * the scanner cannot): an exempt stray stays, and the scanner is told to
 * stop reporting it until it execs again.
 */
#include "supervisor/placement.h"
#include "supervisor/backend.h"
#include "supervisor/exe.h"
#include "supervisor/workers.h"
#include "supervisor/subuid.h"
#include "supervisor/users.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/num.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define UID_NOBODY    65534u
#define CONN_RCVBUF   (8 << 20) /* bytes: an exec storm, not ENOBUFS */
#define SWEEP_DEFAULT (60 * 1000 * 1000ULL)

/* PIDFD_GET_INFO (linux/pidfd.h, 6.13+): older headers lack it. The
 * kernel takes the struct size from the ioctl number (extensible). */
struct pidfd_creds {
	uint64_t mask;
	uint64_t cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid;
	uint32_t fsuid, fsgid, spare0;
};
#define CG_PIDFD_INFO_CREDS (1ULL << 1)
#define CG_PIDFD_GET_INFO   _IOWR(0xFF, 11, struct pidfd_creds)

static struct placement_params params;
static int conn_fd = -1;
static sd_event_source *sweep_timer;
static void (*usage_users)(const struct ipc_scan_users *);
static void (*usage_done)(const struct ipc_scan_done *);

void placement_defaults(struct placement_params *p)
{
	memset(p, 0, sizeof(*p));
	p->min_uid = 1000;
	p->sweep_interval_usec = SWEEP_DEFAULT;
}

static int cmp_uid(const void *a, const void *b)
{
	uid_t x = *(const uid_t *)a, y = *(const uid_t *)b;
	return x < y ? -1 : x > y;
}

static void set_params(const struct placement_params *p)
{
	params = *p;
	if (params.nexempt > IPC_EXEMPT_MAX) {
		log_warnx("%zu exempt uids: only the lowest %d reach the "
			  "scanner",
			  params.nexempt, IPC_EXEMPT_MAX);
		params.nexempt = IPC_EXEMPT_MAX;
	}
	qsort(params.exempt, params.nexempt, sizeof(params.exempt[0]), cmp_uid);
	if (!params.sweep_interval_usec)
		params.sweep_interval_usec = SWEEP_DEFAULT;
	subuid_configure(params.event, params.subordinate_uids,
			 params.subuid_file, params.min_uid);
}

bool placement_managed(uid_t uid)
{
	if (uid < params.min_uid || uid == UID_NOBODY || uid == (uid_t)-1)
		return false;
	if (params.max_uid && uid > params.max_uid)
		return false;
	return !bsearch(&uid, params.exempt, params.nexempt,
			sizeof(params.exempt[0]), cmp_uid);
}

/* --- the proc connector --------------------------------------------------- */

static int connector_listen(int fd, enum proc_cn_mcast_op op)
{
	union {
		struct nlmsghdr align;
		char buf[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(op))];
	} u;
	struct nlmsghdr *nh = &u.align;
	struct cn_msg *cn;

	memset(&u, 0, sizeof(u));
	nh->nlmsg_len = NLMSG_LENGTH(sizeof(*cn) + sizeof(op));
	nh->nlmsg_type = NLMSG_DONE;
	cn = NLMSG_DATA(nh);
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->len = sizeof(op);
	memcpy(cn->data, &op, sizeof(op));
	return send(fd, nh, nh->nlmsg_len, 0) < 0 ? -1 : 0;
}

static int open_connector(void)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK,
				 .nl_groups = CN_IDX_PROC};
	int size = CONN_RCVBUF;
	int fd =
	    socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    connector_listen(fd, PROC_CN_MCAST_LISTEN) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	/* FORCE passes rmem_max (we still have CAP_NET_ADMIN) */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return fd;
}

void placement_init(const struct placement_params *p)
{
	set_params(p);
	conn_fd = open_connector();
	if (conn_fd < 0)
		log_warn(
		    "proc connector unavailable; strays are found by the "
		    "sweep every %llu s only",
		    (unsigned long long)(params.sweep_interval_usec / 1000000));
}

/* --- moving a stray ------------------------------------------------------- */

static bool pidfd_alive(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	/* a pidfd turns readable when its process has exited */
	return poll(&p, 1, 0) == 0;
}

/* Before 6.13 (no PIDFD_GET_INFO), the real uid is the first number of
 * the "Uid:" line of /proc/PID/status: the owner of /proc/PID is the
 * effective uid, which a scanner could name for a set-uid process of
 * another user. Hand-read rather than parsed: the kernel writes the
 * file, and its one user-chosen part, the Name: line before Uid:, has
 * its newlines escaped (proc_task_name), so "\nUid:\t" is the kernel's. */
static int status_ruid(pid_t pid, uid_t *uid)
{
	char path[48], buf[4096], *p;
	ssize_t n;
	uint64_t v;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ENODATA;
	buf[n] = '\0';
	p = strstr(buf, "\nUid:\t");
	if (!p)
		return -ENODATA;
	n = (ssize_t)num_scan_uint(p + 6, SIZE_MAX, UINT32_MAX, &v);
	if (n == 0 || p[6 + n] != '\t')
		return -ENODATA;
	*uid = (uid_t)v;
	return 0;
}

/* The real uid of the pinned process, from the pidfd (6.13+) or else
 * from /proc/PID/status read while the pidfd shows the process alive
 * (then the pid was not reused in between). */
static int pinned_uid(int pidfd, pid_t pid, uid_t *uid)
{
	struct pidfd_creds info = {.mask = CG_PIDFD_INFO_CREDS};
	int r;

	if (ioctl(pidfd, CG_PIDFD_GET_INFO, &info) == 0 &&
	    (info.mask & CG_PIDFD_INFO_CREDS)) {
		*uid = info.ruid;
		return 0;
	}
	if (errno == ESRCH)
		return -ESRCH;
	r = status_ruid(pid, uid);
	if (r == 0 && !pidfd_alive(pidfd))
		r = -ESRCH;
	return r;
}

static bool command_exempt(pid_t pid)
{
	char exe[PLACEMENT_COMMAND_LEN];

	if (!params.nexe_paths || exe_path(pid, exe, sizeof(exe)) < 0)
		return false;
	for (size_t i = 0; i < params.nexe_paths; i++)
		if (strcmp(exe, params.exe_paths[i]) == 0)
			return true;
	return false;
}

static void tell_exempt(const struct ipc_stray_proc *m)
{
	struct ipc_stray_exempt e = {.pid = m->pid,
				     .start_time = m->start_time};

	worker_tell(worker_get(ROLE_SCANNER, 0), IPC_STRAY_EXEMPT, &e,
		    sizeof(e), NULL, 0);
}

/* Pin, verify, move. Failures are logged at debug level only when the
 * process simply went away; the scanner reports it again at the next
 * sweep if it is still misplaced. */
static void move_stray(const struct ipc_stray_proc *m)
{
	pid_t pid = (pid_t)m->pid;
	uint64_t t0 = clock_mono_usec();
	uid_t uid = (uid_t)-1, owner = subuid_charge(m->uid);
	int pidfd, r;

	if (pid <= 0 || !placement_managed(owner))
		return; /* exempt: never moved */
	pidfd = pidfd_open(pid, 0);
	if (pidfd < 0)
		return; /* gone already */
	r = pinned_uid(pidfd, pid, &uid);
	if (r < 0 || uid != m->uid) {
		log_debug("pid %d: uid %d now, not %u as reported; not moved",
			  (int)pid, (int)uid, m->uid);
		close(pidfd);
		return;
	}
	if (command_exempt(pid) && pidfd_alive(pidfd)) {
		log_debug("pid %d (uid %u): exempt command, left where it is",
			  (int)pid, (unsigned)uid);
		tell_exempt(m);
		close(pidfd);
		return;
	}
	struct user *u = user_ensure(owner);
	r = u ? backend_move_pid(owner, pid) : -EAGAIN;
	if (r == 0 && pidfd_alive(pidfd)) {
		u->moved++;
		log_debug("pid %d (uid %u, charged to %u) placed in %llu us",
			  (int)pid, (unsigned)uid, (unsigned)owner,
			  (unsigned long long)(clock_mono_usec() - t0));
	} else if (r < 0 && r != -ESRCH && pidfd_alive(pidfd)) {
		log_warnx("pid %d (uid %u): could not move it: %s", (int)pid,
			  (unsigned)uid, strerror(-r));
	}
	close(pidfd);
}

/* --- the scanner's worker class ------------------------------------------ */

/* The patterns first: the setup that follows applies them (ipc.h). */
static void send_setup(struct worker *w)
{
	struct ipc_scan_setup s;

	for (size_t i = 0; i < params.ncgroups; i++) {
		struct ipc_scan_exempt e = {.index = (uint32_t)i};

		snprintf(e.pattern, sizeof(e.pattern), "%s", params.cgroups[i]);
		if (worker_tell(w, IPC_SCAN_EXEMPT, &e, sizeof(e), NULL, 0) < 0)
			return;
	}
	memset(&s, 0, sizeof(s));
	backend_scan_setup(&s);
	s.min_uid = params.min_uid;
	s.max_uid = params.max_uid;
	s.nexempt = (uint32_t)params.nexempt;
	s.user_slices = params.subordinate_uids && s.systemd_names;
	for (size_t i = 0; i < params.nexempt; i++)
		s.exempt[i] = (uint32_t)params.exempt[i];
	worker_tell(w, IPC_SCAN_SETUP, &s, sizeof(s), NULL, 0);
	worker_tell(w, IPC_SCAN_COMMANDS, &params.commands,
		    sizeof(params.commands), NULL, 0);
	subuid_send();
}

static int tell_sweep(struct worker *w)
{
	struct ipc_sweep_request r = {.cycle = 0};
	return worker_tell(w, IPC_SWEEP_REQUEST, &r, sizeof(r), NULL, 0);
}

static int on_sweep_timer(sd_event_source *s, uint64_t usec, void *data)
{
	(void)data;
	tell_sweep(worker_get(ROLE_SCANNER, 0));
	sd_event_source_set_time(s, usec + params.sweep_interval_usec);
	return 0;
}

static void start_sweep_timer(void)
{
	if (sweep_timer)
		return;
	if (sd_event_add_time_relative(
		params.event, &sweep_timer, CLOCK_MONOTONIC,
		params.sweep_interval_usec, 0, on_sweep_timer, NULL) < 0 ||
	    sd_event_source_set_enabled(sweep_timer, SD_EVENT_ON) < 0)
		fatalx(EXIT_FATAL, "cannot start the sweep timer");
}

/* Every (re)start: where to look, the connector, and a sweep at once
 * (events may have been missed while no scanner read the socket). */
static void scanner_started(struct worker *w)
{
	send_setup(w);
	if (conn_fd >= 0 &&
	    worker_tell(w, IPC_PROC_CONNECTOR, &(struct ipc_listen){0},
			sizeof(struct ipc_listen), &conn_fd, 1) < 0)
		return;
	tell_sweep(w);
	start_sweep_timer();
}

static bool scanner_message(struct worker *w, struct ipc_msg *msg)
{
	(void)w;
	switch (msg->hdr.type) {
	case IPC_STRAY_PROC:
		move_stray(&msg->u.stray_proc);
		return true;
	case IPC_SCAN_USERS:
		if (usage_users)
			usage_users(&msg->u.scan_users);
		return true;
	case IPC_SCAN_DONE:
		if (usage_done)
			usage_done(&msg->u.scan_done);
		return true;
	case IPC_SUBUID_RANGES:
		return subuid_ranges(&msg->u.subuid_ranges);
	default:
		return false;
	}
}

static const struct worker_class scanner_class = {
    .role = ROLE_SCANNER,
    .exe = "cgfair-scanner",
    .count = 1,
    .on_start = scanner_started,
    .on_message = scanner_message,
};

void placement_add_workers(void)
{
	workers_add_class(&scanner_class);
}

void placement_reconfigure(const struct placement_params *p)
{
	struct worker *w = worker_get(ROLE_SCANNER, 0);

	set_params(p);
	if (w && worker_pid(w) > 0)
		send_setup(w);
}

void placement_set_usage_handler(
    void (*on_users)(const struct ipc_scan_users *),
    void (*on_done)(const struct ipc_scan_done *))
{
	usage_users = on_users;
	usage_done = on_done;
}

int placement_request_scan(uint64_t cycle, uint64_t quiet_usec)
{
	struct ipc_scan_request r = {.cycle = cycle, .quiet_usec = quiet_usec};
	return worker_tell(worker_get(ROLE_SCANNER, 0), IPC_SCAN_REQUEST, &r,
			   sizeof(r), NULL, 0);
}

int placement_request_sweep(void)
{
	return tell_sweep(worker_get(ROLE_SCANNER, 0));
}
