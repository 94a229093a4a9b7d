/*
 * The automatic penalty box's state per uid, in a sorted array (a lookup
 * per user and interval is a bsearch), saved to <state_dir>/badness.json:
 * at once after an automatic action or a forgive (a deferred write, once
 * per loop iteration), else at most once a minute while scores move, and
 * at stop. A crash loses at most a minute of score, never a tier. Only
 * users with a score or a tier are written (with their window): nobody
 * climbing, nothing written. A user's state is allocated apart from the
 * table (the policy steps through a pointer to it, and the table moves
 * as it grows), and only for users the box applies to: at 10,000 users
 * with [penalty] automatic off there is none (issue 17).
 *
 * The file is the supervisor's own, in a root-only directory; still every
 * figure is checked on load and a damaged file never stops the daemon.
 */
#include "supervisor/badness.h"
#include "supervisor/state.h"
#include "common/array.h"
#include "common/log.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define BADNESS_FILE	"badness.json"
#define BADNESS_VERSION 1
#define NOTHING_KEPT	"no badness scores or tiers"
#define SAVE_EVERY_MS	60000

struct entry {
	uid_t uid;
	/* score, tier and warned as last seen: a change is worth a write */
	bool warned;
	uint32_t tier;
	double score;
	struct policy_badness *b;
};

static struct entry *table;
static size_t count, alloc;
static int save(void);
static struct state_saver saver = {.write = save};
static int64_t last_save_ms;

static int cmp_entry(const void *a, const void *b)
{
	uid_t x = ((const struct entry *)a)->uid;
	uid_t y = ((const struct entry *)b)->uid;
	return x < y ? -1 : x > y;
}

static struct entry *find(uid_t uid)
{
	struct entry key = {.uid = uid};
	return count ? bsearch(&key, table, count, sizeof(key), cmp_entry)
		     : NULL;
}

const struct policy_badness *badness_find(uid_t uid)
{
	struct entry *e = find(uid);
	return e ? e->b : NULL;
}

static struct entry *get(uid_t uid)
{
	struct entry *e = find(uid);
	size_t at;

	if (e)
		return e;
	at = array_uid_lower_bound(table, count, sizeof(*table),
				   offsetof(struct entry, uid), uid);
	struct policy_badness *b = calloc(1, sizeof(*b));
	if (!b)
		fatal(EXIT_FATAL, "calloc");
	e = array_insert(&table, &count, &alloc, sizeof(*table), at);
	if (!e)
		fatal(EXIT_FATAL, "reallocarray");
	*e = (struct entry){.uid = uid, .b = b};
	return e;
}

static void drop(struct entry *e)
{
	free(e->b);
	memmove(e, e + 1, (size_t)(table + count - (e + 1)) * sizeof(*e));
	count--;
}

struct policy_badness *badness_slot(uid_t uid)
{
	return get(uid)->b;
}

void badness_put(uid_t uid)
{
	struct entry *e = find(uid);
	const struct policy_badness *b = e ? e->b : NULL;

	if (!b)
		return;
	if (b->last_ms == 0 && b->score == 0 && b->tier == 0) {
		drop(e); /* never stepped: nothing to keep */
		return;
	}
	/* the window moves every interval; only what a restart would miss
	 * (score, tier) makes a write worth it */
	if (e->score != b->score || e->tier != b->tier ||
	    e->warned != b->warned)
		saver.dirty = true;
	e->score = b->score;
	e->tier = b->tier;
	e->warned = b->warned;
}

bool badness_forget(uid_t uid)
{
	struct entry *e = find(uid);

	if (!e)
		return false;
	drop(e);
	saver.dirty = true;
	return true;
}

/* --- the file ------------------------------------------------------------ */

static json_object *entry_json(const struct entry *e)
{
	json_object *o = json_object_new_object();
	json_object *slots = json_object_new_array();
	const struct policy_badness *b = e->b;

	json_object_object_add(o, "uid", json_object_new_int64(e->uid));
	json_object_object_add(o, "score", json_object_new_double(b->score));
	json_object_object_add(o, "tier", json_object_new_int64(b->tier));
	json_object_object_add(o, "warned", json_object_new_boolean(b->warned));
	json_object_object_add(o, "calm_since_ms",
			       json_object_new_int64(b->calm_since_ms));
	json_object_object_add(o, "last_ms", json_object_new_int64(b->last_ms));
	json_object_object_add(o, "slot_ms", json_object_new_int64(b->slot_ms));
	for (size_t i = 0; i < POLICY_WINDOW_SLOTS; i++) {
		json_object *s;

		if (b->cpu_s[i] == 0 && b->mem_s[i] == 0)
			continue;
		s = json_object_new_array();
		json_object_array_add(s, json_object_new_int64(b->epoch[i]));
		json_object_array_add(s, json_object_new_double(b->cpu_s[i]));
		json_object_array_add(s, json_object_new_double(b->mem_s[i]));
		json_object_array_add(slots, s);
	}
	json_object_object_add(o, "slots", slots);
	return o;
}

static int save(void)
{
	json_object *root = json_object_new_object();
	json_object *a = json_object_new_array();
	int r;

	json_object_object_add(root, "version",
			       json_object_new_int(BADNESS_VERSION));
	/* a user with neither score nor tier starts afresh as well */
	for (size_t i = 0; i < count; i++)
		if (table[i].b->score > 0 || table[i].b->tier > 0)
			json_object_array_add(a, entry_json(&table[i]));
	json_object_object_add(root, "users", a);
	r = state_write_file(BADNESS_FILE, root);
	json_object_put(root);
	return r;
}

int badness_flush(void)
{
	return state_saver_flush(&saver);
}

void badness_save_soon(void)
{
	state_saver_soon(&saver);
}

/* Nothing to keep: no score, no tier, and the window's last sample is
 * older than the window (a fresh entry would be the same). */
static bool empty(const struct policy_badness *b, int64_t now_ms,
		  uint64_t window_ms)
{
	return b->score == 0 && b->tier == 0 &&
	       now_ms - b->last_ms > (int64_t)window_ms;
}

void badness_tick(int64_t now_ms, uint64_t window_ms)
{
	size_t j = 0;

	for (size_t i = 0; i < count; i++) {
		if (!empty(table[i].b, now_ms, window_ms))
			table[j++] = table[i];
		else
			free(table[i].b);
	}
	if (j != count)
		saver.dirty = true;
	count = j;
	if (saver.dirty && now_ms - last_save_ms >= SAVE_EVERY_MS) {
		last_save_ms = now_ms;
		state_saver_write(&saver);
	}
}

static bool get_num(json_object *o, const char *key, double lo, double hi,
		    double *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_double) ||
	      json_object_is_type(v, json_type_int)))
		return false;
	*out = json_object_get_double(v);
	return isfinite(*out) && *out >= lo && *out <= hi;
}

static bool get_i64(json_object *o, const char *key, int64_t lo, int64_t hi,
		    int64_t *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return false;
	*out = json_object_get_int64(v);
	return *out >= lo && *out <= hi;
}

static bool load_slot(json_object *s, struct policy_badness *b)
{
	json_object *e, *c, *m;
	int64_t epoch;
	size_t i;

	if (!json_object_is_type(s, json_type_array) ||
	    json_object_array_length(s) != 3)
		return false;
	e = json_object_array_get_idx(s, 0);
	c = json_object_array_get_idx(s, 1);
	m = json_object_array_get_idx(s, 2);
	if (!json_object_is_type(e, json_type_int) ||
	    json_object_is_type(c, json_type_string) ||
	    json_object_is_type(m, json_type_string))
		return false;
	epoch = json_object_get_int64(e);
	if (epoch < 0)
		return false;
	i = (size_t)(epoch % POLICY_WINDOW_SLOTS);
	b->epoch[i] = epoch;
	b->cpu_s[i] = json_object_get_double(c);
	b->mem_s[i] = json_object_get_double(m);
	return isfinite(b->cpu_s[i]) && b->cpu_s[i] >= 0 &&
	       isfinite(b->mem_s[i]) && b->mem_s[i] >= 0;
}

static bool load_entry(json_object *o)
{
	struct policy_badness b = {0};
	json_object *slots, *warned;
	int64_t uid, tier;

	if (!json_object_is_type(o, json_type_object) ||
	    !get_i64(o, "uid", 0, UINT32_MAX - 1, &uid) ||
	    !get_num(o, "score", 0, 100, &b.score) ||
	    !get_i64(o, "tier", 0, CONFIG_TIERS_MAX, &tier) ||
	    !get_i64(o, "calm_since_ms", 0, INT64_MAX, &b.calm_since_ms) ||
	    !get_i64(o, "last_ms", 0, INT64_MAX, &b.last_ms) ||
	    !get_i64(o, "slot_ms", 0, INT64_MAX, &b.slot_ms) ||
	    !json_object_object_get_ex(o, "warned", &warned) ||
	    !json_object_is_type(warned, json_type_boolean) ||
	    !json_object_object_get_ex(o, "slots", &slots) ||
	    !json_object_is_type(slots, json_type_array) ||
	    json_object_array_length(slots) > POLICY_WINDOW_SLOTS)
		return false;
	b.tier = (uint32_t)tier;
	b.warned = json_object_get_boolean(warned);
	for (size_t i = 0; i < json_object_array_length(slots); i++)
		if (!load_slot(json_object_array_get_idx(slots, i), &b))
			return false;
	struct entry *en = get((uid_t)uid);
	*en->b = b;
	en->score = b.score;
	en->tier = b.tier;
	en->warned = b.warned;
	return true;
}

static void clear(void)
{
	while (count)
		drop(&table[count - 1]);
}

void badness_load(sd_event *e)
{
	json_object *root, *a;

	saver.event = e;
	clear();
	root = state_read_file(BADNESS_FILE, BADNESS_VERSION, "users",
			       NOTHING_KEPT);
	if (!root)
		return;
	json_object_object_get_ex(root, "users", &a);
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (!load_entry(json_object_array_get_idx(a, i))) {
			state_file_damaged(BADNESS_FILE, NOTHING_KEPT);
			clear();
			break;
		}
	json_object_put(root);
	log_info("badness: %zu user(s) restored", count);
}
