/* The per-user, per-kind rate limit of cgfair-notify; see limit.h. */
#include "workers/notify/limit.h"

static struct notify_slot *find(struct notify_limit *l, uint32_t uid,
				uint32_t kind)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->slot[i].uid == uid && l->slot[i].kind == kind)
			return &l->slot[i];
	return NULL;
}

/* A free slot, else the one sent longest ago: a linear scan, as events
 * worth a message are rare (a few a minute on a busy node). */
static struct notify_slot *take(struct notify_limit *l)
{
	struct notify_slot *old;

	if (l->n < NOTIFY_LIMIT_SLOTS)
		return &l->slot[l->n++];
	old = &l->slot[0];
	for (size_t i = 1; i < l->n; i++)
		if (l->slot[i].last < old->last)
			old = &l->slot[i];
	l->evicted_held += old->held;
	return old;
}

bool notify_limit_admit(struct notify_limit *l, uint32_t uid, uint32_t kind,
			int64_t now, int64_t every_s, uint32_t *held,
			int64_t *since)
{
	struct notify_slot *s = find(l, uid, kind);

	if (s && every_s > 0 && now - s->last < every_s) {
		if (s->held++ == 0)
			s->first_held = now;
		return false;
	}
	if (!s) {
		s = take(l);
		*s = (struct notify_slot){.uid = uid, .kind = kind};
	}
	*held = s->held;
	*since = s->first_held;
	s->held = 0;
	s->last = now;
	return true;
}
