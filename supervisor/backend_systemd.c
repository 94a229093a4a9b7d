/*
 * systemd backend: logind's user-UID.slice is the user's cgroup. Under
 * systemd's cgroup delegation rules its attributes belong to systemd, so
 * limits go through D-Bus (SetUnitProperties, runtime) and stray processes
 * are adopted with a transient scope; the slice's files are only read
 * (usage, memory.events), plus the v1 OOM eventfd registration.
 *
 * Limits are written asynchronously: a change of the active count changes
 * every user's cap at once, and a thousand round trips to PID 1 in a row
 * would stall the event loop (placement, OOM, the socket) behind them.
 * busq.c keeps a bounded number of calls in flight, one per user at most
 * with the newest values waiting behind it; a reply is handled when it
 * comes, a failure is logged with the unit and properties and sent again
 * next cycle (backend_retry). The rare reads (LoadState of a new user,
 * read_limits) and adoptions stay synchronous with a short timeout.
 */
#include "supervisor/backend_impl.h"
#include "supervisor/busq.h"
#include "common/array.h"
#include "common/clock.h"
#include "common/log.h"

#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>

#define SD_DEST		 "org.freedesktop.systemd1"
#define SD_PATH		 "/org/freedesktop/systemd1"
#define SD_MGR		 "org.freedesktop.systemd1.Manager"
#define SD_UNIT		 "org.freedesktop.systemd1.Unit"
#define SD_SLICE	 "org.freedesktop.systemd1.Slice"
#define BUS_TIMEOUT_USEC (2 * 1000 * 1000)
#define USEC_INFINITY	 UINT64_MAX
/* PID 1 handles calls one by one: more in flight only fill its queue */
#define BUS_INFLIGHT 16
/* Stop waits for the writes queued and in flight for as long as PID 1
 * answers: BUS_DRAIN_IDLE_USEC without a reply ends the wait, and
 * BUS_DRAIN_MAX_USEC in all (under systemd's default stop timeout, 90 s).
 * What is left then is lost: the runtime drop-ins keep what PID 1 had
 * taken. A flat 10 s lifted 365 of 1,000 caps in the TCG guest, where
 * PID 1 takes ~30 s for all (bench/README.md). */
#define BUS_DRAIN_IDLE_USEC (10 * 1000 * 1000)
#define BUS_DRAIN_MAX_USEC  (60 * 1000 * 1000)

/* backend.c's settings, lent at init */
static const struct bk_config *bk;

static sd_bus *bus;
static bool unified;   /* cgroup2 host: CPUWeight, MemoryMax, MemorySwapMax */
static bool has_zswap; /* systemd 253+ on cgroup2: MemoryZSwapMax */
static struct cg_dir memroot = CG_DIR_INIT; /* v2 mount or v1 memory */
static char cpuacct_dir[PATH_MAX];
static bool said_no_swap;

static struct busq *queue;

/* uids whose slice got properties from us, sorted: released on stop */
static uid_t *touched;
static size_t ntouched, touched_cap;

/* The properties written, by their index in busq's value table. */
enum prop_id {
	P_CPU_ACCT,
	P_MEM_ACCT,
	P_QUOTA,
	P_WEIGHT,
	P_SHARES,
	P_MEM_MAX,
	P_MEM_LIMIT,
	P_SWAP_MAX,
	P_ZSWAP_MAX,
	P_TASKS_MAX,
	P_MEM_HIGH,
	P_IO_WEIGHT,
	P_COUNT
};

static const struct {
	const char *name;
	char type; /* 't' or 'b' */
} props[P_COUNT] = {
    [P_CPU_ACCT] = {"CPUAccounting", 'b'},
    [P_MEM_ACCT] = {"MemoryAccounting", 'b'},
    [P_QUOTA] = {"CPUQuotaPerSecUSec", 't'},
    [P_WEIGHT] = {"CPUWeight", 't'},
    [P_SHARES] = {"CPUShares", 't'},
    [P_MEM_MAX] = {"MemoryMax", 't'},
    [P_MEM_LIMIT] = {"MemoryLimit", 't'},
    [P_SWAP_MAX] = {"MemorySwapMax", 't'},
    [P_ZSWAP_MAX] = {"MemoryZSwapMax", 't'},
    [P_TASKS_MAX] = {"TasksMax", 't'},
    [P_MEM_HIGH] = {"MemoryHigh", 't'},
    [P_IO_WEIGHT] = {"IOWeight", 't'},
};
_Static_assert(P_COUNT <= BUSQ_NPROPS, "busq holds every property");

static void put(struct busq_props *p, enum prop_id id, uint64_t value)
{
	p->mask |= 1u << id;
	p->value[id] = value;
}

static void slice_name(uid_t uid, char *buf, size_t len)
{
	snprintf(buf, len, "user-%u.slice", (unsigned)uid);
}

/* Calls in flight on a connection closed here get no reply: they count
 * as failed (sent again next cycle). */
static void bus_drop(void)
{
	bus = sd_bus_flush_close_unref(bus);
	if (queue)
		busq_abort(queue);
}

static int bus_connect(void)
{
	sd_bus *b = NULL;
	int r;

	if (bus && sd_bus_is_open(bus) > 0)
		return 0;
	bus_drop(); /* closed under us: systemd re-executed, dbus restarted */
	/* PID 1's private socket works without dbus-daemon (as systemctl
	 * does for root); the system bus otherwise */
	r = sd_bus_new(&b);
	if (r >= 0)
		r = sd_bus_set_address(b, "unix:path=/run/systemd/private");
	if (r >= 0)
		r = sd_bus_start(b);
	if (r < 0) {
		b = sd_bus_unref(b);
		r = sd_bus_open_system(&b);
		if (r < 0)
			return r;
	}
	(void)sd_bus_set_method_call_timeout(b, BUS_TIMEOUT_USEC);
	/* the loop dispatches the replies (and anything sent unasked) */
	if (bk->event && (r = sd_bus_attach_event(b, bk->event, 0)) < 0) {
		sd_bus_unref(b);
		return r;
	}
	bus = b;
	return 0;
}

/* A broken connection is reopened at the next call. Success is 0:
 * sd_bus_call() returns 1, which the backend interface reads as
 * BACKEND_AGAIN (a memory step, a move not done). */
static int bus_result(int r)
{
	if (r == -ENOTCONN || r == -ECONNRESET || r == -EPIPE ||
	    r == -ESHUTDOWN)
		bus_drop();
	return r < 0 ? r : 0;
}

static const char *err_text(const sd_bus_error *e, int r)
{
	static char buf[512];

	if (sd_bus_error_is_set(e))
		snprintf(buf, sizeof(buf), "%s: %s", e->name,
			 e->message ? e->message : "");
	else
		snprintf(buf, sizeof(buf), "%s", strerror(-r));
	return buf;
}

static void describe(const struct busq_props *p, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < P_COUNT && off < len; i++) {
		const char *sep = off ? " " : "";
		if (!(p->mask & (1u << i)))
			continue;
		if (props[i].type == 'b')
			off += (size_t)snprintf(buf + off, len - off, "%s%s=%s",
						sep, props[i].name,
						p->value[i] ? "yes" : "no");
		else if (p->value[i] == USEC_INFINITY)
			off += (size_t)snprintf(buf + off, len - off,
						"%s%s=infinity", sep,
						props[i].name);
		else
			off += (size_t)snprintf(buf + off, len - off,
						"%s%s=%" PRIu64, sep,
						props[i].name, p->value[i]);
	}
}

static int append_props(sd_bus_message *m, const struct busq_props *p)
{
	int r = sd_bus_message_open_container(m, 'a', "(sv)");

	for (unsigned i = 0; i < P_COUNT && r >= 0; i++) {
		if (!(p->mask & (1u << i)))
			continue;
		if (props[i].type == 'b')
			r = sd_bus_message_append(m, "(sv)", props[i].name, "b",
						  (int)(p->value[i] != 0));
		else
			r = sd_bus_message_append(m, "(sv)", props[i].name, "t",
						  p->value[i]);
	}
	if (r >= 0)
		r = sd_bus_message_close_container(m);
	return r;
}

/* Sorted, searched by bisection: once per reply, for every user. */
static void remember(uid_t uid)
{
	size_t lo =
	    array_uid_lower_bound(touched, ntouched, sizeof(*touched), 0, uid);

	if (lo < ntouched && touched[lo] == uid)
		return;
	uid_t *at = array_insert(&touched, &ntouched, &touched_cap,
				 sizeof(*touched), lo);
	if (at) /* out of memory: only the release on stop is lost */
		*at = uid;
}

static void log_failure(uid_t uid, const struct busq_props *p, const char *why)
{
	char unit[64], what[512];

	slice_name(uid, unit, sizeof(unit));
	describe(p, what, sizeof(what));
	log_warnx("systemd: %s: SetUnitProperties %s: %s (tried again next "
		  "cycle)",
		  unit, what, why);
}

static void pump(void);
static uint64_t nreplies; /* drain's measure of PID 1's progress */

/* A reply (or sd-bus's own error reply: timeout, connection closed). */
static int on_reply(sd_bus_message *m, void *userdata, sd_bus_error *unused)
{
	uid_t uid = (uid_t)(uintptr_t)userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	const struct busq_props *p = busq_inflight_of(queue, uid);

	(void)unused;
	if (!p)
		return 0;
	nreplies++;
	if (e)
		log_failure(uid, p, err_text(e, -EIO));
	else
		remember(uid);
	busq_done(queue, uid, !e);
	pump();
	return 0;
}

static int send_props(uid_t uid, const struct busq_props *p)
{
	sd_bus_message *m = NULL;
	char unit[64];
	int r;

	slice_name(uid, unit, sizeof(unit));
	r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MGR,
					   "SetUnitProperties");
	if (r >= 0)
		r = sd_bus_message_append(m, "sb", unit, 1);
	if (r >= 0)
		r = append_props(m, p);
	if (r >= 0)
		r = sd_bus_call_async(bus, NULL, m, on_reply,
				      (void *)(uintptr_t)uid, BUS_TIMEOUT_USEC);
	sd_bus_message_unref(m);
	return r;
}

/* Start what waits, up to the bound. Never connects: it also runs from
 * on_reply, inside the bus's own dispatch. */
static void pump(void)
{
	struct busq_props p;
	uid_t uid;

	while (bus && sd_bus_is_open(bus) > 0 && busq_next(queue, &uid, &p)) {
		int r = send_props(uid, &p);
		if (r < 0) {
			log_failure(uid, &p, strerror(-r));
			busq_done(queue, uid, false);
		}
	}
}

/* Dispatch replies until nothing is in flight or waits, as long as a
 * reply comes at least every idle_usec and for max_usec in all: at stop,
 * and for every call when no event loop does it. */
static void drain(uint64_t idle_usec, uint64_t max_usec)
{
	uint64_t start = clock_mono_usec(), now = start;
	uint64_t seen = nreplies, last = start;
	int r;

	while (bus && busq_busy(queue)) {
		pump();
		if ((r = sd_bus_process(bus, NULL)) > 0) {
			if (nreplies != seen) {
				seen = nreplies;
				last = clock_mono_usec();
			}
			continue;
		}
		now = clock_mono_usec();
		uint64_t end = last + idle_usec < start + max_usec
				   ? last + idle_usec
				   : start + max_usec;
		if (r < 0 || now >= end || sd_bus_wait(bus, end - now) < 0)
			break;
	}
	if (busq_busy(queue))
		log_warnx("systemd: %u writes in flight, up to %u waiting, "
			  "after %" PRIu64 " ms (%" PRIu64 " ms without a "
			  "reply): the waiting ones are not sent",
			  busq_inflight(queue), busq_waiting(queue),
			  (now - start) / 1000, (now - last) / 1000);
}

/* Queued: 0 now, the outcome comes later (logged; a failure is sent
 * again next cycle). */
static int set_props(uid_t uid, const struct busq_props *p)
{
	char unit[64], what[512];
	int r;

	if (bk->dry_run) {
		slice_name(uid, unit, sizeof(unit));
		describe(p, what, sizeof(what));
		log_info("dry-run: would set %s on %s", what, unit);
		return 0;
	}
	if ((r = bus_connect()) < 0) {
		log_failure(uid, p, strerror(-r));
		return r;
	}
	if ((r = busq_want(queue, uid, p)) < 0)
		return r;
	pump();
	if (!bk->event) {
		drain(BUS_TIMEOUT_USEC, BUS_TIMEOUT_USEC);
		return busq_failed(queue, uid) ? -EIO : 0;
	}
	return 0;
}

static int get_u64(uid_t uid, const char *iface, const char *name, uint64_t *v)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	char unit[64], *path = NULL;
	int r;

	slice_name(uid, unit, sizeof(unit));
	if ((r = bus_connect()) < 0)
		return r;
	r = sd_bus_path_encode(SD_PATH "/unit", unit, &path);
	if (r >= 0)
		r = sd_bus_get_property_trivial(bus, SD_DEST, path, iface, name,
						&error, 't', v);
	if (r < 0)
		log_debug("systemd: %s: read %s: %s", unit, name,
			  err_text(&error, r));
	free(path);
	sd_bus_error_free(&error);
	return bus_result(r);
}

static int get_string(const char *path, const char *iface, const char *name,
		      char **out, sd_bus_error *error)
{
	int r = bus_connect();

	if (r < 0)
		return r;
	r = sd_bus_get_property_string(bus, SD_DEST, path, iface, name, error,
				       out);
	return bus_result(r);
}

/* Does this systemd know the slice property NAME? Asked of the root slice,
 * which always exists: an older systemd answers UnknownProperty. */
static bool slice_has_property(const char *name)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	uint64_t v;
	int r = bus_connect();

	if (r >= 0)
		r = sd_bus_get_property_trivial(
		    bus, SD_DEST, SD_PATH "/unit/_2d_2eslice", SD_SLICE, name,
		    &error, 't', &v);
	if (r < 0)
		log_debug("systemd: no %s: %s", name, err_text(&error, r));
	sd_bus_error_free(&error);
	bus_result(r);
	return r >= 0;
}

static int sd_init(const struct bk_config *cfg, const struct cg_mounts *m,
		   char *err, size_t errlen)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	char *version = NULL;
	int r;

	bk = cfg;
	if (!queue && !(queue = busq_new(BUS_INFLIGHT))) {
		snprintf(err, errlen, "systemd: %s", strerror(ENOMEM));
		return -1;
	}
	unified = cg_v2_has(m->v2, "cpu") && cg_v2_has(m->v2, "memory");
	if (!unified && (!m->cpuacct[0] || !m->memory[0])) {
		snprintf(err, errlen,
			 "systemd: no cgroup hierarchy under %s has cpu and "
			 "memory (cgroup2: %s; cgroup1 cpuacct: %s, memory: "
			 "%s)",
			 bk->mount, m->v2[0] ? "without them" : "not mounted",
			 m->cpuacct[0] ? "mounted" : "missing",
			 m->memory[0] ? "mounted" : "missing");
		return -1;
	}
	r = cg_open_mount(unified ? m->v2 : m->memory, &memroot);
	if (r < 0) {
		snprintf(err, errlen, "systemd: %s: %s",
			 unified ? m->v2 : m->memory, strerror(-r));
		return -1;
	}
	snprintf(cpuacct_dir, sizeof(cpuacct_dir), "%s",
		 unified ? m->v2 : m->cpuacct);
	r = get_string(SD_PATH, SD_MGR, "Version", &version, &error);
	if (r < 0) {
		snprintf(err, errlen,
			 "systemd: not answering on D-Bus "
			 "(/run/systemd/private, system bus): %s",
			 err_text(&error, r));
		sd_bus_error_free(&error);
		cg_close(&memroot);
		bus_drop();
		return -1;
	}
	/* zswap is swap kept compressed in RAM: bounded like the swap */
	has_zswap = unified && slice_has_property("MemoryZSwapMax");
	log_info("systemd %s, cgroup %s%s", version, unified ? "v2" : "v1",
		 has_zswap ? ", MemoryZSwapMax" : "");
	free(version);
	said_no_swap = false;
	return 0;
}

static void sd_settle(void);

static void sd_fini(void)
{
	sd_settle();
	bus_drop();
	busq_free(queue);
	queue = NULL;
	cg_close(&memroot);
	free(touched);
	touched = NULL;
	ntouched = touched_cap = 0;
}

/* The slice exists once it is loaded (logind starts it at login; a
 * transient scope started in it starts it too). */
static int sd_ensure_user(uid_t uid)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	char unit[64], *path = NULL, *state = NULL;
	int r;

	slice_name(uid, unit, sizeof(unit));
	r = sd_bus_path_encode(SD_PATH "/unit", unit, &path);
	if (r >= 0)
		r = get_string(path, SD_UNIT, "LoadState", &state, &error);
	if (r < 0)
		log_warnx("systemd: %s: read LoadState: %s", unit,
			  err_text(&error, r));
	else if (strcmp(state, "loaded") != 0) {
		log_warnx("systemd: %s: LoadState=%s", unit, state);
		r = -ENOENT;
	}
	free(path);
	free(state);
	sd_bus_error_free(&error);
	if (r < 0)
		return r;
	struct busq_props p = {0};
	put(&p, P_CPU_ACCT, 1);
	put(&p, P_MEM_ACCT, 1);
	return set_props(uid, &p);
}

static int sd_set_cpu(uid_t uid, const struct cpu_limit *l)
{
	uint64_t quota = cpu_quota_of(l), period = cpu_period_of(l);
	struct busq_props p = {0};

	/* systemd scales the quota to its own period (100 ms unless
	 * CPUQuotaPeriodSec= says otherwise) */
	put(&p, P_QUOTA,
	    quota == LIMIT_NONE ? USEC_INFINITY : quota * 1000000 / period);
	if (l->weight && unified)
		put(&p, P_WEIGHT, l->weight > 10000 ? 10000 : l->weight);
	else if (l->weight)
		put(&p, P_SHARES, weight_to_shares(l->weight));
	return set_props(uid, &p);
}

static int open_slice(uid_t uid, struct cg_dir *d)
{
	struct cg_dir us;
	char unit[64];
	int r;

	r = cg_open_child(&memroot, "user.slice", false, &us);
	if (r < 0)
		return r;
	slice_name(uid, unit, sizeof(unit));
	r = cg_open_child(&us, unit, false, d);
	cg_close(&us);
	return r;
}

static int sd_set_memory(uid_t uid, const struct mem_limit *l, uint64_t usage)
{
	uint64_t cur = LIMIT_NONE, used = 0, mem;
	struct cg_dir d;
	struct busq_props p = {0};
	int r;

	/* reading the slice's files is fine; writing them is not */
	if (open_slice(uid, &d) == 0) {
		(void)cg_read_u64(
		    &d, unified ? "memory.max" : "memory.limit_in_bytes", &cur);
		(void)cg_read_u64(
		    &d, unified ? "memory.current" : "memory.usage_in_bytes",
		    &used);
		cg_close(&d);
	}
	mem = mem_step(l->max, usage > used ? usage : used, cur);
	put(&p, unified ? P_MEM_MAX : P_MEM_LIMIT, mem);
	if (unified)
		put(&p, P_SWAP_MAX, l->swap_max);
	if (has_zswap)
		put(&p, P_ZSWAP_MAX, l->swap_max);
	if (!unified && l->swap_max != LIMIT_NONE && !said_no_swap) {
		log_info("systemd: cgroup v1 host: swap limits are not set");
		said_no_swap = true;
	}
	r = set_props(uid, &p);
	if (r == 0 && mem != l->max) {
		log_info("systemd: uid %u: memory limit %" PRIu64
			 " is below usage: stepped to %" PRIu64,
			 (unsigned)uid, l->max, mem);
		return BACKEND_AGAIN;
	}
	return r;
}

/* TasksMax is left to logind (its UserTasksMax) unless a limit is set;
 * MemoryHigh and IOWeight exist on cgroup2 only. */
static int sd_set_extra(uid_t uid, const struct extra_limit *l)
{
	static bool said_v1;
	struct busq_props p = {0};

	if (l->max_tasks != LIMIT_NONE)
		put(&p, P_TASKS_MAX, l->max_tasks);
	if (unified) {
		put(&p, P_MEM_HIGH, l->mem_high);
		put(&p, P_IO_WEIGHT, l->io_weight);
	} else if (!said_v1) {
		log_info("systemd: cgroup v1 host: memory high and io weight "
			 "are not set");
		said_v1 = true;
	}
	return p.mask ? set_props(uid, &p) : 0;
}

static int sd_read_limits(uid_t uid, struct cpu_limit *cpu,
			  struct mem_limit *mem)
{
	uint64_t per_sec, period = USEC_INFINITY, w;
	int r;

	r = get_u64(uid, SD_SLICE, "CPUQuotaPerSecUSec", &per_sec);
	if (r < 0)
		return r;
	/* absent before systemd 242; infinity means the default */
	(void)get_u64(uid, SD_SLICE, "CPUQuotaPeriodUSec", &period);
	cpu->period_usec = period == USEC_INFINITY || !period ? 100000 : period;
	cpu->quota_usec = per_sec == USEC_INFINITY
			      ? LIMIT_NONE
			      : per_sec * cpu->period_usec / 1000000;
	r = get_u64(uid, SD_SLICE, unified ? "CPUWeight" : "CPUShares", &w);
	if (r < 0)
		return r;
	/* unset reads as infinity: the default weight */
	cpu->weight = w == UINT64_MAX ? 100 : unified ? w : shares_to_weight(w);
	r = get_u64(uid, SD_SLICE, unified ? "MemoryMax" : "MemoryLimit",
		    &mem->max);
	mem->swap_max = LIMIT_NONE;
	if (r == 0 && unified)
		r = get_u64(uid, SD_SLICE, "MemorySwapMax", &mem->swap_max);
	return r;
}

static int start_scope(const char *scope, const char *slice, pid_t pid)
{
	sd_bus_error error = SD_BUS_ERROR_NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	int r;

	if ((r = bus_connect()) < 0)
		goto out;
	r = sd_bus_message_new_method_call(bus, &m, SD_DEST, SD_PATH, SD_MGR,
					   "StartTransientUnit");
	if (r >= 0)
		r = sd_bus_message_append(
		    m, "ssa(sv)a(sa(sv))", scope, "fail", 4, "PIDs", "au", 1,
		    (uint32_t)pid, "Slice", "s", slice, "Description", "s",
		    "processes of a user adopted by cgfair", "CollectMode", "s",
		    "inactive-or-failed", 0);
	if (r >= 0)
		r = sd_bus_call(bus, m, 0, &error, &reply);
out:
	if (r < 0)
		log_warnx("systemd: StartTransientUnit %s (PIDs=%d Slice=%s): "
			  "%s",
			  scope, (int)pid, slice, err_text(&error, r));
	sd_bus_error_free(&error);
	sd_bus_message_unref(m);
	sd_bus_message_unref(reply);
	return bus_result(r);
}

static int sd_move_pid(uid_t uid, pid_t pid)
{
	char scope[96], slice[64];

	snprintf(scope, sizeof(scope), "cgfair-adopt-%u-%d.scope",
		 (unsigned)uid, (int)pid);
	slice_name(uid, slice, sizeof(slice));
	if (bk->dry_run) {
		log_info("dry-run: would adopt pid %d into %s as %s", (int)pid,
			 slice, scope);
		return 0;
	}
	return start_scope(scope, slice, pid);
}

/* The oom_kill counters of d and every cgroup below it, summed. v1 counts
 * a kill in the victim's own memory cgroup only (v2 adds it to every
 * ancestor too), and systemd gives each unit under the slice one of its
 * own (MemoryAccounting is on by default): the slice's counter alone
 * stays 0. A cgroup removed since (its scope ended) takes its kills with
 * it: what v1 cannot tell is not counted twice either (oom.c counts from
 * a lower value on). Bounded in depth: systemd's tree under a user slice
 * is scope or service, then what a delegated manager makes. */
#define OOM_TREE_DEPTH 6
static uint64_t oom_kills_below(const struct cg_dir *d, int depth)
{
	uint64_t sum = 0, v;
	struct dirent *e;
	DIR *dir;
	int fd;

	if (cg_read_key(d, "memory.oom_control", "oom_kill", &v) == 0)
		sum = v;
	if (depth >= OOM_TREE_DEPTH ||
	    (fd = openat(d->fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return sum;
	if (!(dir = fdopendir(fd))) {
		close(fd);
		return sum;
	}
	while ((e = readdir(dir))) {
		struct cg_dir c;
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		if (cg_open_child(d, e->d_name, false, &c) == 0 && c.fd >= 0)
			sum += oom_kills_below(&c, depth + 1);
		cg_close(&c);
	}
	closedir(dir);
	return sum;
}

static int sd_read_oom_kills(uid_t uid, uint64_t *value)
{
	struct cg_dir d;
	int r;

	if (unified)
		return -EOPNOTSUPP; /* memory.events counts the subtree */
	if ((r = open_slice(uid, &d)) < 0)
		return r;
	*value = d.fd >= 0 ? oom_kills_below(&d, 0) : 0;
	cg_close(&d);
	return 0;
}

static int sd_arm_oom(uid_t uid, struct oom_source *src)
{
	struct cg_dir d;
	int r, fd;

	if ((r = open_slice(uid, &d)) < 0 || d.fd < 0) {
		log_warnx("systemd: uid %u: no cgroup for its slice under %s: "
			  "%s",
			  (unsigned)uid, memroot.path,
			  strerror(r < 0 ? -r : ENOENT));
		return r < 0 ? r : -ENOENT;
	}
	if (!unified) {
		r = cg1_arm_oom(&d, uid, bk->dry_run, src);
		if (r == 0 && src->has_counter) {
			src->tree = true;
			src->oom_kill = oom_kills_below(&d, 0);
		}
		cg_close(&d);
		return r;
	}
	fd = cg_open_ro(&d, "memory.events");
	if (fd >= 0) {
		src->kind = OOM_V2_EVENTS;
		src->fds[0] = fd;
		src->nfds = 1;
		src->cgroup = cg_dir_ino(&d);
		src->has_counter = cg_read_key(&d, "memory.events", "oom_kill",
					       &src->oom_kill) == 0;
	}
	cg_close(&d);
	return fd < 0 ? fd : 0;
}

/* logind owns the slice: nothing to remove. */
static int sd_remove_user(uid_t uid)
{
	if (queue) /* no more writes for it (nor retries) */
		busq_drop(queue, uid);
	return 0;
}

static int sd_release_all(bool keep_memory)
{
	struct busq_props p = {0};
	int r = 0;

	put(&p, P_QUOTA, USEC_INFINITY);
	if (!keep_memory) {
		put(&p, unified ? P_MEM_MAX : P_MEM_LIMIT, USEC_INFINITY);
		if (unified)
			put(&p, P_SWAP_MAX, USEC_INFINITY);
		if (has_zswap)
			put(&p, P_ZSWAP_MAX, USEC_INFINITY);
	}
	for (size_t i = 0; i < ntouched; i++) {
		int e = set_props(touched[i], &p);
		if (e < 0 && r == 0)
			r = e;
	}
	return r;
}

/* Once a cycle: what failed is sent again, on a connection reopened if
 * PID 1 closed it. */
static void sd_retry(void)
{
	if (!queue)
		return;
	(void)busq_retry(queue);
	if (busq_busy(queue) && bus_connect() == 0)
		pump();
}

/* Stop waits (bounded) for the writes in flight. */
static void sd_settle(void)
{
	if (queue)
		drain(BUS_DRAIN_IDLE_USEC, BUS_DRAIN_MAX_USEC);
}

static void sd_scan_setup(struct ipc_scan_setup *out)
{
	out->hierarchy = unified ? HIER_V2 : HIER_V1;
	out->systemd_names = 1;
	snprintf(out->prefix, sizeof(out->prefix), "/user.slice");
	cg_copy(out->cpuacct_dir, sizeof(out->cpuacct_dir), cpuacct_dir);
	cg_copy(out->memory_dir, sizeof(out->memory_dir), memroot.path);
}

const struct backend_ops backend_systemd_ops = {
    .name = "systemd",
    .kind = BACKEND_SYSTEMD,
    .init = sd_init,
    .fini = sd_fini,
    .ensure_user = sd_ensure_user,
    .set_cpu = sd_set_cpu,
    .set_memory = sd_set_memory,
    .set_extra = sd_set_extra,
    .read_limits = sd_read_limits,
    .move_pid = sd_move_pid,
    .arm_oom = sd_arm_oom,
    .read_oom_kills = sd_read_oom_kills,
    .remove_user = sd_remove_user,
    .release_all = sd_release_all,
    .retry = sd_retry,
    .settle = sd_settle,
    .scan_setup = sd_scan_setup,
};
