/*
 * The scanner's parsers and readers, on sample text and on a fake /proc
 * and cgroup tree in a temporary directory: comm fields with spaces and
 * parentheses, files that vanish, counters that go backwards, pid reuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>

#include "workers/scanner/scanner.h"

/* --- helpers ------------------------------------------------------------- */

static char tmp[128];

static void put(const char *rel, const char *text)
{
	char path[512], dir[512];

	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (char *p = dir + strlen(tmp) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int open_dir(const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmp, rel);
	mkdir(path, 0755);
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int setup_tmp(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/cgfair-unit-scanner.XXXXXX");
	assert_non_null(mkdtemp(tmp));
	pending_reset();
	cgstat_reset();
	return 0;
}

static int teardown_tmp(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	assert_int_equal(system(cmd), 0);
	pending_reset();
	cgstat_reset();
	return 0;
}

static struct match v1match(void)
{
	struct match m = {.hier = HIER_V1, .min_uid = 1000};
	strcpy(m.prefix, "/cgfair");
	return m;
}

/* A /proc/PID/stat line: fields after comm, utime 14, stime 15, start 22 */
static void stat_line(char *buf, size_t n, int pid, const char *comm,
		      unsigned ut, unsigned st, unsigned long long start)
{
	snprintf(buf, n,
		 "%d (%s) S 1 %d %d 0 -1 4194560 100 0 0 0 %u %u 0 0 20 0 "
		 "1 0 %llu 12345678 300 18446744073709551615 1 1 0 0 0 0 0 "
		 "0 0 0 0 0 17 1 0 0 0 0 0\n",
		 pid, comm, pid, pid, ut, st, start);
}

static void fake_proc(int pid, const char *comm, unsigned uid, unsigned ut,
		      unsigned long long start, const char *cgroup)
{
	char rel[64], buf[1024];

	stat_line(buf, sizeof(buf), pid, comm, ut, 0, start);
	snprintf(rel, sizeof(rel), "proc/%d/stat", pid);
	put(rel, buf);
	snprintf(buf, sizeof(buf),
		 "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%d\n"
		 "Pid:\t%d\nPPid:\t1\nUid:\t%u\t%u\t%u\t%u\nGid:\t100\t100\t"
		 "100\t100\n",
		 comm, pid, pid, uid, uid + 1, uid, uid);
	snprintf(rel, sizeof(rel), "proc/%d/status", pid);
	put(rel, buf);
	snprintf(rel, sizeof(rel), "proc/%d/cgroup", pid);
	put(rel, cgroup);
}

static void gone_proc(int pid)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/proc/%d'", tmp, pid);
	assert_int_equal(system(cmd), 0);
}

/* --- pure parsers --------------------------------------------------------- */

static void test_stat_plain(void **state)
{
	struct proc_info pi;
	char buf[1024];
	(void)state;

	stat_line(buf, sizeof(buf), 4242, "bash", 150, 50, 987654);
	assert_int_equal(parse_stat(buf, &pi), 0);
	assert_int_equal(pi.pid, 4242);
	assert_int_equal(pi.cpu_ticks, 200);
	assert_int_equal(pi.start_time, 987654);
}

static void test_stat_hostile_comm(void **state)
{
	static const char *const comms[] = {
	    "a b", ") 1 2 3 4 5", "x) S 1 (y",	  "((",
	    "))",  " ",		  "1 2) 99 99 99"};
	struct proc_info pi;
	char buf[1024];
	(void)state;

	for (size_t i = 0; i < sizeof(comms) / sizeof(comms[0]); i++) {
		stat_line(buf, sizeof(buf), 7, comms[i], 11, 22, 333);
		assert_int_equal(parse_stat(buf, &pi), 0);
		assert_int_equal(pi.cpu_ticks, 33);
		assert_int_equal(pi.start_time, 333);
	}
}

static void test_stat_malformed(void **state)
{
	struct proc_info pi;
	char buf[1024];
	(void)state;

	assert_int_not_equal(parse_stat("", &pi), 0);
	assert_int_not_equal(parse_stat("12 (x", &pi), 0);
	assert_int_not_equal(parse_stat("12 (x) S 1 2 3", &pi), 0);
	assert_int_not_equal(parse_stat("(x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 "
					"14 15 16 17 18 19 20 21 22",
					&pi),
			     0);
	/* a cut line (cut inside starttime's field list) */
	stat_line(buf, sizeof(buf), 9, "cut", 1, 2, 3);
	*strstr(buf, " 12345678") = '\0';
	buf[strlen(buf) - 3] = '\0';
	assert_int_not_equal(parse_stat(buf, &pi), 0);
	/* an utime that overflows */
	assert_int_not_equal(
	    parse_stat("9 (x) S 1 1 1 0 -1 0 0 0 0 0 "
		       "99999999999999999999999 1 0 0 20 0 1 0 5 1\n",
		       &pi),
	    0);
}

static void test_status_uid(void **state)
{
	uid_t uid = 0;
	(void)state;

	assert_int_equal(
	    parse_status_uid("Name:\tx\nUid:\t1000\t0\t0\t0\n", &uid), 0);
	assert_int_equal(uid, 1000); /* the real uid, not the effective */
	assert_int_equal(parse_status_uid("Uid:\t5\t5\t5\t5\n", &uid), 0);
	assert_int_equal(uid, 5);
	/* "Uid:" inside another line does not count */
	assert_int_not_equal(parse_status_uid("Name:\tUid:\t7\n", &uid), 0);
	assert_int_not_equal(parse_status_uid("Uid:\t-1\n", &uid), 0);
	assert_int_not_equal(parse_status_uid("Uid:\t4294967295\n", &uid), 0);
	assert_int_not_equal(parse_status_uid("", &uid), 0);
}

static void test_cgroup_v1(void **state)
{
	struct match m = v1match();
	(void)state;

	assert_int_equal(parse_cgroup("4:memory:/cgfair/user-1000\n"
				      "3:cpu:/cgfair/user-1000\n"
				      "2:cpuacct:/cgfair/user-1000\n"
				      "1:pids:/elsewhere\n0::/\n",
				      &m, 1000),
			 PLACE_IN);
	/* one controller elsewhere is enough to be a stray */
	assert_int_equal(parse_cgroup("4:memory:/other\n"
				      "3:cpu,cpuacct:/cgfair/user-1000\n",
				      &m, 1000),
			 PLACE_OUT);
	assert_int_equal(parse_cgroup("3:cpu,cpuacct:/\n", &m, 1000),
			 PLACE_OUT);
	/* below the user's cgroup is placed; a longer uid is not */
	assert_int_equal(
	    parse_cgroup("4:memory:/cgfair/user-1000/x\n", &m, 1000), PLACE_IN);
	assert_int_equal(
	    parse_cgroup("4:memory:/cgfair/user-10001\n", &m, 1000), PLACE_OUT);
	/* another user's cgroup (su inside a session) */
	assert_int_equal(parse_cgroup("4:memory:/cgfair/user-1001\n", &m, 1000),
			 PLACE_OUT);
	/* no line for our controllers: nothing to judge */
	assert_int_equal(parse_cgroup("1:pids:/\n0::/\n", &m, 1000),
			 PLACE_UNKNOWN);
	assert_int_equal(parse_cgroup("garbage\n::\n", &m, 1000),
			 PLACE_UNKNOWN);
	/* a controller whose name merely starts like ours */
	assert_int_equal(parse_cgroup("5:cpuset:/\n4:memory:/cgfair/"
				      "user-1000\n",
				      &m, 1000),
			 PLACE_IN);
}

static void test_cgroup_v2_systemd(void **state)
{
	struct match m = {.hier = HIER_V2, .systemd_names = true};
	(void)state;

	strcpy(m.prefix, "/user.slice");
	assert_int_equal(parse_cgroup("0::/user.slice/user-1000.slice/"
				      "session-3.scope\n",
				      &m, 1000),
			 PLACE_IN);
	assert_int_equal(
	    parse_cgroup("0::/system.slice/cron.service\n", &m, 1000),
	    PLACE_OUT);
	/* v1 lines are not judged on v2 */
	assert_int_equal(parse_cgroup("4:memory:/x\n0::/user.slice/"
				      "user-1000.slice\n",
				      &m, 1000),
			 PLACE_IN);
	assert_int_equal(parse_cgroup("0::/user.slice/user-1000\n", &m, 1000),
			 PLACE_OUT);
}

static void add_pattern(struct match *m, const char *p)
{
	snprintf(m->patterns[m->npatterns++], sizeof(m->patterns[0]), "%s", p);
}

/* [users] exempt_cgroups: a stray in a matching cgroup (or below one, in
 * any hierarchy) is exempt; a placed process stays placed; a stray
 * elsewhere is still a stray. */
static void test_cgroup_exempt(void **state)
{
	struct match m = v1match();
	(void)state;

	add_pattern(&m, "/slurm/*");
	add_pattern(&m, "*/libpod-*.scope");
	add_pattern(&m, "/system.slice/slurmstepd.scope/*");
	assert_int_equal(parse_cgroup("4:memory:/slurm/uid_1000/job_7/step_0\n"
				      "3:cpu,cpuacct:/slurm/uid_1000/job_7/"
				      "step_0\n",
				      &m, 1000),
			 PLACE_EXEMPT);
	/* only the freezer knows the job: still exempt */
	assert_int_equal(parse_cgroup("7:freezer:/slurm/uid_1000/job_7\n"
				      "4:memory:/user.slice\n",
				      &m, 1000),
			 PLACE_EXEMPT);
	/* below a matching scope */
	assert_int_equal(parse_cgroup("4:memory:/machine.slice/"
				      "libpod-ab12.scope/container\n",
				      &m, 1000),
			 PLACE_EXEMPT);
	/* "/slurm" itself does not match, nor does a look-alike */
	assert_int_equal(parse_cgroup("4:memory:/slurm\n", &m, 1000),
			 PLACE_OUT);
	assert_int_equal(parse_cgroup("4:memory:/slurmx/job\n", &m, 1000),
			 PLACE_OUT);
	assert_int_equal(
	    parse_cgroup("4:memory:/user.slice/libpod-x.scopey\n", &m, 1000),
	    PLACE_OUT);
	/* placed wins over exempt: it is not moved either way */
	assert_int_equal(parse_cgroup("7:freezer:/slurm/uid_1000/job_7\n"
				      "4:memory:/cgfair/user-1000\n",
				      &m, 1000),
			 PLACE_IN);
	m.hier = HIER_V2;
	assert_int_equal(parse_cgroup("0::/system.slice/slurmstepd.scope/"
				      "job_3/step_batch/user/task_0\n",
				      &m, 1000),
			 PLACE_EXEMPT);
	assert_int_equal(
	    parse_cgroup("0::/system.slice/slurmstepd.scope\n", &m, 1000),
	    PLACE_OUT);
	m.npatterns = 0;
	assert_int_equal(parse_cgroup("0::/slurm/uid_1000/job_7\n", &m, 1000),
			 PLACE_OUT);
}

static void test_key_by_name(void **state)
{
	const char *v1 = "cache_extra 5\ncache 4096\nrss 100\n"
			 "total_cache 8192\ntotal_rss 7\n";
	uint64_t v = 0;
	(void)state;

	assert_int_equal(parse_key_u64(v1, "cache", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_key_u64(v1, "total_cache", &v), 0);
	assert_int_equal(v, 8192);
	assert_int_equal(parse_key_u64(v1, "file", &v), -ENOENT);
	assert_int_equal(parse_key_u64("anon 1\nfile 77", "file", &v), 0);
	assert_int_equal(v, 77);
	assert_int_equal(parse_key_u64("file x\n", "file", &v), -EINVAL);
	assert_int_equal(
	    parse_key_u64("usage_usec 123\nuser_usec 100\n", "usage_usec", &v),
	    0);
	assert_int_equal(v, 123);
}

static void test_small_parsers(void **state)
{
	uint32_t n = 0;
	uint64_t b = 0;
	uid_t uid = 0;
	(void)state;

	assert_int_equal(parse_cpu_list("0-3,6,8-9\n", &n), 0);
	assert_int_equal(n, 7);
	assert_int_equal(parse_cpu_list("0\n", &n), 0);
	assert_int_equal(n, 1);
	assert_int_not_equal(parse_cpu_list("3-1\n", &n), 0);
	assert_int_not_equal(parse_cpu_list("x\n", &n), 0);
	assert_int_not_equal(parse_cpu_list("\n", &n), 0);
	assert_int_equal(parse_meminfo_total("MemTotal:       2048 kB\n"
					     "MemFree: 1 kB\n",
					     &b),
			 0);
	assert_int_equal(b, 2048 * 1024);
	assert_int_not_equal(parse_meminfo_total("MemFree: 1 kB\n", &b), 0);

	assert_int_equal(parse_user_name("user-1000", false, &uid), 0);
	assert_int_equal(uid, 1000);
	assert_int_equal(parse_user_name("user-1000.slice", true, &uid), 0);
	assert_int_not_equal(parse_user_name("user-1000.slice", false, &uid),
			     0);
	assert_int_not_equal(parse_user_name("user-01000", false, &uid), 0);
	assert_int_not_equal(parse_user_name("user-", false, &uid), 0);
	assert_int_not_equal(parse_user_name("user-99999999999", false, &uid),
			     0);
	assert_int_not_equal(parse_user_name("user-1x", false, &uid), 0);
	assert_int_not_equal(parse_user_name("cgroup.procs", false, &uid), 0);
}

static void test_managed(void **state)
{
	struct ipc_scan_setup s = {.hierarchy = HIER_V1,
				   .min_uid = 1000,
				   .max_uid = 2000,
				   .nexempt = 2,
				   .exempt = {1500, 1200}};
	struct match m;
	(void)state;

	strcpy(s.prefix, "/cgfair/");
	assert_int_equal(match_from_setup(&m, &s), 0);
	assert_string_equal(m.prefix, "/cgfair");
	assert_false(uid_managed(&m, 999));
	assert_true(uid_managed(&m, 1000));
	assert_false(uid_managed(&m, 1200));
	assert_false(uid_managed(&m, 1500));
	assert_true(uid_managed(&m, 2000));
	assert_false(uid_managed(&m, 2001));
	m.max_uid = 0;
	assert_false(uid_managed(&m, UID_NOBODY));
	assert_true(uid_managed(&m, 70000));
	strcpy(s.prefix, "/cgfair/../etc");
	assert_int_not_equal(match_from_setup(&m, &s), 0);
	strcpy(s.prefix, "cgfair");
	assert_int_not_equal(match_from_setup(&m, &s), 0);
}

/* --- readers on a fake tree ------------------------------------------------
 */

static void test_read_vanished(void **state)
{
	char buf[64];
	uint64_t v;
	uint32_t n;
	int d = open_dir(".");
	(void)state;

	assert_int_equal(read_at(d, "nope", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(read_u64_at(d, "nope", &v), -ENOENT);
	assert_int_equal(count_lines_at(d, "nope", &n), -ENOENT);
	put("big", "0123456789012345678901234567890123456789"
		   "0123456789012345678901234567890123456789\n");
	assert_int_equal(read_at(d, "big", buf, sizeof(buf)), -EFBIG);
	put("num", "12345\n");
	assert_int_equal(read_u64_at(d, "num", &v), 0);
	assert_int_equal(v, 12345);
	put("procs", "1\n2\n3\n");
	assert_int_equal(count_lines_at(d, "procs", &n), 0);
	assert_int_equal(n, 3);
	close(d);
}

static void test_proc_inspect(void **state)
{
	struct match m = v1match();
	struct proc_info pi;
	enum place place;
	int procfd = open_dir("proc");
	(void)state;

	fake_proc(100, "in (cgroup)", 1000, 7, 500,
		  "4:memory:/cgfair/user-1000\n3:cpu:/cgfair/user-1000\n");
	fake_proc(101, "stray) S 1", 1001, 9, 600, "4:memory:/\n3:cpu:/\n");
	fake_proc(102, "root", 0, 1, 1, "4:memory:/\n");
	assert_int_equal(proc_inspect(procfd, 100, &m, &pi, &place), 0);
	assert_int_equal(place, PLACE_IN);
	assert_int_equal(pi.uid, 1000);
	assert_int_equal(proc_inspect(procfd, 101, &m, &pi, &place), 0);
	assert_int_equal(place, PLACE_OUT);
	assert_int_equal(pi.start_time, 600);
	assert_int_equal(pi.cpu_ticks, 9);
	/* unmanaged: never judged */
	assert_int_equal(proc_inspect(procfd, 102, &m, &pi, &place), 0);
	assert_int_equal(place, PLACE_UNKNOWN);
	/* gone before, or between two of its files */
	assert_int_equal(proc_inspect(procfd, 999, &m, &pi, &place), -ENOENT);
	char p[300];
	snprintf(p, sizeof(p), "%s/proc/101/cgroup", tmp);
	unlink(p);
	assert_true(proc_inspect(procfd, 101, &m, &pi, &place) < 0);
	close(procfd);
}

static void fake_user_cg(unsigned uid, unsigned long long ns,
			 unsigned long long mem, const char *procs)
{
	char rel[128], buf[256];

	snprintf(rel, sizeof(rel), "cpuacct/cgfair/user-%u/cpuacct.usage", uid);
	snprintf(buf, sizeof(buf), "%llu\n", ns);
	put(rel, buf);
	snprintf(rel, sizeof(rel), "cpuacct/cgfair/user-%u/cgroup.procs", uid);
	put(rel, procs);
	snprintf(rel, sizeof(rel),
		 "memory/cgfair/user-%u/memory.usage_in_bytes", uid);
	snprintf(buf, sizeof(buf), "%llu\n", mem);
	put(rel, buf);
	snprintf(rel, sizeof(rel), "memory/cgfair/user-%u/memory.stat", uid);
	put(rel, "cache 100\nrss 5\nshmem 0\ntotal_cache 4096\n");
}

/* Read user i now, as a cycle that reads everyone would. */
static int rd(size_t i, int c, int k, const struct match *m, uint64_t cycle,
	      struct cgstat_usage *u)
{
	struct cgstat_pass p = {
	    .cpu_root = c, .mem_root = k, .m = m, .cycle = cycle};
	return cgstat_read(&p, i, u);
}

static void scan_cycle(struct scanner *s, uint64_t cycle, uint64_t quiet)
{
	struct ipc_scan_request r = {.cycle = cycle, .quiet_usec = quiet};
	scanner_cycle(s, &r);
}

static void test_cg_usage(void **state)
{
	struct match m = v1match();
	struct ipc_user_usage users[2] = {{.uid = 1000}, {.uid = 4242}};
	struct cgstat_usage u;
	char cmd[600];
	(void)state;

	fake_user_cg(1000, 5000000, 1 << 20, "10\n11\n");
	int c = open_dir("cpuacct/cgfair"), k = open_dir("memory/cgfair");
	assert_int_equal(cgstat_align(users, 2), 0);
	assert_int_equal(rd(0, c, k, &m, 1, &u), 0);
	assert_int_equal(u.cpu_usec, 5000);
	assert_int_equal(u.mem_bytes, 1 << 20);
	assert_int_equal(u.mem_cache, 4096);
	assert_int_equal(u.nprocs, 2);
	/* kept files are read again: a new figure shows, even backwards */
	fake_user_cg(1000, 3000000, 1 << 21, "10\n");
	assert_int_equal(rd(0, c, k, &m, 2, &u), 0);
	assert_int_equal(u.cpu_usec, 3000);
	assert_int_equal(u.mem_bytes, 1 << 21);
	/* an idle user (CPU counter still): memory is not re-read */
	fake_user_cg(1000, 3000000, 1 << 22, "10\n");
	assert_int_equal(rd(0, c, k, &m, 3, &u), 0);
	assert_int_equal(u.mem_bytes, 1 << 21);
	/* the memory side vanished between two reads */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/memory/cgfair/user-1000'", tmp);
	assert_int_equal(system(cmd), 0);
	fake_user_cg(1000, 3500000, 0, "10\n");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/memory/cgfair/user-1000'", tmp);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(rd(0, c, k, &m, 3, &u), 0);
	assert_int_equal(u.mem_bytes, 0);
	assert_int_equal(rd(1, c, k, &m, 3, &u), -ENOENT);
	assert_false(u.found);
	/* gone altogether, then made anew */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/cpuacct/cgfair/user-1000'", tmp);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(rd(0, c, k, &m, 4, &u), -ENOENT);
	fake_user_cg(1000, 1000, 1, "5\n");
	assert_int_equal(rd(0, c, k, &m, 5, &u), 0);
	assert_int_equal(u.cpu_usec, 1);
	assert_int_equal(u.nprocs, 1); /* a new cgroup: slow figures at once */
	/* a user that left the cycle has its files closed */
	assert_int_equal(cgstat_align(users + 1, 1), 0);
	assert_int_equal(rd(0, c, k, &m, 6, &u), -ENOENT);
	cgstat_reset();
	close(c);
	close(k);
}

/* With kept fds (the scanner raises its fd budget at start): the files
 * stay open and each read sees the file's current text. (A removed
 * cgroup's kept files fail with ENODEV on kernfs; regular files cannot
 * show that, the integration test does.) */
static void test_cg_kept(void **state)
{
	struct match m = v1match();
	struct ipc_user_usage users[1] = {{.uid = 1000}};
	struct cgstat_usage u;
	(void)state;

	cgstat_init();
	fake_user_cg(1000, 5000000, 10, "1\n");
	int c = open_dir("cpuacct/cgfair"), k = open_dir("memory/cgfair");
	assert_int_equal(cgstat_align(users, 1), 0);
	assert_int_equal(rd(0, c, k, &m, 1, &u), 0);
	assert_int_equal(u.cpu_usec, 5000);
	int before = open("/dev/null", O_RDONLY); /* the lowest free fd */
	close(before);
	fake_user_cg(1000, 7000000, 20, "1\n2\n");
	assert_int_equal(rd(0, c, k, &m, 2, &u), 0);
	assert_int_equal(u.cpu_usec, 7000);
	assert_int_equal(u.mem_bytes, 20);
	/* slow figures wait for their turn (uid 1000: cycles 64k - 1000) */
	assert_int_equal(u.nprocs, 1);
	assert_int_equal(rd(0, c, k, &m, 24, &u), 0);
	assert_int_equal(u.nprocs, 2);
	/* no fd leaks per read: the same fds are used each time */
	int after = open("/dev/null", O_RDONLY);
	assert_int_equal(after, before);
	close(after);
	cgstat_reset();
	close(c);
	close(k);
}

static void test_list_users(void **state)
{
	struct match m = v1match();
	struct cgstat_seen *seen = NULL;
	size_t n = 0, cap = 0;
	struct stat st;
	(void)state;

	m.nexempt = 1;
	m.exempt[0] = 1500;
	fake_user_cg(1000, 1, 1, "");
	fake_user_cg(1500, 1, 1, "");
	fake_user_cg(999, 1, 1, "");
	put("cpuacct/cgfair/user-abc/x", "");
	put("cpuacct/cgfair/cpuacct.usage", "1\n");
	int c = open_dir("cpuacct/cgfair");
	assert_int_equal(cgstat_list_users(c, &m, &seen, &n, &cap), 0);
	assert_int_equal(n, 1);
	assert_int_equal(seen[0].uid, 1000);
	assert_int_equal(fstatat(c, "user-1000", &st, 0), 0);
	assert_int_equal(seen[0].ino, st.st_ino);
	free(seen);
	close(c);
}

static void test_pending_table(void **state)
{
	bool fresh;
	(void)state;

	for (int i = 1; i <= 5000; i++) {
		struct proc_info pi = {.pid = i * 7,
				       .uid = 1000 + (uid_t)(i % 3),
				       .owner = 1000 + (uid_t)(i % 3),
				       .start_time = (uint64_t)i,
				       .cpu_ticks = 1};
		assert_non_null(pending_put(&pi, &fresh));
		assert_true(fresh);
	}
	for (int i = 1; i <= 5000; i += 2)
		pending_retire(i * 7);
	assert_int_equal(pending_count(), 2500);
	for (int i = 1; i <= 5000; i++)
		assert_true((pending_find(i * 7) != NULL) == (i % 2 == 0));
	assert_int_equal(retired_ticks(1000) + retired_ticks(1001) +
			     retired_ticks(1002),
			 2500);
	/* the same process again: not fresh, CPU never goes back */
	struct proc_info again = {.pid = 14,
				  .uid = 1002,
				  .owner = 1002,
				  .start_time = 2,
				  .cpu_ticks = 50};
	assert_non_null(pending_put(&again, &fresh));
	assert_false(fresh);
	again.cpu_ticks = 10;
	assert_int_equal(pending_put(&again, &fresh)->cpu_ticks, 50);
	/* pid reused (new start time): the old one is retired */
	again.start_time = 99;
	assert_non_null(pending_put(&again, &fresh));
	assert_true(fresh);
}

/* --- subordinate uids ------------------------------------------------------
 */

/* Apply a table of n entries (start, count, owner) as the supervisor
 * sends it; returns subuid_table_add's answer. */
static int set_table(const struct ipc_subuid_entry *e, uint32_t n, uint32_t gen)
{
	struct ipc_subuid_table t = {.generation = gen, .count = n, .last = 1};
	if (n)
		memcpy(t.entry, e, n * sizeof(*e));
	return subuid_table_add(&t);
}

static void test_subuid_line(void **state)
{
	struct ipc_subuid_range r;
	(void)state;

#define LINE(s) parse_subuid_line(s, strlen(s), &r)
	assert_int_equal(LINE("alice:100000:65536"), 0);
	assert_string_equal(r.owner, "alice");
	assert_int_equal(r.start, 100000);
	assert_int_equal(r.count, 65536);
	assert_int_equal(LINE("1000:4294901759:65536"), 0); /* last: -2 */
	assert_string_equal(r.owner, "1000");
	assert_int_equal(LINE(""), 1);
	/* wrong: a field missing or extra, not a number, signs, blanks,
	 * empty range, a range reaching (uid_t)-1, 33-bit numbers, an owner
	 * with a control character or too long */
	const char *bad[] = {
	    "alice:100000",
	    "alice:100000:65536:1",
	    ":100000:65536",
	    "alice::65536",
	    "alice:100000:",
	    "alice:-1:65536",
	    "alice:+1:65536",
	    "alice: 100000:65536",
	    "alice:100000:0",
	    "alice:4294901760:65536",
	    "alice:4294967296:1",
	    "alice:1:4294967296",
	    "al ice:100000:65536",
	    "al\tice:1:1",
	    "alice:0x10:1",
	    "alice:100000:65536 ",
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:"
	    "1:1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (LINE(bad[i]) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
#undef LINE
	/* a NUL inside would end a number early ("10" for "10\0000") */
	assert_int_equal(parse_subuid_line("alice:10\0000:5", 13, &r), -EINVAL);
}

static struct ipc_subuid_ranges got_ranges[8];
static size_t nranges_got;

static void keep_ranges(uint32_t type, const void *payload, size_t len)
{
	assert_int_equal(type, IPC_SUBUID_RANGES);
	assert_int_equal(len, sizeof(got_ranges[0]));
	assert_true(nranges_got < 8);
	memcpy(&got_ranges[nranges_got++], payload, len);
}

/* The file as a whole: ranges in order, bad lines counted, the last
 * batch flagged even for an empty file, batches of IPC_SUBUID_BATCH. */
static void test_subuid_file(void **state)
{
	char path[300], text[4096] = "";
	(void)state;

	snprintf(path, sizeof(path), "%s/subuid", tmp);
	for (int i = 0; i < 30; i++) {
		char line[64];
		snprintf(line, sizeof(line), "u%d:%d:10\n", i, 100000 + i * 10);
		strcat(text, line);
		if (i == 3)
			strcat(text, "garbage\n\nx:1\n");
	}
	put("subuid", text);
	nranges_got = 0;
	subuid_parse_file(open(path, O_RDONLY), 7, keep_ranges);
	assert_int_equal(nranges_got, 2);
	assert_int_equal(got_ranges[0].count, IPC_SUBUID_BATCH);
	assert_false(got_ranges[0].last);
	assert_int_equal(got_ranges[1].count, 30 - IPC_SUBUID_BATCH);
	assert_true(got_ranges[1].last);
	assert_int_equal(got_ranges[1].generation, 7);
	assert_int_equal(got_ranges[1].skipped, 2);
	assert_string_equal(got_ranges[0].range[4].owner, "u4");
	assert_int_equal(got_ranges[1].range[5].start, 100000 + 29 * 10);

	/* NUL bytes in the file (found by fuzz-subuid: the parser looped
	 * on them): the line is refused, the next one still read */
	int fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(write(fd, "a:1:1\nb\0:2:1\n\0\0\nc:3:1\n", 22), 22);
	close(fd);
	nranges_got = 0;
	subuid_parse_file(open(path, O_RDONLY), 9, keep_ranges);
	assert_int_equal(nranges_got, 1);
	assert_int_equal(got_ranges[0].count, 2);
	assert_int_equal(got_ranges[0].range[1].start, 3);
	assert_int_equal(got_ranges[0].skipped, 2);

	put("subuid", "");
	nranges_got = 0;
	subuid_parse_file(open(path, O_RDONLY), 8, keep_ranges);
	assert_int_equal(nranges_got, 1);
	assert_true(got_ranges[0].last);
	assert_int_equal(got_ranges[0].count, 0);
}

/* The table: lookups, and a table that is not sorted and disjoint is
 * refused whole (the one in force stays). */
static void test_subuid_table(void **state)
{
	const struct ipc_subuid_entry good[] = {{100000, 65536, 1000},
						{165536, 65536, 1001}};
	const struct ipc_subuid_entry overlap[] = {{100000, 65536, 1000},
						   {100001, 10, 1002}};
	const struct ipc_subuid_entry unsorted[] = {{200000, 1, 1000},
						    {100000, 1, 1002}};
	(void)state;

	assert_int_equal(set_table(good, 2, 1), 1);
	assert_int_equal(charged_uid(100000), 1000);
	assert_int_equal(charged_uid(165535), 1000);
	assert_int_equal(charged_uid(165536), 1001);
	assert_int_equal(charged_uid(231071), 1001);
	assert_int_equal(charged_uid(231072), 231072);
	assert_int_equal(charged_uid(99999), 99999);
	assert_int_equal(charged_uid(1000), 1000);
	assert_int_equal(set_table(overlap, 2, 2), -EINVAL);
	assert_int_equal(set_table(unsorted, 2, 3), -EINVAL);
	assert_int_equal(charged_uid(100001), 1000); /* the old one stays */
	/* in two batches: nothing changes until the last */
	struct ipc_subuid_table t = {.generation = 4, .count = 1, .last = 0};
	t.entry[0] = (struct ipc_subuid_entry){300000, 5, 1002};
	assert_int_equal(subuid_table_add(&t), 0);
	assert_int_equal(charged_uid(300000), 300000);
	t.entry[0] = (struct ipc_subuid_entry){400000, 5, 1003};
	t.last = 1;
	assert_int_equal(subuid_table_add(&t), 1);
	assert_int_equal(charged_uid(300004), 1002);
	assert_int_equal(charged_uid(400000), 1003);
	assert_int_equal(charged_uid(100000), 100000);
	assert_int_equal(set_table(NULL, 0, 5), 1); /* empty: none */
	assert_int_equal(charged_uid(300000), 300000);
}

/* Placement by the table: a subordinate uid is placed in its owner's
 * cgroup (and in its own: NSS may know it); the owner's range manages an
 * uid beyond max_uid; under systemd with user_slices anything below any
 * user-N.slice is placed, without it only the own slice. */
static void test_subuid_placement(void **state)
{
	const struct ipc_subuid_entry e[] = {{300000, 1000, 1000}};
	struct match m = v1match();
	struct match sd = {.hier = HIER_V2, .systemd_names = true};
	struct proc_info pi;
	enum place place;
	int procfd = open_dir("proc");
	(void)state;

	assert_int_equal(set_table(e, 1, 9), 1);
	assert_int_equal(
	    parse_cgroup("4:memory:/cgfair/user-1000\n", &m, 300005), PLACE_IN);
	assert_int_equal(
	    parse_cgroup("4:memory:/cgfair/user-300005\n", &m, 300005),
	    PLACE_IN);
	assert_int_equal(
	    parse_cgroup("4:memory:/cgfair/user-1001\n", &m, 300005),
	    PLACE_OUT);
	m.max_uid = 2000;
	fake_proc(400, "podman", 300005, 5, 10, "4:memory:/\n3:cpu:/\n");
	assert_int_equal(proc_inspect(procfd, 400, &m, &pi, &place), 0);
	assert_int_equal(place, PLACE_OUT);
	assert_int_equal(pi.uid, 300005);
	assert_int_equal(pi.owner, 1000);

	strcpy(sd.prefix, "/user.slice");
	const char *other = "0::/user.slice/user-1001.slice/user@1001.service/"
			    "app.slice/libpod.scope\n";
	assert_int_equal(parse_cgroup(other, &sd, 1000), PLACE_OUT);
	sd.user_slices = true;
	assert_int_equal(parse_cgroup(other, &sd, 1000), PLACE_IN);
	assert_int_equal(
	    parse_cgroup("0::/user.slice/user-1001.slice\n", &sd, 1000),
	    PLACE_IN);
	/* not a user slice: still out */
	assert_int_equal(
	    parse_cgroup("0::/user.slice/user-x.slice\n", &sd, 1000),
	    PLACE_OUT);
	assert_int_equal(
	    parse_cgroup("0::/user.slice/user-1001.slicex\n", &sd, 1000),
	    PLACE_OUT);
	assert_int_equal(
	    parse_cgroup("0::/system.slice/x.service\n", &sd, 1000), PLACE_OUT);
	assert_int_equal(set_table(NULL, 0, 10), 1);
	close(procfd);
}

/* --- the whole cycle -------------------------------------------------------
 */

#define MAX_SENT 64
static struct {
	uint32_t type;
	union {
		struct ipc_scan_users users;
		struct ipc_scan_done done;
		struct ipc_stray_proc stray;
	} u;
} sent[MAX_SENT];
static int nsent;

static void capture(uint32_t type, const void *payload, size_t len)
{
	assert_true(nsent < MAX_SENT);
	sent[nsent].type = type;
	memcpy(&sent[nsent].u, payload, len);
	nsent++;
}

static const struct ipc_user_usage *sent_user(uid_t uid)
{
	for (int i = 0; i < nsent; i++) {
		if (sent[i].type != IPC_SCAN_USERS)
			continue;
		for (uint32_t k = 0; k < sent[i].u.users.count; k++)
			if (sent[i].u.users.user[k].uid == uid)
				return &sent[i].u.users.user[k];
	}
	return NULL;
}

static void make_scanner(struct scanner *s)
{
	struct ipc_scan_setup setup = {.hierarchy = HIER_V1, .min_uid = 1000};
	char online[300];

	snprintf(online, sizeof(online), "%s/online", tmp);
	put("online", "0-1\n");
	put("proc/meminfo", "MemTotal:  1000 kB\n");
	scanner_init(s, open_dir("proc"), strdup(online), capture);
	s->hz = 100;
	strcpy(setup.prefix, "/cgfair");
	snprintf(setup.cpuacct_dir, sizeof(setup.cpuacct_dir), "%s/cpuacct",
		 tmp);
	snprintf(setup.memory_dir, sizeof(setup.memory_dir), "%s/memory", tmp);
	assert_int_equal(scanner_setup(s, &setup), 0);
	nsent = 0;
}

static void free_scanner(struct scanner *s)
{
	cgstat_reset();
	listing_free(&s->listing);
	close(s->procfd);
	free((char *)s->cpu_online);
}

static void test_cycle(void **state)
{
	struct scanner s;
	(void)state;

	fake_user_cg(1000, 2000000000ULL, 4096, "1\n2\n3\n");
	fake_user_cg(1001, 7000, 1, "");
	make_scanner(&s);
	/* a stray of a user with no cgroup at all */
	fake_proc(300, "stray x)", 1002, 250, 77, "4:memory:/\n3:cpu:/\n");
	scanner_sweep(&s);
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0].type, IPC_STRAY_PROC);
	assert_int_equal(sent[0].u.stray.pid, 300);
	assert_int_equal(sent[0].u.stray.uid, 1002);
	assert_int_equal(sent[0].u.stray.start_time, 77);

	nsent = 0;
	scan_cycle(&s, 42, 0);
	assert_int_equal(sent[nsent - 1].type, IPC_SCAN_DONE);
	assert_int_equal(sent[nsent - 1].u.done.cycle, 42);
	assert_int_equal(sent[nsent - 1].u.done.nusers, 3);
	assert_int_equal(sent[nsent - 1].u.done.ncpus, 2);
	assert_int_equal(sent[nsent - 1].u.done.mem_total, 1000 * 1024);
	const struct ipc_user_usage *u = sent_user(1000);
	assert_non_null(u);
	assert_int_equal(u->cpu_usec, 2000000);
	assert_int_equal(u->nprocs, 3);
	assert_true(u->flags & USAGE_HAS_CGROUP);
	u = sent_user(1002);
	assert_non_null(u);
	assert_false(u->flags & USAGE_HAS_CGROUP);
	assert_int_equal(u->unplaced, 1);
	assert_int_equal(u->nprocs, 1);
	assert_int_equal(u->extra_usec, 2500000); /* 250 ticks at 100 Hz */

	/* placed now (moved with its 250 ticks): the figure stays */
	fake_user_cg(1002, 0, 0, "300\n");
	fake_proc(300, "stray x)", 1002, 260, 77,
		  "4:memory:/cgfair/user-1002\n3:cpu:/cgfair/user-1002\n");
	nsent = 0;
	scan_cycle(&s, 43, 0);
	u = sent_user(1002);
	assert_non_null(u);
	assert_int_equal(u->unplaced, 0);
	assert_int_equal(u->extra_usec, 2500000);
	assert_int_equal(u->nprocs, 1);
	free_scanner(&s);
}

/* [penalty] exempt_commands: the CPU of processes with a listed comm, per
 * managed uid, as a counter that only grows; an exited process keeps what
 * was counted; a reused pid starts again; other names, unmanaged uids and
 * a comm that only looks like a listed one count nothing. */
static void test_exempt_commands(void **state)
{
	struct ipc_scan_commands cmds = {.count = 2};
	const char *in =
	    "4:memory:/cgfair/user-1000\n3:cpu:/cgfair/user-1000\n";
	struct scanner s;
	const struct ipc_user_usage *u;
	(void)state;

	strcpy(cmds.name[0], "cc1");
	strcpy(cmds.name[1], "rsync");
	fake_user_cg(1000, 5000000000ULL, 4096, "1\n2\n");
	make_scanner(&s);
	fake_proc(10, "cc1", 1000, 100, 5, in);
	fake_proc(11, "rsync", 1000, 50, 6, in);
	fake_proc(12, "spin", 1000, 400, 7, in);
	fake_proc(13, "cc1 x", 1000, 70, 8, in);
	fake_proc(14, "cc1", 500, 90, 9, "4:memory:/\n3:cpu:/\n");
	commands_set(&cmds);
	scan_cycle(&s, 1, 0);
	u = sent_user(1000);
	assert_non_null(u);
	assert_int_equal(u->exempt_usec, 1500000); /* 150 ticks */
	/* grows by what each used since; an exit keeps the count */
	fake_proc(10, "cc1", 1000, 130, 5, in);
	gone_proc(11);
	nsent = 0;
	scan_cycle(&s, 2, 0);
	assert_int_equal(sent_user(1000)->exempt_usec, 1800000);
	/* pid 10 reused by another cc1: all of its time is new */
	fake_proc(10, "cc1", 1000, 20, 99, in);
	nsent = 0;
	scan_cycle(&s, 3, 0);
	assert_int_equal(sent_user(1000)->exempt_usec, 2000000);
	/* no commands: nothing walked, the counter stays */
	commands_set(&(struct ipc_scan_commands){0});
	fake_proc(10, "cc1", 1000, 80, 99, in);
	nsent = 0;
	scan_cycle(&s, 4, 0);
	assert_int_equal(sent_user(1000)->exempt_usec, 2000000);
	free_scanner(&s);
}

/* The subtree's own counter (v1: ns), as the kernel would sum it. */
static void fake_root_ns(unsigned long long ns)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%llu\n", ns);
	put("cpuacct/cgfair/cpuacct.usage", buf);
}

/* One cycle with a quiet bound of 1 ms; returns how many users it read. */
static uint32_t quiet_cycle(struct scanner *s, uint64_t cycle)
{
	nsent = 0;
	scan_cycle(s, cycle, 1000);
	assert_int_equal(sent[nsent - 1].type, IPC_SCAN_DONE);
	assert_int_equal(sent[nsent - 1].u.done.nusers, 2);
	return sent[nsent - 1].u.done.nread;
}

/* Quiet users are not re-read while the subtree counter shows that they
 * used less than the bound together since their last reads; a busy, new
 * or re-made cgroup is read every cycle. (Cycles 1-20: no user's
 * IDLE_REFRESH turn; 1000's is at 24, 1001's at 23.) */
static void test_cycle_quiet(void **state)
{
	struct scanner s;
	char cmd[1200];
	(void)state;

	fake_user_cg(1000, 5000000, 1, "10\n");
	fake_user_cg(1001, 7000000, 1, "11\n");
	fake_root_ns(12000000 + 900000); /* 0.9 ms from a removed cgroup */
	make_scanner(&s);
	assert_int_equal(quiet_cycle(&s, 1), 2); /* first sight */
	assert_int_equal(quiet_cycle(&s, 2), 2); /* new: read again */
	assert_int_equal(quiet_cycle(&s, 3), 0); /* nothing moved */
	assert_int_equal(sent_user(1000)->cpu_usec, 5000);
	/* 1000 uses 0.6 ms: under the bound, its figure waits */
	fake_user_cg(1000, 5600000, 1, "10\n");
	fake_root_ns(12000000 + 900000 + 600000);
	assert_int_equal(quiet_cycle(&s, 4), 0);
	assert_int_equal(sent_user(1000)->cpu_usec, 5000);
	assert_true(sent_user(1000)->flags & USAGE_HAS_CGROUP);
	/* 0.5 ms more: together over the bound, everyone is read */
	fake_user_cg(1000, 6100000, 1, "10\n");
	fake_root_ns(12000000 + 900000 + 1100000);
	assert_int_equal(quiet_cycle(&s, 5), 2);
	assert_int_equal(sent_user(1000)->cpu_usec, 6100);
	/* 1000 grew by more than bound / 16 at that read: busy, read again;
	 * 1001 waits */
	assert_int_equal(quiet_cycle(&s, 6), 1);
	assert_int_equal(quiet_cycle(&s, 7), 0);
	/* a counter the root does not cover (say, a process in the subtree
	 * root itself) only errs towards reading */
	fake_root_ns(12000000 + 900000 + 1100000 + 5000000);
	assert_int_equal(quiet_cycle(&s, 8), 2);
	assert_int_equal(quiet_cycle(&s, 9), 0);
	/* 1001's cgroup removed and made anew (another directory): its
	 * counter starts again, and the subtree keeps the old one's 7 ms,
	 * which makes one cycle read everyone (and count it as others') */
	snprintf(cmd, sizeof(cmd),
		 "mv '%s/cpuacct/cgfair/user-1001' '%s/cpuacct/old-1001'", tmp,
		 tmp);
	assert_int_equal(system(cmd), 0);
	fake_user_cg(1001, 300000, 1, "12\n");
	fake_root_ns(12000000 + 900000 + 1100000 + 5000000 + 300000);
	assert_int_equal(quiet_cycle(&s, 10), 2);
	assert_int_equal(sent_user(1001)->cpu_usec, 300);
	assert_int_equal(quiet_cycle(&s, 11), 1); /* new */
	assert_int_equal(quiet_cycle(&s, 12), 0);
	/* made anew without the subtree counter showing it (cannot happen
	 * on a kernel, the old one's time stays there): read by itself */
	snprintf(cmd, sizeof(cmd),
		 "mv '%s/cpuacct/cgfair/user-1001' '%s/cpuacct/older-1001'",
		 tmp, tmp);
	assert_int_equal(system(cmd), 0);
	fake_user_cg(1001, 300000, 1, "12\n");
	assert_int_equal(quiet_cycle(&s, 13), 1);
	/* no subtree counter (a fake tree without it, a vanished file):
	 * everyone is read */
	snprintf(cmd, sizeof(cmd), "rm '%s/cpuacct/cgfair/cpuacct.usage'", tmp);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(quiet_cycle(&s, 14), 2);
	assert_int_equal(quiet_cycle(&s, 15), 2);
	/* bound 0: everyone, every cycle */
	fake_root_ns(12000000);
	nsent = 0;
	scan_cycle(&s, 16, 0);
	assert_int_equal(sent[nsent - 1].u.done.nread, 2);
	free_scanner(&s);
}

/* A user's processes are counted again once its CPU stops moving: the
 * last one may have ended between two counts, and the count must not
 * wait for the refresh turn (idle removal goes by it). */
static void test_count_after_run(void **state)
{
	struct scanner s;
	(void)state;

	fake_user_cg(1000, 5000000, 1, "10\n");
	fake_user_cg(1001, 7000000, 1, "11\n");
	fake_root_ns(12000000);
	make_scanner(&s);
	quiet_cycle(&s, 1);
	quiet_cycle(&s, 2);
	assert_int_equal(sent_user(1000)->nprocs, 1);
	/* runs for two cycles, ending within the second */
	fake_user_cg(1000, 7000000, 1, "10\n");
	fake_root_ns(14000000);
	quiet_cycle(&s, 3);
	fake_user_cg(1000, 7050000, 1, "");
	fake_root_ns(14050000);
	quiet_cycle(&s, 4);
	/* nothing moves: counted now */
	assert_int_equal(quiet_cycle(&s, 5), 1);
	assert_int_equal(sent_user(1000)->nprocs, 0);
	assert_int_equal(sent_user(1001)->nprocs, 1);
	assert_int_equal(quiet_cycle(&s, 6), 0);
	assert_int_equal(sent_user(1000)->nprocs, 0);
	free_scanner(&s);
}

static void test_cycle_reuse_and_exit(void **state)
{
	struct scanner s;
	(void)state;

	make_scanner(&s);
	fake_proc(400, "a", 1003, 100, 10, "4:memory:/\n");
	scanner_check(&s, 400);
	assert_int_equal(nsent, 1);
	/* the same process again: not reported twice */
	scanner_check(&s, 400);
	assert_int_equal(nsent, 1);
	/* counter went backwards (bogus): the larger one is kept */
	fake_proc(400, "a", 1003, 40, 10, "4:memory:/\n");
	nsent = 0;
	scan_cycle(&s, 1, 0);
	assert_int_equal(sent_user(1003)->extra_usec, 1000000);
	/* pid reused by a new process of the same user: reported anew,
	 * the old one's time retired, the total does not go back */
	fake_proc(400, "b", 1003, 5, 20, "4:memory:/\n");
	nsent = 0;
	scanner_check(&s, 400);
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0].u.stray.start_time, 20);
	nsent = 0;
	scan_cycle(&s, 2, 0);
	assert_int_equal(sent_user(1003)->extra_usec, 1050000);
	/* it exits: its time stays counted while the user is known */
	gone_proc(400);
	nsent = 0;
	scan_cycle(&s, 3, 0);
	assert_int_equal(sent_user(1003)->extra_usec, 1050000);
	assert_int_equal(sent_user(1003)->nprocs, 0);
	/* nothing left of the user: forgotten after that report */
	nsent = 0;
	scan_cycle(&s, 4, 0);
	assert_null(sent_user(1003));
	free_scanner(&s);
}

static void rm_tree(const char *rel)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/%s'", tmp, rel);
	assert_int_equal(system(cmd), 0);
}

static uint32_t cycle_users(struct scanner *s, uint64_t cycle)
{
	nsent = 0;
	scan_cycle(s, cycle, 0);
	assert_int_equal(sent[nsent - 1].type, IPC_SCAN_DONE);
	return sent[nsent - 1].u.done.nusers;
}

/* The subtree is listed again only when a user cgroup was made or
 * removed (inotify), and then every change shows: a new user, a removed
 * one, a cgroup made anew (read from scratch), the whole subtree made
 * anew. */
static void test_listing_follows_changes(void **state)
{
	struct scanner s;
	(void)state;

	fake_user_cg(1000, 5000, 1, "1\n");
	fake_user_cg(1001, 7000, 1, "");
	make_scanner(&s);
	assert_int_equal(cycle_users(&s, 1), 2);
	uint64_t lists = s.listing.relists;
	assert_int_equal(cycle_users(&s, 2), 2);
	assert_int_equal(cycle_users(&s, 3), 2);
	assert_int_equal(s.listing.relists, lists); /* nothing changed */

	fake_user_cg(1003, 9000, 1, "");
	assert_int_equal(cycle_users(&s, 4), 3);
	assert_int_equal(sent_user(1003)->cpu_usec, 9);
	assert_int_equal(s.listing.relists, lists + 1);

	rm_tree("cpuacct/cgfair/user-1001");
	rm_tree("memory/cgfair/user-1001");
	assert_int_equal(cycle_users(&s, 5), 2);
	assert_null(sent_user(1001));

	/* made anew with a lower counter: read from scratch, not kept */
	rm_tree("cpuacct/cgfair/user-1000");
	fake_user_cg(1000, 2000, 1, "1\n");
	assert_int_equal(cycle_users(&s, 6), 2);
	assert_int_equal(sent_user(1000)->cpu_usec, 2);

	/* the subtree itself made anew */
	rm_tree("cpuacct/cgfair");
	rm_tree("memory/cgfair");
	assert_int_equal(cycle_users(&s, 7), 0);
	fake_user_cg(1004, 4000, 1, "");
	assert_int_equal(cycle_users(&s, 8), 1);
	assert_int_equal(sent_user(1004)->cpu_usec, 4);
	lists = s.listing.relists;
	fake_user_cg(1005, 4000, 1, "");
	assert_int_equal(cycle_users(&s, 9), 2);
	assert_int_equal(s.listing.relists, lists + 1);
	free_scanner(&s);
}

/* Without inotify (no fd: a full instance table), every cycle lists. */
static void test_listing_without_inotify(void **state)
{
	struct scanner s;
	(void)state;

	fake_user_cg(1000, 5000, 1, "1\n");
	make_scanner(&s);
	close(s.listing.ifd);
	s.listing.ifd = -1;
	listing_reset(&s.listing);
	assert_int_equal(cycle_users(&s, 1), 1);
	fake_user_cg(1001, 7000, 1, "");
	assert_int_equal(cycle_users(&s, 2), 2);
	rm_tree("cpuacct/cgfair/user-1000");
	rm_tree("memory/cgfair/user-1000");
	assert_int_equal(cycle_users(&s, 3), 1);
	free_scanner(&s);
}

/* Every user has one refresh turn a period; a period is 64 cycles up to
 * 4,096 users, then long enough that about 64 users have theirs in a
 * cycle (the cycle's cost stays flat as users grow). */
static void test_refresh_turns(void **state)
{
	static const size_t sizes[] = {1, 1000, 4096, 4097, 10000, 100000};
	(void)state;

	assert_int_equal(cgstat_refresh_period(1000), 64);
	assert_int_equal(cgstat_refresh_period(10000), 157);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		size_t n = sizes[k], most = 0;
		uint64_t per = cgstat_refresh_period(n);
		for (uint64_t cycle = 1000; cycle < 1000 + per; cycle++) {
			size_t due = 0;
			for (uid_t uid = 5000; uid < 5000 + n; uid++)
				due += cgstat_due(cycle, uid, n);
			most = due > most ? due : most;
		}
		assert_true(most <= 65);
		for (uid_t uid = 5000; uid < 5000 + n; uid += 997) {
			size_t turns = 0;
			for (uint64_t cycle = 7; cycle < 7 + per; cycle++)
				turns += cgstat_due(cycle, uid, n);
			assert_int_equal(turns, 1);
		}
	}
}

/* Retired stray time of many users, made in any uid order, is each
 * user's own (the table is sorted and bisected). */
static void test_retired_many(void **state)
{
	(void)state;

	for (unsigned k = 0; k < 300; k++) {
		unsigned uid = 1000 + (k * 7919) % 300;
		struct proc_info pi = {.pid = (pid_t)(100 + k),
				       .uid = uid,
				       .owner = uid,
				       .start_time = 1,
				       .cpu_ticks = uid};
		bool fresh;
		assert_non_null(pending_put(&pi, &fresh));
		pending_retire(pi.pid);
	}
	for (unsigned uid = 1000; uid < 1300; uid++)
		assert_int_equal(retired_ticks(uid), uid);
	assert_int_equal(retired_ticks(999), 0);
	assert_int_equal(retired_ticks(1300), 0);
	pending_reset();
}

static void test_cycle_unconfigured(void **state)
{
	struct scanner s;
	(void)state;

	scanner_init(&s, -1, "/nonexistent", capture);
	nsent = 0;
	scan_cycle(&s, 5, 0);
	scanner_sweep(&s);
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0].type, IPC_SCAN_DONE);
	assert_int_equal(sent[0].u.done.nusers, 0);
	assert_true(sent[0].u.done.ncpus >= 1);
}

/* --- the proc connector --------------------------------------------------- */

static struct cn_event got[8];
static int ngot;

static void on_ev(void *arg, const struct cn_event *ev)
{
	(void)arg;
	if (ngot < 8)
		got[ngot++] = *ev;
}

static size_t cn_msg_build(char *buf, const struct proc_event *pe, uint32_t idx)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct cn_msg *cn = NLMSG_DATA(nh);

	memset(buf, 0, NLMSG_SPACE(sizeof(*cn) + sizeof(*pe)));
	nh->nlmsg_len = NLMSG_LENGTH(sizeof(*cn) + sizeof(*pe));
	nh->nlmsg_type = NLMSG_DONE;
	cn->id.idx = idx;
	cn->id.val = CN_VAL_PROC;
	cn->len = sizeof(*pe);
	memcpy(cn->data, pe, sizeof(*pe));
	return NLMSG_SPACE(sizeof(*cn) + sizeof(*pe));
}

static void test_connector_parse(void **state)
{
	union {
		struct nlmsghdr align;
		char buf[1024];
	} u;
	struct proc_event pe;
	size_t len;
	(void)state;

	memset(&pe, 0, sizeof(pe));
	pe.what = PROC_EVENT_EXEC;
	pe.event_data.exec.process_pid = 55;
	pe.event_data.exec.process_tgid = 50;
	len = cn_msg_build(u.buf, &pe, CN_IDX_PROC);
	ngot = 0;
	assert_int_equal(cn_parse(u.buf, len, on_ev, NULL), 1);
	assert_int_equal(got[0].pid, 50);

	memset(&pe, 0, sizeof(pe));
	pe.what = PROC_EVENT_FORK;
	pe.event_data.fork.parent_tgid = 10;
	pe.event_data.fork.child_pid = 12;
	pe.event_data.fork.child_tgid = 11;
	len = cn_msg_build(u.buf, &pe, CN_IDX_PROC);
	ngot = 0;
	assert_int_equal(cn_parse(u.buf, len, on_ev, NULL), 1);
	assert_int_equal(got[0].parent, 10);
	assert_true(got[0].thread);

	/* events we do not read, another connector, a lying length */
	pe.what = PROC_EVENT_EXIT;
	len = cn_msg_build(u.buf, &pe, CN_IDX_PROC);
	assert_int_equal(cn_parse(u.buf, len, on_ev, NULL), 0);
	pe.what = PROC_EVENT_UID;
	len = cn_msg_build(u.buf, &pe, CN_IDX_PROC + 5);
	assert_int_equal(cn_parse(u.buf, len, on_ev, NULL), -EINVAL);
	len = cn_msg_build(u.buf, &pe, CN_IDX_PROC);
	((struct cn_msg *)NLMSG_DATA(&u.align))->len = 900;
	assert_int_equal(cn_parse(u.buf, len, on_ev, NULL), -EINVAL);
	/* truncated datagrams */
	for (size_t cut = 0; cut < len; cut++)
		assert_true(cn_parse(u.buf, cut, on_ev, NULL) <= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stat_plain),
	    cmocka_unit_test(test_stat_hostile_comm),
	    cmocka_unit_test(test_stat_malformed),
	    cmocka_unit_test(test_status_uid),
	    cmocka_unit_test(test_cgroup_v1),
	    cmocka_unit_test(test_cgroup_v2_systemd),
	    cmocka_unit_test(test_key_by_name),
	    cmocka_unit_test(test_small_parsers),
	    cmocka_unit_test(test_managed),
	    cmocka_unit_test_setup_teardown(test_read_vanished, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test_setup_teardown(test_proc_inspect, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test_setup_teardown(test_cg_usage, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test_setup_teardown(test_cg_kept, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test_setup_teardown(test_list_users, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test_setup_teardown(test_pending_table, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test(test_subuid_line),
	    cmocka_unit_test_setup_teardown(test_subuid_file, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test(test_subuid_table),
	    cmocka_unit_test_setup_teardown(test_subuid_placement, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test_setup_teardown(test_exempt_commands, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test_setup_teardown(test_cycle, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test_setup_teardown(test_cycle_quiet, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test_setup_teardown(test_count_after_run, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test_setup_teardown(test_cycle_reuse_and_exit,
					    setup_tmp, teardown_tmp),
	    cmocka_unit_test_setup_teardown(test_listing_follows_changes,
					    setup_tmp, teardown_tmp),
	    cmocka_unit_test_setup_teardown(test_listing_without_inotify,
					    setup_tmp, teardown_tmp),
	    cmocka_unit_test(test_refresh_turns),
	    cmocka_unit_test_setup_teardown(test_retired_many, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test_setup_teardown(test_cycle_unconfigured, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test(test_connector_parse),
	    cmocka_unit_test(test_cgroup_exempt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
