/*
 * Subordinate uids, the supervisor's side ([users] subordinate_uids). A
 * user with a range in /etc/subuid (rootless podman, `podman unshare`)
 * runs processes as uids of that range; each would otherwise become a
 * managed user of its own, with its own share. Here such a uid is the
 * owner's: its processes go into the owner's cgroup.
 *
 * The file is parsed by the scanner (workers/scanner/subuid.c): this file
 * opens it (the scanner has no access to /etc), checks who may have
 * written it, passes the fd, and takes back the ranges as written. It
 * then resolves each owner (a name through NSS, or a number) and keeps a
 * range only when
 *  - the owner resolves, and the range neither holds the owner nor starts
 *    below [users] min_uid (root and system users are never anyone's);
 *  - it does not overlap a range kept before it (the file's order wins);
 *  - fewer than IPC_SUBUID_MAX were kept.
 * The table kept goes back to the scanner, which judges placement by it.
 * At the move, a uid NSS knows is its own user even inside a range: a
 * scanner lying about the file can at worst charge a uid no account has
 * to some user, never move a known user's or root's process.
 *
 * The file is watched (inotify on its directory: usermod and useradd
 * replace it by rename) and re-read when it changes.
 */
#include "supervisor/subuid.h"
#include "supervisor/workers.h"
#include "common/log.h"
#include "common/num.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#define WARN_DETAIL 3 /* ignored ranges named one by one, then a count */

static struct {
	sd_event *event;
	bool enabled;
	char path[PATH_MAX];
	uint32_t min_uid;
	uint32_t generation; /* of the last IPC_SUBUID_FILE */
	/* ranges of the file being read, as the scanner sends them */
	struct ipc_subuid_range *in;
	size_t nin;
	uint32_t skipped;
	/* the table in force, sorted by start */
	struct ipc_subuid_entry table[IPC_SUBUID_MAX];
	size_t ntable;
	sd_event_source *watch;
	char watched_dir[PATH_MAX];
} sub;

static struct worker *scanner(void)
{
	return worker_get(ROLE_SCANNER, 0);
}

static int cmp_start(const void *a, const void *b)
{
	const struct ipc_subuid_entry *x = a, *y = b;
	return x->start < y->start ? -1 : x->start > y->start;
}

/* The table to the scanner, in batches; the last one flagged. */
static void send_table(void)
{
	struct ipc_subuid_table t;
	size_t i = 0;

	do {
		size_t k = sub.ntable - i < IPC_SUBUID_ROWS ? sub.ntable - i
							    : IPC_SUBUID_ROWS;
		memset(&t, 0, sizeof(t));
		t.generation = sub.generation;
		t.count = (uint32_t)k;
		memcpy(t.entry, sub.table + i, k * sizeof(t.entry[0]));
		i += k;
		t.last = i == sub.ntable;
		if (worker_tell(scanner(), IPC_SUBUID_TABLE, &t, sizeof(t),
				NULL, 0) < 0)
			return;
	} while (i < sub.ntable);
}

static void clear_input(void)
{
	free(sub.in);
	sub.in = NULL;
	sub.nin = 0;
	sub.skipped = 0;
}

/* No ranges: the switch is off, or the file is missing or refused. */
static void apply_empty(void)
{
	clear_input();
	sub.ntable = 0;
	send_table();
}

/* Who may have written the file: root only, like /etc/passwd. */
static int open_checked(void)
{
	struct stat st;
	int fd = open(sub.path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY |
				    O_NONBLOCK);

	if (fd < 0) {
		if (errno == ENOENT)
			log_info("subordinate uids: no %s; none in force",
				 sub.path);
		else
			log_warn("subordinate uids: cannot open %s; none in "
				 "force",
				 sub.path);
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		log_warnx("subordinate uids: %s is not a regular file owned "
			  "by root and writable by root only; none in force",
			  sub.path);
		close(fd);
		return -1;
	}
	return fd;
}

static void watch(void);

/* Hand the file to a (re)started scanner, or after a change. */
void subuid_send(void)
{
	struct ipc_subuid_file f;
	int fd;

	watch();
	if (!scanner() || worker_pid(scanner()) <= 0)
		return;
	sub.generation++;
	clear_input();
	if (!sub.enabled || (fd = open_checked()) < 0) {
		apply_empty();
		return;
	}
	f = (struct ipc_subuid_file){.generation = sub.generation};
	worker_tell(scanner(), IPC_SUBUID_FILE, &f, sizeof(f), &fd, 1);
	close(fd);
}

/* A name through NSS, or a number as subuid(5) allows. */
static int resolve_owner(const char *s, uid_t *uid)
{
	struct passwd *pw;

	if (s[0] >= '0' && s[0] <= '9') {
		uint32_t v;

		if (num_parse_uid(s, &v))
			return -EINVAL;
		*uid = (uid_t)v;
		return 0;
	}
	pw = getpwnam(s);
	if (!pw)
		return -ENOENT;
	*uid = pw->pw_uid;
	return 0;
}

/* NULL when the range is kept, else why not. */
static const char *refuse(const struct ipc_subuid_range *r, uid_t owner,
			  int resolved)
{
	uint64_t end = (uint64_t)r->start + r->count;

	if (resolved < 0)
		return "its owner is not a known user";
	if (r->count == 0 || end > UINT32_MAX)
		return "it is empty or too long";
	if (r->start < sub.min_uid)
		return "it starts below [users] min_uid";
	if (owner >= r->start && owner < end)
		return "it holds its owner's own uid";
	for (size_t i = 0; i < sub.ntable; i++) {
		const struct ipc_subuid_entry *e = &sub.table[i];
		if (r->start < (uint64_t)e->start + e->count && e->start < end)
			return "it overlaps an earlier range";
	}
	if (sub.ntable == IPC_SUBUID_MAX)
		return "too many ranges";
	return NULL;
}

static void build_table(void)
{
	size_t ignored = 0, owners = 0;

	sub.ntable = 0;
	for (size_t i = 0; i < sub.nin; i++) {
		const struct ipc_subuid_range *r = &sub.in[i];
		uid_t owner = (uid_t)-1;
		int resolved = resolve_owner(r->owner, &owner);
		const char *why = refuse(r, owner, resolved);

		if (why) {
			if (ignored++ < WARN_DETAIL)
				log_warnx("subordinate uids: %s: range %u-%u "
					  "of '%s' ignored: %s",
					  sub.path, r->start,
					  r->start + r->count - 1, r->owner,
					  why);
			continue;
		}
		sub.table[sub.ntable++] = (struct ipc_subuid_entry){
		    .start = r->start, .count = r->count, .owner = owner};
	}
	qsort(sub.table, sub.ntable, sizeof(sub.table[0]), cmp_start);
	for (size_t i = 0; i < sub.ntable; i++) {
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = sub.table[j].owner == sub.table[i].owner;
		owners += !seen;
	}
	log_info("subordinate uids: %zu ranges of %zu users in force from "
		 "%s (%zu ignored, %u lines did not parse)",
		 sub.ntable, owners, sub.path, ignored, sub.skipped);
}

bool subuid_ranges(const struct ipc_subuid_ranges *m)
{
	struct ipc_subuid_range *grown;

	if (m->generation != sub.generation)
		return true; /* an answer to a file since replaced */
	if (sub.nin + m->count > IPC_SUBUID_MAX)
		return false; /* more than the scanner may send */
	grown = realloc(sub.in, (sub.nin + m->count + 1) * sizeof(*sub.in));
	if (!grown) {
		log_warnx("subordinate uids: out of memory; table kept");
		clear_input();
		return true;
	}
	sub.in = grown;
	memcpy(sub.in + sub.nin, m->range, m->count * sizeof(m->range[0]));
	sub.nin += m->count;
	sub.skipped = m->skipped;
	if (m->last) {
		build_table();
		clear_input();
		send_table();
	}
	return true;
}

uid_t subuid_charge(uid_t uid)
{
	const struct ipc_subuid_entry *e =
	    ipc_subuid_find(sub.table, sub.ntable, (uint32_t)uid);

	/* getpwuid may open files (NSS), as users.c says; only for uids
	 * inside a range, so once per move of such a process */
	if (!e || getpwuid(uid))
		return uid;
	return (uid_t)e->owner;
}

static int on_dir_change(sd_event_source *s, const struct inotify_event *ev,
			 void *data)
{
	char copy[PATH_MAX];

	(void)s;
	(void)data;
	snprintf(copy, sizeof(copy), "%s", sub.path);
	if (ev->len && strcmp(ev->name, basename(copy)) == 0) {
		log_info("subordinate uids: %s changed; reading it again",
			 sub.path);
		subuid_send();
	}
	return 0;
}

/* Watch the file's directory (the file itself is replaced by rename). */
static void watch(void)
{
	char copy[PATH_MAX], dir[PATH_MAX];

	snprintf(copy, sizeof(copy), "%s", sub.path);
	snprintf(dir, sizeof(dir), "%s", dirname(copy));
	if (sub.watch && strcmp(dir, sub.watched_dir) == 0)
		return;
	sub.watch = sd_event_source_disable_unref(sub.watch);
	sub.watched_dir[0] = '\0';
	if (!sub.enabled || !sub.event)
		return;
	if (sd_event_add_inotify(sub.event, &sub.watch, dir,
				 IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE |
				     IN_DELETE | IN_MOVED_FROM | IN_ATTRIB,
				 on_dir_change, NULL) < 0) {
		log_warnx("subordinate uids: cannot watch %s; changes to %s "
			  "are read at the next reload",
			  dir, sub.path);
		return;
	}
	snprintf(sub.watched_dir, sizeof(sub.watched_dir), "%s", dir);
}

void subuid_configure(sd_event *event, bool enabled, const char *path,
		      uint32_t min_uid)
{
	sub.event = event;
	sub.enabled = enabled;
	snprintf(sub.path, sizeof(sub.path), "%s", path);
	sub.min_uid = min_uid;
}
