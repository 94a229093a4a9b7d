/*
 * The managed-user table. tsearch(3) keeps it (a balanced tree in libc:
 * O(log n) lookups, deletion, walking), so no hash table is written here.
 */
#include "supervisor/users.h"
#include "supervisor/backend.h"
#include "common/log.h"

#include <errno.h>
#include <math.h>
#include <pwd.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_HOOKS 8

static void *root;
static unsigned count;
static unsigned max_users = 10000;
static user_hook hooks[MAX_HOOKS];
static unsigned nhooks;

static int cmp_uid(const void *a, const void *b)
{
	uid_t x = ((const struct user *)a)->uid;
	uid_t y = ((const struct user *)b)->uid;
	return x < y ? -1 : x > y;
}

void users_add_hook(user_hook hook)
{
	if (nhooks == MAX_HOOKS)
		fatalx(EXIT_FATAL, "too many user hooks");
	hooks[nhooks++] = hook;
}

struct user *user_find(uid_t uid)
{
	struct user key = {.uid = uid};
	struct user **found = tfind(&key, &root, cmp_uid);
	return found ? *found : NULL;
}

/* getpwuid may open files (NSS); the supervisor reads no untrusted input
 * from it beyond copying the name into a bounded field. */
static void set_name(struct user *u)
{
	struct passwd *pw = getpwuid(u->uid);

	u->no_passwd = !pw;
	if (pw && pw->pw_name[0])
		snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
	else
		snprintf(u->name, sizeof(u->name), "%u", (unsigned)u->uid);
}

void users_set_max(unsigned max)
{
	max_users = max;
}

/* Logged once a minute at most: a hostile scanner may report a new uid
 * on every message. */
static void too_many(uid_t uid)
{
	static time_t last;
	time_t now = time(NULL);

	if (now - last < 60)
		return;
	last = now;
	log_warnx("uid %u not managed: already %u users ([users] max_users)",
		  (unsigned)uid, max_users);
}

struct user *user_entry(uid_t uid)
{
	struct user *u = user_find(uid);

	if (!u && count >= max_users) {
		too_many(uid);
		return NULL;
	}
	if (!u) {
		u = calloc(1, sizeof(*u));
		if (!u)
			fatal(EXIT_FATAL, "calloc");
		u->uid = uid;
		u->cpu_delta = -1;
		u->use_cores = NAN;
		u->oom_watcher = -1;
		u->oom_fd = -1;
		snprintf(u->name, sizeof(u->name), "%u", (unsigned)uid);
		if (!tsearch(u, &root, cmp_uid))
			fatal(EXIT_FATAL, "tsearch");
		count++;
	}
	return u;
}

struct user *user_ensure(uid_t uid)
{
	struct user *u = user_entry(uid);

	if (!u)
		return NULL;
	if (!u->named) {
		set_name(u);
		u->named = true;
	}
	if (!u->has_cgroup) {
		if (backend_ensure_user(uid) < 0)
			return NULL;
		u->has_cgroup = true;
		log_info("user %s (uid %u): cgroup ready", u->name,
			 (unsigned)uid);
		for (unsigned i = 0; i < nhooks; i++)
			hooks[i](u, true);
	}
	return u;
}

int user_remove(uid_t uid)
{
	struct user *u = user_find(uid);
	int r = 0;

	if (!u)
		return -ENOENT;
	if (u->has_cgroup) {
		for (unsigned i = nhooks; i-- > 0;)
			hooks[i](u, false);
		r = backend_remove_user(uid);
		if (r == -EBUSY) {
			/* still in use: arm again, keep the entry */
			for (unsigned i = 0; i < nhooks; i++)
				hooks[i](u, true);
			return r;
		}
		u->has_cgroup = false;
	}
	tdelete(u, &root, cmp_uid);
	count--;
	log_info("user %s (uid %u): removed", u->name, (unsigned)uid);
	free(u->ev_dropped);
	free(u);
	return r;
}

static void (*walk_fn)(struct user *u, void *arg);
static void *walk_arg;

static void walk(const void *node, VISIT v, int depth)
{
	(void)depth;
	if (v == postorder || v == leaf)
		walk_fn(*(struct user *const *)node, walk_arg);
}

/* fn must not add or remove users (collect uids, then act). */
void users_foreach(void (*fn)(struct user *u, void *arg), void *arg)
{
	walk_fn = fn;
	walk_arg = arg;
	twalk(root, walk);
}

unsigned users_count(void)
{
	return count;
}
