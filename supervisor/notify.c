/* cgfair-notify's supervisor side; see notify.h. */
#include "supervisor/notify.h"
#include "supervisor/desktop.h"
#include "supervisor/notify_plot.h"
#include "supervisor/conf.h"
#include "supervisor/events.h"
#include "supervisor/users.h"
#include "supervisor/workers.h"
#include "common/log.h"
#include "policy/overrides.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct ipc_notify_setup cfg;
static bool registered;
/* mail ([notify] relay) as at the start: the worker then starts with
 * --network, which loads libcurl and lets it reach the relay */
static bool mail_on;

static void send_setup(struct worker *w)
{
	worker_tell(w, IPC_NOTIFY_SETUP, &cfg, sizeof(cfg), NULL, 0);
}

/* Its one request: a desktop notice, checked in desktop.c (ipc.c has
 * bounded its strings and urgency). */
static bool on_message(struct worker *w, struct ipc_msg *msg)
{
	(void)w;
	if (msg->hdr.type != IPC_DESKTOP_NOTICE ||
	    !(cfg.flags & NOTIFY_F_DESKTOP))
		return false;
	sd_event *e = NULL;
	if (sd_event_default(&e) >= 0) /* the loop's, one more reference */
		desktop_notice(e, &msg->u.desktop_notice);
	sd_event_unref(e);
	return true;
}

static const struct worker_class notify_class = {
    .role = ROLE_NOTIFY,
    .exe = "cgfair-notify",
    .chroot = false,
    .network = &mail_on,
    .count = 1,
    .on_start = send_setup,
    .on_message = on_message,
};

static uint32_t kind_of(enum event_type type)
{
	switch (type) {
	case EVENT_OOM:
		return NOTIFY_OOM;
	case EVENT_THROTTLE_END:
		return NOTIFY_THROTTLE;
	case EVENT_PENALTY_ON:
		return NOTIFY_PENALTY_ON;
	case EVENT_PENALTY_OFF:
		return NOTIFY_PENALTY_OFF;
	default:
		return 0;
	}
}

/* The user's figures as the supervisor holds them now. */
static void user_figures(struct ipc_notify_event *m)
{
	const struct user *u = user_find(m->uid);
	const struct policy_state *p = u ? &u->pol : NULL;

	m->cap_permille = -1;
	if (u && u->name[0])
		snprintf(m->user, sizeof(m->user), "%s", u->name);
	else
		snprintf(m->user, sizeof(m->user), "%u", m->uid);
	/* users.d's email = (checked as an address when the config was
	 * read), else the worker writes NAME@user_domain */
	struct policy_ident who = {.id = m->uid, .name = u ? u->name : NULL};
	const char *email = policy_user_email(conf(), &who);
	if (email)
		snprintf(m->email, sizeof(m->email), "%s", email);
	if (!p)
		return;
	m->mem_usage = u->mem_bytes;
	if (p->has_mem && p->mem_limit != CONFIG_UNLIMITED)
		m->mem_limit = p->mem_limit;
	if (p->has_cap && isfinite(p->cap))
		m->cap_permille = llround(p->cap * 1000);
}

static void on_event(enum event_type type, const char *json,
		     const struct event_fields *f, void *arg)
{
	struct ipc_notify_event m;
	uint32_t kind = kind_of(type);
	(void)json;
	(void)arg;

	if (!kind || f->uid == 0 || !(cfg.kinds & (1u << kind)))
		return;
	memset(&m, 0, sizeof(m));
	m.kind = kind;
	m.uid = f->uid;
	m.time = time(NULL);
	user_figures(&m);
	m.pid = f->pid > 0 ? (uint32_t)f->pid : 0;
	m.rss_kb = f->rss_kb;
	if (f->comm)
		snprintf(m.comm, sizeof(m.comm), "%s", f->comm);
	if (f->reason)
		snprintf(m.reason, sizeof(m.reason), "%s", f->reason);
	if (f->note)
		snprintf(m.note, sizeof(m.note), "%s", f->note);
	m.until = f->until;
	if (type == EVENT_THROTTLE_END) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		m.start = f->start;
		m.time = f->end;
		m.cap_permille = f->cpu_new;
		m.cpu_permille = (uint64_t)llround(f->cpu_percent * 10 *
						   (ncpu > 0 ? ncpu : 1));
	}
	/* the OOM mail carries the user's last hour when [history] is on */
	if (kind == NOTIFY_OOM && (cfg.flags & NOTIFY_F_MAIL) &&
	    notify_plot_ask(&m))
		return;
	worker_tell(worker_get(ROLE_NOTIFY, 0), IPC_NOTIFY_EVENT, &m, sizeof(m),
		    NULL, 0);
}

bool notify_wanted(const struct ipc_notify_setup *s)
{
	return s->kinds != 0 &&
	       (s->flags &
		(NOTIFY_F_MAIL | NOTIFY_F_TERMINALS | NOTIFY_F_DESKTOP));
}

void notify_register(const struct ipc_notify_setup *s)
{
	cfg = *s;
	if (!notify_wanted(s))
		return;
	mail_on = s->flags & NOTIFY_F_MAIL;
	workers_add_class(&notify_class);
	if (events_add_sink(on_event, NULL) < 0)
		fatalx(EXIT_FATAL, "no room for the notices' event sink");
	registered = true;
	if (s->flags & NOTIFY_F_MAIL)
		log_info("notify: mail through %s", s->relay);
}

bool notify_mail(void)
{
	return registered && mail_on;
}

void notify_reconfigure(const struct ipc_notify_setup *s)
{
	struct worker *w;

	if (!registered) {
		if (notify_wanted(s))
			log_warnx("[notify]: notices stay off until cgfaird "
				  "restarts");
		return;
	}
	struct ipc_notify_setup old = cfg;
	cfg = *s;
	/* mail on or off is the worker's sandbox, made at its start */
	if (!(cfg.flags & NOTIFY_F_MAIL) != !mail_on) {
		log_warnx("[notify] relay: mail stays %s until cgfaird "
			  "restarts",
			  mail_on ? "on, through the relay it had" : "off");
		cfg.flags =
		    (cfg.flags & ~NOTIFY_F_MAIL) | (old.flags & NOTIFY_F_MAIL);
		memcpy(cfg.relay, old.relay, sizeof(cfg.relay));
	}
	w = worker_get(ROLE_NOTIFY, 0);
	if (w && worker_pid(w) > 0)
		send_setup(w);
}
