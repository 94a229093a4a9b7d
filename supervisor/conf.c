/*
 * Loading the configuration for the supervisor. The parser (policy/) is
 * pure and reports through a callback; here the reports become log lines,
 * and the result is swapped in only when the whole load succeeded.
 */
#include "supervisor/conf.h"
#include "supervisor/backend.h"
#include "common/log.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/sysinfo.h>

#define MAX_HOOKS 8

static struct cgfair_config current;
static char main_path[CONFIG_PATH_MAX]; /* "" when only defaults */
static char dropin_dir[CONFIG_PATH_MAX];
/* the seed's file when cgfair.conf is read too: its keys fill the gaps */
static char seed_base[CONFIG_PATH_MAX];
static const char *cli_config; /* --config, kept for reloads */
static void (*hooks[MAX_HOOKS])(const struct cgfair_config *cfg);
static unsigned nhooks;
static struct conf_load_status load_status;

struct report_ctx {
	char *first; /* the first error, for the admin's reply */
	size_t len;
	unsigned errors;
};

const struct cgfair_config *conf(void)
{
	return &current;
}

const struct conf_load_status *conf_load_status(void)
{
	return &load_status;
}

static void note_load(bool ok)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	load_status.ok = ok;
	load_status.when = (uint64_t)ts.tv_sec;
	if (ok)
		load_status.ok_when = load_status.when;
}

void conf_add_reload_hook(void (*hook)(const struct cgfair_config *cfg))
{
	if (nhooks == MAX_HOOKS)
		fatalx(EXIT_FATAL, "too many reload hooks");
	hooks[nhooks++] = hook;
}

static void report(void *arg, enum config_level level, const char *msg)
{
	struct report_ctx *ctx = arg;

	if (level == CONFIG_NOTICE) {
		log_info("config: %s", msg);
		return;
	}
	log_warnx("config: %s", msg);
	if (ctx->errors++ == 0 && ctx->first)
		snprintf(ctx->first, ctx->len, "%s", msg);
}

/* RAM from sysinfo(2): the supervisor does not parse /proc. */
static uint64_t mem_total(void)
{
	struct sysinfo si;
	if (sysinfo(&si) < 0)
		return 0;
	return (uint64_t)si.totalram * si.mem_unit;
}

/* users.d lives beside a cgfair.conf; the seed's file and the defaults
 * use /etc/cgfair/users.d. */
static void pick_paths(const char *explicit_path)
{
	const char *m =
	    config_pick_main(explicit_path, CONFIG_MAIN_PATH, CONFIG_SEED_PATH);
	snprintf(main_path, sizeof(main_path), "%s", m ? m : "");
	snprintf(dropin_dir, sizeof(dropin_dir), "%s", CONFIG_DROPIN_PATH);
	/* a host moving from Cgroup Py: cgfair.conf wins key by key, the
	 * seed's file is not silently dropped (issue 15) */
	seed_base[0] = '\0';
	if (!explicit_path && m && strcmp(m, CONFIG_MAIN_PATH) == 0 &&
	    access(CONFIG_SEED_PATH, F_OK) == 0)
		snprintf(seed_base, sizeof(seed_base), "%s", CONFIG_SEED_PATH);
	if (m && strcmp(m, CONFIG_SEED_PATH) != 0) {
		char tmp[CONFIG_PATH_MAX];
		snprintf(tmp, sizeof(tmp), "%s", m);
		snprintf(dropin_dir, sizeof(dropin_dir), "%s/users.d",
			 dirname(tmp));
	}
}

static int load(struct cgfair_config *cfg, struct report_ctx *ctx,
		bool explicit_main)
{
	const char *dirs[] = {dropin_dir, NULL};
	struct config_source src = {
	    .main = main_path[0] ? main_path : NULL,
	    .seed_base = seed_base[0] ? seed_base : NULL,
	    .main_optional = !explicit_main,
	    .format = CONFIG_FORMAT_AUTO,
	    .dropin_dirs = dirs,
	    .mem_total = mem_total(),
	    .report = report,
	    .report_arg = ctx,
	};
	return config_load(cfg, &src);
}

void conf_load_initial(const char *explicit_path)
{
	struct report_ctx ctx = {0};

	cli_config = explicit_path;
	pick_paths(explicit_path);
	if (load(&current, &ctx, explicit_path != NULL) < 0)
		fatalx(EXIT_CONFIG,
		       "the configuration has %u error(s); "
		       "not starting",
		       ctx.errors);
	note_load(true);
	log_info("configuration: %s%s%s",
		 main_path[0] ? main_path : "built-in defaults",
		 seed_base[0] ? ", over " : "", seed_base);
}

/* The seed's file (or --config), whatever else exists: the output is
 * usually redirected into the cgfair.conf that would otherwise hide it. */
void conf_migrate_and_exit(const char *explicit_path)
{
	struct report_ctx ctx = {0};
	const char *seed = explicit_path ? explicit_path : CONFIG_SEED_PATH;
	struct config_source src = {.main = seed,
				    .format = CONFIG_FORMAT_SEED,
				    .mem_total = mem_total(),
				    .report = report,
				    .report_arg = &ctx};

	if (config_load(&current, &src) < 0) {
		fprintf(stderr, "%s: %u error(s); nothing written\n", seed,
			ctx.errors);
		exit(EXIT_CONFIG);
	}
	exit(config_print_migration(&current, seed, stdout) == 0 ? EXIT_OK
								 : EXIT_FATAL);
}

void conf_set_runtime(uint64_t interval_ms, double max_share,
		      uint64_t mem_limit)
{
	if (interval_ms)
		current.daemon.interval_ms = interval_ms;
	if (max_share > 0)
		current.cpu.max_share = max_share;
	if (mem_limit)
		current.memory.limit = (struct num_size){mem_limit, 0};
	log_info("set option: interval %llu ms, max_percent %.1f%%, memory "
		 "limit %llu bytes (until the next reload)",
		 (unsigned long long)current.daemon.interval_ms,
		 current.cpu.max_share * 100,
		 (unsigned long long)current.memory.limit.bytes);
}

/* [io] weight asked for (globally or for someone) on a host whose kernel
 * cannot weigh I/O: said at the check, not only at start. */
static void note_io_weight(void)
{
	bool asked = current.io.weight != 100;
	const char *why;

	for (size_t i = 0; i < current.n_overrides && !asked; i++)
		asked = current.overrides[i].set & (1u << CONFIG_OVR_IO_WEIGHT);
	if (asked && (why = cg1_io_weight_note("/sys/fs/cgroup")))
		fprintf(stderr, "note: %s\n", why);
}

void conf_check_and_exit(const char *explicit_path)
{
	struct report_ctx ctx = {0};

	pick_paths(explicit_path);
	if (load(&current, &ctx, explicit_path != NULL) < 0) {
		fprintf(stderr, "configuration invalid: %u error(s)\n",
			ctx.errors);
		exit(EXIT_CONFIG);
	}
	fprintf(stderr, "configuration valid: %s\n",
		main_path[0] ? main_path : "built-in defaults");
	note_io_weight();
	exit(config_print(&current, stdout) == 0 ? EXIT_OK : EXIT_FATAL);
}

int conf_reload(char *msg, size_t len)
{
	struct cgfair_config next;
	struct report_ctx ctx = {.first = msg, .len = len};

	/* without --config, look again: cgfair.conf may have been created
	 * (or the seed's file removed) since the start */
	pick_paths(cli_config);
	if (load(&next, &ctx, cli_config != NULL) < 0) {
		log_warnx("reload: %u error(s); keeping the configuration in "
			  "force",
			  ctx.errors);
		note_load(false);
		return -22; /* -EINVAL; msg holds the first error */
	}
	config_free(&current);
	current = next;
	note_load(true);
	snprintf(msg, len, "configuration reloaded from %s",
		 main_path[0] ? main_path : "built-in defaults");
	log_info("%s", msg);
	for (unsigned i = 0; i < nhooks; i++)
		hooks[i](&current);
	return 0;
}
