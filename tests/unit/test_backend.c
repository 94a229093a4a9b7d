/*
 * Unit tests of the cgroup backends on a fake cgroup tree in a temporary
 * directory, through the same openat code as on the kernel's mounts. A
 * small fake kernel wraps the real system calls (the test is linked with
 * -Wl,--wrap: the backends' code is the shipped one, with no test hook):
 * after a real mkdirat it fills the new directory with control files; a
 * write through cg_write's O_TRUNC open keeps v1's memory <= memsw rule
 * and is logged by path in order; a real rmdir (unlinkat AT_REMOVEDIR) is
 * refused while cgroup.procs lists a pid. A v1 move goes through the
 * kept-open cgroup.procs fds (opened without O_TRUNC), not logged: the
 * tests read the files.
 *
 * The test drops CAP_DAC_OVERRIDE (as cgfaird's supervisor has none), so
 * that a read-only file fails as it would for the daemon.
 */
/* Test paths live under /tmp and are short; PATH_MAX-sized buffers
 * everywhere would only feed -Wformat-truncation. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "supervisor/backend_impl.h"
#include "common/log.h"

#include <cap-ng.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#define MIB	(UINT64_C(1) << 20)
#define V1_NONE "9223372036854771712"

static char tmp[PATH_MAX]; /* the test's directory */
static char mnt[PATH_MAX]; /* tmp/cg: the fake /sys/fs/cgroup */
static bool fake_v2, fake_memsw, fake_swap, fake_counter;

/* the fake kernel's write log: "relative/path=value" */
#define LOG_MAX 64
static char wlog[LOG_MAX][PATH_MAX + 32];
static int nlog;
static int mkdirs;
static const char *fail_file; /* a write to this file name fails... */
static int fail_errno;	      /* ...with this */

/* --- files -----------------------------------------------------------------
 */

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void putf(const char *dir, const char *file, const char *text)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	put(p, text);
}

static char *get(const char *rel)
{
	static char buf[512];
	char p[PATH_MAX * 2];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", mnt, rel);
	f = fopen(p, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return buf;
}

static void set(const char *rel, const char *text)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", mnt, rel);
	put(p, text);
}

static bool exists(const char *rel)
{
	char p[PATH_MAX * 2];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", mnt, rel);
	return lstat(p, &st) == 0;
}

static void mk(const char *rel)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", mnt, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

/* The control files a new cgroup directory gets. */
static void populate(const char *dir)
{
	putf(dir, "cgroup.procs", "");
	if (fake_v2) {
		putf(dir, "cgroup.controllers", "cpu memory pids");
		putf(dir, "cgroup.subtree_control", "");
		putf(dir, "cpu.max", "max 100000");
		putf(dir, "cpu.weight", "100");
		putf(dir, "memory.max", "max");
		putf(dir, "memory.current", "0");
		putf(dir, "memory.high", "max");
		putf(dir, "pids.max", "max");
		putf(dir, "memory.events",
		     "low 0\nhigh 0\nmax 0\noom 0\n"
		     "oom_kill 0\n");
		if (fake_swap)
			putf(dir, "memory.swap.max", "max");
		return;
	}
	if (strstr(dir, "/cpu")) {
		putf(dir, "cpu.cfs_quota_us", "-1");
		putf(dir, "cpu.cfs_period_us", "100000");
		putf(dir, "cpu.shares", "1024");
	}
	if (strstr(dir, "/memory")) {
		putf(dir, "memory.limit_in_bytes", V1_NONE);
		putf(dir, "memory.usage_in_bytes", "0");
		putf(dir, "cgroup.event_control", "");
		putf(dir, "memory.oom_control",
		     fake_counter ? "oom_kill_disable 0\nunder_oom 0\n"
				    "oom_kill 0\n"
				  : "oom_kill_disable 0\nunder_oom 0\n");
		if (fake_memsw) {
			putf(dir, "memory.memsw.limit_in_bytes", V1_NONE);
			putf(dir, "memory.memsw.usage_in_bytes", "0");
		}
	}
}

static uint64_t file_u64(const char *path)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");
	uint64_t v = LIMIT_NONE;

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			(void)cg_parse_u64(buf, &v);
		fclose(f);
	}
	return v;
}

/* v1: memory.limit_in_bytes <= memory.memsw.limit_in_bytes always */
static int v1_rule(const char *path, const char *value)
{
	char other[PATH_MAX * 2], dir[PATH_MAX * 2];
	uint64_t v;
	const char *base = strrchr(path, '/') + 1;

	snprintf(dir, sizeof(dir), "%.*s", (int)(base - path - 1), path);
	if (cg_parse_u64(value, &v) < 0)
		return -EINVAL;
	if (strcmp(base, "memory.limit_in_bytes") == 0 && fake_memsw) {
		snprintf(other, sizeof(other), "%s/memory.memsw.limit_in_bytes",
			 dir);
		return v > file_u64(other) ? -EINVAL : 0;
	}
	if (strcmp(base, "memory.memsw.limit_in_bytes") == 0) {
		snprintf(other, sizeof(other), "%s/memory.limit_in_bytes", dir);
		return v < file_u64(other) ? -EINVAL : 0;
	}
	return 0;
}

static int rmdir_rule(const char *path)
{
	char procs[PATH_MAX * 2], f[PATH_MAX * 3];
	struct stat st;
	FILE *p;
	int c;

	if (lstat(path, &st) == 0 && !S_ISDIR(st.st_mode))
		return 0; /* let unlinkat fail as the kernel would */
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", path);
	p = fopen(procs, "r");
	if (p) {
		c = fgetc(p);
		fclose(p);
		if (c != EOF)
			return -EBUSY;
	}
	/* control files vanish with the cgroup */
	static const char *const files[] = {"cgroup.procs",
					    "cgroup.controllers",
					    "cgroup.subtree_control",
					    "cpu.max",
					    "cpu.weight",
					    "memory.max",
					    "memory.current",
					    "memory.events",
					    "memory.swap.max",
					    "memory.high",
					    "pids.max",
					    "io.weight",
					    "cpu.cfs_quota_us",
					    "cpu.cfs_period_us",
					    "cpu.shares",
					    "memory.limit_in_bytes",
					    "memory.usage_in_bytes",
					    "cgroup.event_control",
					    "memory.oom_control",
					    "memory.memsw.limit_in_bytes",
					    "memory.memsw.usage_in_bytes"};
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		snprintf(f, sizeof(f), "%s/%s", path, files[i]);
		unlink(f);
	}
	return 0;
}

/* --- the fake kernel around the real calls -------------------------------- */

int __real_mkdirat(int dirfd, const char *name, mode_t mode);
int __real_openat(int dirfd, const char *name, int flags, ...);
ssize_t __real_write(int fd, const void *buf, size_t n);
int __real_unlinkat(int dirfd, const char *name, int flags);
int __wrap_mkdirat(int dirfd, const char *name, mode_t mode);
int __wrap_openat(int dirfd, const char *name, int flags, ...);
ssize_t __wrap_write(int fd, const void *buf, size_t n);
int __wrap_unlinkat(int dirfd, const char *name, int flags);

static bool kernel_on;		    /* between setup and teardown */
static char written[256][PATH_MAX]; /* cg_write's fds: their paths */

/* dirfd/name as a path under the fake mount, or false */
static bool in_tree(int dirfd, const char *name, char *path, size_t len)
{
	char link[64], dir[PATH_MAX];
	ssize_t n;

	if (!kernel_on || name[0] == '/')
		return false;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
	n = readlink(link, dir, sizeof(dir) - 1);
	if (n <= 0)
		return false;
	dir[n] = '\0';
	snprintf(path, len, "%s/%s", dir, name);
	return strncmp(path, mnt, strlen(mnt)) == 0;
}

int __wrap_mkdirat(int dirfd, const char *name, mode_t mode)
{
	char path[PATH_MAX * 2];
	int r = __real_mkdirat(dirfd, name, mode);

	if (r == 0 && in_tree(dirfd, name, path, sizeof(path))) {
		mkdirs++;
		populate(path);
	}
	return r;
}

/* cg_write opens with O_TRUNC: the truncation waits for the rules, so
 * that a refused write leaves the old value, as the kernel does. */
int __wrap_openat(int dirfd, const char *name, int flags, ...)
{
	char path[PATH_MAX * 2];
	bool ours =
	    (flags & O_TRUNC) && in_tree(dirfd, name, path, sizeof(path));
	va_list ap;
	mode_t mode;
	int fd;

	va_start(ap, flags);
	mode = (flags & O_CREAT) ? va_arg(ap, mode_t) : 0;
	va_end(ap);
	fd = __real_openat(dirfd, name, ours ? flags & ~O_TRUNC : flags, mode);
	if (fd >= 0 && fd < 256)
		snprintf(written[fd], sizeof(written[fd]), "%s",
			 ours ? path : "");
	return fd;
}

ssize_t __wrap_write(int fd, const void *buf, size_t n)
{
	char value[256];
	const char *path = fd >= 0 && fd < 256 ? written[fd] : "";
	const char *base;

	if (!path[0])
		return __real_write(fd, buf, n);
	base = strrchr(path, '/') + 1;
	snprintf(value, sizeof(value), "%.*s", (int)n, (const char *)buf);
	if (fail_file && strcmp(base, fail_file) == 0) {
		errno = fail_errno;
		return -1;
	}
	if (!fake_v2 && v1_rule(path, value) < 0) {
		errno = EINVAL;
		return -1;
	}
	assert_true(nlog < LOG_MAX);
	snprintf(wlog[nlog++], sizeof(wlog[0]), "%s=%s", path + strlen(mnt) + 1,
		 value);
	assert_int_equal(ftruncate(fd, 0), 0);
	return __real_write(fd, buf, n);
}

int __wrap_unlinkat(int dirfd, const char *name, int flags)
{
	char path[PATH_MAX * 2];
	int r;

	if ((flags & AT_REMOVEDIR) &&
	    in_tree(dirfd, name, path, sizeof(path)) &&
	    (r = rmdir_rule(path)) < 0) {
		errno = -r;
		return -1;
	}
	return __real_unlinkat(dirfd, name, flags);
}

static void clear_log(void)
{
	nlog = 0;
}

/* The log, joined with ", ", for one assert_string_equal. */
static const char *joined(void)
{
	static char buf[LOG_MAX * 128];

	buf[0] = '\0';
	for (int i = 0; i < nlog; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s",
			 i ? ", " : "", wlog[i]);
	return buf;
}

/* --- trees -----------------------------------------------------------------
 */

static void mountinfo(const char *lines)
{
	char p[PATH_MAX + 16];

	snprintf(p, sizeof(p), "%s/mountinfo", tmp);
	put(p, lines);
}

/* v1 with cpu,cpuacct co-mounted (or not) and memory. */
static void tree_v1(bool comount)
{
	char mi[8192];

	fake_v2 = false;
	if (comount) {
		mk("cpu,cpuacct");
		populate(strcat(strcpy(mi, mnt), "/cpu,cpuacct"));
	} else {
		mk("cpu");
		mk("cpuacct");
		populate(strcat(strcpy(mi, mnt), "/cpu"));
		populate(strcat(strcpy(mi, mnt), "/cpuacct"));
	}
	mk("memory");
	populate(strcat(strcpy(mi, mnt), "/memory"));
	if (comount)
		snprintf(mi, sizeof(mi),
			 "30 23 0:26 / %s rw - tmpfs tmpfs rw\n"
			 "32 30 0:28 / %s/cpu,cpuacct rw,nosuid shared:9 - "
			 "cgroup cgroup rw,cpu,cpuacct\n"
			 "33 30 0:29 / %s/memory rw shared:10 - cgroup cgroup "
			 "rw,memory\n",
			 mnt, mnt, mnt);
	else
		snprintf(
		    mi, sizeof(mi),
		    "32 30 0:28 / %s/cpu rw - cgroup cgroup rw,cpu\n"
		    "33 30 0:29 / %s/cpuacct rw - cgroup cgroup "
		    "rw,cpuacct\n"
		    "34 30 0:30 / %s/memory rw - cgroup cgroup rw,memory\n",
		    mnt, mnt, mnt);
	mountinfo(mi);
}

static void tree_v2(const char *controllers)
{
	char mi[4096];

	fake_v2 = true;
	populate(mnt);
	set("cgroup.controllers", controllers);
	snprintf(mi, sizeof(mi),
		 "31 23 0:27 / %s rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
		 mnt);
	mountinfo(mi);
}

static int init(const char *which, bool dry_run, char *err)
{
	char mi[PATH_MAX + 16];
	struct backend_params p = {.which = which,
				   .subtree = "cgfair",
				   .mount = mnt,
				   .dry_run = dry_run,
				   .mountinfo = mi};

	snprintf(mi, sizeof(mi), "%s/mountinfo", tmp);
	err[0] = '\0';
	return backend_init(&p, err, BK_ERR_MAX);
}

static void init_ok(const char *which)
{
	char err[BK_ERR_MAX];

	if (init(which, false, err) < 0)
		fail_msg("backend_init(%s): %s", which, err);
	clear_log();
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/cgfair-unit-XXXXXX");
	assert_non_null(mkdtemp(tmp));
	snprintf(mnt, sizeof(mnt), "%s/cg", tmp);
	assert_int_equal(mkdir(mnt, 0755), 0);
	fake_memsw = fake_counter = true;
	fake_swap = false;
	fail_file = NULL;
	mkdirs = 0;
	kernel_on = true;
	clear_log();
	return 0;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)f;
	(void)flag;
	chmod(p, 0755);
	return remove(p);
}

static int teardown(void **state)
{
	(void)state;
	backend_fini();
	kernel_on = false;
	nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* --- pure parts ------------------------------------------------------------
 */

/* --check-config's word on v1 io weight, on fake roots. */
static void test_io_weight_note(void **state)
{
	char root[] = "/tmp/cgfair-test-ionote-XXXXXX", p[PATH_MAX];
	(void)state;

	assert_non_null(mkdtemp(root));
	/* v1 without blkio */
	assert_non_null(cg1_io_weight_note(root));
	assert_non_null(strstr(cg1_io_weight_note(root), "without a blkio"));
	/* blkio, but no scheduler that weighs */
	snprintf(p, sizeof(p), "%s/blkio", root);
	assert_int_equal(mkdir(p, 0755), 0);
	assert_non_null(strstr(cg1_io_weight_note(root), "cannot weigh I/O"));
	/* BFQ's files: it can */
	snprintf(p, sizeof(p), "%s/blkio/blkio.bfq.io_service_bytes", root);
	put(p, "");
	assert_null(cg1_io_weight_note(root));
	unlink(p);
	/* CFQ's */
	snprintf(p, sizeof(p), "%s/blkio/blkio.weight", root);
	put(p, "500");
	assert_null(cg1_io_weight_note(root));
	unlink(p);
	/* cgroup v2: not this check's business */
	snprintf(p, sizeof(p), "%s/cgroup.controllers", root);
	put(p, "cpu io memory");
	assert_null(cg1_io_weight_note(root));
	unlink(p);
	snprintf(p, sizeof(p), "%s/blkio", root);
	rmdir(p);
	rmdir(root);
}

static void test_mountinfo(void **state)
{
	struct cg_mounts m;
	char mi[4096], path[PATH_MAX + 16];

	(void)state;
	snprintf(mi, sizeof(mi),
		 "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
		 "31 23 0:27 / %s/unified rw shared:4 - cgroup2 cgroup2 rw\n"
		 "32 30 0:28 / %s/cpu,cpuacct rw shared:9 master:1 - cgroup "
		 "cgroup rw,cpu,cpuacct\n"
		 "33 30 0:29 / %s/mem\\040ory rw - cgroup cgroup rw,memory\n"
		 "34 30 0:30 / /elsewhere/pids rw - cgroup cgroup rw,pids\n"
		 "35 30 0:31 / %s/net_cls rw - cgroup cgroup rw,net_cls\n"
		 "36 30 0:32 / %s/memory2 rw - cgroup cgroup rw,memory\n"
		 "garbage\n",
		 mnt, mnt, mnt, mnt, mnt);
	mountinfo(mi);
	snprintf(path, sizeof(path), "%s/mountinfo", tmp);
	assert_int_equal(cg_parse_mountinfo(path, mnt, &m), 0);
	snprintf(path, sizeof(path), "%s/unified", mnt);
	assert_string_equal(m.v2, path);
	snprintf(path, sizeof(path), "%s/cpu,cpuacct", mnt);
	assert_string_equal(m.cpu, path);
	assert_string_equal(m.cpuacct, path);
	snprintf(path, sizeof(path), "%s/mem ory", mnt);
	assert_string_equal(m.memory, path); /* the first one wins */
	assert_string_equal(m.pids, "");     /* outside the mount root */
	snprintf(path, sizeof(path), "%s/nope", tmp);
	assert_int_equal(cg_parse_mountinfo(path, mnt, &m), -ENOENT);
}

static void test_subtree_names(void **state)
{
	(void)state;
	assert_true(cg_subtree_valid("cgfair"));
	assert_true(cg_subtree_valid("a/b.c/d_e-f"));
	assert_false(cg_subtree_valid(""));
	assert_false(cg_subtree_valid(".."));
	assert_false(cg_subtree_valid("a/../b"));
	assert_false(cg_subtree_valid("/abs"));
	assert_false(cg_subtree_valid("a//b"));
	assert_false(cg_subtree_valid("a/"));
	assert_false(cg_subtree_valid("a b"));
	assert_false(cg_subtree_valid("a/./b"));
}

static void test_arithmetic(void **state)
{
	uid_t uid;

	(void)state;
	assert_int_equal(weight_to_shares(100), 1024);
	assert_int_equal(weight_to_shares(1), 10);
	assert_int_equal(weight_to_shares(10000), 102400);
	assert_int_equal(weight_to_shares(0), 2);
	assert_int_equal(shares_to_weight(1024), 100);
	assert_int_equal(shares_to_weight(262144), 10000);
	/* io weight on v1, as systemd maps it: BFQ and CFQ */
	assert_int_equal(cg1_io_weight("blkio.bfq.weight", 100), 100);
	assert_int_equal(cg1_io_weight("blkio.bfq.weight", 1), 1);
	assert_int_equal(cg1_io_weight("blkio.bfq.weight", 50), 50);
	assert_int_equal(cg1_io_weight("blkio.bfq.weight", 10000), 1000);
	assert_int_equal(cg1_io_weight("blkio.bfq.weight", 1090), 190);
	assert_int_equal(cg1_io_weight("blkio.weight", 100), 500);
	assert_int_equal(cg1_io_weight("blkio.weight", 1), 10);
	assert_int_equal(cg1_io_weight("blkio.weight", 200), 1000);
	assert_int_equal(cg1_io_weight("blkio.weight", 10000), 1000);
	/* above usage: the target at once */
	assert_int_equal(mem_step(100 * MIB, 50 * MIB, LIMIT_NONE), 100 * MIB);
	/* below usage: usage rounded up to a MiB */
	assert_int_equal(mem_step(100 * MIB, 150 * MIB + 1, LIMIT_NONE),
			 151 * MIB);
	/* lowering never raises what is in force */
	assert_int_equal(mem_step(100 * MIB, 130 * MIB, 120 * MIB), 120 * MIB);
	assert_int_equal(mem_step(LIMIT_NONE, 130 * MIB, 120 * MIB),
			 LIMIT_NONE);
	struct mem_limit l = {.max = 100, .swap_max = 20};
	assert_int_equal(memsw_of(&l), 120);
	l.swap_max = LIMIT_NONE;
	assert_int_equal(memsw_of(&l), LIMIT_NONE);
	assert_true(cg_parse_user_name("user-1000", "user-", "", &uid));
	assert_int_equal(uid, 1000);
	assert_true(
	    cg_parse_user_name("user-0.slice", "user-", ".slice", &uid));
	assert_false(cg_parse_user_name("user-01", "user-", "", &uid));
	assert_false(cg_parse_user_name("user--1", "user-", "", &uid));
	assert_false(cg_parse_user_name("user-4294967295", "user-", "", &uid));
	assert_false(cg_parse_user_name("user-", "user-", "", &uid));
	uint64_t v;
	assert_int_equal(cg_parse_key("a 1\noom_kill 7\n", "oom_kill", &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(cg_parse_key("oom_kill_disable 0\n", "oom_kill", &v),
			 -ENODATA);
}

/* --- selection -------------------------------------------------------------
 */

static void test_select_v1(void **state)
{
	char err[BK_ERR_MAX];

	(void)state;
	tree_v1(true);
	init_ok("cgroup1");
	assert_int_equal(backend_kind(), BACKEND_CGROUP1);
	assert_true(exists("cpu,cpuacct/cgfair"));
	assert_true(exists("memory/cgfair"));
	if (sd_booted() <= 0) {
		init_ok("auto");
		assert_string_equal(backend_name(), "cgroup1");
	}
	assert_int_equal(init("cgroup2", false, err), -ENOENT);
	assert_non_null(strstr(err, "cgroup2: no cgroup2 file system mounted"));
	assert_int_equal(init("bogus", false, err), -ENOENT);
	assert_non_null(strstr(err, "unknown backend"));
}

static void test_select_missing_memory(void **state)
{
	char err[BK_ERR_MAX], mi[2048];

	(void)state;
	tree_v1(false);
	snprintf(mi, sizeof(mi),
		 "32 30 0:28 / %s/cpu rw - cgroup cgroup rw,cpu\n"
		 "33 30 0:29 / %s/cpuacct rw - cgroup cgroup rw,cpuacct\n",
		 mnt, mnt);
	mountinfo(mi);
	assert_int_equal(init("cgroup1", false, err), -ENOENT);
	assert_non_null(strstr(err, "cgroup1: no memory controller mounted"));
	if (sd_booted() <= 0) {
		assert_int_equal(init("auto", false, err), -ENOENT);
		assert_non_null(strstr(err, "memory missing"));
	}
}

static void test_select_v2(void **state)
{
	char err[BK_ERR_MAX];

	(void)state;
	tree_v2("cpu io");
	assert_int_equal(init("cgroup2", false, err), -ENOENT);
	assert_non_null(strstr(err, "cgroup2: no memory controller in"));
	set("cgroup.controllers", "cpuset cpu io memory pids");
	if (sd_booted() <= 0) {
		init_ok("auto");
		assert_string_equal(backend_name(), "cgroup2");
	}
}

/* --- cgroup1 ---------------------------------------------------------------
 */

static void test_v1_ensure(void **state)
{
	(void)state;
	tree_v1(true);
	init_ok("cgroup1");
	assert_int_equal(backend_ensure_user(1000), 0);
	assert_true(exists("cpu,cpuacct/cgfair/user-1000/cpu.shares"));
	assert_true(exists("memory/cgfair/user-1000/memory.limit_in_bytes"));
	/* again: nothing new */
	mkdirs = 0;
	assert_int_equal(backend_ensure_user(1000), 0);
	assert_int_equal(mkdirs, 0);
	assert_int_equal(backend_ensure_user((uid_t)-1), -EINVAL);
}

static void test_v1_cpu(void **state)
{
	struct cpu_limit l = {
	    .quota_usec = 50000, .period_usec = 100000, .weight = 200};
	struct cpu_limit c;
	struct mem_limit m;

	(void)state;
	tree_v1(false);
	init_ok("cgroup1");
	assert_int_equal(backend_ensure_user(7), 0);
	clear_log();
	assert_int_equal(backend_set_cpu(7, &l), 0);
	assert_string_equal(joined(),
			    "cpu/cgfair/user-7/cpu.cfs_quota_us=50000, "
			    "cpu/cgfair/user-7/cpu.shares=2048");
	/* a new period goes in while uncapped */
	clear_log();
	l.period_usec = 50000;
	l.quota_usec = 20000;
	l.weight = 0;
	assert_int_equal(backend_set_cpu(7, &l), 0);
	assert_string_equal(joined(),
			    "cpu/cgfair/user-7/cpu.cfs_quota_us=-1, "
			    "cpu/cgfair/user-7/cpu.cfs_period_us=50000, "
			    "cpu/cgfair/user-7/cpu.cfs_quota_us=20000");
	assert_int_equal(backend_read_limits(7, &c, &m), 0);
	assert_int_equal(c.quota_usec, 20000);
	assert_int_equal(c.period_usec, 50000);
	assert_int_equal(c.weight, 200);
	assert_int_equal(m.max, LIMIT_NONE);
	/* no cap */
	clear_log();
	l.quota_usec = LIMIT_NONE;
	assert_int_equal(backend_set_cpu(7, &l), 0);
	assert_string_equal(joined(), "cpu/cgfair/user-7/cpu.cfs_quota_us=-1");
}

static void rm_tree(const char *rel)
{
	char p[PATH_MAX * 2];

	snprintf(p, sizeof(p), "%s/%s", mnt, rel);
	assert_int_equal(nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

/* The subtree and the last user's directories are kept open (issue 17):
 * a subtree removed and made again is opened afresh, and a user's
 * directory re-made under us is written after at most one failed write
 * (the kept one is dropped when an operation fails). */
static void test_v1_kept_dirs(void **state)
{
	struct cpu_limit l = {.quota_usec = 50000, .period_usec = 100000};
	char p[PATH_MAX * 2];
	int r;

	(void)state;
	tree_v1(true);
	init_ok("cgroup1");
	assert_int_equal(backend_ensure_user(7), 0);
	assert_int_equal(backend_set_cpu(7, &l), 0);
	rm_tree("cpu,cpuacct/cgfair");
	rm_tree("memory/cgfair");
	assert_int_equal(backend_ensure_user(8), 0);
	assert_true(exists("cpu,cpuacct/cgfair/user-8/cpu.shares"));
	assert_true(exists("memory/cgfair/user-8/memory.limit_in_bytes"));
	assert_int_equal(backend_set_cpu(8, &l), 0);
	rm_tree("cpu,cpuacct/cgfair/user-8");
	mk("cpu,cpuacct/cgfair/user-8");
	snprintf(p, sizeof(p), "%s/cpu,cpuacct/cgfair/user-8", mnt);
	populate(p);
	l.quota_usec = 30000;
	r = backend_set_cpu(8, &l);
	if (r < 0)
		r = backend_set_cpu(8, &l);
	assert_int_equal(r, 0);
	assert_string_equal(get("cpu,cpuacct/cgfair/user-8/cpu.cfs_quota_us"),
			    "30000");
}

static void set_mem_files(const char *u, const char *lim, const char *sw,
			  const char *use)
{
	char p[256];

	snprintf(p, sizeof(p), "memory/cgfair/%s/memory.limit_in_bytes", u);
	set(p, lim);
	snprintf(p, sizeof(p), "memory/cgfair/%s/memory.memsw.limit_in_bytes",
		 u);
	set(p, sw);
	snprintf(p, sizeof(p), "memory/cgfair/%s/memory.usage_in_bytes", u);
	set(p, use);
	snprintf(p, sizeof(p), "memory/cgfair/%s/memory.memsw.usage_in_bytes",
		 u);
	set(p, use);
}

static void test_v1_memory_order(void **state)
{
	struct mem_limit l = {.max = 200 * MIB, .swap_max = 50 * MIB};
	struct cpu_limit c;
	struct mem_limit m;

	(void)state;
	tree_v1(true);
	init_ok("cgroup1");
	assert_int_equal(backend_ensure_user(5), 0);
	/* raising: memsw first */
	set_mem_files("user-5", "104857600", "104857600", "1048576");
	clear_log();
	assert_int_equal(backend_set_memory(5, &l, 0), 0);
	assert_string_equal(
	    joined(),
	    "memory/cgfair/user-5/memory.memsw.limit_in_bytes=262144000, "
	    "memory/cgfair/user-5/memory.limit_in_bytes=209715200");
	assert_int_equal(backend_read_limits(5, &c, &m), 0);
	assert_int_equal(m.max, 200 * MIB);
	assert_int_equal(m.swap_max, 50 * MIB);
	/* lowering: memory first */
	clear_log();
	l.max = 100 * MIB;
	l.swap_max = 0;
	assert_int_equal(backend_set_memory(5, &l, 0), 0);
	assert_string_equal(
	    joined(), "memory/cgfair/user-5/memory.limit_in_bytes=104857600, "
		      "memory/cgfair/user-5/memory.memsw.limit_in_bytes="
		      "104857600");
	/* from no limit: memory first, then memsw; to none: memsw first */
	set_mem_files("user-5", V1_NONE, V1_NONE, "0");
	clear_log();
	assert_int_equal(backend_set_memory(5, &l, 0), 0);
	assert_string_equal(
	    joined(), "memory/cgfair/user-5/memory.limit_in_bytes=104857600, "
		      "memory/cgfair/user-5/memory.memsw.limit_in_bytes="
		      "104857600");
	clear_log();
	l.max = l.swap_max = LIMIT_NONE;
	assert_int_equal(backend_set_memory(5, &l, 0), 0);
	assert_string_equal(
	    joined(), "memory/cgfair/user-5/memory.memsw.limit_in_bytes=-1, "
		      "memory/cgfair/user-5/memory.limit_in_bytes=-1");
}

static void test_v1_memory_steps(void **state)
{
	struct mem_limit l = {.max = 100 * MIB, .swap_max = 0};

	(void)state;
	tree_v1(true);
	init_ok("cgroup1");
	assert_int_equal(backend_ensure_user(5), 0);
	set_mem_files("user-5", V1_NONE, V1_NONE, "157286401"); /* 150M+1 */
	clear_log();
	assert_int_equal(backend_set_memory(5, &l, 0), BACKEND_AGAIN);
	assert_string_equal(
	    joined(), "memory/cgfair/user-5/memory.limit_in_bytes=158334976, "
		      "memory/cgfair/user-5/memory.memsw.limit_in_bytes="
		      "158334976");
	/* the caller's figure counts when it is the larger */
	clear_log();
	assert_int_equal(backend_set_memory(5, &l, 155 * MIB), BACKEND_AGAIN);
	assert_int_equal(nlog, 0); /* never raised on the way down */
	/* usage went down: the next step reaches the target */
	set("memory/cgfair/user-5/memory.usage_in_bytes", "52428800");
	set("memory/cgfair/user-5/memory.memsw.usage_in_bytes", "52428800");
	clear_log();
	assert_int_equal(backend_set_memory(5, &l, 0), 0);
	assert_string_equal(
	    joined(), "memory/cgfair/user-5/memory.limit_in_bytes=104857600, "
		      "memory/cgfair/user-5/memory.memsw.limit_in_bytes="
		      "104857600");
	/* same again: nothing to write */
	clear_log();
	assert_int_equal(backend_set_memory(5, &l, 0), 0);
	assert_int_equal(nlog, 0);
}

static void test_v1_no_memsw(void **state)
{
	struct mem_limit l = {.max = 100 * MIB, .swap_max = 10 * MIB};
	struct cpu_limit c;
	struct mem_limit m;

	(void)state;
	fake_memsw = false;
	tree_v1(true);
	init_ok("cgroup1");
	assert_int_equal(backend_ensure_user(5), 0);
	assert_false(
	    exists("memory/cgfair/user-5/memory.memsw.limit_in_bytes"));
	clear_log();
	assert_int_equal(backend_set_memory(5, &l, 0), 0);
	assert_string_equal(
	    joined(), "memory/cgfair/user-5/memory.limit_in_bytes=104857600");
	assert_int_equal(backend_read_limits(5, &c, &m), 0);
	assert_int_equal(m.swap_max, LIMIT_NONE);
}

static void test_v1_errors(void **state)
{
	struct cpu_limit l = {.quota_usec = 50000, .period_usec = 100000};
	struct mem_limit ml = {.max = 100 * MIB, .swap_max = 0};

	(void)state;
	tree_v1(true);
	init_ok("cgroup1");
	/* no cgroup yet */
	assert_int_equal(backend_set_cpu(9, &l), -ENOENT);
	assert_int_equal(backend_move_pid(9, 1), -ENOENT);
	assert_int_equal(backend_ensure_user(9), 0);
	/* a control file missing */
	char p[PATH_MAX * 2];
	snprintf(p, sizeof(p), "%s/cpu,cpuacct/cgfair/user-9/cpu.cfs_quota_us",
		 mnt);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(backend_set_cpu(9, &l), -ENOENT);
	/* the kernel refuses a value */
	fail_file = "memory.limit_in_bytes";
	fail_errno = EINVAL;
	assert_int_equal(backend_set_memory(9, &ml, 0), -EINVAL);
	fail_errno = EBUSY;
	assert_int_equal(backend_set_memory(9, &ml, 0), -EBUSY);
	fail_file = NULL;
	/* a read-only file (no CAP_DAC_OVERRIDE here) */
	snprintf(p, sizeof(p), "%s/memory/cgfair/user-9/memory.limit_in_bytes",
		 mnt);
	assert_int_equal(chmod(p, 0444), 0);
	assert_int_equal(backend_set_memory(9, &ml, 0), -EACCES);
	/* busy while it has processes */
	set("cpu,cpuacct/cgfair/user-9/cgroup.procs", "4242\n");
	assert_int_equal(backend_remove_user(9), -EBUSY);
	assert_true(exists("cpu,cpuacct/cgfair/user-9"));
	set("cpu,cpuacct/cgfair/user-9/cgroup.procs", "");
	assert_int_equal(backend_remove_user(9), 0);
	assert_false(exists("cpu,cpuacct/cgfair/user-9"));
	assert_false(exists("memory/cgfair/user-9"));
	assert_int_equal(backend_remove_user(9), 0); /* already gone */
}

static void test_v1_move_and_oom(void **state)
{
	struct oom_source src;

	(void)state;
	tree_v1(false);
	init_ok("cgroup1");
	assert_int_equal(backend_ensure_user(3), 0);
	clear_log();
	/* The move takes the daemon's own path: cgroup.procs of every
	 * hierarchy opened once and kept open (no fake-kernel hook sees it;
	 * the files show it). A plain file keeps each write after the last,
	 * so the second move, through the cached fds, shows as "12345678". */
	assert_int_equal(backend_move_pid(3, 1234), 0);
	assert_string_equal(get("cpu/cgfair/user-3/cgroup.procs"), "1234");
	assert_string_equal(get("cpuacct/cgfair/user-3/cgroup.procs"), "1234");
	assert_string_equal(get("memory/cgfair/user-3/cgroup.procs"), "1234");
	assert_int_equal(backend_move_pid(3, 5678), 0);
	assert_string_equal(get("cpu/cgfair/user-3/cgroup.procs"), "12345678");
	assert_string_equal(get("cpuacct/cgfair/user-3/cgroup.procs"),
			    "12345678");
	assert_string_equal(get("memory/cgfair/user-3/cgroup.procs"),
			    "12345678");
	assert_false(exists("cpu/cgfair/user-3/tasks"));
	assert_int_equal(nlog, 0);
	assert_int_equal(backend_move_pid(3, 0), -EINVAL);
	set("memory/cgfair/user-3/memory.oom_control",
	    "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n");
	clear_log();
	assert_int_equal(backend_arm_oom(3, &src), 0);
	assert_int_equal(src.kind, OOM_V1_EVENTFD);
	assert_int_equal(src.nfds, 2);
	assert_true(src.has_counter);
	assert_int_equal(src.oom_kill, 4);
	char want[64];
	snprintf(want, sizeof(want),
		 "memory/cgfair/user-3/cgroup.event_control=%d %d", src.fds[0],
		 src.fds[1]);
	assert_string_equal(joined(), want);
	/* the oom_control fd is read-only */
	assert_int_equal(fcntl(src.fds[1], F_GETFL) & O_ACCMODE, O_RDONLY);
	close(src.fds[0]);
	close(src.fds[1]);
	/* an old kernel without the counter */
	set("memory/cgfair/user-3/memory.oom_control",
	    "oom_kill_disable 0\nunder_oom 0\n");
	assert_int_equal(backend_arm_oom(3, &src), 0);
	assert_false(src.has_counter);
	close(src.fds[0]);
	close(src.fds[1]);
}

static bool refused(int r)
{
	return r == -ELOOP || r == -ENOTDIR;
}

/* A symlink planted in the managed subtree is never followed. */
static void test_symlinks(void **state)
{
	struct cpu_limit l = {.quota_usec = 50000, .period_usec = 100000};
	char outside[PATH_MAX + 16], link[PATH_MAX * 2], p[PATH_MAX * 2];

	(void)state;
	tree_v1(true);
	init_ok("cgroup1");
	snprintf(outside, sizeof(outside), "%s/outside", tmp);
	assert_int_equal(mkdir(outside, 0755), 0);
	putf(outside, "cpu.cfs_quota_us", "-1");
	putf(outside, "cgroup.procs", "");
	/* a user directory that is a symlink */
	snprintf(link, sizeof(link), "%s/cpu,cpuacct/cgfair/user-66", mnt);
	assert_int_equal(symlink(outside, link), 0);
	/* open(O_DIRECTORY|O_NOFOLLOW) of a symlink: ENOTDIR (or ELOOP) */
	assert_true(refused(backend_ensure_user(66)));
	assert_true(refused(backend_set_cpu(66, &l)));
	assert_true(refused(backend_move_pid(66, 1)));
	assert_true(refused(backend_remove_user(66)));
	snprintf(p, sizeof(p), "%s/cpu.cfs_quota_us", outside);
	assert_int_equal((int64_t)file_u64(p), (int64_t)LIMIT_NONE);
	snprintf(p, sizeof(p), "%s/cgroup.procs", outside);
	assert_int_equal(file_u64(p), LIMIT_NONE); /* still empty */
	unlink(link);
	/* a control file that is a symlink */
	assert_int_equal(backend_ensure_user(67), 0);
	snprintf(link, sizeof(link),
		 "%s/cpu,cpuacct/cgfair/user-67/cpu.cfs_quota_us", mnt);
	unlink(link);
	snprintf(p, sizeof(p), "%s/cpu.cfs_quota_us", outside);
	assert_int_equal(symlink(p, link), 0);
	assert_int_equal(backend_set_cpu(67, &l), -ELOOP);
	assert_int_equal((int64_t)file_u64(p), (int64_t)LIMIT_NONE);
	/* the subtree itself */
	assert_int_equal(backend_remove_user(67), 0);
	backend_fini();
	snprintf(p, sizeof(p), "%s/memory/cgfair", mnt);
	assert_int_equal(rmdir_rule(p), 0);
	assert_int_equal(rmdir(p), 0);
	assert_int_equal(symlink(outside, p), 0);
	char err[BK_ERR_MAX];
	assert_int_equal(init("cgroup1", false, err), -ENOENT);
	assert_non_null(strstr(err, "cannot make"));
	assert_false(exists("../outside/user-1"));
}

static void test_v1_release(void **state)
{
	struct cpu_limit l = {.quota_usec = 50000, .period_usec = 100000};
	struct mem_limit ml = {.max = 100 * MIB, .swap_max = 0};

	(void)state;
	tree_v1(true);
	init_ok("cgroup1");
	for (uid_t u = 1; u <= 2; u++) {
		assert_int_equal(backend_ensure_user(u), 0);
		assert_int_equal(backend_set_cpu(u, &l), 0);
		assert_int_equal(backend_set_memory(u, &ml, 0), 0);
	}
	set("memory/cgfair/user-2/cgroup.procs", "99\n");
	clear_log();
	assert_int_equal(backend_release_all(true), 0);
	/* caps lifted for both, memory kept, the empty one removed */
	assert_non_null(strstr(joined(), "user-1/cpu.cfs_quota_us=-1"));
	assert_non_null(strstr(joined(), "user-2/cpu.cfs_quota_us=-1"));
	assert_null(strstr(joined(), "memory.limit_in_bytes"));
	assert_false(exists("cpu,cpuacct/cgfair/user-1"));
	assert_true(exists("memory/cgfair/user-2"));
	assert_true(exists("memory/cgfair"));
	assert_string_equal(get("memory/cgfair/user-2/memory.limit_in_bytes"),
			    "104857600");
	/* memory lifted too; once empty, everything goes */
	set("memory/cgfair/user-2/cgroup.procs", "");
	clear_log();
	assert_int_equal(backend_release_all(false), 0);
	assert_non_null(strstr(joined(), "user-2/memory.limit_in_bytes=-1"));
	assert_false(exists("memory/cgfair"));
	assert_false(exists("cpu,cpuacct/cgfair"));
}

static void test_dry_run(void **state)
{
	struct cpu_limit l = {.quota_usec = 50000, .period_usec = 100000};
	struct mem_limit ml = {.max = 100 * MIB, .swap_max = 0};
	char err[BK_ERR_MAX];

	(void)state;
	tree_v1(true);
	assert_int_equal(init("cgroup1", true, err), 0);
	assert_int_equal(backend_ensure_user(8), 0);
	assert_int_equal(backend_set_cpu(8, &l), 0);
	assert_int_equal(backend_set_memory(8, &ml, 0), 0);
	assert_int_equal(backend_move_pid(8, 1), 0);
	assert_int_equal(backend_release_all(false), 0);
	assert_int_equal(nlog, 0);
	assert_int_equal(mkdirs, 0);
	assert_false(exists("memory/cgfair"));
}

/* --- cgroup2 ---------------------------------------------------------------
 */

static void test_v2_subtree_control(void **state)
{
	(void)state;
	tree_v2("cpuset cpu io memory pids");
	init_ok("cgroup2");
	/* init wrote nothing more after clear_log: look at the files */
	assert_string_equal(get("cgroup.subtree_control"),
			    "+cpu +memory +pids +io");
	assert_string_equal(get("cgfair/cgroup.subtree_control"),
			    "+cpu +memory +pids +io");
	/* already on at the root: only the subtree is written */
	backend_fini();
	set("cgroup.subtree_control", "cpu memory pids io");
	set("cgfair/cgroup.subtree_control", "memory");
	char err[BK_ERR_MAX];
	nlog = 0;
	assert_int_equal(init("cgroup2", false, err), 0);
	assert_string_equal(joined(),
			    "cgfair/cgroup.subtree_control=+cpu +pids +io");
	/* no pids controller: cpu and memory only */
	backend_fini();
	set("cgroup.controllers", "cpu memory");
	set("cgroup.subtree_control", "");
	set("cgfair/cgroup.subtree_control", "");
	nlog = 0;
	assert_int_equal(init("cgroup2", false, err), 0);
	assert_string_equal(joined(), "cgroup.subtree_control=+cpu +memory, "
				      "cgfair/cgroup.subtree_control=+cpu "
				      "+memory");
	/* the kernel refuses: the error names the file */
	backend_fini();
	set("cgroup.subtree_control", "");
	fail_file = "cgroup.subtree_control";
	fail_errno = EBUSY;
	assert_int_equal(init("cgroup2", false, err), -ENOENT);
	assert_non_null(strstr(err, "cannot enable +cpu +memory in"));
}

static void test_v2_limits(void **state)
{
	struct cpu_limit l = {
	    .quota_usec = 250000, .period_usec = 100000, .weight = 50};
	struct mem_limit ml = {.max = 100 * MIB, .swap_max = 0};
	struct cpu_limit c;
	struct mem_limit m;
	struct oom_source src;

	(void)state;
	tree_v2("cpu memory pids");
	init_ok("cgroup2");
	assert_int_equal(backend_ensure_user(1001), 0);
	clear_log();
	assert_int_equal(backend_set_cpu(1001, &l), 0);
	assert_int_equal(backend_set_memory(1001, &ml, 0), 0);
	/* no memory.swap.max without swap accounting: skipped */
	assert_string_equal(joined(), "cgfair/user-1001/cpu.max=250000 100000, "
				      "cgfair/user-1001/cpu.weight=50, "
				      "cgfair/user-1001/memory.max=104857600");
	assert_int_equal(backend_read_limits(1001, &c, &m), 0);
	assert_int_equal(c.quota_usec, 250000);
	assert_int_equal(c.period_usec, 100000);
	assert_int_equal(c.weight, 50);
	assert_int_equal(m.max, 100 * MIB);
	assert_int_equal(m.swap_max, LIMIT_NONE);
	/* below usage: a step, then the target */
	set("cgfair/user-1001/memory.max", "max");
	set("cgfair/user-1001/memory.current", "209715200");
	clear_log();
	assert_int_equal(backend_set_memory(1001, &ml, 0), BACKEND_AGAIN);
	assert_string_equal(joined(), "cgfair/user-1001/memory.max=209715200");
	set("cgfair/user-1001/memory.current", "1000");
	clear_log();
	assert_int_equal(backend_set_memory(1001, &ml, 0), 0);
	assert_string_equal(joined(), "cgfair/user-1001/memory.max=104857600");
	/* uncapped */
	clear_log();
	l.quota_usec = LIMIT_NONE;
	l.weight = 0;
	assert_int_equal(backend_set_cpu(1001, &l), 0);
	assert_string_equal(joined(), "cgfair/user-1001/cpu.max=max 100000");
	/* the other limits; io.weight only where the io controller is */
	struct extra_limit x = {
	    .max_tasks = 512, .mem_high = 1024 * MIB, .io_weight = 50};
	clear_log();
	assert_int_equal(backend_set_extra(1001, &x), 0);
	assert_string_equal(joined(),
			    "cgfair/user-1001/memory.high=1073741824, "
			    "cgfair/user-1001/pids.max=512");
	set("cgfair/user-1001/io.weight", "default 100");
	x.max_tasks = LIMIT_NONE;
	x.mem_high = LIMIT_NONE;
	clear_log();
	assert_int_equal(backend_set_extra(1001, &x), 0);
	assert_string_equal(joined(), "cgfair/user-1001/memory.high=max, "
				      "cgfair/user-1001/pids.max=max, "
				      "cgfair/user-1001/io.weight=50");
	/* OOM: a read-only memory.events fd and its counter */
	set("cgfair/user-1001/memory.events", "oom 2\noom_kill 3\n");
	assert_int_equal(backend_arm_oom(1001, &src), 0);
	assert_int_equal(src.kind, OOM_V2_EVENTS);
	assert_int_equal(src.nfds, 1);
	assert_int_equal(src.oom_kill, 3);
	assert_int_equal(fcntl(src.fds[0], F_GETFL) & O_ACCMODE, O_RDONLY);
	close(src.fds[0]);
	/* scanner setup */
	struct ipc_scan_setup s;
	backend_scan_setup(&s);
	assert_int_equal(s.hierarchy, HIER_V2);
	assert_string_equal(s.prefix, "/cgfair");
	assert_string_equal(s.memory_dir, mnt);
	assert_int_equal(s.systemd_names, 0);
}

static void test_v2_swap(void **state)
{
	struct mem_limit ml = {.max = 100 * MIB, .swap_max = 20 * MIB};

	(void)state;
	fake_swap = true;
	tree_v2("cpu memory");
	init_ok("cgroup2");
	assert_int_equal(backend_ensure_user(1), 0);
	clear_log();
	assert_int_equal(backend_set_memory(1, &ml, 0), 0);
	assert_string_equal(joined(), "cgfair/user-1/memory.max=104857600, "
				      "cgfair/user-1/memory.swap.max=20971520");
}

static void test_v1_scan_setup(void **state)
{
	struct ipc_scan_setup s;
	char p[PATH_MAX + 16];

	(void)state;
	tree_v1(false);
	init_ok("cgroup1");
	backend_scan_setup(&s);
	assert_int_equal(s.hierarchy, HIER_V1);
	assert_string_equal(s.prefix, "/cgfair");
	snprintf(p, sizeof(p), "%s/cpuacct", mnt);
	assert_string_equal(s.cpuacct_dir, p);
	snprintf(p, sizeof(p), "%s/memory", mnt);
	assert_string_equal(s.memory_dir, p);
}

/* Without CAP_DAC_OVERRIDE, like cgfaird's supervisor. */
static void drop_dac(void)
{
	if (geteuid() != 0)
		return;
	capng_get_caps_process();
	capng_updatev(CAPNG_DROP, CAPNG_EFFECTIVE, CAP_DAC_OVERRIDE,
		      CAP_DAC_READ_SEARCH, CAP_FOWNER, -1);
	if (capng_apply(CAPNG_SELECT_CAPS) < 0)
		fprintf(stderr, "cannot drop CAP_DAC_OVERRIDE\n");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_mountinfo),	     T(test_io_weight_note),
	    T(test_subtree_names),   T(test_arithmetic),
	    T(test_select_v1),	     T(test_select_missing_memory),
	    T(test_select_v2),	     T(test_v1_ensure),
	    T(test_v1_cpu),	     T(test_v1_memory_order),
	    T(test_v1_memory_steps), T(test_v1_no_memsw),
	    T(test_v1_errors),	     T(test_v1_move_and_oom),
	    T(test_symlinks),	     T(test_v1_release),
	    T(test_dry_run),	     T(test_v2_subtree_control),
	    T(test_v2_limits),	     T(test_v2_swap),
	    T(test_v1_scan_setup),   T(test_v1_kept_dirs),
	};

	log_init("unit-backend", getenv("CGFAIR_TEST_DEBUG") != NULL, false);
	drop_dac();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
