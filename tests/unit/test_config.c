/*
 * Unit tests of the configuration loader: defaults, every key, every error
 * class (one message naming file:line and key), users.d ordering,
 * overrides and masking, the seed's format, and the printed
 * configuration reading back to itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "policy/config.h"
#include "policy/config_internal.h"
#include "policy/policy.h"

/* cmocka 1.1 compares floats only as float. */
static void near(double a, double b, double eps, const char *file, int line)
{
	if (a == b || fabs(a - b) <= eps)
		return;
	print_error("%.17g != %.17g (within %g)\n", a, b, eps);
	_fail(file, line);
}
#define assert_near(a, b, eps) near((a), (b), (eps), __FILE__, __LINE__)

#define GIB	  (1024ull * 1024 * 1024)
#define MEM_TOTAL (16 * GIB)
#define MAXMSG	  64

struct msgs {
	int n, errors, notices;
	char text[MAXMSG][512];
};

static void collect(void *arg, enum config_level level, const char *msg)
{
	struct msgs *m = arg;

	if (level == CONFIG_ERROR)
		m->errors++;
	else
		m->notices++;
	if (m->n < MAXMSG)
		snprintf(m->text[m->n++], sizeof(m->text[0]), "%s", msg);
}

static bool has_msg(const struct msgs *m, const char *needle)
{
	for (int i = 0; i < m->n; i++) {
		if (strstr(m->text[i], needle) != NULL)
			return true;
	}
	return false;
}

static void dump(const struct msgs *m)
{
	for (int i = 0; i < m->n; i++)
		print_message("  message: %s\n", m->text[i]);
}

static struct config_source source(struct msgs *m)
{
	struct config_source src = {
	    .mem_total = MEM_TOTAL,
	    .report = collect,
	    .report_arg = m,
	};

	memset(m, 0, sizeof(*m));
	return src;
}

/* Parse text as "test.conf"; returns config_load_string's result. */
static int load_text(struct cgfair_config *cfg, const char *text,
		     struct msgs *m)
{
	struct config_source src = source(m);

	return config_load_string(cfg, text, "test.conf", &src);
}

/* --- temp files --- */

static char tmpdir[64];

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup_tmp(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/cgfair-test-config-XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown_tmp(void **state)
{
	(void)state;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static char *path_of(const char *rel)
{
	static char buf[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", tmpdir, rel);
	return buf[i];
}

static void write_file(const char *rel, const char *text)
{
	FILE *f = fopen(path_of(rel), "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void make_dir(const char *rel)
{
	assert_int_equal(mkdir(path_of(rel), 0755), 0);
}

/* --- defaults --- */

static void test_defaults(void **state)
{
	struct cgfair_config c;
	struct config_source src;
	struct msgs m;

	(void)state;
	src = source(&m);
	assert_int_equal(config_load(&c, &src), 0);
	assert_int_equal(m.n, 0);
	assert_int_equal(c.daemon.backend, CONFIG_BACKEND_AUTO);
	assert_string_equal(c.daemon.subtree, "cgfair");
	assert_string_equal(c.daemon.worker_user, "cgfair");
	assert_int_equal(c.daemon.interval_ms, 5000);
	assert_string_equal(c.daemon.state_dir, "/var/lib/cgfair");
	assert_int_equal(c.cpu.mode, CONFIG_CPU_EVEN_ACTIVE);
	assert_near(c.cpu.max_share, 0.90, 1e-12);
	assert_near(c.cpu.active_share, 0.10, 1e-12);
	assert_near(c.cpu.active_cpus, 0, 0);
	assert_near(c.cpu.throttle_upper, 0.95, 1e-12);
	assert_near(c.cpu.throttle_lower, 0.80, 1e-12);
	assert_near(c.cpu.min_change, 0.05, 1e-12);
	assert_int_equal(c.cpu.period_us, 100000);
	assert_int_equal(c.cpu.default_weight, 100);
	assert_true(c.cpu.release_on_stop);
	assert_int_equal(c.memory.limit.bytes, MEM_TOTAL / 4);
	assert_int_equal(c.memory.swap_limit.bytes, 0);
	assert_false(c.memory.release_on_stop);
	assert_int_equal(c.users.min_uid, 1000);
	assert_int_equal(c.users.exempt_cgroups.n, 10);
	assert_string_equal(c.users.exempt_cgroups.v[0], "/slurm/*");
	assert_string_equal(c.users.exempt_cgroups.v[5], "*/libpod-*.scope");
	assert_int_equal(c.users.exempt_commands.n, 0);
	assert_int_equal(c.users.max_tasks, CONFIG_UNLIMITED);
	assert_int_equal(c.memory.high.bytes, CONFIG_UNLIMITED);
	assert_int_equal(c.io.weight, 100);
	assert_int_equal(c.penalty.timeout_ms, 3600000);
	assert_int_equal(c.penalty.mode, CONFIG_PENALTY_ACTIVE);
	assert_near(c.penalty.fraction, 0.30, 1e-12);
	assert_false(c.penalty.automatic);
	assert_int_equal(c.penalty.window_ms, 300000);
	assert_near(c.penalty.cpu_threshold.share, 0.5, 1e-12);
	assert_near(c.penalty.warn_at, 50, 1e-12);
	assert_int_equal(c.penalty.tiers.n, 3);
	assert_int_equal(c.penalty.tiers.ms[1], 3600000);
	assert_int_equal(c.penalty.forgive_ms, 3 * 3600000);
	assert_int_equal(c.penalty.exempt_commands.n, 0);
	assert_int_equal(c.oom.watchers, 2);
	assert_true(c.oom.kmsg_detail);
	assert_string_equal(c.socket.path, "/run/cgfair/cgfair.sock");
	assert_string_equal(c.socket.admin_group, "");
	assert_int_equal(c.socket.status_visibility, CONFIG_STATUS_OWN);
	assert_string_equal(c.log.event_log, "/var/log/cgfair/events.log");
	/* issue 13: OOM kills and the penalty box reach the user's
	 * terminals with no [notify] at all; mail stays off */
	assert_true(c.notify.oom);
	assert_true(c.notify.penalty);
	assert_false(c.notify.throttle);
	assert_true(c.notify.terminals);
	assert_string_equal(c.notify.relay, "");
	config_free(&c);
}

static void test_missing_optional_main(void **state)
{
	struct cgfair_config c;
	struct config_source src;
	struct msgs m;

	(void)state;
	src = source(&m);
	src.main = path_of("nonexistent.conf");
	src.main_optional = true;
	assert_int_equal(config_load(&c, &src), 0);
	assert_int_equal(m.n, 0);
	config_free(&c);

	src.main_optional = false;
	assert_int_equal(config_load(&c, &src), -1);
	assert_int_equal(m.errors, 1);
	assert_true(has_msg(&m, "nonexistent.conf: No such file"));
}

/* --- every key --- */

static const char full_config[] = "# every key, none at its default\n"
				  "[daemon]\n"
				  "backend = cgroup2\n"
				  "subtree = fairshare\n"
				  "worker_user = _cgfair\n"
				  "interval = 2500ms\n"
				  "state_dir = /srv/cgfair\n"
				  "[cpu]\n"
				  "mode = fair\n"
				  "max_percent = 80%\n"
				  "active_threshold = 0.25 cpus\n"
				  "throttle_upper = 0.9\n"
				  "throttle_lower = 70%\n"
				  "min_change = 10%\n"
				  "min_cap = 5%\n"
				  "period = 50ms\n"
				  "default_weight = 200\n"
				  "release_on_stop = no\n"
				  "[memory]\n"
				  "limit = 2G\n"
				  "swap_limit = 512M\n"
				  "release_on_stop = yes\n"
				  "high = 1G\n"
				  "[users]\n"
				  "min_uid = 2000\n"
				  "exempt_users = alice, bob carol\n"
				  "exempt_groups = wheel\n"
				  "exempt_cgroups = /slurm/*, */pod-*\n"
				  "exempt_commands = /usr/sbin/slurmstepd\n"
				  "max_tasks = 4096\n"
				  "[io]\n"
				  "weight = 50\n"
				  "[penalty]\n"
				  "timeout = 1h30m\n"
				  "mode = locked\n"
				  "fraction = 0.2\n"
				  "auto = yes\n"
				  "window = 2m\n"
				  "rise = 20m\n"
				  "decay = 2.5\n"
				  "cpu_threshold = 1.5 cpus\n"
				  "memory_threshold = 3G\n"
				  "warn_at = 60\n"
				  "tiers = 10m 1h, 1d\n"
				  "forgive = 6h\n"
				  "exempt_commands = cc1, g++ rsync\n"
				  "[oom]\n"
				  "watchers = 4\n"
				  "kmsg_detail = off\n"
				  "[socket]\n"
				  "path = /run/x.sock\n"
				  "admin_group = cgadmin\n"
				  "status_visibility = all\n"
				  "max_clients = 100\n"
				  "max_clients_per_uid = 10\n"
				  "idle_timeout = 2m\n"
				  "max_line = 8192\n"
				  "subscriber_backlog = 1M\n"
				  "[log]\n"
				  "event_log = /var/log/x.log\n"
				  "node_name = node7\n"
				  "system_name = The Big Box\n"
				  "[user:dave]\n"
				  "cpu_cap = 150%\n"
				  "memory_limit = 10%\n"
				  "auto_penalty = no\n"
				  "penalty_cpu_threshold = 75%\n"
				  "penalty_memory_threshold = none\n"
				  "max_tasks = max\n"
				  "memory_high = 5%\n"
				  "io_weight = 300\n";

static void test_every_key(void **state)
{
	struct cgfair_config c;
	struct msgs m;

	(void)state;
	assert_int_equal(load_text(&c, full_config, &m), 0);
	dump(&m);
	assert_int_equal(m.n, 0);
	assert_int_equal(c.daemon.backend, CONFIG_BACKEND_CGROUP2);
	assert_string_equal(c.daemon.subtree, "fairshare");
	assert_string_equal(c.daemon.worker_user, "_cgfair");
	assert_int_equal(c.daemon.interval_ms, 2500);
	assert_string_equal(c.daemon.state_dir, "/srv/cgfair");
	assert_int_equal(c.cpu.mode, CONFIG_CPU_FAIR);
	assert_near(c.cpu.max_share, 0.8, 1e-12);
	assert_near(c.cpu.active_cpus, 0.25, 1e-12);
	assert_near(c.cpu.active_share, 0, 0);
	assert_near(c.cpu.throttle_upper, 0.9, 1e-12);
	assert_near(c.cpu.throttle_lower, 0.7, 1e-12);
	assert_near(c.cpu.min_change, 0.1, 1e-12);
	assert_near(c.cpu.min_cap, 0.05, 1e-12);
	assert_int_equal(c.cpu.period_us, 50000);
	assert_int_equal(c.cpu.default_weight, 200);
	assert_false(c.cpu.release_on_stop);
	assert_int_equal(c.memory.limit.bytes, 2 * GIB);
	assert_int_equal(c.memory.swap_limit.bytes, 512ull << 20);
	assert_true(c.memory.release_on_stop);
	assert_int_equal(c.users.min_uid, 2000);
	assert_int_equal(c.users.exempt_users.n, 3);
	assert_string_equal(c.users.exempt_users.v[2], "carol");
	assert_int_equal(c.users.exempt_groups.n, 1);
	assert_int_equal(c.users.exempt_cgroups.n, 2);
	assert_string_equal(c.users.exempt_cgroups.v[1], "*/pod-*");
	assert_int_equal(c.users.exempt_commands.n, 1);
	assert_int_equal(c.users.max_tasks, 4096);
	assert_int_equal(c.io.weight, 50);
	assert_int_equal(c.memory.high.bytes, GIB);
	assert_string_equal(c.users.exempt_commands.v[0],
			    "/usr/sbin/slurmstepd");
	assert_int_equal(c.penalty.timeout_ms, 5400000);
	assert_int_equal(c.penalty.mode, CONFIG_PENALTY_LOCKED);
	assert_near(c.penalty.fraction, 0.2, 1e-12);
	assert_true(c.penalty.automatic);
	assert_int_equal(c.penalty.window_ms, 120000);
	assert_int_equal(c.penalty.rise_ms, 1200000);
	assert_near(c.penalty.decay, 2.5, 1e-12);
	assert_near(c.penalty.cpu_threshold.amount, 1.5, 1e-12);
	assert_near(c.penalty.cpu_threshold.share, 0, 0);
	assert_near(c.penalty.mem_threshold.amount, 3.0 * GIB, 1);
	assert_near(c.penalty.warn_at, 60, 1e-12);
	assert_int_equal(c.penalty.tiers.n, 3);
	assert_int_equal(c.penalty.tiers.ms[2], 86400000);
	assert_int_equal(c.penalty.forgive_ms, 6 * 3600000);
	assert_int_equal(c.penalty.exempt_commands.n, 3);
	assert_string_equal(c.penalty.exempt_commands.v[1], "g++");
	assert_false(c.overrides[0].auto_penalty);
	assert_near(c.overrides[0].penalty_cpu.share, 0.75, 1e-12);
	assert_near(c.overrides[0].penalty_mem.amount, 0, 0);
	assert_near(c.overrides[0].penalty_mem.share, 0, 0);
	assert_int_equal(c.oom.watchers, 4);
	assert_false(c.oom.kmsg_detail);
	assert_string_equal(c.socket.path, "/run/x.sock");
	assert_string_equal(c.socket.admin_group, "cgadmin");
	assert_int_equal(c.socket.status_visibility, CONFIG_STATUS_ALL);
	assert_int_equal(c.socket.max_clients, 100);
	assert_int_equal(c.socket.max_clients_per_uid, 10);
	assert_int_equal(c.socket.idle_timeout_ms, 120000);
	assert_int_equal(c.socket.max_line, 8192);
	assert_int_equal(c.socket.subscriber_backlog, 1 << 20);
	assert_string_equal(c.log.event_log, "/var/log/x.log");
	assert_string_equal(c.log.node_name, "node7");
	assert_string_equal(c.log.system_name, "The Big Box");
	assert_int_equal(c.n_overrides, 1);
	assert_near(c.overrides[0].cpu_cap, 1.5, 1e-12);
	assert_int_equal(c.overrides[0].memory_limit.bytes,
			 (uint64_t)(0.1 * MEM_TOTAL));
	assert_int_equal(c.overrides[0].max_tasks, CONFIG_UNLIMITED);
	assert_int_equal(c.overrides[0].memory_high.bytes,
			 (uint64_t)(0.05 * MEM_TOTAL));
	assert_int_equal(c.overrides[0].io_weight, 300);
	config_free(&c);
}

static char *print_config(const struct cgfair_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(config_print(c, f), 0);
	fclose(f);
	return buf;
}

/* What --check-config prints reads back to the same configuration. */
static void check_round_trip(const char *text)
{
	struct cgfair_config a, b;
	struct msgs m;
	char *pa, *pb;

	assert_int_equal(load_text(&a, text, &m), 0);
	pa = print_config(&a);
	assert_int_equal(load_text(&b, pa, &m), 0);
	dump(&m);
	pb = print_config(&b);
	assert_string_equal(pa, pb);
	free(pa);
	free(pb);
	config_free(&a);
	config_free(&b);
}

static void test_print_round_trip(void **state)
{
	(void)state;
	check_round_trip("");
	check_round_trip(full_config);
	check_round_trip("[cpu]\nactive_threshold = 7.5%\n"
			 "[memory]\nlimit = max\nswap_limit = 1536M\n"
			 "[group:staff]\ncpu_cap = none\nexempt = yes\n"
			 "cpu_weight = 50\nswap_limit = 0\n");
}

/* --- errors: one message each, with file:line and key --- */

struct error_case {
	const char *text;
	const char *message; /* exactly this one message */
};

static const struct error_case error_cases[] = {
    {"[penalty]\ntiers = 30m, soon\n",
     "test.conf:2: [penalty] tiers: expected a duration like 5s, 10m, 1h30m"},
    {"[penalty]\ntiers = ,\n",
     "test.conf:2: [penalty] tiers: at least one duration is needed"},
    {"[penalty]\ncpu_threshold = 150%\n",
     "test.conf:2: [penalty] cpu_threshold: value 150% out of range "
     "(1%..100%, or none)"},
    {"[penalty]\nmemory_threshold = 10K\n",
     "test.conf:2: [penalty] memory_threshold: value 10K is below 1M"},
    {"[penalty]\nexempt_commands = /usr/bin/gcc\n",
     "test.conf:2: [penalty] exempt_commands: a process name, not a path, "
     "is expected"},
    {"[penalty]\nexempt_commands = a_name_of_sixteen\n",
     "test.conf:2: [penalty] exempt_commands: a process name is at most 15 "
     "characters (the kernel's comm)"},
    {"[penalty]\nwarn_at = 0\n",
     "test.conf:2: [penalty] warn_at: value 0 out of range (1..100)"},
    /* unknown section: once, at its header, however many keys */
    {"[cpu]\nmode = fair\n[bogus]\na = 1\nb = 2\n",
     "test.conf:3: [bogus]: unknown section"},
    {"[cpu]\nmax_pct = 90%\n", "test.conf:2: [cpu] max_pct: unknown key"},
    {"[users]\nmin_uid = many\n",
     "test.conf:2: [users] min_uid: expected a whole number"},
    {"[users]\nmin_uid = -5\n",
     "test.conf:2: [users] min_uid: expected a whole number"},
    {"[cpu]\nmax_percent = 0x10\n",
     "test.conf:2: [cpu] max_percent: expected a number or a percentage"},
    {"[daemon]\ninterval = 5 fortnights\n",
     "test.conf:2: [daemon] interval: expected a duration like 5s, 10m, "
     "1h30m"},
    {"[memory]\nlimit = 2Q\n",
     "test.conf:2: [memory] limit: expected a size like 512M or 2G"},
    {"\n\n[cpu]\n# comment\n\nmax_percent = 150%\n",
     "test.conf:6: [cpu] max_percent: value 150% out of range "
     "(1%..100%)"},
    {"[cpu]\nmax_percent = 90\n",
     "test.conf:2: [cpu] max_percent: value 90 out of range (1%..100%); "
     "write 90% for a percentage"},
    {"[daemon]\ninterval = 50ms\n",
     "test.conf:2: [daemon] interval: value 50ms out of range "
     "(100ms..1h)"},
    {"[memory]\nlimit = 100K\n",
     "test.conf:2: [memory] limit: value 100K out of range (1M..max)"},
    {"[memory]\nlimit = 150%\n",
     "test.conf:2: [memory] limit: a share of RAM must be above 0% and "
     "at most 100%"},
    {"[oom]\nwatchers = 0\n",
     "test.conf:2: [oom] watchers: value 0 out of range (1..8)"},
    {"[cpu]\nmode = turbo\n",
     "test.conf:2: [cpu] mode: invalid value 'turbo': expected "
     "even_active|fair|weight"},
    {"[oom]\nkmsg_detail = maybe\n",
     "test.conf:2: [oom] kmsg_detail: expected yes or no"},
    {"[daemon]\nstate_dir = var/lib\n",
     "test.conf:2: [daemon] state_dir: must be an absolute path"},
    {"[daemon]\nsubtree = ../escape\n",
     "test.conf:2: [daemon] subtree: invalid name (letters, digits, . _ - "
     "@ $)"},
    {"[users]\nexempt_users = alice, b/ob\n",
     "test.conf:2: [users] exempt_users: invalid user or group name in "
     "the list"},
    {"[users]\nexempt_cgroups = slurm/*\n",
     "test.conf:2: [users] exempt_cgroups: a cgroup pattern must start "
     "with / or *"},
    {"[users]\nexempt_cgroups = /a/../b\n",
     "test.conf:2: [users] exempt_cgroups: '..' is not allowed in a cgroup "
     "pattern"},
    {"[users]\nmax_tasks = lots\n",
     "test.conf:2: [users] max_tasks: expected a number or max"},
    {"[users]\nmax_tasks = 0\n",
     "test.conf:2: [users] max_tasks: value 0 out of range (1..max)"},
    {"[io]\nweight = 0\n",
     "test.conf:2: [io] weight: value 0 out of range (1..10000)"},
    {"[users]\nexempt_commands = /bin/sh, sh\n",
     "test.conf:2: [users] exempt_commands: commands must be absolute "
     "paths"},
    {"[cpu\nmode = fair\n", "test.conf:1: syntax error: missing ']'"},
    {"[cpu]\njust some words\n",
     "test.conf:2: syntax error: expected 'key = value'"},
    {"[cpu]\n= 5\n", "test.conf:2: syntax error: missing key before '='"},
    {"mode = fair\n", "test.conf:1: mode: key outside any [section]"},
    {"[cpu]\nthrottle_upper = 80%\nthrottle_lower = 90%\n",
     "test.conf:3: [cpu] throttle_lower: throttle lower threshold 90% "
     "must be below the upper 80%"},
    {"[cpu]\nthrottle_lower = 90%\nthrottle_upper = 80%\n",
     "test.conf:3: [cpu] throttle_upper: throttle lower threshold 90% "
     "must be below the upper 80%"},
    {"[socket]\nmax_clients_per_uid = 100\n",
     "test.conf:2: [socket] max_clients_per_uid: max_clients_per_uid 100 "
     "must not exceed max_clients 64"},
    {"[users]\nmax_uid = 500\n",
     "test.conf:2: [users] max_uid: max_uid 500 must not be below min_uid "
     "1000"},
    {"[user:bad/name]\ncpu_cap = 1\n",
     "test.conf:1: [user:bad/name]: invalid user or group name"},
    {"[user:eve]\ncpu_cap = lots\n",
     "test.conf:2: [user:eve] cpu_cap: expected a number of CPUs or a "
     "percentage of one CPU"},
    {"[user:eve]\ncpu_weight = 0\n",
     "test.conf:2: [user:eve] cpu_weight: value 0 out of range "
     "(1..10000)"},
    {"[group:staff]\nnice = 5\n",
     "test.conf:2: [group:staff] nice: unknown key"},
    {"[group:staff]\nemail = staff@example.org\n",
     "test.conf:2: [group:staff] email: a mail address is a user's: "
     "[user:NAME] only"},
    {"[user:eve]\nemail = eve\n",
     "test.conf:2: [user:eve] email: not a mail address (local@domain: "
     "letters, digits and . _ + - before the @, a host name after it)"},
    {"[user:eve]\nemail = Eve <eve@example.org>\n",
     "test.conf:2: [user:eve] email: not a mail address (local@domain: "
     "letters, digits and . _ + - before the @, a host name after it)"},
    {"[user:eve]\nemail = eve@example.org,mallory@example.org\n",
     "test.conf:2: [user:eve] email: not a mail address (local@domain: "
     "letters, digits and . _ + - before the @, a host name after it)"},
    {"[user:eve]\nemail = eve@@example.org\n",
     "test.conf:2: [user:eve] email: not a mail address (local@domain: "
     "letters, digits and . _ + - before the @, a host name after it)"},
    {"[socket]\npath = /run/cgfair/a-socket-path-that-is-far-too-long-to-"
     "fit-in-sun-path-because-it-goes-on-and-on-and-on-forever.sock\n",
     "test.conf:2: [socket] path: value too long"},
};

static void test_error_messages(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]);
	     i++) {
		const struct error_case *e = &error_cases[i];
		struct cgfair_config c;
		struct msgs m;

		print_message("case %zu: %s\n", i, e->message);
		assert_int_equal(load_text(&c, e->text, &m), -1);
		dump(&m);
		assert_int_equal(m.n, 1);
		assert_int_equal(m.errors, 1);
		assert_string_equal(m.text[0], e->message);
	}
}

/* Every error in a file is reported, each once, and the load fails. */
static void test_all_errors_reported(void **state)
{
	struct cgfair_config c;
	struct msgs m;

	(void)state;
	assert_int_equal(load_text(&c,
				   "[cpu]\nmode = x\nmax_percent = 2\n"
				   "[nope]\nk = v\nk2 = v\n[oom]\nwatchers = "
				   "99\nwhat\n",
				   &m),
			 -1);
	dump(&m);
	assert_int_equal(m.errors, 5);
	assert_true(has_msg(&m, "test.conf:2: [cpu] mode:"));
	assert_true(has_msg(&m, "test.conf:3: [cpu] max_percent:"));
	assert_true(has_msg(&m, "test.conf:4: [nope]: unknown section"));
	assert_true(has_msg(&m, "test.conf:8: [oom] watchers:"));
	assert_true(has_msg(&m, "test.conf:9: syntax error"));
}

/* The caller's config survives a failed reload: load into a fresh one,
 * swap only on success. */
static void test_failed_reload_keeps_old(void **state)
{
	struct cgfair_config cur, next;
	struct msgs m;

	(void)state;
	assert_int_equal(load_text(&cur, "[cpu]\nmode = fair\n", &m), 0);
	assert_int_equal(
	    load_text(&next, "[cpu]\nmode = weight\nbad = 1\n", &m), -1);
	assert_int_equal(cur.cpu.mode, CONFIG_CPU_FAIR);
	assert_int_equal(load_text(&next, "[cpu]\nmode = weight\n", &m), 0);
	config_free(&cur);
	cur = next;
	assert_int_equal(cur.cpu.mode, CONFIG_CPU_WEIGHT);
	config_free(&cur);
}

/* inih quirks the reader takes care of. */
static void test_reader(void **state)
{
	struct cgfair_config c;
	struct msgs m;
	char text[4096];
	int n;

	(void)state;
	/* a list far longer than inih's 200-byte line */
	n = snprintf(text, sizeof(text), "\xef\xbb\xbf[users]\nexempt_users =");
	for (int i = 0; i < 100; i++)
		n += snprintf(text + n, sizeof(text) - (size_t)n, " user%d", i);
	snprintf(text + n, sizeof(text) - (size_t)n,
		 " ; a comment\n"
		 "   min_uid = 1500\n" /* indented: a key, not a continuation */
		 "[cpu]\n"
		 "MODE = Fair ; inline comment\n"
		 "max_percent: 50%%\n");
	assert_int_equal(load_text(&c, text, &m), 0);
	dump(&m);
	assert_int_equal(c.users.exempt_users.n, 100);
	assert_string_equal(c.users.exempt_users.v[99], "user99");
	assert_int_equal(c.users.min_uid, 1500);
	assert_int_equal(c.cpu.mode, CONFIG_CPU_FAIR);
	assert_near(c.cpu.max_share, 0.5, 1e-12);
	config_free(&c);
}

/* --- users.d --- */

static void test_dropins(void **state)
{
	const char *dirs[3];
	struct config_source src;
	struct cgfair_config c;
	struct msgs m;
	const struct config_override *o;

	(void)state;
	make_dir("etc");
	make_dir("lib");
	write_file("main.conf", "[cpu]\nmode = fair\n"
				"[user:alice]\ncpu_weight = 10\n");
	write_file("etc/10-a.conf",
		   "[user:alice]\ncpu_cap = 1\nmemory_limit = 1G\n");
	write_file("etc/30-c.conf", "[user:alice]\ncpu_cap = 3\n");
	/* hides lib/20-b.conf: a link to /dev/null masks the name */
	assert_int_equal(symlink("/dev/null", path_of("etc/20-b.conf")), 0);
	write_file("lib/20-b.conf", "[user:alice]\ncpu_cap = 20\n");
	/* hidden by etc/30-c.conf, same name, higher priority */
	write_file("lib/30-c.conf", "[user:alice]\ncpu_cap = 30\n");
	/* sorts between 10-a and 30-c across directories */
	write_file("lib/25-d.conf", "[user:alice]\ncpu_cap = 2.5\n"
				    "memory_limit = 3G\n");
	/* not *.conf, or hidden: ignored (they would be errors) */
	write_file("etc/README", "garbage\n");
	write_file("etc/99-x.conf.bak", "garbage\n");
	write_file("etc/.99-hidden.conf", "garbage\n");

	dirs[0] = path_of("etc");
	dirs[1] = path_of("lib");
	dirs[2] = NULL;
	src = source(&m);
	src.main = path_of("main.conf");
	src.dropin_dirs = dirs;
	assert_int_equal(config_load(&c, &src), 0);
	dump(&m);
	assert_int_equal(m.n, 0);
	assert_int_equal(c.n_overrides, 1);
	o = &c.overrides[0];
	assert_near(o->cpu_cap, 3, 1e-12);		  /* 30-c last */
	assert_int_equal(o->memory_limit.bytes, 3 * GIB); /* 25-d */
	assert_int_equal(o->cpu_weight, 10);		  /* main file */
	config_free(&c);
}

static void test_dropin_errors(void **state)
{
	const char *dirs[2];
	struct config_source src;
	struct cgfair_config c;
	struct msgs m;

	(void)state;
	make_dir("d");
	write_file("d/50-bad.conf", "[user:x]\nexempt = yes\n[cpu]\n"
				    "mode = fair\n");
	assert_int_equal(symlink("nowhere", path_of("d/60-dangling.conf")), 0);
	dirs[0] = path_of("d");
	dirs[1] = NULL;
	src = source(&m);
	src.dropin_dirs = dirs;
	assert_int_equal(config_load(&c, &src), -1);
	dump(&m);
	assert_int_equal(m.errors, 2);
	assert_true(has_msg(&m, "d/50-bad.conf:3: [cpu]: only [user:NAME] and "
				"[group:NAME] sections belong in users.d"));
	assert_true(has_msg(&m, "d/60-dangling.conf: No such file"));
}

/* user sections beat group sections; between groups, later wins. */
static void test_resolve_overrides(void **state)
{
	struct cgfair_config c;
	struct msgs m;
	struct policy_override o;
	struct policy_ident alice = {1001, "alice"}, bob = {1002, "bob"};
	struct policy_ident groups[] = {{100, "staff"}, {200, "students"}};

	(void)state;
	assert_int_equal(
	    load_text(&c,
		      "[group:students]\ncpu_cap = 1\n"
		      "memory_limit = 1G\n"
		      "[group:staff]\ncpu_cap = 4\ncpu_weight = 300\n"
		      "[user:1001]\nmemory_limit = 8G\n"
		      "[group:200]\ncpu_cap = 2\n",
		      &m),
	    0);
	policy_resolve_user(&c, &alice, groups, 2, &o);
	assert_true(o.set & POLICY_OVR(CONFIG_OVR_CPU_CAP));
	assert_near(o.cpu_cap, 2, 1e-12); /* [group:200], last */
	assert_int_equal(o.cpu_weight, 300);
	assert_int_equal(o.memory_limit, 8 * GIB); /* own section by uid */
	assert_false(o.exempt);
	assert_false(o.set & POLICY_OVR(CONFIG_OVR_SWAP_LIMIT));

	policy_resolve_user(&c, &bob, NULL, 0, &o);
	assert_int_equal(o.set, POLICY_OVR(CONFIG_OVR_EXEMPT));
	config_free(&c);
}

/* users.d email =: the user's own sections, by name or uid, last wins. */
static void test_user_email(void **state)
{
	struct cgfair_config c;
	struct msgs m;
	struct policy_ident alice = {1001, "alice"}, bob = {1002, "bob"};
	struct policy_ident carol = {1003, NULL};

	(void)state;
	assert_int_equal(
	    load_text(&c,
		      "[user:alice]\nemail = a.old@example.org\n"
		      "[user:1001]\nemail = alice+hpc@example.org\n"
		      "[user:1003]\nemail = carol@mail.example.org\n"
		      "[user:bob]\ncpu_weight = 5\n",
		      &m),
	    0);
	assert_string_equal(policy_user_email(&c, &alice),
			    "alice+hpc@example.org");
	assert_null(policy_user_email(&c, &bob));
	assert_string_equal(policy_user_email(&c, &carol),
			    "carol@mail.example.org");
	config_free(&c);
}

static void test_exemptions(void **state)
{
	struct cgfair_config c;
	struct msgs m;
	struct policy_override o;
	struct policy_ident wheel[] = {{10, "wheel"}};
	struct policy_ident lab[] = {{300, "lab"}};

	(void)state;
	assert_int_equal(load_text(&c,
				   "[users]\nexempt_users = svc, 1500\n"
				   "exempt_groups = wheel, lab\n"
				   "[user:carl]\nexempt = no\n"
				   "[group:lab]\nexempt = no\n"
				   "[user:dora]\nexempt = yes\n",
				   &m),
			 0);
#define EXEMPT(uid, name, g, ng)                                               \
	(policy_resolve_user(&c, &(struct policy_ident){uid, name}, g, ng,     \
			     &o),                                              \
	 o.exempt)
	assert_true(EXEMPT(999, "low", NULL, 0)); /* uid < min_uid */
	assert_true(EXEMPT(0, "root", NULL, 0));
	assert_true(EXEMPT(65534, "nobody", NULL, 0));
	assert_false(EXEMPT(1000, "plain", NULL, 0));
	assert_true(EXEMPT(1001, "svc", NULL, 0));    /* exempt_users */
	assert_true(EXEMPT(1500, NULL, NULL, 0));     /* ... by uid */
	assert_true(EXEMPT(1002, "eve", wheel, 1));   /* exempt_groups */
	assert_false(EXEMPT(1003, "carl", wheel, 1)); /* own "no" wins */
	assert_false(EXEMPT(1004, "lena", lab, 1));   /* group "no" wins */
	assert_true(EXEMPT(1005, "dora", NULL, 0));   /* exempt = yes */
	assert_true(EXEMPT(999, "carl", NULL, 0));    /* min_uid wins */
#undef EXEMPT
	config_free(&c);
}

/* --- the seed's format --- */

/* Written from the key list in docs/seed.md, with the seed's sample values. */
static const char seed_config[] = "[main]\n"
				  "minUID = 500\n"
				  "interval = 5\n"
				  "cpu_pct_max = 90\n"
				  "cgroup_memoryLimit_gigs = 2\n"
				  "activityThreshold = 10\n"
				  "upper_ThrottleThresh = 95\n"
				  "lower_ThrottleThresh = 85\n"
				  "throttleMode = even_active\n"
				  "penaltyTimeout = 3600\n"
				  "pb_cpumode = locked\n"
				  "pb_cpupct = 0.30\n"
				  "throttle_log = /tmp/cgroup_py/throttle.log\n"
				  "admin_email = root@localhost\n"
				  "sending_email = cgroups@host\n"
				  "user_email_domain = localhost\n"
				  "nag_ratelimit = 1440\n"
				  "system_name = A System\n"
				  "msglog_dateformat = %Y %b %d %H:%M:%S\n"
				  "cgprefix = cg_\n"
				  "forceLegacy = False\n"
				  "reservedCores = 1\n"
				  "refresh = 30\n"
				  "enableMonitoring = True\n"
				  "shouldMemoryNag = True\n"
				  "shouldCPUNag = False\n"
				  "throttleMsg = You are being throttled\n"
				  "rotateTime = 86400\n"
				  "pb_limitMemory = False\n"
				  "pb_memoryBytes = 1073741824\n";

/* Both files: the seed's values stand where cgfair.conf sets nothing,
 * and each seed key says which way it went. */
static void test_seed_base(void **state)
{
	struct cgfair_config c;
	struct config_source src;
	struct msgs m;
	(void)state;

	write_file("cgroup_py.conf", "[main]\nminUID = 500\ninterval = 7\n"
				     "cpu_pct_max = 90\n");
	write_file("cgfair.conf", "[daemon]\ninterval = 3s\n");
	src = source(&m);
	src.main = path_of("cgfair.conf");
	src.seed_base = path_of("cgroup_py.conf");
	assert_int_equal(config_load(&c, &src), 0);
	dump(&m);
	assert_int_equal(c.daemon.interval_ms, 3000);	 /* cgfair.conf's */
	assert_int_equal(c.users.min_uid, 500);		 /* the seed's */
	assert_true(fabs(c.cpu.max_share - 0.9) < 1e-9); /* the seed's */
	assert_int_equal(c.format, CONFIG_FORMAT_CGFAIR);
	assert_true(has_msg(&m, "cgroup_py.conf: minUID = 500 used as [users] "
				"min_uid"));
	assert_true(has_msg(&m, "cgroup_py.conf: interval = 7 not used: "));
	assert_int_equal(m.errors, 0);
	config_free(&c);

	/* without it, the defaults */
	src = source(&m);
	src.main = path_of("cgfair.conf");
	assert_int_equal(config_load(&c, &src), 0);
	assert_int_equal(c.users.min_uid, 1000);
	config_free(&c);
}

static void test_seed_format(void **state)
{
	struct cgfair_config c;
	struct config_source src;
	struct msgs m;

	(void)state;
	write_file("cgroup_py.conf", seed_config);
	src = source(&m);
	src.main = path_of("cgroup_py.conf");
	assert_int_equal(config_load(&c, &src), 0);
	dump(&m);
	assert_int_equal(m.errors, 0);
	assert_int_equal(m.notices, 9); /* 7 unused, 2 others */
	assert_true(has_msg(&m, "cgroup_py.conf:22: [main] reservedCores: "
				"parsed but never used by Cgroup Py v.2; "
				"ignored"));
	assert_int_equal(c.format, CONFIG_FORMAT_SEED);
	assert_int_equal(c.users.min_uid, 500);
	assert_int_equal(c.daemon.interval_ms, 5000);
	assert_near(c.cpu.max_share, 0.90, 1e-12);
	assert_int_equal(c.memory.limit.bytes, 2 * GIB);
	assert_near(c.memory.limit.share, 0, 0);
	assert_near(c.cpu.active_share, 0.10, 1e-12);
	assert_near(c.cpu.throttle_upper, 0.95, 1e-12);
	assert_near(c.cpu.throttle_lower, 0.85, 1e-12);
	assert_int_equal(c.cpu.mode, CONFIG_CPU_EVEN_ACTIVE);
	assert_int_equal(c.penalty.timeout_ms, 3600000);
	assert_int_equal(c.penalty.mode, CONFIG_PENALTY_LOCKED);
	assert_near(c.penalty.fraction, 0.30, 1e-12);
	assert_string_equal(c.log.throttle_log, "/tmp/cgroup_py/throttle.log");
	assert_string_equal(c.log.event_log, "/var/log/cgfair/events.log");
	assert_string_equal(c.log.system_name, "A System");
	/* the seed's mail keys: [notify] */
	assert_string_equal(c.notify.admin, "root@localhost");
	assert_string_equal(c.notify.from, "cgroups@host");
	assert_string_equal(c.notify.user_domain, "localhost");
	assert_int_equal(c.notify.rate_limit_ms, 1440000);
	assert_true(c.notify.oom);
	assert_false(c.notify.throttle);
	assert_true(c.notify.terminals);
	assert_int_equal(c.daemon.backend, CONFIG_BACKEND_AUTO);
	config_free(&c);
}

/* The seed's unit rules: fractions or percentages, keys in any case. */
static void test_seed_units(void **state)
{
	struct cgfair_config c;
	struct msgs m;

	(void)state;
	assert_int_equal(load_text(&c,
				   "[Main]\nCPU_PCT_MAX = 0.75\n"
				   "activitythreshold = 0.15\n"
				   "cgroup_memorylimit_gigs = 1.5\n"
				   "throttlemode = hard_cap\n"
				   "forcelegacy = true\n",
				   &m),
			 0);
	assert_near(c.cpu.max_share, 0.75, 1e-12);
	assert_near(c.cpu.active_share, 0.15, 1e-12);
	assert_int_equal(c.memory.limit.bytes, 3 * GIB / 2);
	assert_int_equal(c.cpu.mode, CONFIG_CPU_WEIGHT);
	assert_int_equal(c.daemon.backend, CONFIG_BACKEND_CGROUPFS);
	assert_int_equal(m.notices, 1);
	assert_true(has_msg(&m, "test.conf:5: [Main] throttlemode: hard_cap is "
				"[cpu] mode = weight"));
	config_free(&c);
}

static const struct error_case seed_errors[] = {
    {"[main]\npb_cpupct = 30\n",
     "test.conf:2: [main] pb_cpupct: value 30 out of range (0.01..1, a "
     "fraction)"},
    {"[main]\ncpu_pct_max = 150\n",
     "test.conf:2: [main] cpu_pct_max: value 150 out of range (0.01..1 as "
     "a fraction, or up to 100 as a percentage)"},
    {"[main]\nupper_ThrottleThresh = 0.95\n",
     "test.conf:2: [main] upper_ThrottleThresh: value 0.95 out of range "
     "(1..100, a percentage)"},
    {"[main]\nlower_ThrottleThresh = 96\n",
     "test.conf:2: [main] lower_ThrottleThresh: throttle lower threshold "
     "96% must be below the upper 95%"},
    {"[main]\ninterval = soon\n",
     "test.conf:2: [main] interval: expected a duration like 5s, 10m, "
     "1h30m"},
    {"[main]\nthrottleMode = fair\n",
     "test.conf:2: [main] throttleMode: invalid value: expected "
     "even_active|hard_cap"},
    {"[main]\nminUID = 1000\n[cpu]\nmode = fair\n",
     "test.conf:3: [cpu]: unknown section (a Cgroup Py config has only "
     "[main])"},
    {"[main]\nmaxUID = 5\n", "test.conf:2: [main] maxUID: unknown key"},
    {"[main]\ncgroup_memoryLimit_gigs = 0\n",
     "test.conf:2: [main] cgroup_memoryLimit_gigs: value 0 out of range "
     "(at least 0.0009765625 GiB)"},
};

static void test_seed_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(seed_errors) / sizeof(seed_errors[0]);
	     i++) {
		struct cgfair_config c;
		struct msgs m;

		assert_int_equal(load_text(&c, seed_errors[i].text, &m), -1);
		dump(&m);
		assert_int_equal(m.errors, 1);
		assert_string_equal(m.text[0], seed_errors[i].message);
	}
}

/* The seed's file, printed, is a cgfair file with the same meaning. */
static void test_seed_translation(void **state)
{
	struct cgfair_config a, b;
	struct msgs m;
	char *pa, *pb;

	(void)state;
	assert_int_equal(load_text(&a, seed_config, &m), 0);
	pa = print_config(&a);
	assert_int_equal(load_text(&b, pa, &m), 0);
	assert_int_equal(b.format, CONFIG_FORMAT_CGFAIR);
	pb = print_config(&b);
	/* the first line names the format read; the rest is the same */
	assert_string_equal(strchr(pa, '\n'), strchr(pb, '\n'));
	free(pa);
	free(pb);
	config_free(&a);
	config_free(&b);
}

static void test_pick_main(void **state)
{
	(void)state;
	write_file("seed.conf", "[main]\n");
	assert_string_equal(config_pick_main("/x", path_of("none"), NULL),
			    "/x");
	assert_string_equal(
	    config_pick_main(NULL, path_of("none"), path_of("seed.conf")),
	    path_of("seed.conf"));
	write_file("primary.conf", "");
	assert_string_equal(config_pick_main(NULL, path_of("primary.conf"),
					     path_of("seed.conf")),
			    path_of("primary.conf"));
	assert_null(config_pick_main(NULL, path_of("none"), path_of("no")));
}

static void test_copy(void **state)
{
	struct cgfair_config a, b;
	struct msgs m;

	(void)state;
	assert_int_equal(load_text(&a, full_config, &m), 0);
	assert_int_equal(config_copy(&b, &a), 0);
	config_free(&a);
	assert_string_equal(b.users.exempt_users.v[0], "alice");
	assert_int_equal(b.n_overrides, 1);
	assert_string_equal(b.overrides[0].name, "dave");
	config_free(&b);
}

/* --- the shipped files and the manual --- */

/* NULL when the test does not run from the top of the tree. */
static char *read_all(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (f == NULL)
		return NULL;
	if (getdelim(&buf, &len, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

/* "#key = v" and "#[section]" lose their '#'; "# text" stays a comment. */
static char *uncomment(const char *text)
{
	char *out = malloc(strlen(text) + 1), *o = out;

	assert_non_null(out);
	for (const char *p = text; *p != '\0';) {
		size_t len = strcspn(p, "\n");

		if (p[0] == '#' &&
		    (p[1] == '[' || (p[1] >= 'a' && p[1] <= 'z')))
			p++, len--;
		memcpy(o, p, len);
		o += len;
		*o++ = '\n';
		p += len + (p[len] == '\n');
	}
	*o = '\0';
	return out;
}

static char *read_or_skip(const char *path)
{
	char *text = read_all(path);

	if (text == NULL) {
		print_message(
		    "%s not found: not run from the top of the tree\n", path);
		skip();
	}
	return text;
}

/* etc/cgfair.conf lists every key, and its values are the defaults. */
static void test_shipped_config(void **state)
{
	struct cgfair_config def, doc;
	char *text = read_or_skip("etc/cgfair.conf"), *all, *p1, *p2;
	char pattern[128];
	struct msgs m;

	(void)state;
	assert_int_equal(load_text(&def, text, &m), 0);
	assert_int_equal(m.n, 0);
	all = uncomment(text);
	assert_int_equal(load_text(&doc, all, &m), 0);
	dump(&m);
	assert_int_equal(m.n, 0);
	p1 = print_config(&def);
	p2 = print_config(&doc);
	assert_string_equal(p1, p2);
	for (const struct key_def *k = config_keys; k->name != NULL; k++) {
		snprintf(pattern, sizeof(pattern), "\n#%s =", k->name);
		if (strstr(text, pattern) == NULL)
			fail_msg("etc/cgfair.conf lacks %s", k->name);
	}
	free(p1);
	free(p2);
	free(all);
	free(text);
	config_free(&def);
	config_free(&doc);
}

static void test_shipped_example(void **state)
{
	const char *dirs[2];
	struct cgfair_config c;
	struct config_source src;
	struct msgs m;
	char *text = read_or_skip("etc/users.d/example.conf"), *all;

	(void)state;
	make_dir("d");
	write_file("d/example.conf", text);
	dirs[0] = path_of("d");
	dirs[1] = NULL;
	src = source(&m);
	src.dropin_dirs = dirs;
	assert_int_equal(config_load(&c, &src), 0);
	assert_int_equal(c.n_overrides, 0); /* all commented out */
	config_free(&c);
	all = uncomment(text);
	write_file("d/example.conf", all);
	assert_int_equal(config_load(&c, &src), 0);
	dump(&m);
	assert_int_equal(m.n, 0);
	assert_true(c.n_overrides >= 4);
	config_free(&c);
	free(all);
	free(text);
}

/* cgfair.conf(5) documents every key, and every key of the seed's. */
static void test_manual(void **state)
{
	char *man = read_or_skip("docs/man/cgfair.conf.5"), pattern[128];
	const struct key_def *tables[] = {config_keys, config_ovr_keys};

	(void)state;
	for (size_t t = 0; t < 2; t++) {
		for (const struct key_def *k = tables[t]; k->name; k++) {
			snprintf(pattern, sizeof(pattern), "\n.BI %s \"",
				 k->name);
			if (strstr(man, pattern) != NULL)
				continue;
			snprintf(pattern, sizeof(pattern), "\n.BR %s \"",
				 k->name);
			if (strstr(man, pattern) == NULL)
				fail_msg("cgfair.conf(5) lacks %s", k->name);
		}
	}
	for (const char *p = strchr(seed_config, '\n') + 1; *p != '\0';
	     p = strchr(p, '\n') + 1) {
		int len = (int)strcspn(p, " =");

		snprintf(pattern, sizeof(pattern), "%.*s", len, p);
		if (strstr(man, pattern) == NULL)
			fail_msg("cgfair.conf(5) lacks the seed's %s", pattern);
	}
	free(man);
}

/* [metrics] listen: numeric address and port only, nothing looked up. */
static void test_parse_address(void **state)
{
	struct sockaddr_storage ss;
	unsigned len;
	(void)state;

	assert_null(config_parse_address("127.0.0.1:9747", &ss, &len));
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9747);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_null(config_parse_address("[::1]:80", &ss, &len));
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 80);
	assert_non_null(config_parse_address("localhost:9747", &ss, &len));
	assert_non_null(config_parse_address("127.0.0.1", &ss, &len));
	assert_non_null(config_parse_address("127.0.0.1:0", &ss, &len));
	assert_non_null(config_parse_address("127.0.0.1:65536", &ss, &len));
	assert_non_null(config_parse_address("127.0.0.1:97x", &ss, &len));
	assert_non_null(config_parse_address("::1:9747", &ss, &len));
	assert_non_null(config_parse_address("[127.0.0.1]:9747", &ss, &len));
	assert_non_null(config_parse_address("[::1:9747", &ss, &len));
	assert_non_null(config_parse_address(":9747", &ss, &len));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_user_email),
	    cmocka_unit_test_setup_teardown(test_missing_optional_main,
					    setup_tmp, teardown_tmp),
	    cmocka_unit_test(test_every_key),
	    cmocka_unit_test(test_print_round_trip),
	    cmocka_unit_test(test_error_messages),
	    cmocka_unit_test(test_all_errors_reported),
	    cmocka_unit_test(test_failed_reload_keeps_old),
	    cmocka_unit_test(test_reader),
	    cmocka_unit_test_setup_teardown(test_dropins, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test_setup_teardown(test_dropin_errors, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test(test_resolve_overrides),
	    cmocka_unit_test(test_exemptions),
	    cmocka_unit_test_setup_teardown(test_seed_format, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test(test_seed_units),
	    cmocka_unit_test(test_seed_errors),
	    cmocka_unit_test(test_seed_translation),
	    cmocka_unit_test_setup_teardown(test_pick_main, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test(test_copy),
	    cmocka_unit_test(test_shipped_config),
	    cmocka_unit_test_setup_teardown(test_shipped_example, setup_tmp,
					    teardown_tmp),
	    cmocka_unit_test(test_manual),
	    cmocka_unit_test(test_parse_address),
	    cmocka_unit_test_setup_teardown(test_seed_base, setup_tmp,
					    teardown_tmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
