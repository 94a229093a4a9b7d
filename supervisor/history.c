/* The usage history's supervisor side; see history.h. */
#include "supervisor/history.h"
#include "supervisor/fleet.h"
#include "supervisor/frontend.h"
#include "supervisor/notify_plot.h"
#include "supervisor/workers.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/acl.h>
#include <sys/stat.h>

/* Reports in flight (the frontend waits for each); more are refused. */
#define PENDING_MAX 8
/* chunks of one answer: the frontend assembles 1 MiB at most */
#define CHUNKS_MAX (1024 * 1024 / 1023 + 2)

static struct history_settings cfg;
static char dir[CONFIG_PATH_MAX + 16];
static struct {
	uint32_t id;
	uint32_t chunks;
	bool used;
} pending[PENDING_MAX];

/* An answer to the frontend, for request id (the recorder's own, or ours
 * when the recorder is gone). */
static void to_frontend(const struct ipc_client_reply *rep)
{
	struct worker *fe = worker_get(ROLE_FRONTEND, 0);

	if (fe && worker_pid(fe) > 0)
		worker_tell(fe, IPC_CLIENT_REPLY, rep, sizeof(*rep), NULL, 0);
}

static void fail_pending(const char *why)
{
	for (size_t i = 0; i < PENDING_MAX; i++) {
		struct ipc_client_reply rep = {.id = pending[i].id,
					       .status = EIO};
		if (!pending[i].used)
			continue;
		snprintf(rep.message, sizeof(rep.message), "%s", why);
		to_frontend(&rep);
		pending[i].used = false;
	}
}

static void send_setup(struct worker *w)
{
	struct ipc_history_setup s = {.keep_minutes = cfg.keep_minutes};

	worker_tell(w, IPC_HISTORY_SETUP, &s, sizeof(s), NULL, 0);
}

static void on_start(struct worker *w)
{
	fail_pending("the recorder restarted: ask again");
	send_setup(w);
	fleet_on_start(w);
	frontend_resend_rows(ROLE_RECORDER);
}

/* A chunk of an answer: forwarded only for a report in flight, and no
 * more of them than an answer may have. */
static bool on_message(struct worker *w, struct ipc_msg *msg)
{
	const struct ipc_client_reply *rep = &msg->u.client_reply;
	(void)w;

	if (msg->hdr.type == IPC_PLOT_CHUNK)
		return notify_plot_piece(&msg->u.plot_chunk);
	if (msg->hdr.type != IPC_REPORT_REPLY)
		return fleet_on_message(msg);
	for (size_t i = 0; i < PENDING_MAX; i++) {
		if (!pending[i].used || pending[i].id != rep->id)
			continue;
		if (++pending[i].chunks > CHUNKS_MAX)
			return false;
		if (!(rep->flags & REPLY_MORE))
			pending[i].used = false;
		to_frontend(rep);
		return true;
	}
	log_warnx("the recorder answered report %u, which nobody asked for",
		  rep->id);
	return false;
}

/* fleet mode: the recorder may make its TCP sockets */
static bool network;

static const struct worker_class recorder_class = {
    .role = ROLE_RECORDER,
    .exe = "cgfair-recorder",
    .chroot = true,
    .chroot_dir = dir,
    .network = &network,
    .count = 1,
    .on_start = on_start,
    .on_message = on_message,
};

static int report(const struct ipc_report_request *rq, char *msg, size_t len)
{
	struct worker *w = worker_get(ROLE_RECORDER, 0);

	if (!w || worker_pid(w) <= 0) {
		snprintf(msg, len, "the recorder is not running: try again");
		return EAGAIN;
	}
	for (size_t i = 0; i < PENDING_MAX; i++) {
		if (pending[i].used)
			continue;
		if (worker_tell(w, IPC_REPORT_QUERY, rq, sizeof(*rq), NULL, 0) <
		    0) {
			snprintf(msg, len,
				 "the recorder is restarting: try "
				 "again");
			return EAGAIN;
		}
		pending[i].id = rq->id;
		pending[i].chunks = 0;
		pending[i].used = true;
		return 0;
	}
	snprintf(msg, len, "too many reports at once: try again");
	return EBUSY;
}

/* The workers' user may enter and write the directory through an ACL:
 * it stays root's (cgfaird has no CAP_CHOWN under its unit), mode 0700
 * for everyone else. */
static int grant(int fd)
{
	struct passwd *pw = getpwnam(cfg.worker_user);
	char text[128];
	acl_t acl;
	int r;

	if (!pw) {
		log_warnx("history: no user %s", cfg.worker_user);
		return -1;
	}
	snprintf(text, sizeof(text), "u::rwx,u:%u:rwx,g::---,m::rwx,o::---",
		 (unsigned)pw->pw_uid);
	acl = acl_from_text(text);
	if (!acl)
		return -1;
	r = acl_set_fd(fd, acl);
	acl_free(acl);
	if (r < 0)
		log_warn("history: ACL on %s", dir);
	return r;
}

/* <state_dir>/history: a directory of root's, not a link. */
static int make_dir(void)
{
	struct stat st;
	int fd, r = -1;

	snprintf(dir, sizeof(dir), "%s/history", cfg.state_dir);
	if (mkdir(cfg.state_dir, 0700) < 0 && errno != EEXIST)
		log_warn("history: mkdir %s", cfg.state_dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		log_warn("history: mkdir %s", dir);
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		log_warn("history: %s", dir);
		return -1;
	}
	if (fstat(fd, &st) == 0 && st.st_uid == 0)
		r = grant(fd);
	else
		log_warnx("history: %s is not root's", dir);
	close(fd);
	return r;
}

void history_register(const struct history_settings *s)
{
	cfg = *s;
	if (!cfg.enable)
		return;
	if (make_dir() < 0) {
		log_warnx("history: running without the usage history");
		return;
	}
	log_info("history: recording to %s/history.db, kept %llu days", dir,
		 (unsigned long long)cfg.keep_minutes / 1440);
	network = fleet_enabled();
	workers_add_class(&recorder_class);
	frontend_add_row_consumer(ROLE_RECORDER);
	frontend_set_report_hook(report);
}

void history_reconfigure(const struct history_settings *s)
{
	struct worker *w = worker_get(ROLE_RECORDER, 0);

	if (s->enable != cfg.enable || strcmp(s->state_dir, cfg.state_dir))
		log_warnx("[history] enable and [daemon] state_dir change at "
			  "the next start");
	cfg.keep_minutes = s->keep_minutes;
	if (w && worker_pid(w) > 0)
		send_setup(w);
}
