/*
 * `cgfaird --check-config`: the effective configuration in cgfair.conf
 * format, every key, so that the output read back gives the same config
 * (and a seed config's output is its translation).
 */
#include <string.h>

#include "policy/config_internal.h"

static const char *format_name(enum config_format f)
{
	return f == CONFIG_FORMAT_SEED ? "Cgroup Py v.2 (cgroup_py.conf)"
				       : "cgfair";
}

/* Lists are printed here, not through a buffer: they have no length. */
static void print_list(const char *name, const struct config_list *l, FILE *out)
{
	fprintf(out, "%s =", name);
	for (size_t i = 0; i < l->n; i++)
		fprintf(out, "%s %s", i ? "," : "", l->v[i]);
	fputc('\n', out);
}

static void print_globals(const struct cgfair_config *cfg, FILE *out)
{
	const char *section = "";
	char buf[512];

	for (const struct key_def *k = config_keys; k->name != NULL; k++) {
		if (strcmp(section, k->section) != 0) {
			section = k->section;
			fprintf(out, "\n[%s]\n", section);
		}
		if (k->type == KT_LIST || k->type == KT_GLOBS ||
		    k->type == KT_PATHS) {
			print_list(
			    k->name,
			    (const void *)((const char *)cfg + k->offset), out);
			continue;
		}
		config_key_print(k, cfg, buf, sizeof(buf));
		fprintf(out, "%s = %s\n", k->name, buf);
	}
}

static void print_override(const struct config_override *o, FILE *out)
{
	char buf[CONFIG_MAIL_MAX + 8];

	if (o->set == 0)
		return;
	fprintf(out, "\n[%s:%s]\n",
		o->kind == CONFIG_OVR_USER ? "user" : "group", o->name);
	for (const struct key_def *k = config_ovr_keys; k->name != NULL; k++) {
		if (!(o->set & (1u << k->ovr)))
			continue;
		config_key_print(k, o, buf, sizeof(buf));
		fprintf(out, "%s = %s\n", k->name, buf);
	}
}

static const struct config_seed_line *
seed_line_for(const struct cgfair_config *cfg, const struct key_def *k)
{
	const struct config_seed_line *found = NULL;

	for (size_t i = 0; i < cfg->nseed; i++)
		if (cfg->seed[i].key &&
		    strcmp(cfg->seed[i].key, k->name) == 0 &&
		    strcmp(cfg->seed[i].section, k->section) == 0)
			found = &cfg->seed[i];
	return found;
}

int config_print_migration(const struct cgfair_config *cfg, const char *from,
			   FILE *out)
{
	const char *section = "";
	char buf[512];

	fprintf(out,
		"# cgfair.conf(5) translated from %s by cgfaird "
		"--migrate-config.\n# Keys the seed did not set keep cgfair's "
		"defaults (cgfaird --check-config\n# prints them all).\n",
		from);
	for (const struct key_def *k = config_keys; k->name != NULL; k++) {
		const struct config_seed_line *l = seed_line_for(cfg, k);
		if (!l)
			continue;
		if (strcmp(section, k->section) != 0) {
			section = k->section;
			fprintf(out, "\n[%s]\n", section);
		}
		config_key_print(k, cfg, buf, sizeof(buf));
		fprintf(out, "# from cgroup_py.conf: %s = %s\n%s = %s\n",
			l->name, l->value, k->name, buf);
	}
	for (size_t i = 0; i < cfg->nseed; i++)
		if (!cfg->seed[i].key)
			fprintf(out, "\n# not translated: %s = %s\n#   (%s)\n",
				cfg->seed[i].name, cfg->seed[i].value,
				cfg->seed[i].note);
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}

int config_print(const struct cgfair_config *cfg, FILE *out)
{
	fprintf(out, "# cgfair effective configuration (read as %s format)\n",
		format_name(cfg->format));
	if (cfg->mem_total > 0)
		fprintf(out, "# shares of RAM are of MemTotal = %llu bytes\n",
			(unsigned long long)cfg->mem_total);
	print_globals(cfg, out);
	for (size_t i = 0; i < cfg->n_overrides; i++)
		print_override(&cfg->overrides[i], out);
	return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
