/*
 * Persistent runtime state. The file is the supervisor's own (in a
 * root-only directory), so reading it here is not parsing untrusted input;
 * still, every field is checked and a damaged file never stops the daemon.
 * The table is a plain array: it holds the handful of users an admin
 * penalised or limited by hand, searched linearly.
 */
#include "supervisor/state.h"
#include "common/array.h"
#include "common/log.h"

#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>

#define STATE_VERSION 1

static struct runtime_override *table;
static size_t count, alloc;
static char state_dir[CONFIG_PATH_MAX];

size_t state_count(void)
{
	return count;
}

struct runtime_override *state_at(size_t i)
{
	return i < count ? &table[i] : NULL;
}

/* The table is sorted by uid: every user's policy step looks its uid up. */
static size_t lower_bound(uid_t uid)
{
	return array_uid_lower_bound(table, count, sizeof(*table),
				     offsetof(struct runtime_override, uid),
				     uid);
}

struct runtime_override *state_find(uid_t uid)
{
	size_t i = lower_bound(uid);

	return i < count && table[i].uid == uid ? &table[i] : NULL;
}

struct runtime_override *state_get(uid_t uid)
{
	struct runtime_override *o = state_find(uid);

	if (o)
		return o;
	o = array_insert(&table, &count, &alloc, sizeof(*table),
			 lower_bound(uid));
	if (!o)
		fatal(EXIT_FATAL, "reallocarray");
	*o = (struct runtime_override){.uid = uid,
				       .cpu_permille = -1,
				       .mem_bytes = -1,
				       .max_tasks = -1,
				       .mem_high = -1,
				       .io_weight = -1};
	return o;
}

void state_prune(void)
{
	size_t j = 0;
	for (size_t i = 0; i < count; i++)
		if (table[i].penalty.on || table[i].cpu_permille >= 0 ||
		    table[i].mem_bytes >= 0 || table[i].max_tasks >= 0 ||
		    table[i].mem_high >= 0 || table[i].io_weight >= 0)
			table[j++] = table[i];
	count = j;
}

static bool get_int(json_object *o, const char *key, int64_t min, int64_t *out)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return true; /* absent: keep the default */
	if (!json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return *out >= min;
}

static bool get_bool(json_object *o, const char *key, bool *out)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return true; /* absent (files before the automatic box) */
	if (!json_object_is_type(v, json_type_boolean))
		return false;
	*out = json_object_get_boolean(v);
	return true;
}

static bool get_fraction(json_object *o, const char *key, double *out)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return true;
	if (!json_object_is_type(v, json_type_double) &&
	    !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_double(v);
	return *out > 0 && *out <= 1;
}

/* A penalty keeps the mode and fraction it was given with, so that a
 * reload or a restart with another config does not change it. */
static bool load_penalty(json_object *e, struct policy_penalty *p, char *note,
			 size_t size)
{
	json_object *pen, *v;
	int64_t mode = 0;

	if (!json_object_object_get_ex(e, "penalty", &pen))
		return true;
	if (!json_object_is_type(pen, json_type_object))
		return false;
	p->on = true;
	p->fraction = 0;
	if (!get_int(pen, "since_ms", 0, &p->since_ms) ||
	    !get_int(pen, "expires_ms", 0, &p->expires_ms) ||
	    !get_int(pen, "locked", 0, &mode) || mode > 1 ||
	    !get_fraction(pen, "fraction", &p->fraction) || p->fraction == 0)
		return false;
	p->mode = mode ? CONFIG_PENALTY_LOCKED : CONFIG_PENALTY_ACTIVE;
	if (json_object_object_get_ex(pen, "note", &v)) {
		if (!json_object_is_type(v, json_type_string) ||
		    (size_t)json_object_get_string_len(v) >= size)
			return false;
		snprintf(note, size, "%s", json_object_get_string(v));
		/* written sanitised (control.c): a control byte is damage */
		for (const char *c = note; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				return false;
	}
	return get_bool(pen, "automatic", &p->automatic);
}

static bool load_entry(json_object *e)
{
	int64_t uid = -1;
	struct runtime_override o = {.cpu_permille = -1,
				     .mem_bytes = -1,
				     .max_tasks = -1,
				     .mem_high = -1,
				     .io_weight = -1};

	if (!json_object_is_type(e, json_type_object) ||
	    !get_int(e, "uid", 0, &uid) || uid < 0 || uid > UINT32_MAX - 1 ||
	    !load_penalty(e, &o.penalty, o.note, sizeof(o.note)) ||
	    !get_int(e, "cpu_permille", -1, &o.cpu_permille) ||
	    !get_int(e, "mem_bytes", -1, &o.mem_bytes) ||
	    !get_int(e, "max_tasks", -1, &o.max_tasks) ||
	    !get_int(e, "mem_high", -1, &o.mem_high) ||
	    !get_int(e, "io_weight", -1, &o.io_weight) || o.io_weight > 10000)
		return false;
	o.uid = (uid_t)uid;
	*state_get(o.uid) = o;
	return true;
}

static void set_aside(const char *path, const char *why, const char *lost)
{
	char bad[310];
	snprintf(bad, sizeof(bad), "%s.bad", path);
	log_warnx("%s: %s; moved to %s, starting with %s", path, why, bad,
		  lost);
	rename(path, bad);
}

json_object *state_read_file(const char *name, int version, const char *array,
			     const char *lost)
{
	char path[300];
	json_object *root, *v, *a;

	snprintf(path, sizeof(path), "%s/%s", state_dir, name);
	if (!state_dir[0] || access(path, F_OK) < 0)
		return NULL;
	root = json_object_from_file(path);
	if (!root) {
		set_aside(path, json_util_get_last_err() ?: "unreadable", lost);
		return NULL;
	}
	if (!json_object_object_get_ex(root, "version", &v) ||
	    json_object_get_int(v) != version ||
	    !json_object_object_get_ex(root, array, &a) ||
	    !json_object_is_type(a, json_type_array)) {
		set_aside(path, "not a cgfair state file of its version", lost);
		json_object_put(root);
		return NULL;
	}
	return root;
}

void state_file_damaged(const char *name, const char *lost)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/%s", state_dir, name);
	set_aside(path, "an entry is damaged", lost);
}

#define NOTHING_RESTORED "no penalties or runtime limits"

void state_load(const char *dir)
{
	json_object *root, *users;

	snprintf(state_dir, sizeof(state_dir), "%s", dir);
	count = 0;
	root = state_read_file("state.json", STATE_VERSION, "users",
			       NOTHING_RESTORED);
	if (!root)
		return;
	json_object_object_get_ex(root, "users", &users);
	for (size_t i = 0; i < json_object_array_length(users); i++)
		if (!load_entry(json_object_array_get_idx(users, i))) {
			state_file_damaged("state.json", NOTHING_RESTORED);
			count = 0;
			break;
		}
	json_object_put(root);
	state_prune();
	log_info("state: %zu runtime override(s) restored from %s/state.json",
		 count, dir);
}

static json_object *penalty_json(const struct policy_penalty *p)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "since_ms",
			       json_object_new_int64(p->since_ms));
	json_object_object_add(o, "expires_ms",
			       json_object_new_int64(p->expires_ms));
	json_object_object_add(
	    o, "locked", json_object_new_int(p->mode == CONFIG_PENALTY_LOCKED));
	json_object_object_add(o, "fraction",
			       json_object_new_double(p->fraction));
	if (p->automatic)
		json_object_object_add(o, "automatic",
				       json_object_new_boolean(true));
	return o;
}

/* The reason the penalty was given with, kept beside it. */
static void add_note(json_object *pen, const char *note)
{
	if (pen && note[0])
		json_object_object_add(pen, "note",
				       json_object_new_string(note));
}

static json_object *to_json(void)
{
	json_object *root = json_object_new_object();
	json_object *users = json_object_new_array();

	json_object_object_add(root, "version",
			       json_object_new_int(STATE_VERSION));
	for (size_t i = 0; i < count; i++) {
		json_object *e = json_object_new_object();
		json_object_object_add(e, "uid",
				       json_object_new_int64(table[i].uid));
		if (table[i].penalty.on) {
			json_object *pen = penalty_json(&table[i].penalty);
			add_note(pen, table[i].note);
			json_object_object_add(e, "penalty", pen);
		}
		json_object_object_add(
		    e, "cpu_permille",
		    json_object_new_int64(table[i].cpu_permille));
		json_object_object_add(
		    e, "mem_bytes", json_object_new_int64(table[i].mem_bytes));
		json_object_object_add(
		    e, "max_tasks", json_object_new_int64(table[i].max_tasks));
		json_object_object_add(
		    e, "mem_high", json_object_new_int64(table[i].mem_high));
		json_object_object_add(
		    e, "io_weight", json_object_new_int64(table[i].io_weight));
		json_object_array_add(users, e);
	}
	json_object_object_add(root, "users", users);
	return root;
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, s, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int state_write_file(const char *name, json_object *root)
{
	char path[300], tmp[310];
	int fd, r;

	if (mkdir(state_dir, 0700) < 0 && errno != EEXIST) {
		r = -errno;
		log_warn("state: mkdir %s", state_dir);
		return r;
	}
	snprintf(path, sizeof(path), "%s/%s", state_dir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0) {
		r = -errno;
		log_warn("state: %s", tmp);
		return r;
	}
	const char *text =
	    json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY);
	r = write_all(fd, text, strlen(text));
	if (r == 0)
		r = write_all(fd, "\n", 1);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		errno = -r;
		log_warn("state: writing %s", path);
		unlink(tmp);
	}
	return r;
}

int state_save(void)
{
	json_object *root;
	int r;

	state_prune();
	root = to_json();
	r = state_write_file("state.json", root);
	json_object_put(root);
	return r;
}

/* --- deferred writes of the other state files ---------------------------- */

int state_saver_write(struct state_saver *s)
{
	int r = s->write();

	if (s->source)
		sd_event_source_set_enabled(s->source, SD_EVENT_OFF);
	s->dirty = r < 0;
	return r;
}

int state_saver_flush(struct state_saver *s)
{
	return s->dirty ? state_saver_write(s) : 0;
}

static int on_saver(sd_event_source *src, void *data)
{
	(void)src;
	state_saver_write(data); /* a failure is logged; retried later */
	return 0;
}

void state_saver_soon(struct state_saver *s)
{
	s->dirty = true;
	if (!s->source && s->event &&
	    sd_event_add_defer(s->event, &s->source, on_saver, s) < 0) {
		s->source = NULL;
		state_saver_write(s);
		return;
	}
	/* no loop yet (start-up): the flush writes it */
	if (s->source)
		sd_event_source_set_enabled(s->source, SD_EVENT_ONESHOT);
}
