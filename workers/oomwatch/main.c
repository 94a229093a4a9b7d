/*
 * cgfair-oomwatch: one of a pool of watchers that poll the OOM sources the
 * supervisor armed and handed over as fds. Chrooted to an empty directory;
 * it opens no file at all (its seccomp filter has no open).
 *
 * It reports oom_kill counter values, not wake-ups: the kernel signals a
 * v1 eventfd when a cgroup enters OOM (before the kill), once per thread
 * and when the cgroup goes away, and memory.events on any of its counters.
 * A report carries the absolute counter, sent whenever it differs from the
 * last one sent for that arm, and once on every arm, so that the supervisor
 * alone does the arithmetic and a watcher that dies loses nothing.
 *
 * The watcher given /dev/kmsg also reports the victims the kernel names.
 */
#include "workers/skeleton.h"
#include "workers/oomwatch/oomparse.h"
#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Rechecks after the cgroup went out of memory (v1: the eventfd; v2: the
 * "oom" counter), since that is signalled before the kill is counted:
 * every 2 ms for 50 ms, every 25 ms to 0.5 s, every 250 ms to 3 s. */
#define RECHECK_STEPS 53

struct watch {
	uint32_t uid, gen, kind;
	int evfd; /* v1: the eventfd, else -1 */
	int cfd;  /* memory.oom_control (v1) or memory.events (v2) */
	sd_event_source *src, *recheck;
	unsigned step; /* of the recheck schedule */
	uint64_t sent; /* counter last reported */
	bool have_sent;
	uint64_t ooms; /* v2: the "oom" counter last read */
};

static sd_event *loop;
static void *watches;
static int kmsg_fd = -1;
static sd_event_source *kmsg_src;
static struct oom_kmsg_state kmsg_state;

static int cmp_watch(const void *a, const void *b)
{
	uint32_t x = ((const struct watch *)a)->uid;
	uint32_t y = ((const struct watch *)b)->uid;
	return x < y ? -1 : x > y;
}

static struct watch *watch_find(uint32_t uid)
{
	struct watch key = {.uid = uid};
	struct watch **w = tfind(&key, &watches, cmp_watch);
	return w ? *w : NULL;
}

static void watch_free(struct watch *w)
{
	tdelete(w, &watches, cmp_watch);
	sd_event_source_disable_unref(w->src);
	sd_event_source_disable_unref(w->recheck);
	if (w->evfd >= 0)
		close(w->evfd);
	close(w->cfd);
	free(w);
}

/* Stop polling a source that broke (its cgroup was removed: kernfs then
 * reports POLLERR|POLLPRI forever); the supervisor disarms it soon. */
static void watch_stop(struct watch *w, const char *why)
{
	log_debug("uid %u: %s; not polling it any more", w->uid, why);
	w->src = sd_event_source_disable_unref(w->src);
	w->recheck = sd_event_source_disable_unref(w->recheck);
}

/* Read the counter now: 0, or -1 (errno) when the file cannot be read.
 * *oom_moved: v2's "oom" counter (the cgroup hit its limit, the kill is
 * still to come) moved since the last read. */
static int read_counter(struct watch *w, uint64_t *value, bool *oom_moved)
{
	char buf[1024];
	ssize_t n = pread(w->cfd, buf, sizeof(buf), 0);
	uint64_t ooms;

	*oom_moved = false;
	if (n < 0)
		return -1;
	if (oom_parse_counter(buf, (size_t)n, "oom_kill", value) < 0) {
		errno = EBADMSG;
		return -1;
	}
	if (w->kind == OOM_V2_EVENTS &&
	    oom_parse_counter(buf, (size_t)n, "oom", &ooms) == 0) {
		*oom_moved = ooms != w->ooms;
		w->ooms = ooms;
	}
	return 0;
}

static void report(struct watch *w, uint64_t value)
{
	struct ipc_oom_kills m = {.uid = w->uid,
				  .gen = w->gen,
				  .oom_kill = value,
				  .mono_usec = clock_mono_usec()};
	skeleton_send(IPC_OOM_KILLS, &m, sizeof(m), NULL, 0);
	w->sent = value;
	w->have_sent = true;
}

/* Report the counter when it moved; false when it could not be read (the
 * cgroup is gone: ENODEV). */
static bool check(struct watch *w, bool always, bool *oom_moved)
{
	uint64_t value;
	bool moved;

	if (read_counter(w, &value, oom_moved ? oom_moved : &moved) < 0) {
		watch_stop(w, strerror(errno));
		return false;
	}
	if (always || !w->have_sent || value != w->sent)
		report(w, value);
	return true;
}

static uint64_t recheck_delay(unsigned step)
{
	if (step < 25)
		return 2000;
	if (step < 43)
		return 25000;
	return 250000;
}

static int on_recheck(sd_event_source *s, uint64_t usec, void *data)
{
	struct watch *w = data;
	(void)usec;

	if (!check(w, w->kind == OOM_V1_EVENTFD, NULL))
		return 0;
	if (++w->step >= RECHECK_STEPS) {
		sd_event_source_set_enabled(s, SD_EVENT_OFF);
		return 0;
	}
	sd_event_source_set_time_relative(s, recheck_delay(w->step));
	sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

/* (Re)start the recheck schedule from its first, shortest step. */
static void recheck_start(struct watch *w)
{
	w->step = 0;
	if (!w->recheck) {
		if (sd_event_add_time_relative(
			loop, &w->recheck, CLOCK_MONOTONIC, recheck_delay(0),
			500, on_recheck, w) < 0)
			fatalx(EXIT_FATAL, "cannot add a recheck timer");
		return;
	}
	sd_event_source_set_time_relative(w->recheck, recheck_delay(0));
	sd_event_source_set_enabled(w->recheck, SD_EVENT_ONESHOT);
}

static int on_eventfd(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	struct watch *w = data;
	uint64_t ticks;
	(void)s;
	(void)revents;

	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN) {
		watch_stop(w, "eventfd read failed");
		return 0;
	}
	/* v1: reported even unchanged, at every wake and recheck: the
	 * supervisor may count the kill elsewhere (systemd: in the victim's
	 * own cgroup below the slice watched here) and reads it then */
	if (check(w, true, NULL))
		recheck_start(w);
	return 0;
}

static int on_events(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	struct watch *w = data;
	bool oom_moved;
	(void)s;
	(void)fd;
	(void)revents; /* kernfs sets POLLERR with every change */

	/* the pread in check() also re-arms POLLPRI; memory.high and the
	 * like wake us too, so the rechecks run only when the cgroup went
	 * out of memory and its kill may not be counted yet */
	if (check(w, false, &oom_moved) && oom_moved)
		recheck_start(w);
	return 0;
}

static bool arm_fds_ok(const struct ipc_msg *msg)
{
	if (msg->u.oom_arm.kind == OOM_V1_EVENTFD)
		return msg->nfds == 2;
	return msg->nfds == 1;
}

static int add_source(struct watch *w)
{
	if (w->kind == OOM_V1_EVENTFD) {
		fcntl(w->evfd, F_SETFL, O_NONBLOCK);
		return sd_event_add_io(loop, &w->src, w->evfd, EPOLLIN,
				       on_eventfd, w);
	}
	return sd_event_add_io(loop, &w->src, w->cfd, EPOLLPRI, on_events, w);
}

static bool handle_arm(struct ipc_msg *msg)
{
	const struct ipc_oom_arm *a = &msg->u.oom_arm;
	struct watch *w = watch_find(a->uid);

	if (!arm_fds_ok(msg))
		return false;
	if (w)
		watch_free(w); /* re-armed: new fds replace the old */
	w = calloc(1, sizeof(*w));
	if (!w)
		fatal(EXIT_FATAL, "calloc");
	w->uid = a->uid;
	w->gen = a->gen;
	w->kind = a->kind;
	w->evfd = a->kind == OOM_V1_EVENTFD ? msg->fds[0] : -1;
	w->cfd = a->kind == OOM_V1_EVENTFD ? msg->fds[1] : msg->fds[0];
	msg->nfds = 0; /* ours now */
	if (!tsearch(w, &watches, cmp_watch))
		fatal(EXIT_FATAL, "tsearch");
	if (add_source(w) < 0)
		fatalx(EXIT_FATAL, "cannot poll the OOM source of uid %u",
		       w->uid);
	check(w, true, NULL);
	return true;
}

static bool handle_disarm(const struct ipc_msg *msg)
{
	struct watch *w = watch_find(msg->u.oom_disarm.uid);
	if (w)
		watch_free(w);
	return true;
}

/* --- /dev/kmsg: victim detail -------------------------------------------- */

static void kmsg_record(const char *buf, size_t n)
{
	struct kmsg_record r;
	struct ipc_oom_victim v;

	if (kmsg_split(buf, n, &r) < 0)
		return;
	if (!oom_kmsg_feed(&kmsg_state, &r, &v))
		return;
	v.mono_usec = clock_mono_usec();
	skeleton_send(IPC_OOM_VICTIM, &v, sizeof(v), NULL, 0);
}

static int on_kmsg(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	/* one record per read; records with their fields fit in 8 KiB */
	static char buf[8192];
	(void)s;
	(void)revents;
	(void)data;

	/* bounded, so that a flood of kernel lines cannot starve the loop */
	for (int i = 0; i < 512; i++) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			kmsg_record(buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EPIPE) { /* overwritten before we read */
			log_warnx("kernel log overrun: some lines were lost");
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		log_warn("reading /dev/kmsg; no victim detail from now on");
		kmsg_src = sd_event_source_disable_unref(kmsg_src);
		return 0;
	}
	return 0;
}

static bool handle_kmsg(struct ipc_msg *msg)
{
	kmsg_src = sd_event_source_disable_unref(kmsg_src);
	if (kmsg_fd >= 0)
		close(kmsg_fd);
	kmsg_fd = msg->fds[0];
	msg->nfds = 0;
	memset(&kmsg_state, 0, sizeof(kmsg_state));
	fcntl(kmsg_fd, F_SETFL, O_NONBLOCK);
	if (sd_event_add_io(loop, &kmsg_src, kmsg_fd, EPOLLIN, on_kmsg, NULL) <
	    0)
		fatalx(EXIT_FATAL, "cannot poll /dev/kmsg");
	log_debug("reading the kernel log for OOM victims");
	return true;
}

static bool oomwatch_handle(sd_event *event, struct ipc_msg *msg)
{
	(void)event;
	switch (msg->hdr.type) {
	case IPC_OOM_ARM:
		return handle_arm(msg);
	case IPC_OOM_DISARM:
		return handle_disarm(msg);
	case IPC_KMSG:
		return handle_kmsg(msg);
	default:
		return false;
	}
}

static void oomwatch_init(sd_event *event)
{
	loop = event;
}

static void oomwatch_allow(scmp_filter_ctx ctx)
{
	sandbox_allow(ctx, SCMP_SYS(pread64)); /* re-read the counters */
}

static const struct skeleton_role oomwatch = {
    .role = ROLE_OOMWATCH,
    .name = "cgfair-oomwatch",
    .chroot = true,
    .allow = oomwatch_allow,
    .init = oomwatch_init,
    .handle = oomwatch_handle,
};

int main(int argc, char **argv)
{
	skeleton_main(argc, argv, &oomwatch);
}
