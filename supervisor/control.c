/*
 * The control loop. Every interval: ask the scanner for usage, turn the
 * cumulative counters into CPUs used, run the policy (pure code in
 * policy/), write what changed through the backend, emit the events. Also
 * the admin actions (penalty box, fixed limits, reload), which change the
 * persistent state (state.c) and take effect at the next cycle, started at
 * once.
 */
#include "supervisor/control.h"
#include "supervisor/audit.h"
#include "supervisor/backend.h"
#include "supervisor/badness.h"
#include "supervisor/caps.h"
#include "supervisor/conf.h"
#include "supervisor/events.h"
#include "supervisor/frontend.h"
#include "supervisor/fleet.h"
#include "supervisor/oom.h"
#include "supervisor/oom_marks.h"
#include "supervisor/placement.h"
#include "supervisor/state.h"
#include "supervisor/users.h"
#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <grp.h>
#include <malloc.h>
#include <math.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_GROUPS 64
/* cycles in a row without a process before a user's cgroup is removed */
#define IDLE_REMOVE_CYCLES 2
/* see quiet_usec() */
#define QUIET_CPUS 0.01
/* users whose limits one loop iteration writes at most: at start-up every
 * user is new and gets its first limits (a dozen cgroup files each), and
 * 10,000 of them in one go held pings, the socket and OOM events for
 * seconds (issue 17) */
#define APPLY_BATCH 64
/* new users a scan reported whose cgroups (made in each hierarchy, OOM
 * source armed, name looked up) one loop iteration makes at most, for
 * the same reason */
#define SETUP_BATCH 32
/* ... and either batch ends once it has taken this long: what one user
 * costs differs by backend and machine (a D-Bus message to PID 1, a dozen
 * cgroup file writes, a quota write the kernel checks against every task
 * group), and a batch is one dispatch of the loop, during which nothing
 * else is served (supervisor/loop.c measures them) */
#define BATCH_BUDGET_USEC 5000

/* Another user in this batch? The first always; then within the count
 * and the time budget. */
static bool batch_more(int done, int max, uint64_t start)
{
	return done == 0 ||
	       (done < max && clock_mono_usec() - start < BATCH_BUDGET_USEC);
}

static sd_event *event;
/* the configuration in force (conf.c's, which a reload refills) */
static const struct cgfair_config *config;
static void (*status_line)(const char *text); /* systemd's STATUS= */
static sd_event_source *timer;
static uint64_t cycle;	   /* the last cycle requested */
static uint64_t last_mono; /* CLOCK_MONOTONIC of the last finished scan */
static unsigned ncpu = 1;
static void (*row_hook)(const struct user *u);

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void control_set_row_hook(void (*hook)(const struct user *u))
{
	row_hook = hook;
}

/* --- overrides: users.d (resolved once per user and reload) + runtime */

static void resolve_config_overrides(struct user *u)
{
	const struct cgfair_config *cfg = config;
	struct policy_ident user = {.id = u->uid, .name = u->name};
	struct policy_ident ids[MAX_GROUPS];
	char names[MAX_GROUPS][IPC_NAME_MAX];
	gid_t gids[MAX_GROUPS];
	int ng = MAX_GROUPS;
	/* a uid NSS did not know when its name was looked up is not asked
	 * again (a bare uid costs NSS dozens of opens) until a reload */
	struct passwd *pw = u->no_passwd ? NULL : getpwuid(u->uid);

	if (!pw || getgrouplist(pw->pw_name, pw->pw_gid, gids, &ng) < 0)
		ng = pw ? MAX_GROUPS : 0; /* more than we look at: the first */
	for (int i = 0; i < ng; i++) {
		struct group *gr = getgrgid(gids[i]);
		snprintf(names[i], sizeof(names[i]), "%s",
			 gr ? gr->gr_name : "");
		ids[i] = (struct policy_ident){.id = gids[i],
					       .name = gr ? names[i] : NULL};
	}
	policy_resolve_user(cfg, &user, ids, (size_t)ng, &u->ovr);
	u->ovr_resolved = true;
}

static void runtime_overrides(const struct user *u, struct policy_user *pu)
{
	const struct runtime_override *o = state_find(u->uid);
	struct policy_override top = {0};

	pu->st.penalty = (struct policy_penalty){0};
	if (!o)
		return;
	pu->st.penalty = o->penalty;
	if (o->cpu_permille > 0) {
		top.set |= POLICY_OVR(CONFIG_OVR_CPU_CAP);
		top.cpu_cap = (double)o->cpu_permille / 1000.0;
	}
	if (o->mem_bytes > 0) {
		top.set |= POLICY_OVR(CONFIG_OVR_MEMORY_LIMIT);
		top.memory_limit = (uint64_t)o->mem_bytes;
	}
	if (o->max_tasks > 0) {
		top.set |= POLICY_OVR(CONFIG_OVR_MAX_TASKS);
		top.max_tasks = o->max_tasks == IPC_LIMIT_MAX
				    ? CONFIG_UNLIMITED
				    : (uint64_t)o->max_tasks;
	}
	if (o->mem_high > 0) {
		top.set |= POLICY_OVR(CONFIG_OVR_MEMORY_HIGH);
		top.memory_high = o->mem_high == IPC_LIMIT_MAX
				      ? CONFIG_UNLIMITED
				      : (uint64_t)o->mem_high;
	}
	if (o->io_weight > 0) {
		top.set |= POLICY_OVR(CONFIG_OVR_IO_WEIGHT);
		top.io_weight = (uint32_t)o->io_weight;
	}
	policy_override_merge(&pu->ovr, &top);
}

/* --- usage from the scanner ------------------------------------------ */

/* Users a scan reported before their cgroups were made, in order. */
static uid_t *setup_queue;
static size_t setup_head, setup_count, setup_alloc;
static sd_event_source *setup_source;
static unsigned setup_batches; /* loop iterations the queue took */

static void setup_push(struct user *u)
{
	if (u->setup_queued)
		return;
	if (setup_count == setup_alloc) {
		size_t n = setup_alloc ? 2 * setup_alloc : 256;
		uid_t *q = reallocarray(setup_queue, n, sizeof(*q));
		if (!q)
			fatal(EXIT_FATAL, "reallocarray");
		setup_queue = q;
		setup_alloc = n;
	}
	setup_queue[setup_count++] = u->uid;
	u->setup_queued = true;
	if (sd_event_source_set_enabled(setup_source, SD_EVENT_ON) < 0)
		fatalx(EXIT_FATAL, "cannot schedule the users' set-up");
}

/* One batch of new users' cgroups; a failure is logged by the backend
 * and tried again when a scan reports the user again. */
static int on_setup(sd_event_source *src, void *data)
{
	uint64_t start = clock_mono_usec();
	(void)data;
	setup_batches++;
	for (int i = 0;
	     batch_more(i, SETUP_BATCH, start) && setup_head < setup_count;
	     i++) {
		struct user *u = user_find(setup_queue[setup_head++]);
		if (u) { /* else removed meanwhile */
			u->setup_queued = false;
			user_ensure(u->uid);
		}
	}
	if (setup_head < setup_count)
		return 0;
	log_debug("%zu new users' cgroups made in %u loop iteration(s)",
		  setup_count, setup_batches);
	setup_head = setup_count = setup_batches = 0;
	sd_event_source_set_enabled(src, SD_EVENT_OFF);
	return 0;
}

static void take_usage(const struct ipc_user_usage *e, uint64_t scan_cycle)
{
	struct user *u;
	uint64_t total = e->cpu_usec + e->extra_usec;

	if (!placement_managed(e->uid))
		return;
	/* an empty leftover cgroup is adopted too, then removed when idle;
	 * a new user's cgroup is made in a batch (on_setup), its figures
	 * are kept meanwhile */
	u = user_entry(e->uid);
	if (!u)
		return; /* beyond max_users */
	if (!u->has_cgroup)
		setup_push(u);
	/* a counter that went back (cgroup re-made, a process moved in and
	 * its /proc time left the sum) gives no rate this once */
	u->cpu_delta = u->cpu_known && total >= u->cpu_usec
			   ? (int64_t)(total - u->cpu_usec)
			   : -1;
	/* the exempt counter goes back only when a scanner restarted: no
	 * exempt time this once (it counts as the user's) */
	u->exempt_delta = u->cpu_known && e->exempt_usec >= u->exempt_usec
			      ? (int64_t)(e->exempt_usec - u->exempt_usec)
			      : -1;
	u->exempt_usec = e->exempt_usec;
	u->cpu_usec = total;
	u->cpu_known = true;
	u->mem_bytes = e->mem_bytes;
	u->mem_cache = e->mem_cache;
	u->nprocs = e->nprocs;
	u->seen_cycle = scan_cycle;
}

static void on_users(const struct ipc_scan_users *m)
{
	for (uint32_t i = 0; i < m->count; i++)
		take_usage(&m->user[i], m->cycle);
}

/* --- one policy step over every user ----------------------------------- */

struct step {
	struct policy_user *pu;
	struct user **u;
	size_t n;
	uint64_t wall_usec;
	uint64_t scan_cycle;
	uid_t idle[64]; /* users to remove after the walk */
	size_t nidle;
	int64_t now_ms;
	size_t next;	  /* the next user to apply */
	unsigned batches; /* loop iterations the writes took */
};

/* A step whose writes are under way (one batch per loop iteration), and
 * a scan that ended meanwhile: its step runs when they are done. */
static struct step *applying;
static sd_event_source *apply_source;
static bool scan_waiting;
static uint64_t waiting_wall, waiting_cycle;

static void collect(struct user *u, void *arg)
{
	struct step *s = arg;
	struct policy_user *pu = &s->pu[s->n];

	if (u->seen_cycle != s->scan_cycle) { /* its cgroup is gone */
		u->nprocs = 0;
		u->cpu_delta = -1;
		u->exempt_delta = -1;
	}
	/* no process at the scan is not idle when processes were moved in
	 * or used CPU since the last step: short ones come and go between
	 * two scans (a batch of short jobs), and removing the cgroup under
	 * them only makes the next move make it again */
	bool came = u->moved != u->moved_at_step || u->cpu_delta > 0;
	u->moved_at_step = u->moved;
	u->idle_cycles = u->nprocs || came ? 0 : u->idle_cycles + 1;
	if (u->pol.throttle.on) /* the interval just measured was throttled */
		u->throttled_usec += s->wall_usec;
	if (u->idle_cycles >= IDLE_REMOVE_CYCLES && s->nidle < 64)
		s->idle[s->nidle++] = u->uid;
	if (!u->has_cgroup)
		return; /* not made yet (a batch, or the backend failed) */
	/* no rate this cycle (a counter went back as processes moved in):
	 * hold the last one, so that a user does not flap to idle */
	if (u->cpu_delta >= 0 && s->wall_usec)
		u->use_cores = (double)u->cpu_delta / (double)s->wall_usec;
	else if (!u->nprocs)
		u->use_cores = NAN;
	if (!u->ovr_resolved)
		resolve_config_overrides(u);
	/* as the scanner said; policy_counted_cpu() bounds it by the
	 * cgroup's own figure */
	double exempt = u->exempt_delta > 0 && s->wall_usec
			    ? (double)u->exempt_delta / (double)s->wall_usec
			    : 0;
	*pu = (struct policy_user){.uid = u->uid,
				   .cpu = u->use_cores,
				   .cpu_exempt = exempt,
				   .mem_usage = u->mem_bytes,
				   .ovr = u->ovr,
				   .st = u->pol};
	runtime_overrides(u, pu);
	/* off, the box leaves every user be: no state is made for one */
	pu->badness = config->penalty.automatic ? badness_slot(u->uid) : NULL;
	s->u[s->n++] = u;
}

static int64_t cap_permille(bool has, double cap)
{
	return has && isfinite(cap) ? llround(cap * 1000.0) : EVENT_NO_CAP;
}

static uint64_t mem_or_none(bool has, uint64_t v)
{
	return has && v != CONFIG_UNLIMITED ? v : EVENT_NO_LIMIT;
}

static void write_cpu(struct user *u, struct policy_state *st)
{
	const struct config_cpu *c = &config->cpu;
	struct cpu_limit l = {
	    .quota_usec = isfinite(st->cap)
			      ? (uint64_t)llround(st->cap * c->period_us)
			      : LIMIT_NONE,
	    .period_usec = c->period_us,
	    .weight = st->weight ? st->weight : c->default_weight,
	};
	if (backend_set_cpu(u->uid, &l) < 0) {
		st->has_cap = false; /* tried again next interval */
		st->weight = 0;
	}
}

static void write_memory(struct user *u, struct policy_state *st)
{
	struct mem_limit l = {
	    .max =
		st->mem_limit == CONFIG_UNLIMITED ? LIMIT_NONE : st->mem_limit,
	    .swap_max = st->swap_limit == CONFIG_UNLIMITED ? LIMIT_NONE
							   : st->swap_limit,
	};
	if (backend_set_memory(u->uid, &l, u->mem_bytes) < 0) {
		st->has_mem = false;
		st->has_swap = false;
	}
}

static uint64_t none_of(uint64_t v)
{
	return v == CONFIG_UNLIMITED ? LIMIT_NONE : v;
}

static void write_extra(struct user *u, struct policy_state *st)
{
	struct extra_limit l = {.max_tasks = none_of(st->max_tasks),
				.mem_high = none_of(st->mem_high),
				.io_weight = st->io_weight};
	if (backend_set_extra(u->uid, &l) < 0)
		st->has_extra = false;
}

/* The limit change event's fields of the other limits: what was in force
 * (unlimited and 100 before the first write) and what is now. */
static void extra_fields(const struct policy_state *a,
			 const struct policy_state *b, struct event_fields *f)
{
	f->tasks_old = a->has_extra ? none_of(a->max_tasks) : EVENT_NO_LIMIT;
	f->high_old = a->has_extra ? none_of(a->mem_high) : EVENT_NO_LIMIT;
	f->io_old = a->has_extra ? a->io_weight : 100;
	f->tasks_new = b->has_extra ? none_of(b->max_tasks) : f->tasks_old;
	f->high_new = b->has_extra ? none_of(b->mem_high) : f->high_old;
	f->io_new = b->has_extra ? b->io_weight : f->io_old;
}

static void apply(struct user *u, struct policy_user *pu)
{
	struct policy_state before = u->pol;
	struct policy_state *st = &pu->st;
	struct event_fields x = {0};
	bool changed;

	if (pu->out.write_cap || pu->out.write_weight)
		write_cpu(u, st);
	if (pu->out.write_mem || pu->out.write_swap)
		write_memory(u, st);
	if (pu->out.write_extra)
		write_extra(u, st);
	extra_fields(&before, st, &x);
	/* the penalty is state.c's (loaded each cycle); kept here too so
	 * that the user's row shows it */
	u->pol = *st;
	badness_put(u->uid);
	changed = cap_permille(before.has_cap, before.cap) !=
		      cap_permille(st->has_cap, st->cap) ||
		  mem_or_none(before.has_mem, before.mem_limit) !=
		      mem_or_none(st->has_mem, st->mem_limit) ||
		  x.tasks_old != x.tasks_new || x.high_old != x.high_new ||
		  x.io_old != x.io_new;
	if (!changed ||
	    !(pu->out.write_cap || pu->out.write_mem || pu->out.write_extra))
		return;
	struct event_fields f = {
	    .uid = u->uid,
	    .cpu_old = cap_permille(before.has_cap, before.cap),
	    .cpu_new = cap_permille(st->has_cap, st->cap),
	    .mem_old = mem_or_none(before.has_mem, before.mem_limit),
	    .mem_new = mem_or_none(st->has_mem, st->mem_limit),
	    .tasks_old = x.tasks_old,
	    .tasks_new = x.tasks_new,
	    .high_old = x.high_old,
	    .high_new = x.high_new,
	    .io_old = x.io_old,
	    .io_new = x.io_new,
	    .reason = pu->out.exempt   ? "exempt"
		      : pu->out.fixed  ? "fixed limit or penalty"
		      : pu->out.active ? "active users changed"
				       : "share of the active users",
	};
	event_emit(EVENT_LIMIT_CHANGE, &f);
}

/* --- what an action changed (admin or automatic) ----------------------- */

/* Seconds left in the box: 0 out of it, -1 in it until released. */
static int64_t penalty_left(const struct runtime_override *o)
{
	int64_t left;

	if (!o || !o->penalty.on)
		return 0;
	if (o->penalty.expires_ms <= 0)
		return -1;
	left = (o->penalty.expires_ms - now_ms() + 999) / 1000;
	return left > 0 ? left : 0;
}

/* The admin's values of a user (state.c), as the records show them. */
struct values {
	int64_t cpu, penalty, tasks, high, io;
	uint64_t mem;
};

static struct values values(uid_t uid)
{
	const struct runtime_override *o = state_find(uid);
	struct values v = {
	    .cpu = o && o->cpu_permille > 0 ? o->cpu_permille : EVENT_NO_CAP,
	    .mem =
		o && o->mem_bytes > 0 ? (uint64_t)o->mem_bytes : EVENT_NO_LIMIT,
	    .penalty = penalty_left(o),
	    .tasks = o && o->max_tasks > 0 ? o->max_tasks : CHANGE_NONE,
	    .high = o && o->mem_high > 0 ? o->mem_high : CHANGE_NONE,
	    .io = o && o->io_weight > 0 ? o->io_weight : CHANGE_NONE};
	return v;
}

static void change_begin(uid_t uid, struct change *ch)
{
	struct values v = values(uid);

	ch->cpu_old = v.cpu;
	ch->mem_old = v.mem;
	ch->penalty_old = v.penalty;
	ch->tasks_old = v.tasks;
	ch->high_old = v.high;
	ch->io_old = v.io;
}

/* The new values; only the pairs that differ count, unless asked for. */
static void change_end(uid_t uid, struct change *ch)
{
	struct values v = values(uid);

	ch->cpu_new = v.cpu;
	ch->mem_new = v.mem;
	ch->penalty_new = v.penalty;
	ch->tasks_new = v.tasks;
	ch->high_new = v.high;
	ch->io_new = v.io;
	ch->cpu = ch->cpu || ch->cpu_old != ch->cpu_new;
	ch->mem = ch->mem || ch->mem_old != ch->mem_new;
	ch->penalty = ch->penalty || ch->penalty_old != ch->penalty_new;
	ch->tasks = ch->tasks || ch->tasks_old != ch->tasks_new;
	ch->high = ch->high || ch->high_old != ch->high_new;
	ch->io = ch->io || ch->io_old != ch->io_new;
}

static void badness_fields(struct event_fields *f,
			   const struct policy_badness_figures *b)
{
	f->automatic = true;
	f->badness = b->score;
	f->tier = b->tier;
	f->window_ms = b->window_ms;
	f->cpu_avg = b->avg_cpu;
	f->cpu_threshold = b->cpu_threshold;
	f->mem_avg = b->avg_mem;
	f->mem_threshold = b->mem_threshold;
	f->penalty_ms = b->penalty_ms;
}

/* The note of uid's penalty: kept (persisted with it) and shown in
 * status; "" forgets it. */
static void set_note(struct runtime_override *o, const char *note)
{
	snprintf(o->note, sizeof(o->note), "%s", note ? note : "");
	/* the frontend refused control characters; a compromised one is
	 * not believed: no control byte, valid UTF-8 */
	event_sanitize(o->note);
	frontend_penalty_note(o->uid, o->note);
}

/* The badness score put the user in the box: the penalty goes where an
 * admin's would (state.c), so that it is persisted and shown alike. */
static void auto_penalty(const struct policy_event *ev, struct event_fields *f)
{
	struct runtime_override *o = state_get(ev->uid);
	struct change ch = {.penalty = true};

	change_begin(ev->uid, &ch);
	policy_penalty_start(&o->penalty, &config->penalty, ev->start_ms,
			     ev->bad.penalty_ms);
	o->penalty.automatic = true;
	set_note(o, ""); /* no admin gave it */
	state_save();
	change_end(ev->uid, &ch);
	f->until = (time_t)(o->penalty.expires_ms / 1000);
	f->reason = "badness";
	event_emit(EVENT_PENALTY_ON, f);
	/* a change no admin made: cgfaird is the actor */
	audit_record("penalty-auto", ev->uid, NULL, &ch, true);
}

static void on_badness_event(const struct policy_event *ev)
{
	struct event_fields f = {.uid = ev->uid};

	badness_fields(&f, &ev->bad);
	if (ev->type == POLICY_EV_AUTO_PENALTY)
		auto_penalty(ev, &f);
	else
		event_emit(ev->type == POLICY_EV_BADNESS_WARN
			       ? EVENT_PENALTY_WARNING
			       : EVENT_PENALTY_TIER,
			   &f);
	badness_save_soon();
}

static void on_policy_event(void *arg, const struct policy_event *ev)
{
	struct event_fields f = {.uid = ev->uid};
	struct runtime_override *o;
	char note[IPC_NOTE_MAX] = "";
	(void)arg;

	switch (ev->type) {
	case POLICY_EV_THROTTLE_START:
		f.start = (time_t)(ev->start_ms / 1000);
		f.cpu_new = cap_permille(true, ev->cap);
		f.cpu_percent = 100.0 * ev->cpu / ncpu;
		event_emit(EVENT_THROTTLE_START, &f);
		break;
	case POLICY_EV_THROTTLE_END:
		f.start = (time_t)(ev->start_ms / 1000);
		f.end = (time_t)(ev->end_ms / 1000);
		f.cpu_new = cap_permille(true, ev->cap);
		f.cpu_percent = ev->avg_percent;
		event_emit(EVENT_THROTTLE_END, &f);
		break;
	case POLICY_EV_PENALTY_END:
		o = state_find(ev->uid);
		if (o) {
			o->penalty.on = false;
			snprintf(note, sizeof(note), "%s", o->note);
			set_note(o, "");
			state_save();
		}
		f.reason = "expired";
		f.note = note[0] ? note : NULL;
		event_emit(EVENT_PENALTY_OFF, &f);
		audit_record("penalty-end", ev->uid, NULL, NULL, true);
		break;
	case POLICY_EV_BADNESS_WARN:
	case POLICY_EV_AUTO_PENALTY:
	case POLICY_EV_TIER_DOWN:
		on_badness_event(ev);
		break;
	}
}

static void step_free(struct step *s)
{
	free(s->pu);
	free(s->u);
	free(s);
}

/* What a burst freed (new users' messages that waited in the workers'
 * outboxes, NSS's buffers, the step's scratch) lies in the heap between
 * the users' records, where free() cannot give it back: 9 of a 15 MB heap
 * after 10,000 new users (issue 17), and chunks reused and freed again
 * make their pages resident again. After every step with a MiB or more
 * free, malloc_trim hands the free chunks' whole pages back (madvise; a
 * few hundred calls at 10,000 users); the chunks stay free for the heap
 * to reuse. */
static void give_back(void)
{
	if (mallinfo2().fordblks >= 1 << 20)
		malloc_trim(0);
}

/* Every user written: the entries that hold nothing go, idle users too. */
static void step_end(struct step *s)
{
	char line[64];

	log_debug("scan %llu: limits of %zu users applied in %u loop "
		  "iteration(s)",
		  (unsigned long long)s->scan_cycle, s->n, s->batches);
	badness_tick(s->now_ms, config->penalty.window_ms);
	for (size_t i = 0; i < s->nidle; i++)
		user_remove(s->idle[i]); /* -EBUSY: kept, tried again */
	snprintf(line, sizeof(line), "%u users, scan cycle %llu", users_count(),
		 (unsigned long long)s->scan_cycle);
	status_line(line);
	give_back();
}

static void step(uint64_t wall_usec, uint64_t scan_cycle);

/* One batch of the step's writes; the rest at the next iteration. */
static int on_apply(sd_event_source *src, void *data)
{
	struct step *s = applying;
	uint64_t start = clock_mono_usec();
	(void)data;

	s->batches++;
	for (int i = 0; batch_more(i, APPLY_BATCH, start) && s->next < s->n;
	     i++, s->next++) {
		apply(s->u[s->next], &s->pu[s->next]);
		if (row_hook)
			row_hook(s->u[s->next]);
	}
	if (s->next < s->n)
		return 0;
	sd_event_source_set_enabled(src, SD_EVENT_OFF);
	applying = NULL;
	step_end(s);
	step_free(s);
	if (scan_waiting) {
		scan_waiting = false;
		step(waiting_wall, waiting_cycle);
	}
	return 0;
}

/* The policy over every user at once (pure, quick), then its writes in
 * batches (on_apply). A scan that ends before they are done waits: its
 * usage figures are kept in the users, and its step runs after. */
static void step(uint64_t wall_usec, uint64_t scan_cycle)
{
	unsigned n = users_count();
	struct policy_machine m = {.ncpu = ncpu, .now_ms = now_ms()};
	struct step *s;

	if (applying) {
		scan_waiting = true;
		waiting_wall = wall_usec;
		waiting_cycle = scan_cycle;
		return;
	}
	backend_retry(); /* last cycle's failed writes, before this one's */
	s = calloc(1, sizeof(*s));
	if (!s)
		fatal(EXIT_FATAL, "calloc");
	*s = (struct step){.wall_usec = wall_usec,
			   .scan_cycle = scan_cycle,
			   .now_ms = m.now_ms,
			   .pu = calloc(n ? n : 1, sizeof(*s->pu)),
			   .u = calloc(n ? n : 1, sizeof(*s->u))};
	if (!s->pu || !s->u)
		fatal(EXIT_FATAL, "calloc");
	users_foreach(collect, s);
	policy_step(config, &m, s->pu, s->n, on_policy_event, NULL);
	applying = s;
	if (sd_event_source_set_enabled(apply_source, SD_EVENT_ON) < 0)
		fatalx(EXIT_FATAL, "cannot schedule the limits' writes");
}

/* The wall time between two scans is the scanner's (when it read the
 * counters), but only within a quarter of the supervisor's own (when the
 * cycles' ends arrived), and the CPU count is the supervisor's own
 * (sysconf): a scanner's figures for them would scale every user's rate
 * and cap at once. */
static uint64_t wall_usec(const struct ipc_scan_done *d)
{
	static uint64_t own_last;
	uint64_t now = clock_loop_usec(event), own, theirs;

	own = own_last && now > own_last ? now - own_last : 0;
	theirs = last_mono && d->mono_usec > last_mono
		     ? d->mono_usec - last_mono
		     : 0;
	own_last = now;
	last_mono = d->mono_usec;
	if (own && (theirs < own - own / 4 || theirs > own + own / 4)) {
		log_debug("scan %llu: the scanner's clock says %llu us, ours "
			  "%llu us: ours is taken",
			  (unsigned long long)d->cycle,
			  (unsigned long long)theirs, (unsigned long long)own);
		return own;
	}
	return theirs;
}

static void on_done(const struct ipc_scan_done *d)
{
	uint64_t wall = wall_usec(d);
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	ncpu = n > 0 ? (unsigned)n : 1;
	if (d->ncpus != ncpu)
		log_debug("the scanner counted %u CPUs, sysconf %u", d->ncpus,
			  ncpu);
	log_debug("scan %llu: %u users (%u read, the others quiet), scanner "
		  "used %llu us",
		  (unsigned long long)d->cycle, d->nusers, d->nread,
		  (unsigned long long)d->scan_usec);
	step(wall, d->cycle);
}

/* --- the timer ----------------------------------------------------------- */

/* What the users the scanner does not re-read may have used together
 * since their last reads, at most: 1% of a CPU over the interval, never
 * more than a quarter of what makes one user active. Their figures may
 * then wait: a quiet user's rate shows as 0 and, once read, the growth
 * is charged to the last interval; both err by less than this bound. */
static uint64_t quiet_usec(void)
{
	const struct cgfair_config *cfg = config;
	double cpus = policy_active_threshold(&cfg->cpu, ncpu) / 4;

	if (!(cpus < QUIET_CPUS))
		cpus = QUIET_CPUS;
	return (uint64_t)(cpus * (double)cfg->daemon.interval_ms * 1000.0);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *data)
{
	(void)data;
	/* not running: skipped, logged */
	placement_request_scan(++cycle, quiet_usec());
	sd_event_source_set_time(s, usec + config->daemon.interval_ms * 1000);
	return 0;
}

/* Run a cycle now (an admin changed something), then keep the rhythm. */
static void cycle_now(void)
{
	sd_event_source_set_time(timer, clock_loop_usec(event));
}

void control_changed(void)
{
	cycle_now();
}

static void unresolve(struct user *u, void *arg)
{
	(void)arg;
	u->ovr_resolved = false;
	u->no_passwd = false;
}

/* A new user's overrides are resolved with its cgroup, in the batch that
 * makes it, rather than all at once in the next step. */
static void user_hook_fn(struct user *u, bool added)
{
	if (added && !u->ovr_resolved)
		resolve_config_overrides(u);
}

static void on_reload(const struct cgfair_config *cfg)
{
	(void)cfg;
	/* users.d may have changed: resolve every user again, now */
	users_foreach(unresolve, NULL);
	cycle_now();
}

void control_start(sd_event *e, const struct cgfair_config *cfg,
		   void (*status_fn)(const char *text))
{
	event = e;
	config = cfg;
	status_line = status_fn;
	placement_set_usage_handler(on_users, on_done);
	state_load(config->daemon.state_dir);
	badness_load(e);
	oom_marks_load(e); /* before the first user is armed */
	if (sd_event_add_time_relative(event, &timer, CLOCK_MONOTONIC, 0, 0,
				       on_timer, NULL) < 0 ||
	    sd_event_source_set_enabled(timer, SD_EVENT_ON) < 0 ||
	    sd_event_add_defer(event, &apply_source, on_apply, NULL) < 0 ||
	    sd_event_source_set_enabled(apply_source, SD_EVENT_OFF) < 0 ||
	    sd_event_add_defer(event, &setup_source, on_setup, NULL) < 0 ||
	    sd_event_source_set_enabled(setup_source, SD_EVENT_OFF) < 0)
		fatalx(EXIT_FATAL, "cannot start the control timer");
	conf_add_reload_hook(on_reload);
	users_add_hook(user_hook_fn);
}

void control_stop(void)
{
	const struct cgfair_config *cfg = config;

	timer = sd_event_source_disable_unref(timer);
	apply_source = sd_event_source_disable_unref(apply_source);
	setup_source = sd_event_source_disable_unref(setup_source);
	if (applying) /* the caps are lifted below; what is written stays */
		step_free(applying);
	applying = NULL;
	oom_reread_trees();
	oom_marks_flush();
	badness_flush();
	caps_cleanup(true); /* the subtree's parent is read-only without */
	if (cfg->cpu.release_on_stop || cfg->memory.release_on_stop)
		backend_release_all(!cfg->memory.release_on_stop);
	backend_settle(); /* what is in flight reaches PID 1 */
	caps_cleanup(false);
}

/* --- admin actions --------------------------------------------------- */

/* The event and the audit record of an admin action, with the same actor
 * and values: the one place both are made. */
static void record(const struct actor *who, uid_t uid, const char *op,
		   int status, const char *msg, const struct change *ch)
{
	struct event_fields f = {.uid = uid,
				 .actor = who,
				 .change = ch,
				 .action = op,
				 .status = status < 0 ? -status : 0,
				 .message = msg};
	event_emit(EVENT_ADMIN_ACTION, &f);
	audit_record(op, uid, who, ch, status == 0);
}

void control_refused(const struct actor *who, uid_t uid, const char *op)
{
	/* no event: a client looping on refusals must not flood the log;
	 * the audit trail is where refusals belong */
	audit_record(op, uid, who, NULL, false);
}

static int check_managed(uid_t uid, char *msg, size_t len)
{
	if (placement_managed(uid))
		return 0;
	/* in a fleet, another node's user: written for the node that
	 * manages it (which checks it again) */
	if (fleet_enabled() && uid != 0)
		return 0;
	snprintf(msg, len,
		 "uid %u is not managed (exempt, or outside "
		 "min_uid..max_uid)",
		 (unsigned)uid);
	return -EINVAL;
}

static int finish(const struct actor *who, uid_t uid, const char *action, int r,
		  char *msg, size_t len, struct change *ch)
{
	if (r == 0 && state_save() < 0) {
		snprintf(msg, len,
			 "%s done, but the state file could not be "
			 "written (see the log)",
			 action);
		r = -EIO;
	}
	change_end(uid, ch);
	record(who, uid, action, r, msg, ch);
	if (r == 0)
		cycle_now();
	return r;
}

int control_penalty(const struct actor *who, uid_t uid, int64_t seconds,
		    const char *note, char *msg, size_t len)
{
	const struct cgfair_config *cfg = config;
	struct change ch = {.penalty = true};
	int r = check_managed(uid, msg, len);

	change_begin(uid, &ch);
	if (r == 0) {
		struct runtime_override *o = state_get(uid);
		uint64_t ms = seconds > 0 ? (uint64_t)seconds * 1000 : 0;
		policy_penalty_start(&o->penalty, &cfg->penalty, now_ms(), ms);
		set_note(o, note);
		ch.penalty_new = penalty_left(o);
		struct event_fields f = {
		    .uid = uid,
		    .until = (time_t)(o->penalty.expires_ms / 1000),
		    .reason = "admin",
		    .note = o->note[0] ? o->note : NULL,
		    .actor = who,
		    .change = &ch};
		event_emit(EVENT_PENALTY_ON, &f);
		snprintf(msg, len, "uid %u in the penalty box until %lld",
			 (unsigned)uid,
			 (long long)(o->penalty.expires_ms / 1000));
	}
	r = finish(who, uid, "penalty", r, msg, len, &ch);
	if (r == 0)
		fleet_publish(uid, FLEET_F_PENALTY);
	return r;
}

int control_release(const struct actor *who, uid_t uid, char *msg, size_t len)
{
	struct runtime_override *o = state_find(uid);
	struct change ch = {.penalty = true};
	int r = 0;

	change_begin(uid, &ch);
	if ((!o || !o->penalty.on) && fleet_enabled() && uid != 0 &&
	    !placement_managed(uid)) {
		/* another node's user: the release is for the fleet */
		snprintf(msg, len,
			 "uid %u released on the nodes that manage it",
			 (unsigned)uid);
	} else if (!o || !o->penalty.on) {
		snprintf(msg, len, "uid %u is not in the penalty box",
			 (unsigned)uid);
		r = -ENOENT;
	} else {
		char note[IPC_NOTE_MAX];

		policy_penalty_end(&o->penalty);
		snprintf(note, sizeof(note), "%s", o->note);
		set_note(o, "");
		struct event_fields f = {.uid = uid,
					 .reason = "released",
					 .note = note[0] ? note : NULL,
					 .actor = who,
					 .change = &ch};
		event_emit(EVENT_PENALTY_OFF, &f);
		snprintf(msg, len, "uid %u released", (unsigned)uid);
	}
	r = finish(who, uid, "release", r, msg, len, &ch);
	if (r == 0)
		fleet_publish(uid, FLEET_F_PENALTY);
	return r;
}

int control_forgive(const struct actor *who, uid_t uid, char *msg, size_t len)
{
	struct change ch = {0}; /* the admin's values stay as they are */
	bool had;
	int r;

	change_begin(uid, &ch);
	had = badness_forget(uid);
	r = badness_flush() < 0 ? -EIO : 0;
	snprintf(msg, len,
		 r < 0 ? "uid %u forgiven, but the state file could not be "
			 "written (see the log)"
		 : had ? "uid %u: badness score and tier back to 0"
		       : "uid %u has no badness score or tier",
		 (unsigned)uid);
	return finish(who, uid, "forgive", r, msg, len, &ch);
}

/* -1 unchanged, 0 back to the default (-1 in the state), else set */
static void set_field(int64_t *field, int64_t v)
{
	if (v >= 0)
		*field = v ? v : -1;
}

int control_limit_set(const struct actor *who, uid_t uid,
		      const struct ipc_client_request *rq, char *msg,
		      size_t len)
{
	int64_t cpu_permille = rq->cpu_permille, mem_bytes = rq->mem_bytes;
	struct change ch = {.cpu = cpu_permille >= 0,
			    .mem = mem_bytes >= 0,
			    .tasks = rq->max_tasks >= 0,
			    .high = rq->mem_high >= 0,
			    .io = rq->io_weight >= 0};
	int r = check_managed(uid, msg, len);

	change_begin(uid, &ch);
	if (r == 0 && cpu_permille > 0 && cpu_permille < 10) {
		snprintf(msg, len, "cpu cap %.3f is below 0.01 CPU",
			 cpu_permille / 1000.0);
		r = -EINVAL;
	}
	if (r == 0) {
		struct runtime_override *o = state_get(uid);
		set_field(&o->cpu_permille, cpu_permille);
		set_field(&o->mem_bytes, mem_bytes);
		set_field(&o->max_tasks, rq->max_tasks);
		set_field(&o->mem_high, rq->mem_high);
		set_field(&o->io_weight, rq->io_weight);
		snprintf(msg, len,
			 "uid %u: cpu %s, memory %s, tasks %s, memory high %s, "
			 "io weight %s",
			 (unsigned)uid,
			 o->cpu_permille > 0 ? "fixed" : "default",
			 o->mem_bytes > 0 ? "fixed" : "default",
			 o->max_tasks > 0 ? "fixed" : "default",
			 o->mem_high > 0 ? "fixed" : "default",
			 o->io_weight > 0 ? "fixed" : "default");
	}
	r = finish(who, uid, "limit", r, msg, len, &ch);
	if (r == 0)
		fleet_publish(uid, (ch.cpu ? FLEET_F_CPU : 0) |
				       (ch.mem ? FLEET_F_MEM : 0) |
				       (ch.tasks ? FLEET_F_TASKS : 0) |
				       (ch.high ? FLEET_F_HIGH : 0) |
				       (ch.io ? FLEET_F_IO : 0));
	return r;
}

int control_limit_clear(const struct actor *who, uid_t uid, char *msg,
			size_t len)
{
	struct runtime_override *o = state_find(uid);
	struct change ch = {
	    .cpu = true, .mem = true, .tasks = true, .high = true, .io = true};

	change_begin(uid, &ch);
	if (o) {
		o->cpu_permille = -1;
		o->mem_bytes = -1;
		o->max_tasks = -1;
		o->mem_high = -1;
		o->io_weight = -1;
	}
	snprintf(msg, len, "uid %u: limits back to the defaults",
		 (unsigned)uid);
	int r = finish(who, uid, "limit-clear", 0, msg, len, &ch);
	if (r == 0)
		fleet_publish(uid, FLEET_F_ALL & ~FLEET_F_PENALTY);
	return r;
}

int control_set_option(const struct actor *who,
		       const struct ipc_client_request *rq, char *msg,
		       size_t len)
{
	conf_set_runtime(rq->seconds > 0 ? (uint64_t)rq->seconds * 1000 : 0,
			 rq->cpu_permille > 0 ? rq->cpu_permille / 1000.0 : 0,
			 rq->mem_bytes > 0 ? (uint64_t)rq->mem_bytes : 0);
	snprintf(msg, len,
		 "interval %llu ms, max_percent %.1f%%, memory limit %llu "
		 "bytes, until the next reload",
		 (unsigned long long)config->daemon.interval_ms,
		 config->cpu.max_share * 100,
		 (unsigned long long)config->memory.limit.bytes);
	struct change ch = {0}; /* no user's values */

	change_begin(0, &ch);
	return finish(who, 0, "set option", 0, msg, len, &ch);
}

int control_print_config(FILE *f)
{
	return config_print(config, f);
}

int control_reload(const struct actor *who, bool by_signal, char *msg,
		   size_t len)
{
	int r = conf_reload(msg, len);
	struct event_fields f = {
	    .failed = r < 0, .reason = r < 0 ? msg : NULL, .actor = who};

	event_emit(EVENT_CONFIG_RELOAD, &f);
	if (by_signal) /* a signal is no request: no admin_action event */
		audit_record("reload", 0, who, NULL, r == 0);
	else
		record(who, 0, "reload", r, msg, NULL);
	return r;
}
