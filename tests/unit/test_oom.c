/*
 * Unit tests of OOM reporting:
 *   - the watcher's parsers (workers/oomwatch/oomparse.c) on the counters
 *     of memory.oom_control and memory.events and on real /dev/kmsg
 *     records of the 6.1 and 6.18 kernels, and on hostile ones;
 *   - the supervisor's counting (supervisor/oom.c) through its worker
 *     class hooks, with the worker table, the backend and event_emit
 *     replaced by the stubs below: every kill exactly once, across watcher
 *     restarts, duplicate and stale reports, removal and re-arming.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "supervisor/backend.h"
#include "supervisor/workers.h"
#include "supervisor/events.h"
#include "supervisor/oom.h"
#include "common/clock.h"
#include "supervisor/oom_marks.h"
#include "supervisor/state.h"
#include "supervisor/users.h"
#include "workers/oomwatch/oomparse.h"

/* --- stubs: the worker table ---------------------------------------------- */

struct worker {
	unsigned index;
	pid_t pid;
};

struct told {
	unsigned watcher;
	uint32_t type;
	union {
		struct ipc_oom_arm arm;
		struct ipc_oom_disarm disarm;
	} u;
	int nfds;
};

static struct worker pool[8];
static const struct worker_class *oom_class;
static struct told told[64];
static unsigned ntold;
static sd_event *loop;

void workers_add_class(const struct worker_class *wc)
{
	oom_class = wc;
	for (unsigned i = 0; i < wc->count; i++)
		pool[i] = (struct worker){.index = i, .pid = 100 + (pid_t)i};
}

struct worker *worker_get(enum ipc_role role, unsigned index)
{
	return role == ROLE_OOMWATCH && index < 8 ? &pool[index] : NULL;
}

unsigned worker_index(const struct worker *w)
{
	return w->index;
}

pid_t worker_pid(const struct worker *w)
{
	return w->pid;
}

const char *worker_name(const struct worker *w)
{
	(void)w;
	return "oomwatch/test";
}

int worker_tell(struct worker *w, uint32_t type, const void *payload,
		size_t len, const int *fds, int nfds)
{
	(void)fds;
	if (!w || w->pid <= 0)
		return -1;
	if (ntold < 64) {
		told[ntold].watcher = w->index;
		told[ntold].type = type;
		memcpy(&told[ntold].u, payload,
		       len < sizeof(told[0].u) ? len : sizeof(told[0].u));
		told[ntold].nfds = nfds;
		ntold++;
	}
	return 0;
}

/* --- stubs: the backend ------------------------------------------------- */

static uint64_t counter[2];	/* uid 1000, 1001: the kernel's oom_kill */
static int kfile[2] = {-1, -1}; /* ... as the supervisor reads it */
static uint64_t cgid[2];	/* their cgroups' inode numbers; 0: unknown */
static int remove_result;
/* systemd on v1: the kills are counted below the watched cgroup; tree[]
 * is that sum, read by the supervisor itself */
static bool tree_mode;
static uint64_t tree[2];

static unsigned slot(uid_t uid)
{
	return uid == 1001 ? 1 : 0;
}

int backend_ensure_user(uid_t uid)
{
	(void)uid;
	return 0;
}

int backend_remove_user(uid_t uid)
{
	(void)uid;
	return remove_result;
}

/* The kernel counts: the counter and memory.oom_control's text. */
static void kernel(unsigned i, uint64_t value)
{
	char text[96];
	int n = snprintf(text, sizeof(text),
			 "oom_kill_disable 0\nunder_oom 0\noom_kill %llu\n",
			 (unsigned long long)value);

	counter[i] = value;
	if (kfile[i] < 0)
		kfile[i] = memfd_create("memory.oom_control", MFD_CLOEXEC);
	assert_true(kfile[i] >= 0);
	assert_int_equal(ftruncate(kfile[i], 0), 0);
	assert_int_equal(pwrite(kfile[i], text, (size_t)n, 0), n);
}

int backend_arm_oom(uid_t uid, struct oom_source *src)
{
	kernel(slot(uid), counter[slot(uid)]);
	src->kind = OOM_V1_EVENTFD;
	src->fds[0] = eventfd(0, EFD_CLOEXEC);
	src->fds[1] = dup(kfile[slot(uid)]);
	src->nfds = 2;
	src->oom_kill = counter[slot(uid)];
	src->cgroup = cgid[slot(uid)];
	src->has_counter = true;
	src->tree = tree_mode;
	if (tree_mode)
		src->oom_kill = tree[slot(uid)];
	return 0;
}

int backend_read_oom_kills(uid_t uid, uint64_t *value)
{
	if (!tree_mode)
		return -EOPNOTSUPP;
	*value = tree[slot(uid)];
	return 0;
}

void backend_scan_setup(struct ipc_scan_setup *out)
{
	memset(out, 0, sizeof(*out));
	out->hierarchy = HIER_V1;
	strcpy(out->prefix, "/cgfair");
}

/* --- stubs: the events -------------------------------------------------- */

struct emitted {
	uid_t uid;
	uint64_t oom_kills;
	pid_t pid;
	char comm[17];
	char memcg[64];
};

static struct emitted out[256];
static unsigned nout;

void event_emit(enum event_type type, const struct event_fields *f)
{
	assert_int_equal(type, EVENT_OOM);
	assert_true(nout < 256);
	out[nout] = (struct emitted){
	    .uid = f->uid, .oom_kills = f->oom_kills, .pid = f->pid};
	if (f->comm)
		snprintf(out[nout].comm, sizeof(out[nout].comm), "%s", f->comm);
	if (f->memcg)
		snprintf(out[nout].memcg, sizeof(out[nout].memcg), "%s",
			 f->memcg);
	nout++;
}

/* --- kernel text samples ------------------------------------------------ */

/* cgroup v1 on 6.18 (this project's test host, a real OOM kill) */
static const char k618_summary[] =
    "6,439,893241532,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=("
    "null),cpuset=/,mems_allowed=0,oom_memcg=/cgfair-t-fmt7918/user-4000"
    "01,task_memcg=/cgfair-t-fmt7918/user-400001,task=t-memhog,pid=2612"
    "0,uid=400001\n";
static const char k618_killed[] =
    "3,440,893241652,-;Memory cgroup out of memory: Killed process 26120 "
    "(t-memhog) total-vm:333356kB, anon-rss:64384kB, file-rss:1244kB, "
    "shmem-rss:0kB, UID:400001 pgtables:312kB oom_score_adj:0\n";

/* systemd on cgroup v2, 6.1 (Debian 12's format: mm/oom_kill.c
 * dump_oom_summary and __oom_kill_process), with a caller id and a
 * dictionary line as /dev/kmsg may add them */
static const char k61_summary[] =
    "6,2087,431224411,-,caller=T4242;oom-kill:constraint=CONSTRAINT_MEMC"
    "G,nodemask=(null),cpuset=session-3.scope,mems_allowed=0,oom_memcg=/"
    "user.slice/user-1000.slice,task_memcg=/user.slice/user-1000.slice/s"
    "ession-3.scope,task=stress-ng,pid=4242,uid=1000\n";
static const char k61_killed[] =
    "3,2088,431224512,-,caller=T4242;Memory cgroup out of memory: Killed "
    "process 4242 (stress-ng) total-vm:1059040kB, anon-rss:1046420kB, "
    "file-rss:4kB, shmem-rss:8kB, UID:1000 pgtables:2096kB "
    "oom_score_adj:0\n SUBSYSTEM=memory\n";

/* a global OOM (6.1) */
static const char k61_global_summary[] =
    "6,3001,99,-;oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpu"
    "set=/,mems_allowed=0,global_oom,task_memcg=/cgfair/user-1001,task=p"
    "ython3,pid=777,uid=1001\n";
static const char k61_global_killed[] =
    "3,3002,100,-;Out of memory: Killed process 777 (python3) total-vm:20"
    "00kB, anon-rss:1000kB, file-rss:0kB, shmem-rss:0kB, UID:1001 pgtable"
    "s:12kB oom_score_adj:0\n";

/* --- parser tests ------------------------------------------------------- */

static void test_counter_v1(void **state)
{
	const char t[] = "oom_kill_disable 0\nunder_oom 1\noom_kill 17\n";
	uint64_t v = 0;
	(void)state;
	assert_int_equal(oom_parse_counter(t, strlen(t), "oom_kill", &v), 0);
	assert_int_equal(v, 17);
	assert_int_equal(oom_parse_counter(t, strlen(t), "under_oom", &v), 0);
	assert_int_equal(v, 1);
	/* a key is a whole word: oom_kill_disable is not oom_kill */
	const char t2[] = "oom_kill_disable 0\nunder_oom 0\n";
	assert_int_equal(oom_parse_counter(t2, strlen(t2), "oom_kill", &v), -1);
}

static void test_counter_v2(void **state)
{
	const char t[] = "low 0\nhigh 12\nmax 340\noom 3\noom_kill 2\n"
			 "oom_group_kill 0\n";
	uint64_t v = 0;
	(void)state;
	assert_int_equal(oom_parse_counter(t, strlen(t), "oom_kill", &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(oom_parse_counter(t, strlen(t), "oom", &v), 0);
	assert_int_equal(v, 3);
	/* no final newline, and a length shorter than the text */
	assert_int_equal(
	    oom_parse_counter(t, strlen(t) - 1, "oom_group_kill", &v), 0);
	assert_int_equal(oom_parse_counter(t, 10, "oom_kill", &v), -1);
}

static void test_counter_bad(void **state)
{
	uint64_t v = 0;
	(void)state;
	const char *bad[] = {"oom_kill \n",
			     "oom_kill -1\n",
			     "oom_kill 1x\n",
			     "oom_kill 99999999999999999999999\n",
			     "oom_kill  5\n",
			     "xoom_kill 5\n",
			     ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(
		    oom_parse_counter(bad[i], strlen(bad[i]), "oom_kill", &v),
		    -1);
	const char max[] = "oom_kill 18446744073709551615\n";
	assert_int_equal(oom_parse_counter(max, strlen(max), "oom_kill", &v),
			 0);
	assert_true(v == UINT64_MAX);
}

static void test_kmsg_split(void **state)
{
	struct kmsg_record r;
	(void)state;
	assert_int_equal(kmsg_split(k61_killed, strlen(k61_killed), &r), 0);
	assert_int_equal(r.prio, 3);
	assert_int_equal(r.seq, 2088);
	assert_int_equal(r.usec, 431224512);
	assert_true(r.len > 0 && r.text[r.len - 1] == '0');
	assert_null(memchr(r.text, '\n', r.len)); /* no dictionary */
	const char *bad[] = {"no header at all\n", "6,1;x\n", "a,b,c,-;x\n",
			     ";x\n", "6,1,2;x\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		assert_int_equal(kmsg_split(bad[i], strlen(bad[i]), &r), -1);
}

/* Feed records in order; return how many victims came out (last in *v). */
static int feed(struct oom_kmsg_state *st, const char *const *recs, size_t n,
		struct ipc_oom_victim *v)
{
	int got = 0;
	for (size_t i = 0; i < n; i++) {
		struct kmsg_record r;
		assert_int_equal(kmsg_split(recs[i], strlen(recs[i]), &r), 0);
		if (oom_kmsg_feed(st, &r, v))
			got++;
	}
	return got;
}

static void test_kmsg_618(void **state)
{
	struct oom_kmsg_state st = {0};
	struct ipc_oom_victim v;
	const char *recs[] = {"4,360,893240946,-;t-memhog invoked oom-killer:"
			      " gfp_mask=0xcc0(GFP_KERNEL), order=0, "
			      "oom_score_adj=0\n",
			      k618_summary, k618_killed};
	(void)state;
	assert_int_equal(feed(&st, recs, 3, &v), 1);
	assert_int_equal(v.pid, 26120);
	assert_int_equal(v.uid, 400001);
	assert_string_equal(v.comm, "t-memhog");
	assert_int_equal(v.rss_kb, 64384 + 1244);
	assert_string_equal(v.memcg, "/cgfair-t-fmt7918/user-400001");
	assert_string_equal(v.task_memcg, "/cgfair-t-fmt7918/user-400001");
}

static void test_kmsg_61(void **state)
{
	struct oom_kmsg_state st = {0};
	struct ipc_oom_victim v;
	const char *recs[] = {k61_summary, k61_killed};
	(void)state;
	assert_int_equal(feed(&st, recs, 2, &v), 1);
	assert_int_equal(v.pid, 4242);
	assert_int_equal(v.rss_kb, 1046420 + 4 + 8);
	assert_string_equal(v.comm, "stress-ng");
	assert_string_equal(v.memcg, "/user.slice/user-1000.slice");
	assert_string_equal(v.task_memcg,
			    "/user.slice/user-1000.slice/session-3.scope");
	const char *g[] = {k61_global_summary, k61_global_killed};
	assert_int_equal(feed(&st, g, 2, &v), 1);
	assert_string_equal(v.memcg, "");
	assert_string_equal(v.task_memcg, "/cgfair/user-1001");
	assert_string_equal(v.comm, "python3");
}

/* dump_header() is rate-limited: in a burst only the kill line comes */
static void test_kmsg_no_summary(void **state)
{
	struct oom_kmsg_state st = {0};
	struct ipc_oom_victim v;
	const char *recs[] = {k618_killed};
	(void)state;
	assert_int_equal(feed(&st, recs, 1, &v), 1);
	assert_int_equal(v.pid, 26120);
	assert_string_equal(v.memcg, "");
	assert_string_equal(v.task_memcg, "");
	/* a summary of another victim is not used for this one */
	const char *other[] = {k61_summary, k618_killed};
	assert_int_equal(feed(&st, other, 2, &v), 1);
	assert_string_equal(v.memcg, "");
}

static void test_kmsg_hostile(void **state)
{
	struct oom_kmsg_state st = {0};
	struct ipc_oom_victim v;
	(void)state;
	/* a task named to look like the end of the line */
	const char *a[] = {
	    "6,1,1,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),"
	    "cpuset=/,mems_allowed=0,oom_memcg=/cgfair/user-1000,task_memc"
	    "g=/cgfair/user-1000,task=x,pid=1,uid=0,pid=55,uid=1000\n",
	    "3,2,2,-;Memory cgroup out of memory: Killed process 55 (x,pid=1"
	    ",uid=0) total-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB"
	    ", UID:1000 pgtables:0kB oom_score_adj:0\n"};
	assert_int_equal(feed(&st, a, 2, &v), 1);
	assert_int_equal(v.pid, 55);
	assert_string_equal(v.comm, "x,pid=1,uid=0");
	assert_string_equal(v.memcg, "/cgfair/user-1000");
	/* a task named ") total-vm:" */
	const char *b[] = {
	    "3,3,3,-;Out of memory: Killed process 56 (a) total-vm:9kB) tot"
	    "al-vm:10kB, anon-rss:2kB, file-rss:1kB, shmem-rss:0kB, UID:1000"
	    " pgtables:0kB oom_score_adj:0\n"};
	assert_int_equal(feed(&st, b, 1, &v), 1);
	assert_string_equal(v.comm, "a) total-vm:9kB");
	assert_int_equal(v.rss_kb, 3);
	/* a cpuset named after a key: the paths become unknown, not wrong */
	const char *c[] = {
	    "6,4,4,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),"
	    "cpuset=x,oom_memcg=/cgfair/user-1001,task_memcg=/cgfair/user-10"
	    "01,mems_allowed=0,oom_memcg=/cgfair/user-1000,task_memcg=/cgfai"
	    "r/user-1000,task=y,pid=57,uid=1000\n",
	    "3,5,5,-;Memory cgroup out of memory: Killed process 57 (y) tota"
	    "l-vm:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:1000 p"
	    "gtables:0kB oom_score_adj:0\n"};
	assert_int_equal(feed(&st, c, 2, &v), 1);
	assert_string_equal(v.memcg, "");
	assert_string_equal(v.task_memcg, "");
	/* user space cannot write a kernel (facility 0) record */
	const char *d[] = {"14,6,6,-;Memory cgroup out of memory: Killed proc"
			   "ess 58 (z) total-vm:1kB, anon-rss:1kB, file-rss:0k"
			   "B, shmem-rss:0kB, UID:0 pgtables:0kB oom_score_ad"
			   "j:0\n"};
	assert_int_equal(feed(&st, d, 1, &v), 0);
	/* other reasons, truncated lines, junk numbers */
	const char *e[] = {
	    "3,7,7,-;Something else: Killed process 59 (z) total-vm:1kB, an"
	    "on-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:0\n",
	    "3,8,8,-;Out of memory: Killed process 60 (z) total-vm:1kB, anon"
	    "-rss:1kB\n",
	    "3,9,9,-;Out of memory: Killed process 0 (z) total-vm:1kB, anon-"
	    "rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:0\n",
	    "3,10,10,-;Out of memory: Killed process 99999999999 (z) total-v"
	    "m:1kB, anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:0\n",
	    "3,11,11,-;Out of memory: Killed process 61 (z total-vm:1kB\n"};
	assert_int_equal(feed(&st, e, 5, &v), 0);
}

static void test_kmsg_escapes(void **state)
{
	struct oom_kmsg_state st = {0};
	struct ipc_oom_victim v;
	char buf[8];
	(void)state;
	/* the kernel escapes control characters and backslashes as \xNN */
	const char *a[] = {"3,1,1,-;Out of memory: Killed process 62 (a\\x0ab"
			   "\\x5c) total-vm:1kB, anon-rss:1kB, file-rss:0kB, "
			   "shmem-rss:0kB, UID:1000 pgtables:0kB "
			   "oom_score_adj:0\n"};
	assert_int_equal(feed(&st, a, 1, &v), 1);
	assert_string_equal(v.comm, "a\nb\\");
	assert_int_equal(kmsg_unescape("abcdefghij", 10, buf, sizeof(buf)), 7);
	assert_string_equal(buf, "abcdefg");
	assert_int_equal(kmsg_unescape("\\x4", 3, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "\\x4");
}

static void test_path_uid(void **state)
{
	uid_t uid = 0;
	(void)state;
	assert_true(oom_path_uid("/cgfair/user-1000", "/cgfair", false, &uid));
	assert_int_equal(uid, 1000);
	assert_true(
	    oom_path_uid("/cgfair/user-1001/x", "/cgfair", false, &uid));
	assert_int_equal(uid, 1001);
	assert_true(oom_path_uid("/user.slice/user-1000.slice/session-3.scope",
				 "/user.slice", true, &uid));
	assert_int_equal(uid, 1000);
	const char *no[] = {"/cgfair/user-01000",
			    "/cgfair/user-1000x",
			    "/cgfair/user-",
			    "/cgfairx/user-1000",
			    "/other/cgfair/user-1000",
			    "/cgfair/user-4294967295",
			    "/cgfair/user-99999999999",
			    "/cgfair/xuser-1000",
			    "cgfair/user-1000",
			    "/cgfair/user-1000.slice"};
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++)
		assert_false(oom_path_uid(no[i], "/cgfair", false, &uid));
	assert_false(
	    oom_path_uid("/user.slice/user-1000", "/user.slice", true, &uid));
	assert_false(oom_path_uid("/user.slice/user-1000.slicex", "/user.slice",
				  true, &uid));
	assert_true(oom_path_uid("/user-7", "/", false, &uid));
	assert_int_equal(uid, 7);
}

/* --- counting tests ----------------------------------------------------- */

/* A watcher's report, whatever the kernel counted: false when the
 * supervisor refused it (the watcher is cut off). */
static bool report(unsigned watcher, uid_t uid, uint32_t gen, uint64_t value)
{
	struct ipc_msg m = {.hdr = {.type = IPC_OOM_KILLS}};
	m.u.oom_kills = (struct ipc_oom_kills){
	    .uid = (uint32_t)uid, .gen = gen, .oom_kill = value};
	m.fds[0] = m.fds[1] = -1;
	return oom_class->on_message(&pool[watcher], &m);
}

static void send_report(unsigned watcher, uid_t uid, uint32_t gen,
			uint64_t value)
{
	assert_true(report(watcher, uid, gen, value));
}

/* The kernel counted value; the watcher reports it. */
static void send_kills(unsigned watcher, uid_t uid, uint32_t gen,
		       uint64_t value)
{
	kernel(slot(uid), value);
	send_report(watcher, uid, gen, value);
}

static bool send_victim(unsigned watcher, uint32_t pid, const char *memcg,
			uint32_t uid)
{
	struct ipc_msg m = {.hdr = {.type = IPC_OOM_VICTIM}};
	m.u.oom_victim = (struct ipc_oom_victim){.pid = pid, .uid = uid};
	snprintf(m.u.oom_victim.comm, sizeof(m.u.oom_victim.comm), "hog%u",
		 pid);
	snprintf(m.u.oom_victim.memcg, sizeof(m.u.oom_victim.memcg), "%s",
		 memcg);
	m.fds[0] = m.fds[1] = -1;
	return oom_class->on_message(&pool[watcher], &m);
}

/* Run the loop until no kill waits for its victim any more. */
static void settle(void)
{
	for (int i = 0; i < 100 && oom_pending_count() > 0; i++)
		sd_event_run(loop, 20 * 1000);
	assert_int_equal(oom_pending_count(), 0);
}

static const struct told *last_arm(uid_t uid)
{
	for (unsigned i = ntold; i-- > 0;)
		if (told[i].type == IPC_OOM_ARM && told[i].u.arm.uid == uid)
			return &told[i];
	fail_msg("uid %u never armed", (unsigned)uid);
	return NULL;
}

static unsigned events_of(uid_t uid)
{
	unsigned n = 0;
	for (unsigned i = 0; i < nout; i++)
		n += out[i].uid == uid;
	return n;
}

/* Each value 1..n reported exactly once, in order, for uid. */
static void assert_values(uid_t uid, uint64_t from, uint64_t to)
{
	uint64_t want = from;
	for (unsigned i = 0; i < nout; i++) {
		if (out[i].uid != uid)
			continue;
		assert_int_equal(out[i].oom_kills, want);
		want++;
	}
	assert_int_equal(want, to + 1);
}

static int setup_counting(void **state)
{
	static bool once;
	(void)state;
	if (!once) {
		assert_int_equal(sd_event_new(&loop), 0);
		oom_init(&(struct oom_settings){.watchers = 2,
						.no_kmsg = true,
						.detail_wait_ms = 30,
						.event = loop});
		once = true;
	}
	ntold = nout = 0;
	remove_result = 0;
	kernel(0, 0);
	kernel(1, 0);
	cgid[0] = cgid[1] = 0;
	tree_mode = false;
	tree[0] = tree[1] = 0;
	return 0;
}

static int teardown_counting(void **state)
{
	(void)state;
	user_remove(1000);
	user_remove(1001);
	settle();
	return 0;
}

static void test_baseline_and_increments(void **state)
{
	(void)state;
	kernel(0, 5); /* kills before cgfair: not reported */
	assert_non_null(user_ensure(1000));
	const struct told *a = last_arm(1000);
	assert_int_equal(a->nfds, 2);
	uint32_t gen = a->u.arm.gen;
	unsigned w = a->watcher;
	send_kills(w, 1000, gen, 5); /* the watcher's first report */
	settle();
	assert_int_equal(nout, 0);
	send_kills(w, 1000, gen, 6);
	send_kills(w, 1000, gen, 6); /* the same value again */
	send_kills(w, 1000, gen, 9);
	settle();
	assert_values(1000, 6, 9);
	assert_int_equal(out[0].pid, 0); /* no victim came: no detail */
}

static void test_spread(void **state)
{
	(void)state;
	assert_non_null(user_ensure(1000));
	assert_non_null(user_ensure(1001));
	assert_int_not_equal(last_arm(1000)->watcher, last_arm(1001)->watcher);
}

/* A watcher dies; kills happen while none watches; it comes back. */
static void test_watcher_restart(void **state)
{
	(void)state;
	assert_non_null(user_ensure(1000));
	const struct told *a = last_arm(1000);
	uint32_t old_gen = a->u.arm.gen;
	unsigned w = a->watcher;
	send_kills(w, 1000, old_gen, 0);
	send_kills(w, 1000, old_gen, 2);
	kernel(0, 7); /* 5 kills nobody saw */
	oom_class->on_start(&pool[w]);
	a = last_arm(1000);
	assert_int_not_equal(a->u.arm.gen, old_gen);
	send_kills(w, 1000, a->u.arm.gen, 7); /* the new watcher's report */
	send_report(w, 1000, old_gen, 9);     /* a stale report: dropped */
	send_report(w ^ 1, 1000, a->u.arm.gen, 9); /* wrong watcher */
	settle();
	assert_values(1000, 1, 7);
	send_kills(w, 1000, a->u.arm.gen, 8);
	settle();
	assert_values(1000, 1, 8);
}

/* Removal sends DISARM before the cgroup goes; a busy cgroup is armed
 * again and counted on from where it was. */
static void test_remove(void **state)
{
	(void)state;
	assert_non_null(user_ensure(1000));
	const struct told *a = last_arm(1000);
	unsigned w = a->watcher;
	uint32_t gen = a->u.arm.gen;
	send_kills(w, 1000, gen, 0);
	remove_result = -EBUSY;
	kernel(0, 2);
	assert_int_equal(user_remove(1000), -EBUSY);
	assert_int_equal(told[ntold - 2].type, IPC_OOM_DISARM);
	assert_int_equal(told[ntold - 1].type, IPC_OOM_ARM);
	send_report(w, 1000, gen, 3); /* stale: before the re-arm */
	settle();
	assert_values(1000, 1, 2);
	remove_result = 0;
	assert_int_equal(user_remove(1000), 0);
	assert_int_equal(told[ntold - 1].type, IPC_OOM_DISARM);
	send_report(w, 1000, last_arm(1000)->u.arm.gen, 50); /* user gone */
	settle();
	assert_values(1000, 1, 2);
	/* made again: a new baseline */
	kernel(0, 0);
	assert_non_null(user_ensure(1000));
	send_kills(last_arm(1000)->watcher, 1000, last_arm(1000)->u.arm.gen, 1);
	settle();
	assert_int_equal(events_of(1000), 3);
}

/* A compromised watcher: its figures are wake-ups, the kernel counts. */
static void test_lying_watcher(void **state)
{
	(void)state;
	assert_non_null(user_ensure(1000));
	const struct told *a = last_arm(1000);
	/* more than the kernel counted: a lie, the watcher is cut off */
	assert_false(report(a->watcher, 1000, a->u.arm.gen, 1000));
	settle();
	assert_int_equal(events_of(1000), 0);
	kernel(0, 1); /* one kill, reported again and again */
	for (int i = 0; i < 5; i++)
		send_report(a->watcher, 1000, a->u.arm.gen, 1);
	settle();
	assert_values(1000, 1, 1);
	/* a wake-up with a stale figure: the kernel's count goes out */
	kernel(0, 3);
	send_report(a->watcher, 1000, a->u.arm.gen, 1);
	settle();
	assert_values(1000, 1, 3);
}

/* systemd on v1: the watched counter (the slice's own) never moves; each
 * report only wakes the supervisor, which counts the sum below it: one
 * event per kill there, none for reports of the same sum, none when a
 * cgroup with kills goes (the sum drops), and kills made while nobody
 * watched are reported at the next arm. */
static void test_tree(void **state)
{
	(void)state;
	tree_mode = true;
	tree[0] = 2; /* kills before cgfair: not reported */
	assert_non_null(user_ensure(1000));
	const struct told *a = last_arm(1000);
	send_kills(a->watcher, 1000, a->u.arm.gen, 0);
	settle();
	assert_int_equal(nout, 0);
	tree[0] = 3;
	send_kills(a->watcher, 1000, a->u.arm.gen, 0);
	send_kills(a->watcher, 1000, a->u.arm.gen, 0); /* a recheck */
	settle();
	assert_values(1000, 3, 3);
	tree[0] = 1; /* a scope with two kills ended */
	send_kills(a->watcher, 1000, a->u.arm.gen, 0);
	tree[0] = 2;
	send_kills(a->watcher, 1000, a->u.arm.gen, 0);
	settle();
	assert_int_equal(events_of(1000), 2);
	tree[0] = 4; /* two while the watcher was down */
	oom_class->on_start(&pool[a->watcher]);
	settle();
	assert_int_equal(events_of(1000), 4);
}

/* Run the loop for usec of real time (the victims' keep time). */
static void run_for(uint64_t usec)
{
	uint64_t end = clock_mono_usec() + usec;
	while (clock_mono_usec() < end)
		sd_event_run(loop, 50 * 1000);
}

/* systemd on v1: a victim whose scope went before its count was read is a
 * kill of its own, reported from the log once its keep time is over; a
 * count that shows it after all is absorbed, not reported again; the
 * next counted kill is reported. Without a tree count, such a victim is
 * noise and reports nothing. */
static void test_tree_log_only(void **state)
{
	(void)state;
	assert_non_null(user_ensure(1001));
	assert_true(send_victim(0, 30, "/cgfair/user-1001", 1001));
	tree_mode = true;
	assert_non_null(user_ensure(1000));
	const struct told *a = last_arm(1000);
	assert_true(send_victim(0, 31, "/cgfair/user-1000", 1000));
	run_for(2300 * 1000);
	assert_int_equal(nout, 1);
	assert_int_equal(out[0].uid, 1000);
	assert_int_equal(out[0].pid, 31);
	tree[0] = 1; /* the count shows it after all */
	send_kills(a->watcher, 1000, a->u.arm.gen, 0);
	settle();
	assert_int_equal(nout, 1);
	tree[0] = 2; /* the next kill, counted */
	assert_true(send_victim(0, 32, "/cgfair/user-1000", 1000));
	send_kills(a->watcher, 1000, a->u.arm.gen, 0);
	settle();
	assert_int_equal(nout, 2);
	assert_int_equal(out[1].pid, 32);
}

static void test_counter_back(void **state)
{
	(void)state;
	kernel(0, 4);
	assert_non_null(user_ensure(1000));
	const struct told *a = last_arm(1000);
	send_kills(a->watcher, 1000, a->u.arm.gen, 1);
	send_kills(a->watcher, 1000, a->u.arm.gen, 2);
	settle();
	assert_values(1000, 2, 2);
}

/* The victim comes before or after its kill is counted; both match. */
static void test_victim_detail(void **state)
{
	(void)state;
	assert_non_null(user_ensure(1000));
	assert_non_null(user_ensure(1001));
	const struct told *a = last_arm(1000);
	const struct told *b = last_arm(1001);
	/* only watcher 0 has the kernel log */
	assert_false(send_victim(1, 5, "/cgfair/user-1000", 1000));
	assert_true(send_victim(0, 11, "/cgfair/user-1000", 1000));
	send_kills(a->watcher, 1000, a->u.arm.gen, 1);
	send_kills(b->watcher, 1001, b->u.arm.gen, 1);
	/* rate-limited summary: matched by the victim's uid */
	assert_true(send_victim(0, 12, "", 1001));
	/* not a managed user's: ignored */
	assert_true(send_victim(0, 13, "/system.slice/x", 1000));
	settle();
	assert_int_equal(nout, 2);
	for (unsigned i = 0; i < nout; i++) {
		assert_int_equal(out[i].pid, out[i].uid == 1000 ? 11 : 12);
		assert_string_equal(out[i].comm,
				    out[i].uid == 1000 ? "hog11" : "hog12");
	}
}

/* A victim later than the wait belongs to the kill that went out without
 * it, never to the user's next kill. */
static void test_victim_late(void **state)
{
	(void)state;
	assert_non_null(user_ensure(1000));
	const struct told *a = last_arm(1000);
	send_kills(a->watcher, 1000, a->u.arm.gen, 1);
	settle();
	assert_true(send_victim(0, 21, "/cgfair/user-1000", 1000));
	send_kills(a->watcher, 1000, a->u.arm.gen, 2);
	settle();
	assert_int_equal(nout, 2);
	assert_int_equal(out[0].pid, 0);
	assert_int_equal(out[1].pid, 0);
}

/* A burst: many kills in one report, their victims in any order. */
static void test_burst(void **state)
{
	(void)state;
	assert_non_null(user_ensure(1000));
	const struct told *a = last_arm(1000);
	for (uint32_t p = 1; p <= 5; p++)
		assert_true(send_victim(0, 100 + p, "", 1000));
	send_kills(a->watcher, 1000, a->u.arm.gen, 3);
	send_kills(a->watcher, 1000, a->u.arm.gen, 8);
	settle();
	assert_values(1000, 1, 8);
	unsigned with = 0;
	for (unsigned i = 0; i < nout; i++)
		with += out[i].pid != 0;
	assert_int_equal(with, 5);
}

/* cgfaird stops (or dies) and starts again: its users are gone from the
 * table, the marks come back from the state directory. */
static void restart(void)
{
	user_remove(1000);
	settle();
	sd_event_run(loop, 0); /* the deferred save */
	oom_marks_load(loop);
}

static void assert_last(uid_t uid, uint64_t value)
{
	for (unsigned i = nout; i-- > 0;)
		if (out[i].uid == uid) {
			assert_int_equal(out[i].oom_kills, value);
			return;
		}
	fail_msg("no event for uid %u", (unsigned)uid);
}

/* Kills made while cgfaird was not running are reported after its start,
 * once; a cgroup made anew has all its kills reported; a damaged marks
 * file is set aside. */
static void test_marks_across_restart(void **state)
{
	char dir[] = "/tmp/cgfair-unit-oom.XXXXXX", cmd[200], path[100];
	(void)state;

	assert_non_null(mkdtemp(dir));
	state_load(dir);
	oom_marks_load(loop);
	cgid[0] = 77;
	kernel(0, 5); /* before cgfair ever ran: a baseline */
	assert_non_null(user_ensure(1000));
	send_kills(last_arm(1000)->watcher, 1000, last_arm(1000)->u.arm.gen, 6);
	settle();
	assert_values(1000, 6, 6);
	restart();
	assert_int_equal(oom_marks_find(1000)->cgroup, 77);
	assert_int_equal(oom_marks_find(1000)->reported, 6);
	kernel(0, 9); /* three kills while it was down */
	assert_non_null(user_ensure(1000));
	settle();
	assert_values(1000, 6, 9);
	restart(); /* and nothing twice */
	assert_non_null(user_ensure(1000));
	settle();
	assert_int_equal(events_of(1000), 4);
	/* the cgroup was made anew meanwhile: its own two kills */
	restart();
	cgid[0] = 78;
	kernel(0, 2);
	assert_non_null(user_ensure(1000));
	settle();
	assert_int_equal(events_of(1000), 6);
	assert_last(1000, 2);
	restart();
	assert_int_equal(oom_marks_find(1000)->cgroup, 78);
	/* damaged: set aside, counting starts from the counter again */
	snprintf(path, sizeof(path), "%s/oom.json", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"version\": 1, \"marks\": [{\"uid\": -4}]}\n", f);
	fclose(f);
	oom_marks_load(loop);
	assert_null(oom_marks_find(1000));
	snprintf(path, sizeof(path), "%s/oom.json.bad", dir);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counter_v1),
	    cmocka_unit_test(test_counter_v2),
	    cmocka_unit_test(test_counter_bad),
	    cmocka_unit_test(test_kmsg_split),
	    cmocka_unit_test(test_kmsg_618),
	    cmocka_unit_test(test_kmsg_61),
	    cmocka_unit_test(test_kmsg_no_summary),
	    cmocka_unit_test(test_kmsg_hostile),
	    cmocka_unit_test(test_kmsg_escapes),
	    cmocka_unit_test(test_path_uid),
#define COUNTING(t)                                                            \
	cmocka_unit_test_setup_teardown(t, setup_counting, teardown_counting)
	    COUNTING(test_baseline_and_increments),
	    COUNTING(test_spread),
	    COUNTING(test_watcher_restart),
	    COUNTING(test_remove),
	    COUNTING(test_counter_back),
	    COUNTING(test_lying_watcher),
	    COUNTING(test_tree),
	    COUNTING(test_tree_log_only),
	    COUNTING(test_victim_detail),
	    COUNTING(test_victim_late),
	    COUNTING(test_burst),
	    COUNTING(test_marks_across_restart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
