/*
 * Who is managed, and with which users.d settings. The caller resolves
 * names through NSS and passes them in (user name, groups with names), so
 * this stays pure; sections and lists match a name, or an id when written
 * as digits.
 */
#include <stdlib.h>
#include <string.h>

#include "policy/overrides.h"
#include "common/num.h"

/* "1234" -> 1234; false when s is not all digits or too large. */
static bool parse_id(const char *s, uint32_t *id)
{
	uint64_t v;

	if (num_parse_uint_max(s, UINT32_MAX, &v) != NULL)
		return false;
	*id = (uint32_t)v;
	return true;
}

static bool matches(const char *entry, const struct policy_ident *who)
{
	uint32_t id;

	if (who->name != NULL && strcmp(entry, who->name) == 0)
		return true;
	return parse_id(entry, &id) && id == who->id;
}

static bool matches_any(const char *entry, const struct policy_ident *who,
			size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (matches(entry, &who[i]))
			return true;
	}
	return false;
}

static bool listed(const struct config_list *l, const struct policy_ident *who,
		   size_t n)
{
	for (size_t i = 0; i < l->n; i++) {
		if (matches_any(l->v[i], who, n))
			return true;
	}
	return false;
}

bool policy_uid_exempt(const struct cgfair_config *cfg, uint32_t uid)
{
	return uid < cfg->users.min_uid || uid > cfg->users.max_uid ||
	       uid == CONFIG_UID_NOBODY;
}

static void take(struct policy_override *out, const struct config_override *o,
		 int k)
{
	switch (k) {
	case CONFIG_OVR_CPU_CAP:
		out->cpu_cap = o->cpu_cap;
		break;
	case CONFIG_OVR_CPU_WEIGHT:
		out->cpu_weight = o->cpu_weight;
		break;
	case CONFIG_OVR_MEMORY_LIMIT:
		out->memory_limit = o->memory_limit.bytes;
		break;
	case CONFIG_OVR_SWAP_LIMIT:
		out->swap_limit = o->swap_limit.bytes;
		break;
	case CONFIG_OVR_AUTO_PENALTY:
		out->auto_penalty = o->auto_penalty;
		break;
	case CONFIG_OVR_PENALTY_CPU:
		out->penalty_cpu = o->penalty_cpu;
		break;
	case CONFIG_OVR_PENALTY_MEM:
		out->penalty_mem = o->penalty_mem;
		break;
	case CONFIG_OVR_MAX_TASKS:
		out->max_tasks = o->max_tasks;
		break;
	case CONFIG_OVR_MEMORY_HIGH:
		out->memory_high = o->memory_high.bytes;
		break;
	case CONFIG_OVR_IO_WEIGHT:
		out->io_weight = o->io_weight;
		break;
	case CONFIG_OVR_EMAIL: /* not a limit: policy_user_email */
		return;
	default:
		out->exempt = o->exempt;
		break;
	}
	out->set |= POLICY_OVR(k);
}

/* For each key, the matching entry that set it last: users and groups
 * apart, since a user's own section wins over its groups'. */
struct pick {
	const struct config_override *user[CONFIG_OVR_N];
	const struct config_override *group[CONFIG_OVR_N];
};

static void pick_entry(struct pick *pk, const struct config_override *o,
		       bool user)
{
	const struct config_override **slot = user ? pk->user : pk->group;

	for (int k = 0; k < CONFIG_OVR_N; k++) {
		if ((o->set & POLICY_OVR(k)) &&
		    (slot[k] == NULL || o->seq[k] > slot[k]->seq[k]))
			slot[k] = o;
	}
}

/* user-level setting, else exempt_users, else group-level setting, else
 * exempt_groups: so "exempt = no" for one user beats an exempt group. */
static bool resolve_exempt(const struct cgfair_config *cfg,
			   const struct pick *pk,
			   const struct policy_ident *user,
			   const struct policy_ident *groups, size_t ngroups)
{
	if (policy_uid_exempt(cfg, user->id))
		return true;
	if (pk->user[CONFIG_OVR_EXEMPT] != NULL)
		return pk->user[CONFIG_OVR_EXEMPT]->exempt;
	if (listed(&cfg->users.exempt_users, user, 1))
		return true;
	if (pk->group[CONFIG_OVR_EXEMPT] != NULL)
		return pk->group[CONFIG_OVR_EXEMPT]->exempt;
	return listed(&cfg->users.exempt_groups, groups, ngroups);
}

void policy_resolve_user(const struct cgfair_config *cfg,
			 const struct policy_ident *user,
			 const struct policy_ident *groups, size_t ngroups,
			 struct policy_override *out)
{
	struct pick pk;

	memset(&pk, 0, sizeof(pk));
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < cfg->n_overrides; i++) {
		const struct config_override *o = &cfg->overrides[i];

		if (o->kind == CONFIG_OVR_USER && matches(o->name, user))
			pick_entry(&pk, o, true);
		else if (o->kind == CONFIG_OVR_GROUP &&
			 matches_any(o->name, groups, ngroups))
			pick_entry(&pk, o, false);
	}
	for (int k = 0; k < CONFIG_OVR_N; k++) {
		const struct config_override *o =
		    pk.user[k] != NULL ? pk.user[k] : pk.group[k];

		if (o != NULL && k != CONFIG_OVR_EXEMPT)
			take(out, o, k);
	}
	out->exempt = resolve_exempt(cfg, &pk, user, groups, ngroups);
	out->set |= POLICY_OVR(CONFIG_OVR_EXEMPT);
}

const char *policy_user_email(const struct cgfair_config *cfg,
			      const struct policy_ident *user)
{
	const struct config_override *found = NULL;

	for (size_t i = 0; i < cfg->n_overrides; i++) {
		const struct config_override *o = &cfg->overrides[i];
		if (o->kind == CONFIG_OVR_USER &&
		    (o->set & POLICY_OVR(CONFIG_OVR_EMAIL)) &&
		    matches(o->name, user) &&
		    (!found ||
		     o->seq[CONFIG_OVR_EMAIL] > found->seq[CONFIG_OVR_EMAIL]))
			found = o;
	}
	return found ? found->email : NULL;
}

void policy_override_merge(struct policy_override *base,
			   const struct policy_override *top)
{
	if (top->set & POLICY_OVR(CONFIG_OVR_CPU_CAP))
		base->cpu_cap = top->cpu_cap;
	if (top->set & POLICY_OVR(CONFIG_OVR_CPU_WEIGHT))
		base->cpu_weight = top->cpu_weight;
	if (top->set & POLICY_OVR(CONFIG_OVR_MEMORY_LIMIT))
		base->memory_limit = top->memory_limit;
	if (top->set & POLICY_OVR(CONFIG_OVR_SWAP_LIMIT))
		base->swap_limit = top->swap_limit;
	if (top->set & POLICY_OVR(CONFIG_OVR_MAX_TASKS))
		base->max_tasks = top->max_tasks;
	if (top->set & POLICY_OVR(CONFIG_OVR_MEMORY_HIGH))
		base->memory_high = top->memory_high;
	if (top->set & POLICY_OVR(CONFIG_OVR_IO_WEIGHT))
		base->io_weight = top->io_weight;
	if (top->set & POLICY_OVR(CONFIG_OVR_EXEMPT))
		base->exempt = top->exempt;
	if (top->set & POLICY_OVR(CONFIG_OVR_AUTO_PENALTY))
		base->auto_penalty = top->auto_penalty;
	if (top->set & POLICY_OVR(CONFIG_OVR_PENALTY_CPU))
		base->penalty_cpu = top->penalty_cpu;
	if (top->set & POLICY_OVR(CONFIG_OVR_PENALTY_MEM))
		base->penalty_mem = top->penalty_mem;
	base->set |= top->set;
}
