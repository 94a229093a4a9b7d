/* Configuration: built-in defaults, copies, names, messages. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/config_internal.h"

void config_defaults(struct cgfair_config *cfg, uint64_t mem_total)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->mem_total = mem_total;

	cfg->daemon.backend = CONFIG_BACKEND_AUTO;
	strcpy(cfg->daemon.subtree, "cgfair");
	strcpy(cfg->daemon.worker_user, "cgfair");
	cfg->daemon.interval_ms = 5000;
	strcpy(cfg->daemon.state_dir, "/var/lib/cgfair");

	cfg->cpu.mode = CONFIG_CPU_EVEN_ACTIVE;
	cfg->cpu.max_share = 0.90;
	/* The seed's sample config: 10% of the machine. Machines with many
	 * CPUs are better served by an absolute "0.5 cpus". */
	cfg->cpu.active_share = 0.10;
	cfg->cpu.throttle_upper = 0.95;
	cfg->cpu.throttle_lower = 0.80;
	cfg->cpu.min_change = 0.05;
	/* The kernel's smallest quota, 1 ms, per the default 100 ms period. */
	cfg->cpu.min_cap = 0.01;
	cfg->cpu.period_us = 100000;
	cfg->cpu.default_weight = 100;
	cfg->cpu.release_on_stop = true;

	cfg->memory.limit.share = 0.25;
	cfg->memory.limit.bytes = mem_total ? mem_total / 4 : CONFIG_UNLIMITED;
	cfg->memory.release_on_stop = false;
	cfg->memory.high.bytes = CONFIG_UNLIMITED;
	cfg->users.max_tasks = CONFIG_UNLIMITED;
	cfg->io.weight = 100;

	cfg->users.min_uid = 1000;
	cfg->users.max_uid = 4294967294u;
	/* out of memory here leaves the list empty; the load then fails on
	 * its next allocation anyway */
	(void)config_list_set(&cfg->users.exempt_cgroups, KT_GLOBS,
			      CONFIG_EXEMPT_CGROUPS);
	cfg->users.max_users = 10000;
	cfg->users.subordinate_uids = true;
	strcpy(cfg->users.subuid_file, "/etc/subuid");
	cfg->log.max_user_events = 20;

	cfg->penalty.timeout_ms = 3600 * 1000;
	cfg->penalty.mode = CONFIG_PENALTY_ACTIVE;
	cfg->penalty.fraction = 0.30;
	cfg->penalty.automatic = false; /* Cgroup Py had only the manual box */
	cfg->penalty.window_ms = 5 * 60 * 1000;
	cfg->penalty.rise_ms = 10 * 60 * 1000;
	cfg->penalty.decay = 5;
	cfg->penalty.cpu_threshold.share = 0.50;
	cfg->penalty.mem_threshold.share = 0.80;
	cfg->penalty.warn_at = 50;
	cfg->penalty.tiers.n = 3;
	cfg->penalty.tiers.ms[0] = 30 * 60 * 1000;
	cfg->penalty.tiers.ms[1] = 60 * 60 * 1000;
	cfg->penalty.tiers.ms[2] = 120 * 60 * 1000;
	cfg->penalty.forgive_ms = 3 * 3600 * 1000;

	cfg->oom.watchers = 2;
	cfg->oom.kmsg_detail = true;

	strcpy(cfg->socket.path, "/run/cgfair/cgfair.sock");
	cfg->socket.status_visibility = CONFIG_STATUS_OWN;
	cfg->socket.max_clients = 64;
	cfg->socket.max_clients_per_uid = 8;
	cfg->socket.admin_reserve = 8;
	cfg->socket.idle_timeout_ms = 60 * 1000;
	cfg->socket.max_line = 4096;
	cfg->socket.subscriber_backlog = 256 * 1024;

	strcpy(cfg->log.event_log, "/var/log/cgfair/events.log");
	cfg->audit.enabled = true;
	cfg->history.keep_ms = 90ULL * 24 * 3600 * 1000;
	cfg->fleet.max_penalty_ms = 7ULL * 24 * 3600 * 1000;

	cfg->notify.rate_limit_ms = 1440 * 1000; /* the seed's nag_ratelimit */
	cfg->notify.give_up_ms = 6 * 3600 * 1000;
	cfg->notify.retry_max_ms = 10 * 60 * 1000;
	cfg->notify.oom = true;
	cfg->notify.penalty = true;
	/* a user whose job was OOM-killed learns it where they typed the
	 * command (issue 13: terminals on for OOM) */
	cfg->notify.terminals = true;
	cfg->notify.desktop = true; /* where the user has a session bus */
	strcpy(cfg->notify.templates, CGFAIR_SYSCONFDIR "/cgfair/templates");
}

void config_free(struct cgfair_config *cfg)
{
	config_list_free(&cfg->users.exempt_users);
	config_list_free(&cfg->users.exempt_groups);
	config_list_free(&cfg->penalty.exempt_commands);
	config_list_free(&cfg->users.exempt_cgroups);
	config_list_free(&cfg->users.exempt_commands);
	free(cfg->overrides);
	cfg->overrides = NULL;
	cfg->n_overrides = 0;
}

int config_copy(struct cgfair_config *dst, const struct cgfair_config *src)
{
	size_t bytes = src->n_overrides * sizeof(*src->overrides);

	*dst = *src;
	dst->users.exempt_users = (struct config_list){NULL, 0};
	dst->users.exempt_groups = (struct config_list){NULL, 0};
	dst->penalty.exempt_commands = (struct config_list){NULL, 0};
	dst->users.exempt_cgroups = (struct config_list){NULL, 0};
	dst->users.exempt_commands = (struct config_list){NULL, 0};
	dst->overrides = NULL;
	dst->n_overrides = 0;
	if (config_list_copy(&dst->users.exempt_users,
			     &src->users.exempt_users) < 0 ||
	    config_list_copy(&dst->users.exempt_groups,
			     &src->users.exempt_groups) < 0 ||
	    config_list_copy(&dst->penalty.exempt_commands,
			     &src->penalty.exempt_commands) < 0 ||
	    config_list_copy(&dst->users.exempt_cgroups,
			     &src->users.exempt_cgroups) < 0 ||
	    config_list_copy(&dst->users.exempt_commands,
			     &src->users.exempt_commands) < 0)
		goto fail;
	if (bytes > 0) {
		dst->overrides = malloc(bytes);
		if (dst->overrides == NULL)
			goto fail;
		memcpy(dst->overrides, src->overrides, bytes);
		dst->n_overrides = src->n_overrides;
	}
	return 0;
fail:
	config_free(dst);
	return -1;
}

const char *config_pick_main(const char *explicit_path, const char *primary,
			     const char *seed)
{
	if (explicit_path != NULL)
		return explicit_path;
	if (primary != NULL && access(primary, F_OK) == 0)
		return primary;
	if (seed != NULL && access(seed, F_OK) == 0)
		return seed;
	return NULL;
}

const char *config_backend_name(enum config_backend b)
{
	return config_backend_names[b];
}

const char *config_cpu_mode_name(enum config_cpu_mode m)
{
	return config_mode_names[m];
}

const char *config_penalty_mode_name(enum config_penalty_mode m)
{
	return config_penalty_names[m];
}

void config_report(struct config_parse *ps, enum config_level level,
		   const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (level == CONFIG_ERROR)
		ps->errors++;
	if (ps->src == NULL || ps->src->report == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ps->src->report(ps->src->report_arg, level, msg);
}

void config_key_error(struct config_parse *ps, const char *section,
		      const char *key, const char *why)
{
	config_report(ps, CONFIG_ERROR, "%s:%d: [%s] %s: %s", ps->file,
		      ps->line, section, key, why);
}

/* The keys checked against each other once the main file is read: their
 * lines, so that the message points at the one that was set last. */
void config_note_origin(struct config_parse *ps, const void *field,
			const char *name)
{
	const struct cgfair_config *c = ps->cfg;
	int *line = NULL;
	char *key = NULL;

	if (field == &c->cpu.throttle_upper) {
		line = &ps->upper_line;
		key = ps->upper_key;
	} else if (field == &c->cpu.throttle_lower) {
		line = &ps->lower_line;
		key = ps->lower_key;
	} else if (field == &c->socket.max_clients) {
		line = &ps->clients_line;
		key = ps->clients_key;
	} else if (field == &c->socket.max_clients_per_uid) {
		line = &ps->per_uid_line;
		key = ps->per_uid_key;
	} else if (field == &c->users.min_uid) {
		line = &ps->min_uid_line;
		key = ps->min_uid_key;
	} else if (field == &c->users.max_uid) {
		line = &ps->max_uid_line;
		key = ps->max_uid_key;
	}
	if (line == NULL)
		return;
	*line = ps->line;
	snprintf(key, sizeof(ps->upper_key), "%s", name);
}

/* One message per unknown or misplaced section, at its header's line. */
void config_section_error(struct config_parse *ps, const char *section,
			  const char *why)
{
	if (ps->reported_section_line == ps->section_line)
		return;
	ps->reported_section_line = ps->section_line;
	config_report(ps, CONFIG_ERROR, "%s:%d: [%s]: %s", ps->file,
		      ps->section_line, section, why);
}
