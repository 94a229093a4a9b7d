/*
 * Linux audit records (libaudit) of what changes users' limits: every
 * admin action and refused attempt, every penalty that ends by timeout,
 * cgfaird's start, stop and reload. One type, USYS_CONFIG (docs/events.md
 * says why and lists the fields). Without audit in the kernel, or with
 * [audit] enabled = no, nothing is sent and the daemon says so once.
 */
#ifndef CGFAIR_AUDIT_H
#define CGFAIR_AUDIT_H

#include "supervisor/actor.h"

#include <stdbool.h>
#include <sys/types.h>

/* At start, as root, before the capabilities are reduced (the caller
 * keeps CAP_AUDIT_WRITE): opens the NETLINK_AUDIT socket once. */
void audit_init(bool enabled);
/* [audit] enabled again on reload. */
void audit_configure(bool enabled);

/* One record: op (penalty, release, forgive, limit, limit-clear, reload,
 * penalty-auto, penalty-end, start, stop), the target uid (0: none), the
 * actor (NULL: cgfaird itself), what changed (NULL: nothing), success or
 * not. */
void audit_record(const char *op, uid_t target, const struct actor *who,
		  const struct change *ch, bool ok);

/* The message text of that record (before libaudit adds exe, hostname,
 * addr, terminal and res): for the tests. free() it. */
char *audit_format(const char *op, uid_t target, const struct actor *who,
		   const struct change *ch);

#endif
