/*
 * The frontend's copy of the users' rows, as the supervisor last sent them:
 * a sorted array, so that status for thousands of users and a lookup by uid
 * are both cheap. Pure: no I/O.
 */
#ifndef CGFAIR_FRONTEND_ROWS_H
#define CGFAIR_FRONTEND_ROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc/ipc.h"

/* An admin's reason for a user's penalty (IPC_PENALTY_NOTE), kept apart
 * from the rows: the rows are replaced whole at every change, and a row
 * with room for a note would halve the rows in a batch. */
struct fe_note {
	uint32_t uid;
	char note[IPC_NOTE_MAX];
};

struct fe_rows {
	struct ipc_user_state *v;
	size_t n, cap;
	struct fe_note *notes; /* sorted by uid */
	size_t nnotes, notes_cap;
	/* the daemon-wide figures, as last sent (IPC_DAEMON_STATE) */
	struct ipc_daemon_state daemon;
	bool have_daemon;
};

/* Insert or replace the row of row->uid; STATE_GONE removes it. 0, or -1
 * when out of memory (the table is unchanged). */
int fe_rows_update(struct fe_rows *t, const struct ipc_user_state *row);
/* Every row of an IPC_USER_STATE batch; a row that cannot be stored (out
 * of memory) is logged and the others still taken. */
void fe_rows_take(struct fe_rows *t, const struct ipc_user_states *m);
const struct ipc_user_state *fe_rows_find(const struct fe_rows *t,
					  uint32_t uid);
const struct ipc_user_state *fe_rows_find_name(const struct fe_rows *t,
					       const char *name);
void fe_rows_clear(struct fe_rows *t);
/* Keep (or, for "", forget) the note of m->uid. 0, or -1 when out of
 * memory (logged). */
int fe_rows_note(struct fe_rows *t, const struct ipc_penalty_note *m);
/* The note of uid, NULL when none. */
const char *fe_rows_note_of(const struct fe_rows *t, uint32_t uid);
/* The supervisor's messages that keep the rows, for every worker that
 * serves them (frontend, metrics): IPC_USER_STATE and IPC_DAEMON_STATE
 * taken, true; any other message left to the caller, false. */
bool fe_rows_handle(struct fe_rows *t, const struct ipc_msg *msg);

#endif
