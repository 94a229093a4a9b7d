/*
 * The seed's configuration: Cgroup Py v.2's /etc/cgroup_py/cgroup_py.conf,
 * one [main] section, keys case-insensitive, with its own unit rules
 * (docs/seed.md): cpu_pct_max and activityThreshold above 1
 * are percentages, the throttle thresholds always are, pb_cpupct never is,
 * the memory limit is in GiB. Each key maps onto a cgfair key, so that the
 * range checks and --check-config are the same for both formats.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy/config_internal.h"

#define GIB 1073741824.0

enum seed_conv {
	SC_KEY,	       /* the cgfair key's own parser */
	SC_PCT_IF_GT1, /* a number; above 1 it is a percentage */
	SC_PCT,	       /* a number, always a percentage */
	SC_FRACTION,   /* a number, always a fraction */
	SC_GIGS,       /* a number of GiB */
	SC_MODE,       /* throttleMode */
	SC_LEGACY,     /* forceLegacy */
	SC_NOTICE,     /* accepted and ignored, with a notice */
};

struct seed_key {
	const char *name;
	enum seed_conv conv;
	const char *section, *key; /* the cgfair key it maps to */
	const char *note;	   /* SC_NOTICE: why it is ignored */
};

static const char unused[] = "parsed but never used by Cgroup Py v.2; ignored";

static const struct seed_key seed_keys[] = {
    {"minUID", SC_KEY, "users", "min_uid", NULL},
    {"interval", SC_KEY, "daemon", "interval", NULL},
    {"cpu_pct_max", SC_PCT_IF_GT1, "cpu", "max_percent", NULL},
    {"cgroup_memoryLimit_gigs", SC_GIGS, "memory", "limit", NULL},
    {"activityThreshold", SC_PCT_IF_GT1, "cpu", "active_threshold", NULL},
    {"upper_ThrottleThresh", SC_PCT, "cpu", "throttle_upper", NULL},
    {"lower_ThrottleThresh", SC_PCT, "cpu", "throttle_lower", NULL},
    {"throttleMode", SC_MODE, "cpu", "mode", NULL},
    {"penaltyTimeout", SC_KEY, "penalty", "timeout", NULL},
    {"pb_cpumode", SC_KEY, "penalty", "mode", NULL},
    {"pb_cpupct", SC_FRACTION, "penalty", "fraction", NULL},
    {"throttle_log", SC_KEY, "log", "throttle_log", NULL},
    {"system_name", SC_KEY, "log", "system_name", NULL},
    {"forceLegacy", SC_LEGACY, "daemon", "backend", NULL},
    {"cgprefix", SC_NOTICE, NULL, NULL,
     "cgfair names its cgroups user-UID below [daemon] subtree; ignored"},
    {"msglog_dateformat", SC_NOTICE, NULL, NULL,
     "cgfair logs to the journal and keeps the seed's event log date "
     "format; ignored"},
    {"admin_email", SC_KEY, "notify", "admin", NULL},
    {"sending_email", SC_KEY, "notify", "from", NULL},
    {"user_email_domain", SC_KEY, "notify", "user_domain", NULL},
    {"nag_ratelimit", SC_KEY, "notify", "rate_limit", NULL},
    {"reservedCores", SC_NOTICE, NULL, NULL, unused},
    {"refresh", SC_NOTICE, NULL, NULL, unused},
    {"enableMonitoring", SC_NOTICE, NULL, NULL, unused},
    {"shouldMemoryNag", SC_KEY, "notify", "oom", NULL},
    {"shouldCPUNag", SC_KEY, "notify", "throttle", NULL},
    {"throttleMsg", SC_NOTICE, NULL, NULL, unused},
    {"rotateTime", SC_NOTICE, NULL, NULL, unused},
    {"pb_limitMemory", SC_NOTICE, NULL, NULL, unused},
    {"pb_memoryBytes", SC_NOTICE, NULL, NULL, unused},
    {NULL, SC_KEY, NULL, NULL, NULL},
};

static const struct seed_key *find_seed_key(const char *name)
{
	for (const struct seed_key *s = seed_keys; s->name != NULL; s++) {
		if (strcasecmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

/* The range of the cgfair key in the seed's units, for the message. */
static const char *seed_range(const struct seed_key *s, const struct key_def *k,
			      const char *text, char *why, size_t len)
{
	switch (s->conv) {
	case SC_PCT_IF_GT1:
		snprintf(why, len,
			 "value %s out of range (%.12g..1 as a fraction, or "
			 "up to 100 as a percentage)",
			 text, k->min);
		break;
	case SC_PCT:
		snprintf(why, len,
			 "value %s out of range (%.12g..%.12g, a percentage)",
			 text, k->min * 100, k->max * 100);
		break;
	case SC_FRACTION:
		snprintf(why, len,
			 "value %s out of range (%.12g..%.12g, a fraction)",
			 text, k->min, k->max);
		break;
	default:
		snprintf(why, len, "value %s out of range (at least %.12g GiB)",
			 text, k->min / GIB);
		break;
	}
	return why;
}

static void store_share(struct cgfair_config *c, const struct key_def *k,
			double v)
{
	*(double *)((char *)c + k->offset) = v;
	if (k->type == KT_THRESHOLD)
		c->cpu.active_cpus = 0;
}

/* The number-valued keys with the seed's own unit rules. */
static const char *seed_number(struct config_parse *ps,
			       const struct seed_key *s,
			       const struct key_def *k, const char *value,
			       char *why, size_t len)
{
	const char *err;
	double v;

	err = num_parse_number(value, &v);
	if (err != NULL)
		return err;
	if (s->conv == SC_PCT || (s->conv == SC_PCT_IF_GT1 && v > 1))
		v /= 100;
	if (s->conv == SC_GIGS)
		v *= GIB;
	if (v < k->min || v > k->max)
		return seed_range(s, k, value, why, len);
	if (s->conv == SC_GIGS)
		ps->cfg->memory.limit = (struct num_size){(uint64_t)v, 0};
	else
		store_share(ps->cfg, k, v);
	return NULL;
}

static const char *seed_mode(struct config_parse *ps, const char *section,
			     const char *name, const char *value)
{
	if (strcasecmp(value, "even_active") == 0) {
		ps->cfg->cpu.mode = CONFIG_CPU_EVEN_ACTIVE;
		return NULL;
	}
	if (strcasecmp(value, "hard_cap") != 0)
		return "invalid value: expected even_active|hard_cap";
	/* hard_cap capped every user at cpu_pct_max of the machine, without
	 * dividing: that is cgfair's weight mode. */
	ps->cfg->cpu.mode = CONFIG_CPU_WEIGHT;
	config_report(ps, CONFIG_NOTICE,
		      "%s:%d: [%s] %s: hard_cap is [cpu] mode = weight in "
		      "cgfair (each user capped at cpu_pct_max of the machine)",
		      ps->file, ps->line, section, name);
	return NULL;
}

static const char *seed_legacy(struct config_parse *ps, const char *value)
{
	bool legacy;
	const char *err = num_parse_bool(value, &legacy);

	if (err == NULL)
		ps->cfg->daemon.backend =
		    legacy ? CONFIG_BACKEND_CGROUPFS : CONFIG_BACKEND_AUTO;
	return err;
}

/* Later assignments of the same key replace earlier ones. */
static void remember(struct cgfair_config *c, const struct seed_key *s,
		     const char *name, const char *value)
{
	struct config_seed_line *l = NULL;

	for (size_t i = 0; i < c->nseed && !l; i++)
		if (strcasecmp(c->seed[i].name, name) == 0)
			l = &c->seed[i];
	if (!l && c->nseed == CONFIG_SEED_KEYS_MAX)
		return;
	if (!l)
		l = &c->seed[c->nseed++];
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->value, sizeof(l->value), "%s", value);
	l->section = s->section;
	l->key = s->key;
	l->note = s->note;
}

void config_seed_key(struct config_parse *ps, const char *section,
		     const char *name, const char *value)
{
	const struct seed_key *s = find_seed_key(name);
	const struct key_def *k;
	const char *err = NULL;
	char why[256];

	if (strcasecmp(section, "main") != 0) {
		config_section_error(ps, section,
				     "unknown section (a Cgroup Py config has "
				     "only [main])");
		return;
	}
	if (s == NULL) {
		config_key_error(ps, section, name, "unknown key");
		return;
	}
	if (s->conv == SC_NOTICE) {
		config_report(ps, CONFIG_NOTICE, "%s:%d: [%s] %s: %s", ps->file,
			      ps->line, section, name, s->note);
		remember(ps->cfg, s, name, value);
		return;
	}
	k = config_find_key(config_keys, s->section, s->key);
	if (s->conv == SC_KEY)
		err = config_key_set(k, ps->cfg, value, ps->cfg->mem_total, why,
				     sizeof(why));
	else if (s->conv == SC_MODE)
		err = seed_mode(ps, section, name, value);
	else if (s->conv == SC_LEGACY)
		err = seed_legacy(ps, value);
	else
		err = seed_number(ps, s, k, value, why, sizeof(why));
	if (err != NULL) {
		config_key_error(ps, section, name, err);
		return;
	}
	config_note_origin(ps, (char *)ps->cfg + k->offset, name);
	remember(ps->cfg, s, name, value);
}
