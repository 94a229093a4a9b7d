/* The configuration, translated into each module's own settings struct:
 * the modules take plain parameters and never read the config directly. */
#ifndef CGFAIR_SETTINGS_H
#define CGFAIR_SETTINGS_H

#include "policy/config.h"
#include "supervisor/backend.h"
#include "supervisor/events.h"
#include "supervisor/metrics.h"
#include "supervisor/fleet.h"
#include "supervisor/history.h"
#include "supervisor/frontend.h"
#include "supervisor/oom.h"
#include "supervisor/placement.h"

void settings_backend(const struct cgfair_config *c, bool dry_run,
		      struct backend_params *out);
void settings_placement(const struct cgfair_config *c,
			struct placement_params *out);
void settings_oom(const struct cgfair_config *c, struct oom_settings *out);
void settings_events(const struct cgfair_config *c, struct event_settings *out);
void settings_history(const struct cgfair_config *c,
		      struct history_settings *out);
/* [fleet], the node's name defaulting to [log] node_name, then the host
 * name. */
void settings_fleet(const struct cgfair_config *c, struct fleet_settings *out);
void settings_metrics(const struct cgfair_config *c,
		      struct metrics_settings *out);
/* [notify], with the node and system names and the mail defaults. */
void settings_notify(const struct cgfair_config *c,
		     struct ipc_notify_setup *out);
/* The prefix of Cgroup Py's cgroups: the seed file's cgprefix when it was
 * read and is a plain name, else its default "cg_". */
const char *settings_seed_prefix(const struct cgfair_config *c);
void settings_frontend(const struct cgfair_config *c,
		       struct frontend_settings *out);

#endif
