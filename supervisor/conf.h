/* The supervisor's current configuration: loaded at start, reloaded on
 * SIGHUP or by an admin; a config with errors never replaces a good one. */
#ifndef CGFAIR_CONF_H
#define CGFAIR_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/config.h"

/* The configuration in force. */
const struct cgfair_config *conf(void);

/* How the last load (start or reload) went, for the metrics. */
struct conf_load_status {
	bool ok;	  /* the last load succeeded */
	uint64_t when;	  /* CLOCK_REALTIME seconds of the last load */
	uint64_t ok_when; /* of the last successful one */
};
const struct conf_load_status *conf_load_status(void);
/* Load at start; exits with EXIT_CONFIG after logging every error. */
void conf_load_initial(const char *explicit_path);
/* --check-config: print the effective configuration; exit 0 or 3. */
void conf_check_and_exit(const char *explicit_path) __attribute__((noreturn));
/* --migrate-config: the seed's config (or explicit_path) as cgfair.conf on
 * stdout, then exit. */
void conf_migrate_and_exit(const char *explicit_path) __attribute__((noreturn));
/* Reload; 0 and the new config in force, or -EINVAL with the old one kept.
 * msg says what happened (first error). Runs the reload hooks. */
int conf_reload(char *msg, size_t len);
/* The seed's `set option`: change the configuration in force until the
 * next reload; 0 leaves a value as it is. */
void conf_set_runtime(uint64_t interval_ms, double max_share,
		      uint64_t mem_limit);
void conf_add_reload_hook(void (*hook)(const struct cgfair_config *cfg));

#endif
