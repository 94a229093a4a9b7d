/*
 * The OOM counting marks, kept across restarts in <state_dir>/oom.json:
 * per user, which cgroup (the inode number of its directory in the memory
 * hierarchy: the kernel never gives a new cgroup an old one's) and the
 * oom_kill value up to which kills were reported. Without them a restart
 * would take each counter as a new baseline, and the kills made while
 * cgfaird was stopped or dead (the systemd backend keeps the slices and
 * their memory limits then) would never be reported.
 *
 * A mark moves when a kill's event went out, and when a user is armed for
 * the first time after a start. Saving waits for the end of the event
 * loop's current iteration (a defer source), so that a burst of kills or
 * a start with many users writes the file once. Marks are never dropped:
 * a uid that comes back in a new cgroup finds its old mark and, the cgroup
 * being another, has every kill of the new one reported.
 */
#include "supervisor/oom_marks.h"
#include "supervisor/state.h"
#include "common/array.h"
#include "common/log.h"

#include <stdlib.h>

#define MARKS_FILE    "oom.json"
#define MARKS_VERSION 1
#define NOTHING_KEPT  "no OOM marks (kills while cgfaird was down are lost)"

/* Sorted by uid; a user is armed or killed rarely, a lookup is a bsearch. */
static struct oom_mark *marks;
static size_t nmarks, alloc;
static int save(void);
static struct state_saver saver = {.write = save};

static int cmp_mark(const void *a, const void *b)
{
	uid_t x = ((const struct oom_mark *)a)->uid;
	uid_t y = ((const struct oom_mark *)b)->uid;
	return x < y ? -1 : x > y;
}

const struct oom_mark *oom_marks_find(uid_t uid)
{
	struct oom_mark key = {.uid = uid};
	return nmarks ? bsearch(&key, marks, nmarks, sizeof(key), cmp_mark)
		      : NULL;
}

static struct oom_mark *get(uid_t uid)
{
	struct oom_mark *m = (struct oom_mark *)oom_marks_find(uid);
	size_t at = 0;

	if (m)
		return m;
	while (at < nmarks && marks[at].uid < uid)
		at++;
	m = array_insert(&marks, &nmarks, &alloc, sizeof(*marks), at);
	if (!m)
		fatal(EXIT_FATAL, "reallocarray");
	m->uid = uid;
	return m;
}

static json_object *to_json(void)
{
	json_object *root = json_object_new_object();
	json_object *a = json_object_new_array();

	json_object_object_add(root, "version",
			       json_object_new_int(MARKS_VERSION));
	for (size_t i = 0; i < nmarks; i++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "uid",
				       json_object_new_int64(marks[i].uid));
		json_object_object_add(
		    e, "cgroup",
		    json_object_new_int64((int64_t)marks[i].cgroup));
		json_object_object_add(
		    e, "reported",
		    json_object_new_int64((int64_t)marks[i].reported));
		json_object_array_add(a, e);
	}
	json_object_object_add(root, "marks", a);
	return root;
}

static int save(void)
{
	json_object *root = to_json();
	int r = state_write_file(MARKS_FILE, root);

	json_object_put(root);
	return r;
}

int oom_marks_flush(void)
{
	return state_saver_flush(&saver);
}

/* Save at the end of this loop iteration (once, however many changes). */
static void schedule_save(void)
{
	state_saver_soon(&saver);
}

void oom_marks_set(uid_t uid, uint64_t cgroup, uint64_t reported)
{
	struct oom_mark *m = get(uid);

	if (m->cgroup == cgroup && m->reported == reported)
		return;
	m->cgroup = cgroup;
	m->reported = reported;
	schedule_save();
}

void oom_marks_reported(uid_t uid, uint64_t value)
{
	struct oom_mark *m = (struct oom_mark *)oom_marks_find(uid);

	if (!m || value <= m->reported)
		return;
	m->reported = value;
	schedule_save();
}

static bool get_u64(json_object *e, const char *key, uint64_t max,
		    uint64_t *out)
{
	json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(e, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return false;
	n = json_object_get_int64(v);
	if (n < 0 || (uint64_t)n > max)
		return false;
	*out = (uint64_t)n;
	return true;
}

static bool load_mark(json_object *e)
{
	uint64_t uid, cgroup, reported;

	if (!json_object_is_type(e, json_type_object) ||
	    !get_u64(e, "uid", UINT32_MAX - 1, &uid) ||
	    !get_u64(e, "cgroup", INT64_MAX, &cgroup) ||
	    !get_u64(e, "reported", INT64_MAX, &reported))
		return false;
	struct oom_mark *m = get((uid_t)uid);
	m->cgroup = cgroup;
	m->reported = reported;
	return true;
}

void oom_marks_load(sd_event *e)
{
	json_object *root, *a;

	saver.event = e;
	nmarks = 0;
	root =
	    state_read_file(MARKS_FILE, MARKS_VERSION, "marks", NOTHING_KEPT);
	if (!root)
		return;
	json_object_object_get_ex(root, "marks", &a);
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (!load_mark(json_object_array_get_idx(a, i))) {
			state_file_damaged(MARKS_FILE, NOTHING_KEPT);
			nmarks = 0;
			break;
		}
	json_object_put(root);
	log_debug("oom: %zu counting mark(s) restored", nmarks);
}
