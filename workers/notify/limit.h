/*
 * The rate limit of cgfair-notify: at most one message per user and kind
 * per period; what is held back is counted and said in the next message.
 * Pure (the caller gives the time), so that the unit tests drive it.
 */
#ifndef CGFAIR_NOTIFY_LIMIT_H
#define CGFAIR_NOTIFY_LIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Users tracked at once: beyond, the slot sent longest ago is reused
 * (its held count is lost, which the caller logs). */
#define NOTIFY_LIMIT_SLOTS 4096

struct notify_slot {
	uint32_t uid, kind;
	int64_t last;  /* when the last message went out (s) */
	uint32_t held; /* events since then that sent nothing */
	int64_t first_held;
};

struct notify_limit {
	struct notify_slot slot[NOTIFY_LIMIT_SLOTS];
	size_t n;
	uint64_t evicted_held; /* held counts lost to eviction, in all */
};

/* An event of kind for uid at now (seconds, monotonic): true when a
 * message goes out now, *held then being how many were held back before
 * it (and *since when the first of them happened); false: held back,
 * counted. every_s 0: no limit. */
bool notify_limit_admit(struct notify_limit *l, uint32_t uid, uint32_t kind,
			int64_t now, int64_t every_s, uint32_t *held,
			int64_t *since);

#endif
