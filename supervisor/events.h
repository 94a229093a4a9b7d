/*
 * cgfair's events: the one list of event types, and event_emit(), which
 * every part of the supervisor calls. Each event goes to every sink:
 *   - the journal (sd_journal_send: a MESSAGE_ID per type, CGFAIR_*
 *     fields; etc/cgfair.catalog explains each type);
 *   - the JSON-lines event log, whose throttleCPU and OOM records also
 *     carry every key Cgroup Py v.2 wrote in its throttle.log;
 *   - the sinks added with events_add_sink() (the frontend's subscribers).
 * A sink that fails is logged (once per burst) and never stops the daemon.
 */
#ifndef CGFAIR_EVENTS_H
#define CGFAIR_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "supervisor/event_types.h"

/* Where events go; the lead fills it from the configuration. */
struct event_settings {
	const char *log_path; /* JSON lines; NULL: the default, "": none */
	/* the seed's throttle.log: its throttleCPU and OOM records with
	 * exactly its keys, nothing else; NULL or "": none */
	const char *seed_log_path;
	const char *node;	  /* NODE; NULL or "": the host name */
	bool journal;		  /* send to the journal */
	uint64_t max_user_events; /* per user and minute; 0: the default */
	sd_event *event;	  /* the loop (main.c's; not configuration) */
};

#define EVENTS_DEFAULT_LOG "/var/log/cgfair/events.log"

/* Apply settings (again on reload): opens the log, creating its directory
 * 0750. A log that cannot be opened is logged; events still go to the
 * other sinks. */
void events_init(const struct event_settings *s);
/* Close and reopen the log (SIGHUP, after logrotate moved it). */
void events_reopen(void);
void events_close(void);

/* Send one event to every sink. */
void event_emit(enum event_type type, const struct event_fields *f);

/* A third sink: fn gets every event as one JSON object (no newline), the
 * same text as the log line, and the fields it was made from. At most
 * EVENTS_MAX_SINKS. */
#define EVENTS_MAX_SINKS 4
typedef void (*event_sink)(enum event_type type, const char *json,
			   const struct event_fields *f, void *arg);
int events_add_sink(event_sink fn, void *arg);

const char *event_type_name(enum event_type type);

/* For the tests: the JSON record of an event (free() it), and a line of
 * text made fit for JSON and the journal (valid UTF-8, no controls). */
char *event_format_json(enum event_type type, const struct event_fields *f,
			struct timespec now);
void event_sanitize(char *s);

#endif
