/*
 * The systemd backend's write queue (see busq.h). Slots live in a
 * tsearch(3) tree by uid only while they have work (values waiting, a
 * call in flight, a failure to retry): with thousands of users the table
 * stays as small as the change in progress. The ready and retry lists
 * are plain uid arrays, each entry checked against its slot when taken
 * (an entry made stale by busq_drop or busq_want is skipped): every
 * operation is O(log n) in the users with work, never a walk over them.
 */
#include "supervisor/busq.h"
#include "common/array.h"

#include <errno.h>
#include <search.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	uid_t uid;
	bool pending;  /* a call in flight: sent holds its values */
	bool queued;   /* on the ready list */
	bool deferred; /* failed: waits for busq_retry */
	bool dropped;  /* forgotten while its call was in flight */
	struct busq_props wanted, sent;
};

struct uid_list {
	uid_t *v;
	size_t head, n, cap;
};

struct busq {
	void *root;
	struct uid_list ready, retry;
	unsigned inflight, max_inflight;
};

static int cmp_uid(const void *a, const void *b)
{
	uid_t x = ((const struct slot *)a)->uid;
	uid_t y = ((const struct slot *)b)->uid;

	return x < y ? -1 : x > y;
}

static struct slot *find(const struct busq *q, uid_t uid)
{
	struct slot key = {.uid = uid};
	struct slot **s = tfind(&key, &q->root, cmp_uid);

	return s ? *s : NULL;
}

static struct slot *get(struct busq *q, uid_t uid)
{
	struct slot *s = find(q, uid), **t;

	if (s)
		return s;
	if (!(s = calloc(1, sizeof(*s))))
		return NULL;
	s->uid = uid;
	if (!(t = tsearch(s, &q->root, cmp_uid))) {
		free(s);
		return NULL;
	}
	return *t;
}

/* A slot without work goes: the tree holds only users with work. */
static void maybe_free(struct busq *q, struct slot *s)
{
	if (s->pending || s->queued || s->deferred || s->wanted.mask)
		return;
	tdelete(s, &q->root, cmp_uid);
	free(s);
}

static int list_push(struct uid_list *l, uid_t uid)
{
	if (l->head && l->head >= l->n / 2) { /* taken entries go */
		memmove(l->v, l->v + l->head, (l->n - l->head) * sizeof(*l->v));
		l->n -= l->head;
		l->head = 0;
	}
	if (array_reserve(&l->v, l->n, &l->cap, sizeof(*l->v)) < 0)
		return -ENOMEM;
	l->v[l->n++] = uid;
	return 0;
}

static void make_ready(struct busq *q, struct slot *s)
{
	if (s->pending || s->queued || !s->wanted.mask)
		return;
	/* out of memory: the values wait in the slot until a later want
	 * of this user queues it */
	s->queued = list_push(&q->ready, s->uid) == 0;
}

/* Values of p over those of into: the newer ones win. */
static void merge(struct busq_props *into, const struct busq_props *p,
		  uint32_t bits)
{
	for (unsigned i = 0; i < BUSQ_NPROPS; i++)
		if (bits & (1u << i))
			into->value[i] = p->value[i];
	into->mask |= bits;
}

struct busq *busq_new(unsigned max_inflight)
{
	struct busq *q = calloc(1, sizeof(*q));

	if (q)
		q->max_inflight = max_inflight ? max_inflight : 1;
	return q;
}

void busq_free(struct busq *q)
{
	if (!q)
		return;
	tdestroy(q->root, free);
	free(q->ready.v);
	free(q->retry.v);
	free(q);
}

int busq_want(struct busq *q, uid_t uid, const struct busq_props *p)
{
	struct slot *s = get(q, uid);

	if (!s)
		return -ENOMEM;
	s->dropped = false;
	s->deferred = false; /* sent with the new values */
	merge(&s->wanted, p, p->mask);
	make_ready(q, s);
	return 0;
}

bool busq_next(struct busq *q, uid_t *uid, struct busq_props *out)
{
	struct uid_list *l = &q->ready;

	while (q->inflight < q->max_inflight && l->head < l->n) {
		struct slot *s = find(q, l->v[l->head++]);
		if (!s || !s->queued)
			continue; /* a stale entry */
		s->queued = false;
		if (s->pending || !s->wanted.mask) {
			maybe_free(q, s);
			continue;
		}
		s->sent = s->wanted;
		s->wanted.mask = 0;
		s->pending = true;
		q->inflight++;
		*uid = s->uid;
		*out = s->sent;
		return true;
	}
	return false;
}

void busq_done(struct busq *q, uid_t uid, bool ok)
{
	struct slot *s = find(q, uid);
	bool newer;

	if (!s || !s->pending)
		return;
	s->pending = false;
	q->inflight--;
	if (s->dropped) {
		s->dropped = false;
		maybe_free(q, s);
		return;
	}
	newer = s->wanted.mask != 0;
	if (!ok) /* only what no newer value replaced */
		merge(&s->wanted, &s->sent, s->sent.mask & ~s->wanted.mask);
	if (ok || newer)
		make_ready(q, s);
	else if (list_push(&q->retry, uid) == 0)
		s->deferred = true;
	maybe_free(q, s);
}

struct collect {
	uid_t *v;
	size_t n, cap;
};

static void collect_pending(const void *node, VISIT which, void *arg)
{
	const struct slot *s = *(struct slot *const *)node;
	struct collect *c = arg;

	if ((which == postorder || which == leaf) && s->pending &&
	    array_reserve(&c->v, c->n, &c->cap, sizeof(*c->v)) == 0)
		c->v[c->n++] = s->uid;
}

void busq_abort(struct busq *q)
{
	struct collect c = {0};

	twalk_r(q->root, collect_pending, &c);
	for (size_t i = 0; i < c.n; i++)
		busq_done(q, c.v[i], false);
	free(c.v);
}

bool busq_retry(struct busq *q)
{
	struct uid_list *l = &q->retry;
	bool any = false;

	for (size_t i = l->head; i < l->n; i++) {
		struct slot *s = find(q, l->v[i]);
		if (!s || !s->deferred)
			continue;
		s->deferred = false;
		make_ready(q, s);
		any |= s->queued;
		maybe_free(q, s);
	}
	l->head = l->n = 0;
	return any;
}

bool busq_failed(const struct busq *q, uid_t uid)
{
	const struct slot *s = find(q, uid);

	return s && s->deferred;
}

void busq_drop(struct busq *q, uid_t uid)
{
	struct slot *s = find(q, uid);

	if (!s)
		return;
	s->wanted.mask = 0;
	s->deferred = false;
	s->dropped = s->pending;
	maybe_free(q, s);
}

const struct busq_props *busq_inflight_of(const struct busq *q, uid_t uid)
{
	const struct slot *s = find(q, uid);

	return s && s->pending ? &s->sent : NULL;
}

unsigned busq_inflight(const struct busq *q)
{
	return q->inflight;
}

unsigned busq_waiting(const struct busq *q)
{
	return (unsigned)(q->ready.n - q->ready.head);
}

bool busq_busy(const struct busq *q)
{
	return q->inflight || q->ready.head < q->ready.n;
}
