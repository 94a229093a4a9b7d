/* The daemon-wide figures of the metrics; see daemon_state.h. */
#include "supervisor/daemon_state.h"
#include "supervisor/workers.h"
#include "supervisor/conf.h"
#include "supervisor/events.h"
#include "supervisor/fleet.h"
#include "supervisor/loop.h"
#include "common/clock.h"
#include "common/log.h"

#include <string.h>

/* The workers that render metrics. */
static const enum ipc_role renderers[] = {ROLE_FRONTEND, ROLE_METRICS};

void daemon_state_send(struct worker *w)
{
	const struct conf_load_status *c = conf_load_status();
	struct ipc_daemon_state m;

	memset(&m, 0, sizeof(m));
	m.reload_ok = c->ok;
	m.reload_time = c->when;
	m.reload_ok_time = c->ok_when;
	m.nworkers = workers_restart_counts(m.worker, IPC_WORKERS_MAX);
	if (fleet_state()) {
		m.fleet_on = 1;
		m.fleet = *fleet_state();
	}
	loop_stats(&m.loop, clock_mono_usec());
	worker_tell(w, IPC_DAEMON_STATE, &m, sizeof(m), NULL, 0);
}

void daemon_state_changed(void)
{
	for (size_t i = 0; i < sizeof(renderers) / sizeof(renderers[0]); i++) {
		struct worker *w = worker_get(renderers[i], 0);
		if (w && worker_pid(w) > 0)
			daemon_state_send(w);
	}
}

static void on_event(enum event_type type, const char *json,
		     const struct event_fields *f, void *arg)
{
	(void)json;
	(void)f;
	(void)arg;
	if (type == EVENT_WORKER_RESTART || type == EVENT_CONFIG_RELOAD)
		daemon_state_changed();
}

void daemon_state_init(void)
{
	if (events_add_sink(on_event, NULL) < 0)
		fatalx(EXIT_FATAL, "no room for the metrics' event sink");
}
