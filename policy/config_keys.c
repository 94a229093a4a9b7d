/*
 * The table of configuration keys: one line per key gives its section,
 * type, field, range. Parsing, range checks, messages and --check-config
 * output all come from the table, so that a new key is one line here (and
 * its documentation in etc/cgfair.conf and cgfair.conf(5)).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "policy/config_internal.h"

const char *const config_backend_names[] = {
    "auto", "systemd", "cgroupfs", "cgroup2", "cgroup1", NULL,
};
const char *const config_mode_names[] = {
    "even_active",
    "fair",
    "weight",
    NULL,
};
const char *const config_penalty_names[] = {"active", "locked", NULL};
const char *const config_visibility_names[] = {"own", "all", NULL};

#define F(field) offsetof(struct cgfair_config, field)
#define S(field) sizeof(((struct cgfair_config *)0)->field)
#define KEY(sec, name, type, field, lo, hi, fl)                                \
	{                                                                      \
		sec, name, type, F(field), 0, lo, hi, NULL, fl, -1             \
	}
#define STR(sec, name, type, field, fl)                                        \
	{                                                                      \
		sec, name, type, F(field), S(field), 0, 0, NULL, fl, -1        \
	}
#define ENUM(sec, name, field, names)                                          \
	{                                                                      \
		sec, name, KT_ENUM, F(field), 0, 0, 0, names, 0, -1            \
	}

#define MS_DAY	 86400000.0
#define MIB	 1048576.0
#define SIZE_TOP 9.2e18 /* about 2^63: "no upper bound" for sizes */

const struct key_def config_keys[] = {
    ENUM("daemon", "backend", daemon.backend, config_backend_names),
    STR("daemon", "subtree", KT_NAME, daemon.subtree, 0),
    STR("daemon", "worker_user", KT_NAME, daemon.worker_user, 0),
    KEY("daemon", "interval", KT_DURATION, daemon.interval_ms, 100, 3600000, 0),
    STR("daemon", "state_dir", KT_PATH, daemon.state_dir, 0),

    ENUM("cpu", "mode", cpu.mode, config_mode_names),
    KEY("cpu", "max_percent", KT_SHARE, cpu.max_share, 0.01, 1, 0),
    KEY("cpu", "active_threshold", KT_THRESHOLD, cpu.active_share, 0, 1, 0),
    KEY("cpu", "throttle_upper", KT_SHARE, cpu.throttle_upper, 0.01, 1, 0),
    KEY("cpu", "throttle_lower", KT_SHARE, cpu.throttle_lower, 0.01, 1, 0),
    KEY("cpu", "min_change", KT_SHARE, cpu.min_change, 0, 0.5, 0),
    KEY("cpu", "min_cap", KT_CPUS, cpu.min_cap, 0.001, 1, 0),
    KEY("cpu", "period", KT_PERIOD, cpu.period_us, 1000, 1000000, 0),
    KEY("cpu", "default_weight", KT_U32, cpu.default_weight, 1, 10000, 0),
    KEY("cpu", "release_on_stop", KT_BOOL, cpu.release_on_stop, 0, 0, 0),

    KEY("memory", "limit", KT_SIZE, memory.limit, MIB, SIZE_TOP,
	KF_MAX | KF_SHARE),
    KEY("memory", "swap_limit", KT_SIZE, memory.swap_limit, 0, SIZE_TOP,
	KF_MAX | KF_SHARE),
    KEY("memory", "release_on_stop", KT_BOOL, memory.release_on_stop, 0, 0, 0),
    KEY("memory", "high", KT_SIZE, memory.high, MIB, SIZE_TOP,
	KF_MAX | KF_SHARE),

    KEY("users", "min_uid", KT_U32, users.min_uid, 1, 4294967294.0, 0),
    KEY("users", "max_uid", KT_U32, users.max_uid, 1, 4294967294.0, 0),
    KEY("users", "max_tasks", KT_COUNT, users.max_tasks, 1, SIZE_TOP, 0),
    KEY("users", "max_users", KT_U32, users.max_users, 1, 1000000, 0),
    KEY("users", "exempt_users", KT_LIST, users.exempt_users, 0, 0, 0),
    KEY("users", "exempt_groups", KT_LIST, users.exempt_groups, 0, 0, 0),
    KEY("users", "exempt_cgroups", KT_GLOBS, users.exempt_cgroups, 0, 0, 0),
    KEY("users", "exempt_commands", KT_PATHS, users.exempt_commands, 0, 0, 0),
    KEY("users", "subordinate_uids", KT_BOOL, users.subordinate_uids, 0, 0, 0),
    STR("users", "subuid_file", KT_PATH, users.subuid_file, 0),

    KEY("io", "weight", KT_U32, io.weight, 1, 10000, 0),

    KEY("penalty", "timeout", KT_DURATION, penalty.timeout_ms, 1000,
	365 * MS_DAY, 0),
    ENUM("penalty", "mode", penalty.mode, config_penalty_names),
    KEY("penalty", "fraction", KT_SHARE, penalty.fraction, 0.01, 1, 0),
    KEY("penalty", "auto", KT_BOOL, penalty.automatic, 0, 0, 0),
    KEY("penalty", "window", KT_DURATION, penalty.window_ms, 1000, MS_DAY, 0),
    KEY("penalty", "rise", KT_DURATION, penalty.rise_ms, 1000, 30 * MS_DAY, 0),
    KEY("penalty", "decay", KT_NUMBER, penalty.decay, 0, 100, 0),
    KEY("penalty", "cpu_threshold", KT_CPU_LEVEL, penalty.cpu_threshold, 0, 0,
	0),
    KEY("penalty", "memory_threshold", KT_MEM_LEVEL, penalty.mem_threshold, 0,
	0, 0),
    KEY("penalty", "warn_at", KT_NUMBER, penalty.warn_at, 1, 100, 0),
    KEY("penalty", "tiers", KT_TIERS, penalty.tiers, 1000, 365 * MS_DAY, 0),
    KEY("penalty", "forgive", KT_DURATION, penalty.forgive_ms, 1000,
	365 * MS_DAY, 0),
    KEY("penalty", "exempt_commands", KT_LIST, penalty.exempt_commands, 0, 0,
	KF_COMMANDS),

    KEY("oom", "watchers", KT_U32, oom.watchers, 1, 8, 0),
    KEY("oom", "kmsg_detail", KT_BOOL, oom.kmsg_detail, 0, 0, 0),

    STR("socket", "path", KT_PATH, socket.path, 0),
    STR("socket", "seed_path", KT_PATH, socket.seed_path, KF_EMPTY_OK),
    STR("socket", "admin_group", KT_NAME, socket.admin_group, KF_EMPTY_OK),
    ENUM("socket", "status_visibility", socket.status_visibility,
	 config_visibility_names),
    KEY("socket", "max_clients", KT_U32, socket.max_clients, 1, 4096, 0),
    KEY("socket", "max_clients_per_uid", KT_U32, socket.max_clients_per_uid, 1,
	4096, 0),
    KEY("socket", "admin_reserve", KT_U32, socket.admin_reserve, 0, 4095, 0),
    KEY("socket", "idle_timeout", KT_DURATION, socket.idle_timeout_ms, 1000,
	MS_DAY, 0),
    KEY("socket", "max_line", KT_U32, socket.max_line, 256, 1048576, 0),
    KEY("socket", "subscriber_backlog", KT_BYTES, socket.subscriber_backlog,
	4096, 256 * MIB, 0),

    STR("log", "event_log", KT_PATH, log.event_log, KF_EMPTY_OK),
    STR("log", "throttle_log", KT_PATH, log.throttle_log, KF_EMPTY_OK),
    STR("log", "node_name", KT_TEXT, log.node_name, KF_EMPTY_OK),
    STR("log", "system_name", KT_TEXT, log.system_name, KF_EMPTY_OK),
    KEY("log", "max_user_events", KT_U32, log.max_user_events, 1, 100000, 0),

    KEY("audit", "enabled", KT_BOOL, audit.enabled, 0, 0, 0),

    STR("metrics", "listen", KT_ADDRESS, metrics.listen, KF_EMPTY_OK),

    KEY("history", "enable", KT_BOOL, history.enable, 0, 0, 0),
    KEY("history", "keep", KT_DURATION, history.keep_ms, 3600 * 1000.0,
	3650 * MS_DAY, 0),
    STR("fleet", "database", KT_TEXT, fleet.database, KF_EMPTY_OK),
    STR("fleet", "node", KT_TEXT, fleet.node, KF_EMPTY_OK),
    STR("fleet", "credentials", KT_PATH, fleet.credentials, KF_EMPTY_OK),
    KEY("fleet", "max_penalty", KT_DURATION, fleet.max_penalty_ms, 60 * 1000.0,
	3650 * MS_DAY, 0),
    STR("notify", "relay", KT_ADDRESS, notify.relay, KF_EMPTY_OK),
    STR("notify", "from", KT_TEXT, notify.from, KF_EMPTY_OK),
    STR("notify", "admin", KT_TEXT, notify.admin, KF_EMPTY_OK),
    STR("notify", "user_domain", KT_TEXT, notify.user_domain, KF_EMPTY_OK),
    KEY("notify", "rate_limit", KT_DURATION, notify.rate_limit_ms, 0,
	30 * MS_DAY, 0),
    KEY("notify", "give_up", KT_DURATION, notify.give_up_ms, 1000, 30 * MS_DAY,
	0),
    KEY("notify", "retry_max", KT_DURATION, notify.retry_max_ms, 1000, MS_DAY,
	0),
    KEY("notify", "oom", KT_BOOL, notify.oom, 0, 0, 0),
    KEY("notify", "throttle", KT_BOOL, notify.throttle, 0, 0, 0),
    KEY("notify", "penalty", KT_BOOL, notify.penalty, 0, 0, 0),
    KEY("notify", "terminals", KT_BOOL, notify.terminals, 0, 0, 0),
    KEY("notify", "desktop", KT_BOOL, notify.desktop, 0, 0, 0),
    STR("notify", "templates", KT_PATH, notify.templates, 0),
    {0},
};

#define O(field) offsetof(struct config_override, field)

const struct key_def config_ovr_keys[] = {
    {NULL, "cpu_cap", KT_CAP, O(cpu_cap), 0, 0.001, 65536, NULL, 0,
     CONFIG_OVR_CPU_CAP},
    {NULL, "cpu_weight", KT_U32, O(cpu_weight), 0, 1, 10000, NULL, 0,
     CONFIG_OVR_CPU_WEIGHT},
    {NULL, "memory_limit", KT_SIZE, O(memory_limit), 0, MIB, SIZE_TOP, NULL,
     KF_MAX | KF_SHARE, CONFIG_OVR_MEMORY_LIMIT},
    {NULL, "swap_limit", KT_SIZE, O(swap_limit), 0, 0, SIZE_TOP, NULL,
     KF_MAX | KF_SHARE, CONFIG_OVR_SWAP_LIMIT},
    {NULL, "max_tasks", KT_COUNT, O(max_tasks), 0, 1, SIZE_TOP, NULL, 0,
     CONFIG_OVR_MAX_TASKS},
    {NULL, "memory_high", KT_SIZE, O(memory_high), 0, MIB, SIZE_TOP, NULL,
     KF_MAX | KF_SHARE, CONFIG_OVR_MEMORY_HIGH},
    {NULL, "io_weight", KT_U32, O(io_weight), 0, 1, 10000, NULL, 0,
     CONFIG_OVR_IO_WEIGHT},
    {NULL, "exempt", KT_BOOL, O(exempt), 0, 0, 0, NULL, 0, CONFIG_OVR_EXEMPT},
    {NULL, "auto_penalty", KT_BOOL, O(auto_penalty), 0, 0, 0, NULL, 0,
     CONFIG_OVR_AUTO_PENALTY},
    {NULL, "penalty_cpu_threshold", KT_CPU_LEVEL, O(penalty_cpu), 0, 0, 0, NULL,
     0, CONFIG_OVR_PENALTY_CPU},
    {NULL, "penalty_memory_threshold", KT_MEM_LEVEL, O(penalty_mem), 0, 0, 0,
     NULL, 0, CONFIG_OVR_PENALTY_MEM},
    {NULL, "email", KT_MAIL, O(email),
     sizeof(((struct config_override *)0)->email), 0, 0, NULL, 0,
     CONFIG_OVR_EMAIL},
    {0},
};

const struct key_def *config_find_key(const struct key_def *table,
				      const char *section, const char *name)
{
	for (const struct key_def *k = table; k->name != NULL; k++) {
		if (section != NULL && strcasecmp(k->section, section) != 0)
			continue;
		if (strcasecmp(k->name, name) == 0)
			return k;
	}
	return NULL;
}

/* Names of users, groups and cgroups: what useradd and LDAP allow, minus
 * anything that could be read as a path or a separator. */
bool config_valid_name(const char *s)
{
	if (*s == '\0' || *s == '-' || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0 || strlen(s) >= CONFIG_NAME_MAX)
		return false;
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) && strchr("._-@$", *s) == NULL)
			return false;
	}
	return true;
}

static bool valid_text(const char *s)
{
	for (; *s != '\0'; s++) {
		if (iscntrl((unsigned char)*s))
			return false;
	}
	return true;
}

/* A bare address the notices can put in a To: header and an SMTP RCPT
 * as it is: local@domain, nothing a header or SMTP would take as syntax
 * (no spaces, quotes, <>, commas). Stricter than RFC 5321 on purpose. */
static bool valid_mail(const char *s)
{
	const char *at = strchr(s, '@');

	if (!at || at == s || !at[1] || strchr(at + 1, '@'))
		return false;
	for (const char *p = s; *p; p++) {
		bool domain = p > at;
		if (p == at || isalnum((unsigned char)*p) || *p == '.' ||
		    *p == '-' || (!domain && (*p == '_' || *p == '+')))
			continue;
		return false;
	}
	return at[1] != '.' && at[1] != '-';
}

void config_list_free(struct config_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int config_list_copy(struct config_list *dst, const struct config_list *src)
{
	dst->n = 0;
	dst->v = src->n ? calloc(src->n, sizeof(char *)) : NULL;
	if (src->n && dst->v == NULL)
		return -1;
	for (; dst->n < src->n; dst->n++) {
		dst->v[dst->n] = strdup(src->v[dst->n]);
		if (dst->v[dst->n] == NULL) {
			config_list_free(dst);
			return -1;
		}
	}
	return 0;
}

/* A process name as the kernel keeps it (comm): at most 15 bytes. A
 * path is refused rather than cut to its last part, so that nobody reads
 * "/usr/bin/gcc" as matching that file only. */
static const char *command_error(const char *s)
{
	if (strlen(s) >= CONFIG_COMM_MAX)
		return "a process name is at most 15 characters (the kernel's "
		       "comm)";
	if (strchr(s, '/') != NULL)
		return "a process name, not a path, is expected";
	return valid_text(s) ? NULL : "control characters are not allowed";
}

/* A cgroup pattern: absolute or starting with a wildcard, at most
 * IPC_PATH_MAX - 1 bytes (it travels to the scanner in one field), no
 * "..", printable. */
static const char *check_glob(const char *t)
{
	if (t[0] != '/' && t[0] != '*')
		return "a cgroup pattern must start with / or *";
	if (strlen(t) >= 256)
		return "cgroup pattern too long (255 bytes at most)";
	if (strstr(t, "/..") != NULL)
		return "'..' is not allowed in a cgroup pattern";
	return valid_text(t) ? NULL : "control characters are not allowed";
}

/* Entry n of a list: a name (KT_LIST; process names with KF_COMMANDS), a
 * cgroup pattern (KT_GLOBS) or an absolute path (KT_PATHS). */
static const char *list_entry_error(enum key_type type, unsigned flags,
				    size_t n, const char *t)
{
	switch (type) {
	case KT_GLOBS:
		return check_glob(t);
	case KT_PATHS:
		if (t[0] != '/')
			return "commands must be absolute paths";
		if (strlen(t) >= CONFIG_PATH_MAX)
			return "command path too long";
		return valid_text(t) ? NULL
				     : "control characters are not allowed";
	default:
		break;
	}
	if (!(flags & KF_COMMANDS))
		return config_valid_name(t)
			   ? NULL
			   : "invalid user or group name in the list";
	if (n >= CONFIG_COMMANDS_MAX)
		return "at most 32 process names";
	return command_error(t);
}

/* "a, b c" -> {"a", "b", "c"}: commas and blanks both separate. */
static const char *set_list(enum key_type type, unsigned flags,
			    struct config_list *l, const char *value)
{
	struct config_list nl = {NULL, 0};
	char *copy = strdup(value), *save = NULL;
	const char *why = NULL;

	if (copy == NULL)
		return "out of memory";
	for (char *t = strtok_r(copy, ", \t", &save); t != NULL && !why;
	     t = strtok_r(NULL, ", \t", &save)) {
		char **v = realloc(nl.v, (nl.n + 1) * sizeof(char *));

		why = list_entry_error(type, flags, nl.n, t);
		if (why == NULL && (v == NULL || (v[nl.n] = strdup(t)) == NULL))
			why = "out of memory";
		if (v != NULL)
			nl.v = v;
		if (why == NULL)
			nl.n++;
	}
	free(copy);
	if (why != NULL) {
		config_list_free(&nl);
		return why;
	}
	config_list_free(l);
	*l = nl;
	return NULL;
}

const char *config_list_set(struct config_list *l, enum key_type type,
			    const char *value)
{
	return set_list(type, 0, l, value);
}

static const char *set_string(const struct key_def *k, char *field,
			      const char *value)
{
	if (*value == '\0' && !(k->flags & KF_EMPTY_OK))
		return "must not be empty";
	if (*value == '\0') {
		field[0] = '\0';
		return NULL;
	}
	if (strlen(value) >= k->size)
		return "value too long";
	if (k->type == KT_NAME && !config_valid_name(value))
		return "invalid name (letters, digits, . _ - @ $)";
	if (k->type == KT_PATH && value[0] != '/')
		return "must be an absolute path";
	if (k->type == KT_ADDRESS) {
		struct sockaddr_storage ss;
		unsigned len;
		const char *why = config_parse_address(value, &ss, &len);
		if (why)
			return why;
	}
	if (!valid_text(value))
		return "control characters are not allowed";
	if (k->type == KT_MAIL && !valid_mail(value))
		return "not a mail address (local@domain: letters, digits and "
		       ". _ + - before the @, a host name after it)";
	strcpy(field, value);
	return NULL;
}

static const char *set_enum(const struct key_def *k, int *field,
			    const char *value, char *why, size_t whylen)
{
	size_t used = 0;

	for (int i = 0; k->enums[i] != NULL; i++) {
		if (strcasecmp(k->enums[i], value) == 0) {
			*field = i;
			return NULL;
		}
	}
	used += (size_t)snprintf(why, whylen, "invalid value '%s': expected ",
				 value);
	for (int i = 0; k->enums[i] != NULL && used < whylen; i++)
		used += (size_t)snprintf(why + used, whylen - used, "%s%s",
					 i ? "|" : "", k->enums[i]);
	return why;
}

/* cpu.active_threshold: a share of the machine, or "0.5 cpus". */
static const char *set_threshold(const struct key_def *k, void *base,
				 const char *value, char *why, size_t whylen)
{
	struct config_cpu *cpu = &((struct cgfair_config *)base)->cpu;
	const char *err;
	double v;

	if (strpbrk(value, "cC") != NULL) {
		err = num_parse_cpus(value, &v);
		if (err == NULL && (v <= 0 || v > 1024)) {
			snprintf(why, whylen,
				 "value %s out of range (0.001 cpus..1024 "
				 "cpus)",
				 value);
			return why;
		}
		if (err == NULL) {
			cpu->active_cpus = v;
			cpu->active_share = 0;
		}
		return err;
	}
	err = num_parse_share(value, &v);
	if (err == NULL)
		err = config_key_range(k, v, value, why, whylen);
	if (err == NULL) {
		cpu->active_share = v;
		cpu->active_cpus = 0;
	}
	return err;
}

static bool is_none(const char *value)
{
	return strcasecmp(value, "none") == 0 || strcasecmp(value, "no") == 0;
}

/* [penalty] cpu_threshold: "50%" (or 0.5) of the user's cap, "2 cpus". */
static const char *set_cpu_level(struct config_threshold *field,
				 const char *value, char *why, size_t whylen)
{
	struct config_threshold t = {0, 0};
	const char *err = NULL;
	double v = 0;

	if (!is_none(value)) {
		bool cpus = strpbrk(value, "cC") != NULL;

		err = cpus ? num_parse_cpus(value, &v)
			   : num_parse_share(value, &v);
		if (err == NULL && !(v > 0 && v <= (cpus ? 65536 : 1))) {
			snprintf(why, whylen,
				 "value %s out of range (%s, or none)", value,
				 cpus ? "0.001 cpus..65536 cpus" : "1%..100%");
			err = why;
		}
		*(cpus ? &t.amount : &t.share) = v;
	}
	if (err == NULL)
		*field = t;
	return err;
}

/* [penalty] memory_threshold: "80%" of the user's limit, "4G". */
static const char *set_mem_level(struct config_threshold *field,
				 const char *value, char *why, size_t whylen)
{
	struct config_threshold t = {0, 0};
	struct num_size sz;
	const char *err = NULL;

	if (strchr(value, '%') != NULL) {
		err = num_parse_share(value, &t.share);
		if (err == NULL && !(t.share > 0 && t.share <= 1)) {
			snprintf(why, whylen,
				 "value %s out of range (1%%..100%%, a size, "
				 "or none)",
				 value);
			err = why;
		}
	} else if (!is_none(value)) {
		err = num_parse_size(value, 0, 0, &sz);
		if (err == NULL && sz.bytes < MIB) {
			snprintf(why, whylen, "value %s is below 1M", value);
			err = why;
		}
		t.amount = (double)sz.bytes;
	}
	if (err == NULL)
		*field = t;
	return err;
}

/* [penalty] tiers: "30m, 1h, 2h". */
static const char *set_tiers(const struct key_def *k,
			     struct config_tiers *field, const char *value,
			     char *why, size_t whylen)
{
	struct config_tiers t = {0, {0}};
	char *copy = strdup(value), *save = NULL;
	const char *err = NULL;

	if (copy == NULL)
		return "out of memory";
	for (char *s = strtok_r(copy, ", \t", &save); s != NULL && !err;
	     s = strtok_r(NULL, ", \t", &save)) {
		if (t.n >= CONFIG_TIERS_MAX) {
			err = "at most 8 tiers";
			break;
		}
		err = num_parse_duration(s, &t.ms[t.n]);
		if (err == NULL)
			err = config_key_range(k, (double)t.ms[t.n], s, why,
					       whylen);
		t.n++;
	}
	free(copy);
	if (err == NULL && t.n == 0)
		err = "at least one duration is needed";
	if (err == NULL)
		*field = t;
	return err;
}

static const char *set_cap(const struct key_def *k, double *field,
			   const char *value, char *why, size_t whylen)
{
	const char *err;
	double v;

	if (strcasecmp(value, "none") == 0 || strcasecmp(value, "max") == 0 ||
	    strcasecmp(value, "unlimited") == 0) {
		*field = INFINITY;
		return NULL;
	}
	err = num_parse_cpus(value, &v);
	if (err == NULL)
		err = config_key_range(k, v, value, why, whylen);
	if (err == NULL)
		*field = v;
	return err;
}

static const char *set_size(const struct key_def *k, struct num_size *field,
			    const char *value, uint64_t mem_total, char *why,
			    size_t whylen)
{
	unsigned flags = ((k->flags & KF_MAX) ? NUM_SIZE_MAX : 0) |
			 ((k->flags & KF_SHARE) ? NUM_SIZE_SHARE : 0);
	struct num_size v;
	const char *err = num_parse_size(value, flags, mem_total, &v);

	/* A share is checked as a share (above): its bytes depend on RAM. */
	if (err == NULL && v.share == 0 && v.bytes != CONFIG_UNLIMITED)
		err = config_key_range(k, (double)v.bytes, value, why, whylen);
	if (err == NULL)
		*field = v;
	return err;
}

/* The numeric types: parse into a double in the struct's units, check the
 * range, then store with the field's width. */
static const char *parse_numeric(const struct key_def *k, const char *value,
				 double *v)
{
	uint64_t u;
	const char *err;

	switch (k->type) {
	case KT_COUNT:
		err = num_parse_count(value, &u);
		*v = u == CONFIG_UNLIMITED ? INFINITY : (double)u;
		return err;
	case KT_U32:
	case KT_BYTES:
		if (k->type == KT_BYTES) {
			struct num_size sz;

			err = num_parse_size(value, 0, 0, &sz);
			u = sz.bytes;
		} else {
			err = num_parse_uint(value, &u);
		}
		*v = (double)u;
		return err;
	case KT_SHARE:
		return num_parse_share(value, v);
	case KT_CPUS:
		return num_parse_cpus(value, v);
	case KT_NUMBER:
		return num_parse_number(value, v);
	case KT_DURATION:
	case KT_PERIOD:
		err = num_parse_duration(value, &u);
		*v = (double)u * (k->type == KT_PERIOD ? 1000 : 1);
		return err;
	default:
		return "internal error: not a number type";
	}
}

static void store_numeric(const struct key_def *k, void *field, double v)
{
	switch (k->type) {
	case KT_U32:
	case KT_PERIOD:
		*(uint32_t *)field = (uint32_t)v;
		break;
	case KT_BYTES:
	case KT_DURATION:
		*(uint64_t *)field = (uint64_t)v;
		break;
	case KT_COUNT:
		*(uint64_t *)field = isinf(v) ? CONFIG_UNLIMITED : (uint64_t)v;
		break;
	default:
		*(double *)field = v;
		break;
	}
}

const char *config_key_set(const struct key_def *k, void *base,
			   const char *value, uint64_t mem_total, char *why,
			   size_t whylen)
{
	void *field = (char *)base + k->offset;
	const char *err;
	double v;

	switch (k->type) {
	case KT_BOOL:
		return num_parse_bool(value, field);
	case KT_ENUM:
		return set_enum(k, field, value, why, whylen);
	case KT_NAME:
	case KT_TEXT:
	case KT_PATH:
	case KT_ADDRESS:
	case KT_MAIL:
		return set_string(k, field, value);
	case KT_LIST:
	case KT_GLOBS:
	case KT_PATHS:
		return set_list(k->type, k->flags, field, value);
	case KT_SIZE:
		return set_size(k, field, value, mem_total, why, whylen);
	case KT_CAP:
		return set_cap(k, field, value, why, whylen);
	case KT_THRESHOLD:
		return set_threshold(k, base, value, why, whylen);
	case KT_CPU_LEVEL:
		return set_cpu_level(field, value, why, whylen);
	case KT_MEM_LEVEL:
		return set_mem_level(field, value, why, whylen);
	case KT_TIERS:
		return set_tiers(k, field, value, why, whylen);
	default:
		break;
	}
	err = parse_numeric(k, value, &v);
	if (err == NULL)
		err = config_key_range(k, v, value, why, whylen);
	if (err == NULL)
		store_numeric(k, field, v);
	return err;
}

const char *config_key_range(const struct key_def *k, double v,
			     const char *text, char *why, size_t whylen)
{
	char lo[32], hi[32];
	int n;

	if ((v >= k->min && v <= k->max) || (k->type == KT_COUNT && isinf(v)))
		return NULL;
	config_key_format(k, k->min, lo, sizeof(lo));
	config_key_format(k, k->max, hi, sizeof(hi));
	n = snprintf(why, whylen, "value %s out of range (%s..%s)", text, lo,
		     hi);
	/* "max_percent = 90" most likely meant 90%: say so. */
	if (k->type == KT_SHARE || k->type == KT_THRESHOLD) {
		if (v > 1 && v <= 100 && strchr(text, '%') == NULL && n > 0 &&
		    (size_t)n < whylen)
			snprintf(why + n, whylen - (size_t)n,
				 "; write %s%% for a percentage", text);
	}
	return why;
}

static void format_duration(double ms, char *buf, size_t len)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {{"d", 86400000},
		     {"h", 3600000},
		     {"m", 60000},
		     {"s", 1000},
		     {"ms", 1}};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (ms >= units[i].ms && fmod(ms, units[i].ms) == 0) {
			snprintf(buf, len, "%.0f%s", ms / units[i].ms,
				 units[i].unit);
			return;
		}
	}
	snprintf(buf, len, "%.0fms", ms);
}

static void format_size(double bytes, char *buf, size_t len)
{
	static const char units[] = "KMGTP";
	double unit = 1024;
	int best = -1;

	for (int i = 0; i < 5; i++, unit *= 1024) {
		if (bytes >= unit && fmod(bytes, unit) == 0)
			best = i;
	}
	if (best < 0)
		snprintf(buf, len, "%.0f", bytes);
	else
		snprintf(buf, len, "%.0f%c", bytes / pow(1024, best + 1),
			 units[best]);
}

void config_key_format(const struct key_def *k, double v, char *buf, size_t len)
{
	switch (k->type) {
	case KT_SHARE:
	case KT_THRESHOLD:
		snprintf(buf, len, "%.12g%%", v * 100);
		break;
	case KT_DURATION:
		format_duration(v, buf, len);
		break;
	case KT_PERIOD:
		format_duration(v / 1000, buf, len);
		break;
	case KT_COUNT:
		if (isinf(v) || v >= SIZE_TOP)
			snprintf(buf, len, "max");
		else
			snprintf(buf, len, "%.0f", v);
		break;
	case KT_SIZE:
	case KT_BYTES:
		if (v >= (double)CONFIG_UNLIMITED || v >= SIZE_TOP)
			snprintf(buf, len, "max");
		else
			format_size(v, buf, len);
		break;
	case KT_NUMBER:
		snprintf(buf, len, "%.12g", v);
		break;
	case KT_CPUS:
	case KT_CAP:
		if (isinf(v))
			snprintf(buf, len, "none");
		else
			snprintf(buf, len, "%.12g", v);
		break;
	default:
		snprintf(buf, len, "%.0f", v);
		break;
	}
}

static void print_list(const struct config_list *l, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < l->n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i ? ", " : "", l->v[i]);
}

static void print_level(const struct key_def *k,
			const struct config_threshold *t, char *buf, size_t len)
{
	if (t->share > 0)
		snprintf(buf, len, "%.12g%%", t->share * 100);
	else if (t->amount <= 0)
		snprintf(buf, len, "none");
	else if (k->type == KT_CPU_LEVEL)
		snprintf(buf, len, "%.12g cpus", t->amount);
	else
		format_size(t->amount, buf, len);
}

static void print_tiers(const struct config_tiers *t, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (uint32_t i = 0; i < t->n && used < len; i++) {
		char one[32];

		format_duration((double)t->ms[i], one, sizeof(one));
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
					 i ? ", " : "", one);
	}
}

void config_key_print(const struct key_def *k, const void *base, char *buf,
		      size_t len)
{
	const void *field = (const char *)base + k->offset;
	const struct num_size *sz = field;
	const struct config_cpu *cpu =
	    &((const struct cgfair_config *)base)->cpu;

	switch (k->type) {
	case KT_BOOL:
		snprintf(buf, len, "%s", *(const bool *)field ? "yes" : "no");
		return;
	case KT_ENUM:
		snprintf(buf, len, "%s", k->enums[*(const int *)field]);
		return;
	case KT_NAME:
	case KT_TEXT:
	case KT_PATH:
	case KT_ADDRESS:
	case KT_MAIL:
		snprintf(buf, len, "%s", (const char *)field);
		return;
	case KT_LIST:
	case KT_GLOBS:
	case KT_PATHS:
		print_list(field, buf, len);
		return;
	case KT_SIZE:
		if (sz->share > 0)
			snprintf(buf, len, "%.12g%%", sz->share * 100);
		else
			config_key_format(k, (double)sz->bytes, buf, len);
		return;
	case KT_CPU_LEVEL:
	case KT_MEM_LEVEL:
		print_level(k, field, buf, len);
		return;
	case KT_TIERS:
		print_tiers(field, buf, len);
		return;
	case KT_THRESHOLD:
		if (cpu->active_cpus > 0)
			snprintf(buf, len, "%.12g cpus", cpu->active_cpus);
		else
			config_key_format(k, cpu->active_share, buf, len);
		return;
	case KT_U32:
	case KT_PERIOD:
		config_key_format(k, *(const uint32_t *)field, buf, len);
		return;
	case KT_BYTES:
	case KT_DURATION:
	case KT_COUNT:
		config_key_format(k, (double)*(const uint64_t *)field, buf,
				  len);
		return;
	default:
		config_key_format(k, *(const double *)field, buf, len);
		return;
	}
}
