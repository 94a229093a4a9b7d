/*
 * How many records one user's doings may write: a user OOM-killing itself
 * in a loop, or a throttle flapping, must not flood events.log, the
 * journal and the subscribers. Per user and window of EVENT_WINDOW_USEC,
 * the first [log] max_user_events records go out; the rest are counted per
 * type and, when the window ends, said in one EVENT_SUPPRESSED record per
 * user and type. Only the records are bounded: every kill is still
 * counted (the OOM marks, `cgfairctl status`).
 *
 * Not bounded: records without a user (worker restarts, reloads) and
 * admin actions, which come from root and admin_group.
 */
#include "supervisor/event_limit.h"
#include "supervisor/users.h"
#include "common/clock.h"
#include "common/log.h"

#include <stdio.h>
#include <stdlib.h>

static sd_event *event;
static event_emit_fn *emit;
static sd_event_source *timer;
static uint64_t budget = EVENT_USER_BUDGET;
static uint64_t window = EVENT_WINDOW_USEC;

static bool bounded(enum event_type type, uid_t uid)
{
	return uid != 0 && type != EVENT_ADMIN_ACTION &&
	       type != EVENT_SUPPRESSED && type < EVENT_TYPE_COUNT;
}

static void summarise(struct user *u, void *arg)
{
	uint64_t now = *(uint64_t *)arg;

	if (!u->ev_dropped || now - u->ev_window < window)
		return; /* none, or its window is still open */
	for (int t = 0; t < EVENT_TYPE_COUNT; t++) {
		if (!u->ev_dropped[t])
			continue;
		struct event_fields f = {.uid = u->uid,
					 .suppressed = u->ev_dropped[t],
					 .suppressed_type = (enum event_type)t,
					 .window_s = window / 1000000};
		u->ev_dropped[t] = 0;
		emit(EVENT_SUPPRESSED, &f);
	}
	free(u->ev_dropped);
	u->ev_dropped = NULL;
}

static void arm_timer(void);

static int on_timer(sd_event_source *s, uint64_t usec, void *data)
{
	uint64_t now = clock_loop_usec(event);
	(void)s;
	(void)usec;
	(void)data;

	timer = sd_event_source_disable_unref(timer);
	users_foreach(summarise, &now);
	arm_timer();
	return 0;
}

static void any_left(struct user *u, void *arg)
{
	*(bool *)arg |= u->ev_dropped != NULL;
}

/* Once a second while some user has drops to tell: a summary goes out
 * within a second of its window's end. */
static void arm_timer(void)
{
	bool any = false;

	if (timer || !event)
		return;
	users_foreach(any_left, &any);
	if (any && sd_event_add_time_relative(event, &timer, CLOCK_MONOTONIC,
					      1000 * 1000, 100 * 1000, on_timer,
					      NULL) < 0)
		log_warnx("cannot schedule the suppressed-events summary");
}

bool event_limit_admit(enum event_type type, uid_t uid)
{
	struct user *u;
	uint64_t now;

	if (!bounded(type, uid) || !(u = user_find(uid)))
		return true;
	now = clock_loop_usec(event);
	if (now - u->ev_window >= window) {
		summarise(u, &now);
		u->ev_window = now;
		u->ev_sent = 0;
	}
	if (u->ev_sent < budget) {
		u->ev_sent++;
		return true;
	}
	if (!u->ev_dropped &&
	    !(u->ev_dropped = calloc(EVENT_TYPE_COUNT, sizeof(*u->ev_dropped))))
		fatal(EXIT_FATAL, "calloc");
	u->ev_dropped[type]++;
	arm_timer();
	return false;
}

/* A user going away tells its drops now: nobody else will. */
static void user_hook_fn(struct user *u, bool added)
{
	uint64_t end = u->ev_window + window;

	if (!added)
		summarise(u, &end);
}

void event_limit_configure(sd_event *e, event_emit_fn *emit_fn, uint64_t n,
			   uint64_t window_usec)
{
	static bool hooked;

	event = e;
	emit = emit_fn;
	if (!hooked)
		users_add_hook(user_hook_fn);
	hooked = true;
	budget = n;
	window = window_usec ? window_usec : EVENT_WINDOW_USEC;
}
