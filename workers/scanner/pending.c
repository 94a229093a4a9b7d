/*
 * Processes of managed users seen outside their cgroup, until they are
 * placed or gone: an open-addressing table keyed by pid (linear probing,
 * backward-shift deletion, so no tombstones). Their CPU time is the only
 * per-process figure a cycle reads; once a process leaves the table its
 * last CPU time moves to a per-uid "retired" total, so that the user's
 * extra CPU time stays cumulative (never goes backwards) when the process
 * is placed (its time so far stayed in its old cgroup) or exits.
 */
#include "workers/scanner/scanner.h"
#include "common/array.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define PENDING_MAX (1u << 16) /* beyond: the next sweep finds the rest */

struct retired {
	uid_t uid;
	uint64_t ticks;
};

static struct pending *slots;
static size_t nslots, used;
static struct retired *ret;
static size_t nret, capret;

static size_t slot_of(pid_t pid)
{
	return ((uint32_t)pid * 2654435761u) & (nslots - 1);
}

void pending_reset(void)
{
	free(slots);
	free(ret);
	slots = NULL;
	ret = NULL;
	nslots = used = nret = capret = 0;
}

struct pending *pending_find(pid_t pid)
{
	if (!nslots || pid <= 0)
		return NULL;
	for (size_t i = slot_of(pid);; i = (i + 1) & (nslots - 1)) {
		if (slots[i].pid == pid)
			return &slots[i];
		if (slots[i].pid == 0)
			return NULL;
	}
}

static struct pending *insert(const struct pending *p)
{
	size_t i = slot_of(p->pid);

	while (slots[i].pid != 0)
		i = (i + 1) & (nslots - 1);
	slots[i] = *p;
	used++;
	return &slots[i];
}

/* Keep the load under one half. */
static int grow(void)
{
	struct pending *old = slots;
	size_t oldn = nslots, n = nslots ? nslots * 2 : 1024;

	slots = calloc(n, sizeof(*slots));
	if (!slots) {
		slots = old;
		return -ENOMEM;
	}
	nslots = n;
	used = 0;
	for (size_t i = 0; i < oldn; i++)
		if (old[i].pid)
			insert(&old[i]);
	free(old);
	return 0;
}

struct pending *pending_put(const struct proc_info *pi, bool *fresh)
{
	struct pending *p = pending_find(pi->pid);

	*fresh = false;
	if (p && p->start_time == pi->start_time && p->uid == pi->uid) {
		if (pi->cpu_ticks > p->cpu_ticks)
			p->cpu_ticks = pi->cpu_ticks;
		return p;
	}
	if (p) /* pid reused, or the same process under a new uid */
		pending_retire(pi->pid);
	if (used >= PENDING_MAX)
		return NULL;
	if ((used + 1) * 2 > nslots && grow() < 0)
		return NULL;
	*fresh = true;
	struct pending e = {.pid = pi->pid,
			    .uid = pi->uid,
			    .owner = pi->owner,
			    .start_time = pi->start_time,
			    .cpu_ticks = pi->cpu_ticks};
	return insert(&e);
}

/* The per-uid totals are sorted by uid and bisected: a cycle looks up
 * every user's, and every placed process leaves one (10,000 users placed
 * at start-up are 10,000 entries). */
static struct retired *retired_find(uid_t uid, bool create)
{
	size_t at = array_uid_lower_bound(ret, nret, sizeof(*ret),
					  offsetof(struct retired, uid), uid);

	if (at < nret && ret[at].uid == uid)
		return &ret[at];
	if (!create)
		return NULL;
	struct retired *r =
	    array_insert(&ret, &nret, &capret, sizeof(*ret), at);
	if (r)
		r->uid = uid;
	return r;
}

static void retire_ticks(uid_t uid, uint64_t ticks)
{
	struct retired *r = retired_find(uid, true);

	if (r)
		r->ticks = ticks > UINT64_MAX - r->ticks ? UINT64_MAX
							 : r->ticks + ticks;
}

/* Backward-shift deletion: move later entries of the run into the hole
 * when their home slot allows it. */
void pending_retire(pid_t pid)
{
	struct pending *p = pending_find(pid);

	if (!p)
		return;
	retire_ticks(p->owner, p->cpu_ticks);
	size_t hole = (size_t)(p - slots);
	for (size_t j = (hole + 1) & (nslots - 1); slots[j].pid;
	     j = (j + 1) & (nslots - 1)) {
		size_t home = slot_of(slots[j].pid);
		/* can j's entry move to hole? only if home is not in
		 * (hole, j] cyclically */
		bool between = hole <= j ? (home > hole && home <= j)
					 : (home > hole || home <= j);
		if (!between) {
			slots[hole] = slots[j];
			hole = j;
		}
	}
	slots[hole].pid = 0;
	used--;
}

size_t pending_count(void)
{
	return used;
}

/* fn returns true to drop the entry (retire it). Drops happen after the
 * walk: a backward shift during it could move an entry past the cursor,
 * or wrap one around to be visited twice. */
void pending_foreach(bool (*fn)(struct pending *p, void *arg), void *arg)
{
	pid_t *drop = used ? calloc(used, sizeof(*drop)) : NULL;
	size_t ndrop = 0;

	for (size_t i = 0; i < nslots; i++)
		if (slots[i].pid && fn(&slots[i], arg) && drop)
			drop[ndrop++] = slots[i].pid;
	for (size_t i = 0; i < ndrop; i++)
		pending_retire(drop[i]);
	free(drop);
}

uint64_t retired_ticks(uid_t uid)
{
	struct retired *r = retired_find(uid, false);
	return r ? r->ticks : 0;
}

/* Forget the totals of users keep() no longer wants (gone altogether). */
void retired_forget(bool (*keep)(uid_t uid, void *arg), void *arg)
{
	size_t j = 0;

	for (size_t i = 0; i < nret; i++)
		if (keep(ret[i].uid, arg))
			ret[j++] = ret[i];
	nret = j;
}

void retired_foreach(void (*fn)(uid_t uid, void *arg), void *arg)
{
	for (size_t i = 0; i < nret; i++)
		fn(ret[i].uid, arg);
}
