/*
 * What admins set at run time and must survive a restart: penalty-box
 * entries and fixed per-user limits. Kept in a small table keyed by uid
 * (users come and go from the user table when idle; their penalty stays)
 * and written atomically to <state_dir>/state.json after every change.
 */
#ifndef CGFAIR_STATE_H
#define CGFAIR_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>
#include <systemd/sd-event.h>

#include "ipc/ipc.h"
#include "policy/policy.h"

struct runtime_override {
	uid_t uid;
	struct policy_penalty penalty; /* penalty.on: in the box */
	int64_t cpu_permille; /* fixed cap, 1/1000 of a CPU; -1: none */
	int64_t mem_bytes;    /* fixed memory limit; -1: none */
	/* -1: none (the configured one), IPC_LIMIT_MAX: no limit */
	int64_t max_tasks;
	int64_t mem_high;
	int64_t io_weight;
	/* the admin's reason for the penalty in force, "" none: one line of
	 * valid UTF-8 without control characters (event_sanitize) */
	char note[IPC_NOTE_MAX];
};

/* Read <dir>/state.json. A missing file is an empty state; a damaged one
 * is logged, moved aside to state.json.bad, and an empty state used. */
void state_load(const char *dir);
/* Write atomically (temp file, fsync, rename). 0 or -errno (logged). */
int state_save(void);
struct runtime_override *state_find(uid_t uid);
struct runtime_override *state_get(uid_t uid); /* created empty if absent */
/* Forget entries that hold nothing any more. */
void state_prune(void);
size_t state_count(void);
struct runtime_override *state_at(size_t i);

/* Other files of the state directory (state_load names it), for the
 * parts of the state that keep their own file. state_read_file: the
 * parsed file when it exists and has this version and an array under
 * that key; NULL when it does not exist, and when it is damaged (logged,
 * moved aside to NAME.bad, saying that the daemon starts with `lost`).
 * state_file_damaged: the same for an entry found bad after reading.
 * state_write_file: atomically (temp file, fsync, rename); 0 or -errno. */
json_object *state_read_file(const char *name, int version, const char *array,
			     const char *lost);
void state_file_damaged(const char *name, const char *lost);
int state_write_file(const char *name, json_object *root);

/* A state file written at the end of the loop iteration in which it
 * changed: once, however many changes came in that iteration. `write`
 * writes the file (0 or -errno, logged); a failed write leaves it dirty,
 * so the next change or the flush at stop tries again. */
struct state_saver {
	int (*write)(void);
	sd_event *event; /* the loop; NULL: the flush at stop writes it */
	sd_event_source *source;
	bool dirty;
};
/* Mark dirty; write at the end of this iteration of s->event's loop
 * (with no loop, at the next flush). */
void state_saver_soon(struct state_saver *s);
/* Write now (and cancel a pending write). */
int state_saver_write(struct state_saver *s);
/* Write now if dirty. */
int state_saver_flush(struct state_saver *s);

#endif
