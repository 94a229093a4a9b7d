/*
 * cgfair-notify: tells users and admins what cgfair did ([notify]). The
 * supervisor sends each event (IPC_NOTIFY_EVENT) with the figures it
 * knows; this worker applies the rate limit, words the message from the
 * admin's template or the built-in one, and delivers it: by mail through
 * the relay (mail.c) and to the user's terminals (tty.c); a desktop notice
 * it hands back to the supervisor (IPC_DESKTOP_NOTICE), which runs
 * cgfair-desktop-notify as the user. It decides nothing about users and
 * the supervisor never waits for it.
 *
 * Sandbox: user cgfair with group tty (terminals that accept messages are
 * group-writable by tty, as for write(1)); not chrooted (it reads the
 * templates, logind's session files, utmp); seccomp allows opening files
 * read-only, or write-only without creating (a terminal: RLIMIT_FSIZE 0
 * keeps it off regular files), and TCP sockets (the relay; under systemd
 * IPAddressAllow= names it).
 */
#include "workers/notify/limit.h"
#include "workers/notify/curl_lib.h"
#include "workers/notify/mail.h"
#include "workers/notify/text.h"
#include "workers/notify/tty.h"
#include "workers/skeleton.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#define TEMPLATE_MAX 8192 /* bytes of an admin's template file */

static struct ipc_notify_setup setup;
static bool have_setup;
static struct notify_limit limit;
/* the PNG the supervisor sent for the next event (IPC_NOTIFY_PLOT) */
static uint8_t plot[IPC_PLOT_MAX];
static size_t plot_have;
#define PLOT_TEXT                                                              \
	"Attached (usage.png): CPU use (above) and memory (below) over the\n"  \
	"hour up to the kill, a point a minute.\n"

static const char *kind_name(uint32_t kind)
{
	static const char *const names[] = {
	    [NOTIFY_OOM] = "oom",
	    [NOTIFY_THROTTLE] = "throttle",
	    [NOTIFY_PENALTY_ON] = "penalty-on",
	    [NOTIFY_PENALTY_OFF] = "penalty-off",
	};
	return names[kind];
}

static int64_t mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* The admin's template, read whole (it is theirs: root's directory), or
 * the built-in one. */
static const char *template(const char *kind, const char *who, char *buf,
			    size_t size)
{
	char path[IPC_PATH_MAX + 64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s-%s.txt", setup.templates, kind,
		 who);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT)
			log_warn("template %s", path);
		return notify_builtin(kind, who);
	}
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return notify_builtin(kind, who);
	buf[n] = '\0';
	return buf;
}

static void fmt_bytes(uint64_t b, char *buf, size_t len)
{
	if (b == 0)
		snprintf(buf, len, "no limit");
	else if (b >= 1ULL << 30)
		snprintf(buf, len, "%.1f GiB", (double)b / (1ULL << 30));
	else
		snprintf(buf, len, "%.0f MiB", (double)b / (1ULL << 20));
}

static void fmt_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0) {
		snprintf(buf, len, "(no end)");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void fmt_cpus(int64_t permille, char *buf, size_t len)
{
	if (permille < 0)
		snprintf(buf, len, "no cap");
	else
		snprintf(buf, len, "%.2f CPUs", (double)permille / 1000);
}

/* Every placeholder's text for one event. */
struct fields {
	char uid[16], pid[16], rss[32], limit[32], usage[32], cap[32], cpu[32],
	    time[40], until[40], duration[32], held[160];
	struct notify_var var[18];
};

/* {note}: the admin's reason for a penalty; the automatic box's own when
 * it gave the penalty. */
static const char *note_text(const struct ipc_notify_event *e)
{
	if (e->note[0])
		return e->note;
	if (strcmp(e->reason, "badness") == 0)
		return "your sustained heavy use of the node (the automatic "
		       "penalty box)";
	return "(none given)";
}

static void make_fields(const struct ipc_notify_event *e, uint32_t held,
			struct fields *f)
{
	snprintf(f->uid, sizeof(f->uid), "%u", e->uid);
	snprintf(f->pid, sizeof(f->pid), e->pid ? "%u" : "(unknown)", e->pid);
	fmt_bytes(e->rss_kb * 1024, f->rss, sizeof(f->rss));
	fmt_bytes(e->mem_limit, f->limit, sizeof(f->limit));
	fmt_bytes(e->mem_usage, f->usage, sizeof(f->usage));
	if (!e->mem_usage)
		snprintf(f->usage, sizeof(f->usage), "none");
	fmt_cpus(e->cap_permille, f->cap, sizeof(f->cap));
	fmt_cpus((int64_t)e->cpu_permille, f->cpu, sizeof(f->cpu));
	fmt_time(e->kind == NOTIFY_THROTTLE ? e->start : e->time, f->time,
		 sizeof(f->time));
	fmt_time(e->until, f->until, sizeof(f->until));
	snprintf(f->duration, sizeof(f->duration), "%lld s",
		 (long long)(e->time - e->start));
	f->held[0] = '\0';
	if (held)
		snprintf(f->held, sizeof(f->held),
			 "%u more of these since the last message were held "
			 "back (one message per %llu s at most).",
			 held, (unsigned long long)setup.rate_limit_s);
	struct notify_var v[] = {
	    {"user", e->user},
	    {"uid", f->uid},
	    {"node", setup.node},
	    {"system", setup.system_name},
	    {"time", f->time},
	    {"pid", f->pid},
	    {"command", e->comm[0] ? e->comm : "(unknown)"},
	    {"rss", e->rss_kb ? f->rss : "(unknown)"},
	    {"limit", f->limit},
	    {"usage", f->usage},
	    {"cap", f->cap},
	    {"cpu", f->cpu},
	    {"duration", f->duration},
	    {"until", f->until},
	    {"reason", e->reason[0] ? e->reason : "(none given)"},
	    {"note", note_text(e)},
	    {"held", f->held},
	    {"plot", e->plot_len && plot_have == e->plot_len ? PLOT_TEXT : ""},
	};
	memcpy(f->var, v, sizeof(v));
}

/* The notice for the user's session bus: the supervisor checks it and
 * runs the helper as the user (this worker cannot change uid). */
static void desktop(const struct ipc_notify_event *e, const char *subject,
		    const char *body)
{
	struct ipc_desktop_notice d;

	memset(&d, 0, sizeof(d));
	d.uid = e->uid;
	d.urgency = e->kind == NOTIFY_OOM ? DESKTOP_URGENCY_CRITICAL : 1;
	snprintf(d.summary, sizeof(d.summary), "%s", subject);
	snprintf(d.body, sizeof(d.body), "%s", body);
	skeleton_send(IPC_DESKTOP_NOTICE, &d, sizeof(d), NULL, 0);
}

/* Word one message for who ("user", "admin") and deliver it. */
static void deliver(const struct ipc_notify_event *e, const struct fields *f,
		    const char *who, const char *to, bool user)
{
	static char buf[TEMPLATE_MAX], text[NOTIFY_TEXT_MAX];
	const char *kind = kind_name(e->kind), *subject, *body;
	const char *tmpl = template(kind, who, buf, sizeof(buf));

	if (!tmpl)
		return;
	notify_render(text, sizeof(text), tmpl, f->var,
		      sizeof(f->var) / sizeof(f->var[0]));
	if (!notify_split(text, &subject, &body)) {
		log_warnx("template %s-%s: no \"Subject: \" line followed by "
			  "an empty line; nothing sent",
			  kind, who);
		return;
	}
	if (user && (setup.flags & NOTIFY_F_TERMINALS))
		tty_notify(e->uid, e->user, setup.node, subject, body);
	if (user && (setup.flags & NOTIFY_F_DESKTOP))
		desktop(e, subject, body);
	if (to)
		mail_queue(to, subject, body,
			   e->plot_len && plot_have == e->plot_len ? plot
								   : NULL,
			   plot_have);
}

static void on_event(const struct ipc_notify_event *e)
{
	struct fields f;
	uint32_t held = 0;
	int64_t since = 0;
	char to[IPC_MAIL_MAX + IPC_NAME_MAX];
	bool mail = setup.flags & NOTIFY_F_MAIL;

	if (!have_setup || !(setup.kinds & (1u << e->kind)))
		goto done;
	if (!notify_limit_admit(&limit, e->uid, e->kind, mono_s(),
				(int64_t)setup.rate_limit_s, &held, &since)) {
		log_debug("uid %u %s: held back (rate limit)", e->uid,
			  kind_name(e->kind));
		goto done;
	}
	make_fields(e, held, &f);
	if (e->email[0]) /* users.d's email = */
		snprintf(to, sizeof(to), "%s", e->email);
	else
		snprintf(to, sizeof(to), "%s@%s", e->user, setup.user_domain);
	deliver(e, &f, "user", mail ? to : NULL, true);
	if (mail && setup.admin[0])
		deliver(e, &f, "admin", setup.admin, false);
done:
	plot_have = 0; /* the plot was this event's */
}

/* A piece of the next event's PNG, in order from offset 0 (ipc.c bounds
 * offset and length to IPC_PLOT_MAX); a gap spoils the whole. */
static void on_plot(const struct ipc_plot_chunk *c)
{
	if (c->offset == 0)
		plot_have = 0;
	if (c->offset != plot_have) {
		plot_have = SIZE_MAX; /* matches no plot_len */
		return;
	}
	memcpy(plot + plot_have, c->data, c->len);
	plot_have += c->len;
}

static void on_setup(const struct ipc_notify_setup *s)
{
	struct mail_settings m = {.give_up_s = s->give_up_s,
				  .retry_max_s = s->retry_max_s};

	setup = *s;
	have_setup = true;
	/* the URL's path is the EHLO name: else libcurl asks uname() */
	snprintf(m.url, sizeof(m.url), "smtp://%s/%s", s->relay, s->node);
	snprintf(m.from, sizeof(m.from), "%s", s->from);
	mail_configure(&m);
}

static void allow_socket(scmp_filter_ctx ctx)
{
	static const int families[] = {AF_INET, AF_INET6};
	const scmp_datum_t flags = SOCK_NONBLOCK | SOCK_CLOEXEC;

	/* TCP sockets for the relay, with protocol IPPROTO_TCP as libcurl
	 * asks (the sandbox test's socket(AF_INET, SOCK_STREAM, 0) is
	 * killed); which address they reach is the unit's IPAddressAllow= */
	for (size_t i = 0; i < 2; i++)
		if (seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 3,
			SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)families[i]),
			SCMP_A1(SCMP_CMP_MASKED_EQ, ~flags, SOCK_STREAM),
			SCMP_A2(SCMP_CMP_EQ, IPPROTO_TCP)) < 0)
			fatalx(EXIT_SANDBOX, "seccomp: socket rule");
}

static void notify_allow(scmp_filter_ctx ctx)
{
	/* the templates, logind's files, utmp */
	sandbox_allow_open_readonly(ctx);
	/* a terminal: write-only, never created (no O_CREAT) */
	const scmp_datum_t tty = O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
			     SCMP_A2(SCMP_CMP_EQ, tty)) < 0)
		fatalx(EXIT_SANDBOX, "seccomp: terminal open rule");
	sandbox_allow(ctx, SCMP_SYS(ioctl)); /* isatty: TCGETS */
	if (!skeleton_network)
		return; /* no mail: no libcurl, no socket */
	allow_socket(ctx);
	/* libcurl's connection to the relay */
	sandbox_allow(ctx, SCMP_SYS(connect));
	sandbox_allow(ctx, SCMP_SYS(getsockopt));
	sandbox_allow(ctx, SCMP_SYS(setsockopt));
	sandbox_allow(ctx, SCMP_SYS(getsockname));
	sandbox_allow(ctx, SCMP_SYS(getpeername));
	sandbox_allow(ctx, SCMP_SYS(sendto));
	sandbox_allow(ctx, SCMP_SYS(recvfrom));
	/* and its fcntl(F_SETFL, O_NONBLOCK) is in the common rules */
}

/* Mail only when started with --network ([notify] relay set at
 * cgfaird's start): libcurl is loaded then, here, before the sandbox. */
static void notify_init(sd_event *event)
{
	char err[256];

	if (!skeleton_network)
		return;
	if (curl_lib_load(err, sizeof(err)) < 0) {
		log_warnx("mail off: %s", err);
		return;
	}
	mail_init(event);
}

static bool notify_handle(sd_event *event, struct ipc_msg *msg)
{
	(void)event;
	switch (msg->hdr.type) {
	case IPC_NOTIFY_SETUP:
		on_setup(&msg->u.notify_setup);
		return true;
	case IPC_NOTIFY_EVENT:
		on_event(&msg->u.notify_event);
		return true;
	case IPC_NOTIFY_PLOT:
		on_plot(&msg->u.plot_chunk);
		return true;
	default:
		return false;
	}
}

static const struct skeleton_role notify = {
    .role = ROLE_NOTIFY,
    .name = "cgfair-notify",
    .chroot = false,
    .extra_group = "tty",
    .allow = notify_allow,
    .init = notify_init,
    .handle = notify_handle,
};

int main(int argc, char **argv)
{
	skeleton_main(argc, argv, &notify);
}
