/* The recorder's table of users, folded into minutes; see minute.h. */
#include "workers/recorder/minute.h"
#include "common/array.h"

#include <stdlib.h>
#include <string.h>

static size_t lower_bound(const struct rec_table *t, uint32_t uid)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->v[mid].row.uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void see(struct rec_user *u)
{
	if (u->row.mem_bytes > u->mem_peak)
		u->mem_peak = u->row.mem_bytes;
	if (u->row.nprocs > u->nprocs_max)
		u->nprocs_max = u->row.nprocs;
	u->flags_or |= u->row.flags & ~STATE_GONE;
}

/* A counter that went back (its cgroup made again, cgfaird restarted)
 * counts from zero. */
static uint64_t since(uint64_t now, uint64_t base)
{
	return now >= base ? now - base : now;
}

/* One counter of a known user's new row: when it went back, what the old
 * counter used since the flush is carried, and the new one counts from
 * zero; otherwise the old counter's progress is in the new one's. */
static void carry_one(uint64_t now, uint64_t last, uint64_t *base,
		      uint64_t *carry)
{
	if (now >= last)
		return;
	*carry += since(last, *base);
	*base = 0;
}

/* The user's cgroup removed and made again within the minute (cgfaird
 * removes a user two idle intervals after its last process; the user may
 * come back, or the scanner report it once more): the minute keeps what
 * the old cgroup counted. */
static void carry_back(struct rec_user *u, const struct ipc_user_state *r)
{
	const struct ipc_user_state *o = &u->row;

	carry_one(r->cpu_usec, o->cpu_usec, &u->base.cpu_usec,
		  &u->carry.cpu_usec);
	carry_one(r->throttled_usec, o->throttled_usec, &u->base.throttled_usec,
		  &u->carry.throttled_usec);
	carry_one(r->oom_kills, o->oom_kills, &u->base.oom_kills,
		  &u->carry.oom_kills);
}

struct rec_user *rec_take(struct rec_table *t, const struct ipc_user_state *r,
			  bool *fresh)
{
	size_t i = lower_bound(t, r->uid);
	struct rec_user *u;

	*fresh = false;
	if (i < t->n && t->v[i].row.uid == r->uid) {
		u = &t->v[i];
		if (r->flags & STATE_GONE) {
			u->gone = true; /* its last figures stay */
			return u;
		}
		carry_back(u, r);
	} else {
		if (r->flags & STATE_GONE)
			return NULL;
		u = array_insert(&t->v, &t->n, &t->cap, sizeof(*u), i);
		if (!u)
			return NULL;
		*fresh = true;
	}
	u->row = *r;
	u->gone = false;
	see(u); /* a peak between two samples still counts */
	return u;
}

void rec_set_base(struct rec_user *u, const struct rec_totals *db, bool started)
{
	const struct ipc_user_state *r = &u->row;

	if (db && r->cpu_usec >= db->cpu_usec)
		u->base.cpu_usec = db->cpu_usec;
	if (db && r->throttled_usec >= db->throttled_usec)
		u->base.throttled_usec = db->throttled_usec;
	if (db && r->oom_kills >= db->oom_kills)
		u->base.oom_kills = db->oom_kills;
	if (db) /* a counter below its total stays at zero */
		return;
	if (started)
		memset(&u->base, 0, sizeof(u->base));
	else
		u->base = (struct rec_totals){r->cpu_usec, r->throttled_usec,
					      r->oom_kills};
}

void rec_sample(struct rec_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct rec_user *u = &t->v[i];
		if (u->gone)
			continue;
		see(u);
		u->mem_sum += u->row.mem_bytes;
		u->samples++;
	}
}

static bool idle(const struct rec_minute *m)
{
	return !m->cpu_usec && !m->mem_peak && !m->nprocs && !m->oom_kills &&
	       !m->throttled_usec && !(m->flags & STATE_PENALTY);
}

static void fill(struct rec_minute *m, const struct rec_user *u, int64_t minute)
{
	const struct ipc_user_state *r = &u->row;

	memset(m, 0, sizeof(*m));
	m->minute = minute;
	m->uid = r->uid;
	m->nprocs = u->nprocs_max;
	m->flags = u->flags_or;
	m->samples = u->samples;
	m->cap_permille = r->cap_permille;
	m->cpu_usec = u->carry.cpu_usec + since(r->cpu_usec, u->base.cpu_usec);
	m->mem_sum = u->mem_sum;
	m->mem_peak = u->mem_peak;
	m->throttled_usec = u->carry.throttled_usec +
			    since(r->throttled_usec, u->base.throttled_usec);
	m->oom_kills =
	    u->carry.oom_kills + since(r->oom_kills, u->base.oom_kills);
	m->total =
	    (struct rec_totals){r->cpu_usec, r->throttled_usec, r->oom_kills};
	memcpy(m->name, r->name, sizeof(m->name));
	m->name[sizeof(m->name) - 1] = '\0';
}

int rec_flush(struct rec_table *t, int64_t minute, struct rec_minute **out,
	      size_t *n)
{
	struct rec_minute *v = t->n ? calloc(t->n, sizeof(*v)) : NULL;
	size_t k = 0, j = 0;

	if (t->n && !v)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		struct rec_user *u = &t->v[i];
		struct rec_minute m;

		fill(&m, u, minute);
		if (!idle(&m))
			v[k++] = m;
		u->base = m.total;
		u->carry = (struct rec_totals){0};
		u->mem_sum = u->mem_peak = 0;
		u->samples = u->nprocs_max = u->flags_or = 0;
		if (!u->gone)
			t->v[j++] = *u;
	}
	t->n = j;
	*out = v;
	*n = k;
	return 0;
}

void rec_clear(struct rec_table *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
