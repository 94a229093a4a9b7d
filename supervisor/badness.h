/*
 * The automatic penalty box's per-user state (policy/badness.c decides;
 * this keeps it): score, tier and use window per uid, kept while a user
 * comes and goes from the user table and across restarts in
 * <state_dir>/badness.json.
 */
#ifndef CGFAIR_BADNESS_H
#define CGFAIR_BADNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "policy/policy.h"

/* Read <state_dir>/badness.json (after state_load named the directory).
 * A missing file is a clean slate; a damaged one is logged and moved
 * aside. */
void badness_load(sd_event *e);
/* NULL when the uid has none. */
const struct policy_badness *badness_find(uid_t uid);
/* The uid's state for a policy step to work on (policy_user.badness),
 * made empty when it has none. It stays where it is until badness_put,
 * badness_tick or badness_forget drops it. */
struct policy_badness *badness_slot(uid_t uid);
/* After a policy step: a state the step left empty is dropped, a change
 * of score, tier or warning makes the file due. */
void badness_put(uid_t uid);
/* An admin's forgive: score, tier and window gone (badness_flush writes
 * it). Returns whether the uid had any. */
bool badness_forget(uid_t uid);
/* An automatic action or an admin's forgive: written at the end of this
 * event loop iteration. */
void badness_save_soon(void);
/* Once per interval: entries that hold nothing are dropped, and what
 * changed is written when the last write is a minute old. */
void badness_tick(int64_t now_ms, uint64_t window_ms);
/* Write now what is not written yet (on stop); 0 or -errno (logged). */
int badness_flush(void);

#endif
