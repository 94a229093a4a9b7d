/*
 * The managed users of the subtree: its user-* directories, listed only
 * when the directory changed since the last listing.
 *
 * Listing a kernfs directory costs ~0.7 us an entry (getdents64 walks its
 * rb-tree and formats every name), ~7 ms a cycle at 10,000 users, while
 * the set of users changes only when a user cgroup is made or removed.
 * Both are a mkdir or rmdir in the directory, which inotify reports
 * (IN_CREATE, IN_DELETE, and renames for completeness); the listing is
 * kept between cycles and done again when an event came, when the queue
 * overflowed, when the watch is gone (the subtree removed: IN_IGNORED)
 * or when the directory is another one (made anew: a new inode). Without
 * inotify (no fd, no watch left) every cycle lists, as before.
 *
 * The watch is added before the listing: a change made while listing
 * then shows as an event, and costs one more listing next cycle, never a
 * missed user.
 */
#include "workers/scanner/scanner.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#define WATCH_MASK                                                             \
	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |                 \
	 IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

void listing_init(struct listing *l)
{
	*l = (struct listing){.ifd = -1, .wd = -1};
	l->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
}

/* Forget the listing (a new subtree); the inotify fd stays. */
void listing_reset(struct listing *l)
{
	if (l->ifd >= 0 && l->wd >= 0)
		inotify_rm_watch(l->ifd, l->wd);
	l->wd = -1;
	l->valid = false;
	l->n = 0;
}

void listing_free(struct listing *l)
{
	listing_reset(l);
	if (l->ifd >= 0)
		close(l->ifd);
	free(l->seen);
	*l = (struct listing){.ifd = -1, .wd = -1};
}

/* Read every queued event. True when any says the listing may be stale
 * (every event does: the watch reports only changes of the directory). */
static bool drain(struct listing *l)
{
	char buf[4096]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	bool changed = false;
	ssize_t n;

	while ((n = read(l->ifd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			const struct inotify_event *e =
			    (const struct inotify_event *)(buf + off);
			off += (ssize_t)(sizeof(*e) + e->len);
			changed = true;
			if (e->mask & IN_IGNORED && e->wd == l->wd)
				l->wd = -1; /* the directory is gone */
		}
	}
	return changed;
}

static bool same_dir(const struct listing *l, const struct stat *st)
{
	return l->dev == st->st_dev && l->ino == st->st_ino;
}

static int cmp_seen(const void *a, const void *b)
{
	uid_t x = ((const struct cgstat_seen *)a)->uid;
	uid_t y = ((const struct cgstat_seen *)b)->uid;
	return x < y ? -1 : x > y;
}

/* A fresh listing of root (path: the same directory, for the watch). */
static int relist(struct listing *l, int root, const char *path,
		  const struct match *m, const struct stat *st)
{
	int r;

	if (l->ifd >= 0) {
		l->wd = inotify_add_watch(l->ifd, path, WATCH_MASK);
		(void)drain(l); /* older news: the listing below is newer */
	}
	l->n = 0;
	l->valid = false;
	r = cgstat_list_users(root, m, &l->seen, &l->n, &l->cap);
	if (l->n > 1) /* what a failed listing found is used all the same */
		qsort(l->seen, l->n, sizeof(*l->seen), cmp_seen);
	l->dev = st->st_dev;
	l->ino = st->st_ino;
	/* without a watch, or after a failed listing, list again next time */
	l->valid = r == 0 && l->wd >= 0;
	l->relists++;
	return r;
}

/* The managed users under root (sorted by uid) into l->seen / l->n
 * (l->relists counts the listings done). A missing root is an empty
 * listing. */
int listing_get(struct listing *l, int root, const char *path,
		const struct match *m)
{
	struct stat st;

	if (root < 0 || fstat(root, &st) < 0) {
		listing_reset(l);
		return 0;
	}
	if (l->ifd >= 0 && drain(l))
		l->valid = false;
	/* valid holds a watch: an event that ends it (IN_IGNORED) makes
	 * drain() report a change */
	if (l->valid && same_dir(l, &st))
		return 0;
	return relist(l, root, path, m, &st);
}
