/*
 * Audit records through libaudit. The kernel stamps each one with the
 * sender's own pid, uid, auid and ses: cgfaird's (auid unset when systemd
 * started it). The client who asked is therefore named in the message, by
 * the facts the supervisor read from the kernel (actor.c): client-uid,
 * client-auid, client-ses, client-pid and client-exe, beside op=, the
 * target (acct= name, id= uid) and the old-/new- values.
 */
#include "supervisor/audit.h"
#include "common/log.h"

#include <errno.h>
#include <inttypes.h>
#include <libaudit.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int audit_fd = -1;
static bool enabled, failing;

void audit_init(bool on)
{
	enabled = on;
	audit_fd = audit_open();
	if (audit_fd < 0) {
		log_warn("no audit in this kernel: audit records are off");
		return;
	}
	/* AUDIT_GET needs CAP_AUDIT_CONTROL, which we hold only now */
	if (on && audit_is_enabled(audit_fd) == 0)
		log_warnx("kernel audit is disabled (no auditd?): audit "
			  "records are off until it is enabled");
	if (!on)
		log_info("audit records are off ([audit] enabled = no)");
}

void audit_configure(bool on)
{
	if (on != enabled)
		log_info("audit records %s", on ? "on"
						: "off ([audit] "
						  "enabled = no)");
	enabled = on;
}

/* " name=value" with libaudit's encoding (quoted, or hex when the value
 * has spaces, quotes or controls). */
static void add_encoded(FILE *f, const char *name, const char *value)
{
	char *s = audit_encode_nv_string(name, value, 0);

	if (s)
		fprintf(f, " %s", s);
	else
		fprintf(f, " %s=?", name);
	free(s);
}

static void add_cap(FILE *f, const char *name, int64_t permille)
{
	if (permille < 0)
		fprintf(f, " %s=none", name);
	else
		fprintf(f, " %s=%.2f", name, (double)permille / 1000.0);
}

static void add_mem(FILE *f, const char *name, uint64_t bytes)
{
	if (bytes == UINT64_MAX)
		fprintf(f, " %s=none", name);
	else
		fprintf(f, " %s=%" PRIu64, name, bytes);
}

/* An admin's max_tasks, memory.high or I/O weight (struct change). */
static void add_fixed(FILE *f, const char *name, int64_t v)
{
	if (v == CHANGE_NONE)
		fprintf(f, " %s=none", name);
	else if (v == CHANGE_NO_LIMIT)
		fprintf(f, " %s=max", name);
	else
		fprintf(f, " %s=%" PRId64, name, v);
}

static void add_change(FILE *f, const struct change *ch)
{
	if (ch->cpu) {
		add_cap(f, "old-cpu", ch->cpu_old);
		add_cap(f, "new-cpu", ch->cpu_new);
	}
	if (ch->mem) {
		add_mem(f, "old-mem", ch->mem_old);
		add_mem(f, "new-mem", ch->mem_new);
	}
	if (ch->penalty)
		fprintf(f, " old-penalty=%" PRId64 " new-penalty=%" PRId64,
			ch->penalty_old, ch->penalty_new);
	if (ch->tasks) {
		add_fixed(f, "old-tasks", ch->tasks_old);
		add_fixed(f, "new-tasks", ch->tasks_new);
	}
	if (ch->high) {
		add_fixed(f, "old-mem-high", ch->high_old);
		add_fixed(f, "new-mem-high", ch->high_new);
	}
	if (ch->io) {
		add_fixed(f, "old-io-weight", ch->io_old);
		add_fixed(f, "new-io-weight", ch->io_new);
	}
}

static void add_actor(FILE *f, const struct actor *a)
{
	fprintf(f, " client-uid=%u client-pid=%d", (unsigned)a->uid,
		(int)a->pid);
	if (!a->known) {
		fprintf(f, " client-auid=? client-ses=? client-exe=?");
		return;
	}
	fprintf(f, " client-auid=%u client-ses=%u", a->auid, a->ses);
	if (a->exe[0])
		add_encoded(f, "client-exe", a->exe);
	else
		fprintf(f, " client-exe=?");
}

char *audit_format(const char *op, uid_t target, const struct actor *who,
		   const struct change *ch)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	fputs("op=", f);
	for (; *op; op++) /* one word: "set option" is set-option */
		fputc(*op == ' ' ? '-' : *op, f);
	if (target) {
		struct passwd *pw = getpwuid(target);
		char num[16];
		snprintf(num, sizeof(num), "%u", (unsigned)target);
		add_encoded(f, "acct", pw ? pw->pw_name : num);
		fprintf(f, " id=%u", (unsigned)target);
	}
	if (ch)
		add_change(f, ch);
	if (who)
		add_actor(f, who);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

void audit_record(const char *op, uid_t target, const struct actor *who,
		  const struct change *ch, bool ok)
{
	char *msg;
	int r;

	if (!enabled || audit_fd < 0)
		return;
	msg = audit_format(op, target, who, ch);
	if (!msg)
		return;
	r = audit_log_user_message(audit_fd, AUDIT_USYS_CONFIG, msg, NULL, NULL,
				   NULL, ok ? 1 : 0);
	if (r <= 0 && !failing) {
		log_warnx("audit record not sent (%s): audit records are "
			  "off until sending works again",
			  strerror(errno));
	} else if (r > 0 && failing) {
		log_info("audit records sent again");
	}
	failing = r <= 0;
	free(msg);
}
