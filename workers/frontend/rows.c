/* The frontend's table of users' rows, sorted by uid. */
#include "workers/frontend/rows.h"
#include "common/array.h"
#include "common/log.h"

#include <stddef.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Index of uid, or where it would go. */
static size_t lower_bound(const struct fe_rows *t, uint32_t uid)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int grow(struct fe_rows *t)
{
	size_t cap = t->cap ? t->cap * 2 : 64;
	struct ipc_user_state *v = reallocarray(t->v, cap, sizeof(*v));

	if (!v)
		return -1;
	t->v = v;
	t->cap = cap;
	return 0;
}

int fe_rows_update(struct fe_rows *t, const struct ipc_user_state *row)
{
	size_t i = lower_bound(t, row->uid);
	bool found = i < t->n && t->v[i].uid == row->uid;

	if (row->flags & STATE_GONE) {
		if (found) {
			memmove(&t->v[i], &t->v[i + 1],
				(t->n - i - 1) * sizeof(*t->v));
			t->n--;
		}
		return 0;
	}
	if (!found) {
		if (t->n == t->cap && grow(t) < 0)
			return -1;
		memmove(&t->v[i + 1], &t->v[i], (t->n - i) * sizeof(*t->v));
		t->n++;
	}
	t->v[i] = *row;
	/* the supervisor checked termination; keep it true for our copy */
	t->v[i].name[sizeof(t->v[i].name) - 1] = '\0';
	return 0;
}

const struct ipc_user_state *fe_rows_find(const struct fe_rows *t, uint32_t uid)
{
	size_t i = lower_bound(t, uid);

	return i < t->n && t->v[i].uid == uid ? &t->v[i] : NULL;
}

const struct ipc_user_state *fe_rows_find_name(const struct fe_rows *t,
					       const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->v[i].name, name) == 0)
			return &t->v[i];
	return NULL;
}

void fe_rows_clear(struct fe_rows *t)
{
	free(t->v);
	t->v = NULL;
	t->n = t->cap = 0;
	free(t->notes);
	t->notes = NULL;
	t->nnotes = t->notes_cap = 0;
}

static size_t note_index(const struct fe_rows *t, uint32_t uid)
{
	return array_uid_lower_bound(t->notes, t->nnotes, sizeof(*t->notes),
				     offsetof(struct fe_note, uid), uid);
}

int fe_rows_note(struct fe_rows *t, const struct ipc_penalty_note *m)
{
	size_t i = note_index(t, m->uid);
	bool found = i < t->nnotes && t->notes[i].uid == m->uid;
	struct fe_note *n;

	if (!m->note[0]) {
		if (found) {
			memmove(&t->notes[i], &t->notes[i + 1],
				(t->nnotes - i - 1) * sizeof(*t->notes));
			t->nnotes--;
		}
		return 0;
	}
	n = found ? &t->notes[i]
		  : array_insert(&t->notes, &t->nnotes, &t->notes_cap,
				 sizeof(*t->notes), i);
	if (!n) {
		log_warnx("out of memory for the penalty note of uid %u",
			  m->uid);
		return -1;
	}
	n->uid = m->uid;
	/* the supervisor checked the NUL and the control bytes */
	snprintf(n->note, sizeof(n->note), "%s", m->note);
	return 0;
}

const char *fe_rows_note_of(const struct fe_rows *t, uint32_t uid)
{
	size_t i = note_index(t, uid);

	return i < t->nnotes && t->notes[i].uid == uid ? t->notes[i].note
						       : NULL;
}

void fe_rows_take(struct fe_rows *t, const struct ipc_user_states *m)
{
	for (uint32_t i = 0; i < m->count; i++)
		if (fe_rows_update(t, &m->row[i]) < 0)
			log_warnx("out of memory for the row of uid %u",
				  m->row[i].uid);
}

bool fe_rows_handle(struct fe_rows *t, const struct ipc_msg *msg)
{
	switch (msg->hdr.type) {
	case IPC_USER_STATE:
		fe_rows_take(t, &msg->u.user_states);
		return true;
	case IPC_DAEMON_STATE:
		t->daemon = msg->u.daemon_state;
		t->have_daemon = true;
		return true;
	default:
		return false;
	}
}
