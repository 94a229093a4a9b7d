/*
 * The queue of the systemd backend's property writes (busq.c): which
 * user's properties go to PID 1 next, with a bounded number of calls in
 * flight. Pure bookkeeping, no D-Bus: the backend sends what busq_next
 * hands out and reports each reply with busq_done.
 *
 * Per user, at most one call is in flight, and the values wanted since
 * wait in one slot (a newer value of a property replaces the older one):
 * a newer value is never overtaken by an older one. A failed call's
 * values go back to the slot (unless a newer value came meanwhile) and
 * wait for busq_retry (once a cycle).
 */
#ifndef CGFAIR_BUSQ_H
#define CGFAIR_BUSQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BUSQ_NPROPS 16 /* property indexes, the caller's names */

struct busq_props {
	uint32_t mask; /* bit i: value[i] is set */
	uint64_t value[BUSQ_NPROPS];
};

struct busq;

/* NULL when out of memory. max_inflight >= 1. */
struct busq *busq_new(unsigned max_inflight);
void busq_free(struct busq *q);

/* Values wanted for uid (merged over what waits). -ENOMEM or 0. */
int busq_want(struct busq *q, uid_t uid, const struct busq_props *p);
/* The next call to make: false when the bound is reached or nothing
 * waits. The values are the uid's call in flight until busq_done. */
bool busq_next(struct busq *q, uid_t *uid, struct busq_props *out);
/* The reply to uid's call in flight. */
void busq_done(struct busq *q, uid_t uid, bool ok);
/* Every call in flight ended without a reply (connection closed). */
void busq_abort(struct busq *q);
/* What failed is sent again: true when something was. */
bool busq_retry(struct busq *q);
/* uid's last call failed and waits for busq_retry. */
bool busq_failed(const struct busq *q, uid_t uid);
/* Forget what waits for uid (its call in flight, if any, still ends). */
void busq_drop(struct busq *q, uid_t uid);
/* The values of uid's call in flight, NULL without one. */
const struct busq_props *busq_inflight_of(const struct busq *q, uid_t uid);
unsigned busq_inflight(const struct busq *q);
/* Users whose values are ready to send (not in flight, not failed); an
 * upper bound: entries a drop made stale are counted until skipped. */
unsigned busq_waiting(const struct busq *q);
/* Calls in flight, or values ready to send (failed ones not counted). */
bool busq_busy(const struct busq *q);

#endif
