/* policy/overrides.c: exemptions and users.d overrides. */
#ifndef CGFAIR_POLICY_OVERRIDES_H
#define CGFAIR_POLICY_OVERRIDES_H

#include "policy/types.h"

/* The users.d settings of a user: a [user:] section beats [group:]
 * sections, and between groups the assignment read last wins. exempt
 * (and POLICY_OVR(CONFIG_OVR_EXEMPT)) folds in every exemption rule:
 * uid < min_uid, nobody, exempt_users, exempt_groups, exempt = yes. */
/* The user's users.d `email =` (the one read last of its [user:]
 * sections, by name or uid), NULL when none: it replaces
 * NAME@user_domain for the notices. */
const char *policy_user_email(const struct cgfair_config *cfg,
			      const struct policy_ident *user);
void policy_resolve_user(const struct cgfair_config *cfg,
			 const struct policy_ident *user,
			 const struct policy_ident *groups, size_t ngroups,
			 struct policy_override *out);

/* Fields given in top replace those of base (run-time over users.d). */
void policy_override_merge(struct policy_override *base,
			   const struct policy_override *top);

/* uid < min_uid, uid > max_uid or nobody: never managed, whatever the
 * config says. */
bool policy_uid_exempt(const struct cgfair_config *cfg, uint32_t uid);
#endif
