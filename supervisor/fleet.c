/* Fleet mode's supervisor side; see fleet.h. */
#include "supervisor/fleet.h"
#include "supervisor/control.h"
#include "supervisor/daemon_state.h"
#include "supervisor/placement.h"
#include "supervisor/state.h"
#include "supervisor/workers.h"
#include "policy/penalty.h"
#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#define UNSENT_MAX 256	     /* writes the recorder could not take yet */
#define TASKS_MAX  4194304LL /* the kernel's pid_max limit */

static struct fleet_settings cfg;
static struct ipc_fleet_state state;
static struct {
	uid_t uid;
	uint32_t fields;
} unsent[UNSENT_MAX];
static size_t nunsent;

bool fleet_enabled(void)
{
	return cfg.database[0] != '\0';
}

const struct ipc_fleet_state *fleet_state(void)
{
	return fleet_enabled() ? &state : NULL;
}

/* The credentials file: root's and for root's eyes only, or nothing
 * (/dev/null: the recorder always gets an fd). */
static int open_credentials(void)
{
	struct stat st;
	int fd;

	if (cfg.credentials[0]) {
		fd = open(cfg.credentials,
			  O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
		if (fd < 0) {
			log_warn("fleet: credentials %s", cfg.credentials);
		} else if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
			   st.st_uid != 0 || (st.st_mode & 077)) {
			log_warnx("fleet: credentials %s must be a file of "
				  "root's that group and others cannot read; "
				  "not used",
				  cfg.credentials);
			close(fd);
		} else {
			return fd;
		}
	}
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void send_setup(struct worker *w)
{
	struct ipc_fleet_setup s = {.poll_ms = cfg.poll_ms};
	int fd = open_credentials();

	if (fd < 0) {
		log_warn("fleet: /dev/null");
		return;
	}
	snprintf(s.node, sizeof(s.node), "%s", cfg.node);
	snprintf(s.conninfo, sizeof(s.conninfo), "%s", cfg.database);
	worker_tell(w, IPC_FLEET_SETUP, &s, sizeof(s), &fd, 1);
	close(fd);
}

void fleet_configure(const struct fleet_settings *s)
{
	bool changed = strcmp(s->database, cfg.database) ||
		       strcmp(s->node, cfg.node) ||
		       strcmp(s->credentials, cfg.credentials) ||
		       s->poll_ms != cfg.poll_ms;
	bool was = fleet_enabled();
	struct worker *w = worker_get(ROLE_RECORDER, 0);
	static bool started; /* the first call is the start's, not a reload */

	cfg = *s;
	if (started && fleet_enabled() != was)
		log_warnx("[fleet] database turned %s: at the next start",
			  was ? "off" : "on");
	if (fleet_enabled() && !was)
		log_info("fleet: node %s", cfg.node);
	if (changed && fleet_enabled() && w && worker_pid(w) > 0)
		send_setup(w);
	started = true;
}

/* --- an admin's values out ---------------------------------------------- */

static void row_of(uid_t uid, uint32_t fields, struct ipc_fleet_override *m)
{
	const struct runtime_override *o = state_find(uid);

	*m = (struct ipc_fleet_override){.uid = uid,
					 .fields = fields,
					 .cpu_permille = -1,
					 .mem_bytes = -1,
					 .max_tasks = -1,
					 .mem_high = -1,
					 .io_weight = -1};
	if (!o)
		return;
	if (o->penalty.on && !o->penalty.automatic) {
		m->flags = FLEET_PENALTY;
		m->penalty_until_ms = o->penalty.expires_ms;
	}
	m->cpu_permille = o->cpu_permille > 0 ? o->cpu_permille : -1;
	m->mem_bytes = o->mem_bytes > 0 ? o->mem_bytes : -1;
	m->max_tasks = o->max_tasks > 0 ? o->max_tasks : -1;
	m->mem_high = o->mem_high > 0 ? o->mem_high : -1;
	m->io_weight = o->io_weight > 0 ? o->io_weight : -1;
}

static bool tell(uid_t uid, uint32_t fields)
{
	struct worker *w = worker_get(ROLE_RECORDER, 0);
	struct ipc_fleet_override m;

	row_of(uid, fields, &m);
	return w && worker_pid(w) > 0 &&
	       worker_tell(w, IPC_FLEET_PUT, &m, sizeof(m), NULL, 0) == 0;
}

void fleet_publish(uid_t uid, uint32_t fields)
{
	if (!fleet_enabled() || tell(uid, fields))
		return;
	for (size_t i = 0; i < nunsent; i++)
		if (unsent[i].uid == uid) {
			unsent[i].fields |= fields;
			return;
		}
	if (nunsent < UNSENT_MAX)
		unsent[nunsent++] = (typeof(unsent[0])){uid, fields};
	else
		log_warnx("fleet: uid %u's values could not reach the "
			  "recorder; set them again",
			  (unsigned)uid);
}

void fleet_on_start(struct worker *w)
{
	size_t n = nunsent;

	if (!fleet_enabled())
		return;
	send_setup(w);
	nunsent = 0;
	for (size_t i = 0; i < n; i++)
		fleet_publish(unsent[i].uid, unsent[i].fields);
}

/* --- another node's values in ------------------------------------------- */

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
	if (v == -1 || v == IPC_LIMIT_MAX)
		return v; /* none, no limit */
	return v < lo ? lo : v > hi ? hi : v;
}

/* One value into this node's bounds, said when it had to move (as the
 * row has it: CPU in 1/1000, bytes). */
static int64_t bound(const struct ipc_fleet_override *o, const char *what,
		     int64_t v, int64_t lo, int64_t hi)
{
	int64_t c = clamp(v, lo, hi);

	if (c != v)
		log_warnx("fleet: uid %u: %s %" PRId64 " from node %s is "
			  "beyond this node's bounds; %" PRId64 " applied",
			  o->uid, what, v, o->node, c);
	return c;
}

/* The penalty's end as this node takes it: never later than max_penalty
 * from now; 0 (out of the box) when it is over. */
static int64_t penalty_end(const struct ipc_fleet_override *o, int64_t now)
{
	int64_t last = now + (int64_t)cfg.max_penalty_ms;
	int64_t until = o->penalty_until_ms;

	if (!(o->flags & FLEET_PENALTY) || (until && until <= now))
		return 0;
	if (until == 0 || until > last) {
		log_warnx("fleet: uid %u: the penalty from node %s ends "
			  "beyond [fleet] max_penalty; it ends at %" PRId64
			  " here",
			  o->uid, o->node, last / 1000);
		return last;
	}
	return until;
}

static void clamp_row(const struct ipc_fleet_override *o,
		      struct runtime_override *want, int64_t now)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int64_t ram = cfg.mem_total ? (int64_t)cfg.mem_total : INT64_MAX - 1;

	want->cpu_permille = bound(o, "cpu cap", o->cpu_permille, 10,
				   (ncpu > 0 ? ncpu : 1) * 1000LL);
	want->mem_bytes =
	    bound(o, "memory limit", o->mem_bytes, IPC_MEM_BYTES_MIN, ram);
	want->mem_high =
	    bound(o, "memory high", o->mem_high, IPC_MEM_BYTES_MIN, ram);
	want->max_tasks = bound(o, "max tasks", o->max_tasks, 1, TASKS_MAX);
	want->io_weight = bound(o, "io weight", o->io_weight, 1, 10000);
	want->penalty.expires_ms = penalty_end(o, now);
	want->penalty.on =
	    (o->flags & FLEET_PENALTY) && (want->penalty.expires_ms > 0);
}

static bool same_limits(const struct runtime_override *a,
			const struct runtime_override *b)
{
	return a->cpu_permille == b->cpu_permille &&
	       a->mem_bytes == b->mem_bytes && a->max_tasks == b->max_tasks &&
	       a->mem_high == b->mem_high && a->io_weight == b->io_weight;
}

/* What the row changes of the local state; false: nothing. */
static bool merge(struct runtime_override *o,
		  const struct runtime_override *want, int64_t now)
{
	bool admin_box = o->penalty.on && !o->penalty.automatic;
	bool changed = !same_limits(o, want);

	o->cpu_permille = want->cpu_permille;
	o->mem_bytes = want->mem_bytes;
	o->max_tasks = want->max_tasks;
	o->mem_high = want->mem_high;
	o->io_weight = want->io_weight;
	if (want->penalty.on &&
	    (!admin_box || o->penalty.expires_ms != want->penalty.expires_ms)) {
		policy_penalty_start(
		    &o->penalty, &cfg.penalty, now,
		    (uint64_t)(want->penalty.expires_ms - now));
		o->penalty.expires_ms = want->penalty.expires_ms;
		changed = true;
	} else if (!want->penalty.on && admin_box) {
		/* an automatic penalty is this node's own: it stays */
		policy_penalty_end(&o->penalty);
		changed = true;
	}
	return changed;
}

static void apply(const struct ipc_fleet_override *o)
{
	struct runtime_override want = {0}, *cur;
	int64_t now = (int64_t)(clock_usec(CLOCK_REALTIME) / 1000);

	if (!placement_managed(o->uid))
		return; /* another node's user, or exempt here */
	clamp_row(o, &want, now);
	cur = state_find(o->uid);
	if (!cur) {
		struct runtime_override none = {.cpu_permille = -1,
						.mem_bytes = -1,
						.max_tasks = -1,
						.mem_high = -1,
						.io_weight = -1};
		if (!want.penalty.on && same_limits(&none, &want))
			return; /* nothing here, nothing there */
		cur = state_get(o->uid);
	}
	if (!cur || !merge(cur, &want, now))
		return;
	log_info("fleet: applied from node %s: uid %u penalty until %" PRId64
		 " (0: none), cpu cap %" PRId64 " (1/1000 CPU), memory %" PRId64
		 ", tasks %" PRId64 ", memory high %" PRId64
		 ", io weight %" PRId64 " (-1: the default)",
		 o->node, o->uid, want.penalty.expires_ms / 1000,
		 want.cpu_permille, want.mem_bytes, want.max_tasks,
		 want.mem_high, want.io_weight);
	state_prune();
	state_save();
	control_changed();
}

static void take_state(const struct ipc_fleet_state *s)
{
	state = *s;
	daemon_state_changed();
}

bool fleet_on_message(struct ipc_msg *msg)
{
	if (!fleet_enabled())
		return false;
	switch (msg->hdr.type) {
	case IPC_FLEET_STATE:
		take_state(&msg->u.fleet_state);
		return true;
	case IPC_FLEET_OVERRIDE:
		apply(&msg->u.fleet_override);
		return true;
	default:
		return false;
	}
}
