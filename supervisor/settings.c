/*
 * From the configuration to the modules' settings. The one non-trivial
 * part is the exemption list: names of users and groups become uids here,
 * in the supervisor (NSS may open files), so that the scanner gets plain
 * numbers.
 */
#include "supervisor/settings.h"
#include "common/log.h"
#include "common/num.h"

#include <grp.h>
#include <stdio.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void settings_backend(const struct cgfair_config *c, bool dry_run,
		      struct backend_params *out)
{
	static const char *const names[] = {
	    [CONFIG_BACKEND_AUTO] = "auto",
	    [CONFIG_BACKEND_SYSTEMD] = "systemd",
	    [CONFIG_BACKEND_CGROUPFS] = "cgroupfs",
	    [CONFIG_BACKEND_CGROUP2] = "cgroup2",
	    [CONFIG_BACKEND_CGROUP1] = "cgroup1",
	};
	*out = (struct backend_params){
	    .which = names[c->daemon.backend],
	    .subtree = c->daemon.subtree,
	    .mount = "/sys/fs/cgroup",
	    .dry_run = dry_run,
	};
}

/* A list entry: digits are an id, anything else a name. */
static bool parse_id(const char *s, uint32_t *id)
{
	uint64_t v;

	if (num_parse_uint_max(s, UINT32_MAX, &v) != NULL)
		return false;
	*id = (uint32_t)v;
	return true;
}

static void add_uid(struct placement_params *p, uid_t uid)
{
	for (size_t i = 0; i < p->nexempt; i++)
		if (p->exempt[i] == uid)
			return;
	if (p->nexempt < IPC_EXEMPT_MAX)
		p->exempt[p->nexempt++] = uid;
	else
		log_warnx("more than %d exempt users: uid %u not passed to "
			  "the scanner (still exempt from limits)",
			  IPC_EXEMPT_MAX, (unsigned)uid);
}

static void exempt_users(const struct config_list *l,
			 struct placement_params *p)
{
	for (size_t i = 0; i < l->n; i++) {
		uint32_t id;
		struct passwd *pw;
		if (parse_id(l->v[i], &id))
			add_uid(p, id);
		else if ((pw = getpwnam(l->v[i])))
			add_uid(p, pw->pw_uid);
		else
			log_warnx("exempt_users: no user '%s'", l->v[i]);
	}
}

/* Members listed in the group file, and users whose primary group it is
 * (setpwent walk: done at start and reload only). */
static void exempt_group(gid_t gid, struct placement_params *p)
{
	struct group *gr = getgrgid(gid);
	struct passwd *pw;

	for (char **m = gr ? gr->gr_mem : NULL; m && *m; m++)
		if ((pw = getpwnam(*m)))
			add_uid(p, pw->pw_uid);
	setpwent();
	while ((pw = getpwent()))
		if (pw->pw_gid == gid)
			add_uid(p, pw->pw_uid);
	endpwent();
}

static void exempt_groups(const struct config_list *l,
			  struct placement_params *p)
{
	for (size_t i = 0; i < l->n; i++) {
		uint32_t id;
		struct group *gr;
		if (parse_id(l->v[i], &id))
			exempt_group(id, p);
		else if ((gr = getgrnam(l->v[i])))
			exempt_group(gr->gr_gid, p);
		else
			log_warnx("exempt_groups: no group '%s'", l->v[i]);
	}
}

_Static_assert(IPC_COMM_MAX == CONFIG_COMM_MAX, "process names");
_Static_assert(IPC_COMMANDS_MAX == CONFIG_COMMANDS_MAX, "exempt_commands");

/* The scanner walks /proc for them every interval: only when they
 * matter, with the automatic penalty box on. */
static void exempt_commands(const struct cgfair_config *c,
			    struct ipc_scan_commands *out)
{
	const struct config_list *l = &c->penalty.exempt_commands;

	memset(out, 0, sizeof(*out));
	if (!c->penalty.automatic)
		return;
	for (size_t i = 0; i < l->n && i < IPC_COMMANDS_MAX; i++)
		snprintf(out->name[out->count++], IPC_COMM_MAX, "%s", l->v[i]);
}

/* The config checks the lengths; a list longer than the tables is cut
 * with a warning (the rest would need another message type). */
static size_t copy_list(const struct config_list *l, const char *key, char *dst,
			size_t max, size_t len)
{
	size_t n = l->n < max ? l->n : max;

	if (l->n > max)
		log_warnx("[users] %s: only the first %zu of %zu are used", key,
			  max, l->n);
	for (size_t i = 0; i < n; i++)
		snprintf(dst + i * len, len, "%s", l->v[i]);
	return n;
}

void settings_placement(const struct cgfair_config *c,
			struct placement_params *out)
{
	placement_defaults(out);
	out->min_uid = c->users.min_uid;
	out->max_uid = c->users.max_uid;
	exempt_users(&c->users.exempt_users, out);
	exempt_groups(&c->users.exempt_groups, out);
	add_uid(out, CONFIG_UID_NOBODY);
	exempt_commands(c, &out->commands);
	out->ncgroups =
	    copy_list(&c->users.exempt_cgroups, "exempt_cgroups",
		      out->cgroups[0], IPC_CGPATTERN_MAX, IPC_PATH_MAX);
	out->nexe_paths = copy_list(
	    &c->users.exempt_commands, "exempt_commands", out->exe_paths[0],
	    PLACEMENT_COMMANDS_MAX, PLACEMENT_COMMAND_LEN);
	out->subordinate_uids = c->users.subordinate_uids;
	snprintf(out->subuid_file, sizeof(out->subuid_file), "%s",
		 c->users.subuid_file);
}

void settings_oom(const struct cgfair_config *c, struct oom_settings *out)
{
	*out = (struct oom_settings){.watchers = c->oom.watchers,
				     .no_kmsg = !c->oom.kmsg_detail};
}

void settings_events(const struct cgfair_config *c, struct event_settings *out)
{
	*out = (struct event_settings){
	    .log_path = c->log.event_log,
	    .seed_log_path = c->log.throttle_log,
	    .node = c->log.node_name,
	    .journal = true,
	    .max_user_events = c->log.max_user_events,
	};
}

void settings_metrics(const struct cgfair_config *c,
		      struct metrics_settings *out)
{
	snprintf(out->listen, sizeof(out->listen), "%s", c->metrics.listen);
}

void settings_history(const struct cgfair_config *c,
		      struct history_settings *out)
{
	/* fleet mode rides on the recorder and its local history */
	out->enable = c->history.enable || c->fleet.database[0];
	out->keep_minutes = c->history.keep_ms / 60000;
	snprintf(out->state_dir, sizeof(out->state_dir), "%s",
		 c->daemon.state_dir);
	snprintf(out->worker_user, sizeof(out->worker_user), "%s",
		 c->daemon.worker_user);
}

/* Mail is on when a relay or any address is set (the seed's mail keys
 * set the addresses): then the seed's defaults fill the rest. */
static void notify_mail(const struct config_notify *n,
			struct ipc_notify_setup *out)
{
	if (!n->relay[0] && !n->from[0] && !n->admin[0] && !n->user_domain[0])
		return;
	out->flags |= NOTIFY_F_MAIL;
	snprintf(out->relay, sizeof(out->relay), "%s",
		 n->relay[0] ? n->relay : "127.0.0.1:25");
	if (n->from[0])
		snprintf(out->from, sizeof(out->from), "%s", n->from);
	else
		snprintf(out->from, sizeof(out->from), "cgfair@%s", out->node);
	snprintf(out->admin, sizeof(out->admin), "%s",
		 n->admin[0] ? n->admin : "root@localhost");
	snprintf(out->user_domain, sizeof(out->user_domain), "%s",
		 n->user_domain[0] ? n->user_domain : "localhost");
}

_Static_assert(IPC_MAIL_MAX == CONFIG_MAIL_MAX, "mail addresses");

/* The node's name: [log] node_name, else the host name. */
static void node_name(const struct cgfair_config *c, char *out, size_t len)
{
	if (c->log.node_name[0])
		snprintf(out, len, "%s", c->log.node_name);
	else if (gethostname(out, len - 1) < 0)
		snprintf(out, len, "localhost");
}

void settings_fleet(const struct cgfair_config *c, struct fleet_settings *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->database, sizeof(out->database), "%s", c->fleet.database);
	snprintf(out->credentials, sizeof(out->credentials), "%s",
		 c->fleet.credentials);
	if (c->fleet.node[0])
		snprintf(out->node, sizeof(out->node), "%s", c->fleet.node);
	else
		node_name(c, out->node, sizeof(out->node));
	out->max_penalty_ms = c->fleet.max_penalty_ms;
	out->poll_ms = c->daemon.interval_ms;
	out->mem_total = c->mem_total;
	out->penalty = c->penalty;
}

void settings_notify(const struct cgfair_config *c,
		     struct ipc_notify_setup *out)
{
	const struct config_notify *n = &c->notify;

	memset(out, 0, sizeof(*out));
	node_name(c, out->node, sizeof(out->node));
	snprintf(out->system_name, sizeof(out->system_name), "%s",
		 c->log.system_name[0] ? c->log.system_name : out->node);
	out->kinds =
	    (n->oom ? 1u << NOTIFY_OOM : 0) |
	    (n->throttle ? 1u << NOTIFY_THROTTLE : 0) |
	    (n->penalty ? 1u << NOTIFY_PENALTY_ON | 1u << NOTIFY_PENALTY_OFF
			: 0);
	if (n->terminals)
		out->flags |= NOTIFY_F_TERMINALS;
	if (n->desktop)
		out->flags |= NOTIFY_F_DESKTOP;
	notify_mail(n, out);
	out->rate_limit_s = n->rate_limit_ms / 1000;
	out->give_up_s = n->give_up_ms / 1000;
	out->retry_max_s = n->retry_max_ms / 1000;
	snprintf(out->templates, sizeof(out->templates), "%s", n->templates);
}

const char *settings_seed_prefix(const struct cgfair_config *c)
{
	/* a plain name: it is looked for by name directly under each
	 * hierarchy, never as a path */
	static const char ok[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789._-";
	for (size_t i = 0; i < c->nseed; i++) {
		const char *v = c->seed[i].value;
		if (strcasecmp(c->seed[i].name, "cgprefix") == 0 && v[0] &&
		    v[0] != '.' && strspn(v, ok) == strlen(v))
			return v;
	}
	return "cg_";
}

/* [socket]; with the seed's file in use, the seed's socket path is a
 * link to cgfair's socket */
void settings_frontend(const struct cgfair_config *c,
		       struct frontend_settings *s)
{
	const struct config_socket *k = &c->socket;

	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s", k->path);
	snprintf(s->seed_path, sizeof(s->seed_path), "%s",
		 k->seed_path[0] ? k->seed_path
		 : c->format == CONFIG_FORMAT_SEED || c->nseed > 0
		     ? CONFIG_SEED_SOCKET
		     : "");
	snprintf(s->admin_group, sizeof(s->admin_group), "%s", k->admin_group);
	s->status_all = k->status_visibility == CONFIG_STATUS_ALL;
	s->max_clients = k->max_clients;
	s->max_clients_per_uid = k->max_clients_per_uid;
	s->admin_reserve = k->admin_reserve;
	s->idle_timeout_ms = k->idle_timeout_ms;
	s->max_line = k->max_line;
	s->subscriber_backlog = k->subscriber_backlog;
	s->mem_total = c->mem_total;
}
