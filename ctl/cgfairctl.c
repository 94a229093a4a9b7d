/*
 * cgfairctl: talk to cgfaird over its socket. One JSON object per line each
 * way; human tables by default, the daemon's JSON with --json.
 *
 * Exit status: 0 ok, 1 the daemon answered with an error, 2 usage,
 * 3 cannot connect (or the connection broke), 4 permission denied.
 */
#include "ctl/history.h"
#include "ctl/report.h"
#include "common/num.h"
#include "ipc/ipc.h" /* IPC_NOTE_MAX: the reason the daemon takes */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <sys/stat.h>
#include <poll.h>
#include <signal.h>
#include <termios.h>
#include <json.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#define DEFAULT_SOCKET "/run/cgfair/cgfair.sock"
#define MAX_REPLY      (64 * 1024 * 1024) /* status of very many users */

enum exit_code {
	CTL_OK = 0,
	CTL_DAEMON = 1,
	CTL_USAGE = 2,
	CTL_CONNECT = 3,
	CTL_DENIED = 4,
};

static bool json_out;
static const char *sock_path;
static FILE *sock_in;

/* One line per command in the usage, and its own --help: one table. */
static const struct cmd_help {
	const char *name, *args, *summary, *text;
} cmds[] = {
    {"status", "[--fleet] [USER]", "users' CPU, memory, limits",
     "One row per user you may see (all of them for admins, or with\n"
     "status_visibility = all): CPU used, cap, memory, limits, state.\n"
     "--fleet: the user's row on every node of the fleet ([fleet]\n"
     "database): node, CPU, cap, memory, state, last seen (the last\n"
     "day)."},
    {"events", "[--since TIME [--user USER] [--type TYPE]]",
     "follow events as they come, or read past ones",
     "Limit changes, throttle start and end, OOM kills, penalties, admin\n"
     "actions, worker restarts, reloads, one line each, until ^C.\n"
     "With --since: the events since TIME from the journal (no daemon\n"
     "needed), of one user and one type if asked. TIME: YYYY-MM-DD\n"
     "[HH:MM[:SS]], @EPOCH, today, yesterday, -90m or '2h ago'."},
    {"penalty", "USER [DURATION [REASON...]]", "put USER in the penalty box",
     "DURATION as in cgfair.conf: 600, 90s, 30m, 1h30m, 2d, or default\n"
     "([penalty] timeout, also without one). REASON: why, told to the user\n"
     "and shown in status (the words joined, one line, at most 127\n"
     "bytes). Admins only."},
    {"release", "USER", "take USER out of the penalty box", "Admins only."},
    {"forgive", "USER", "USER's badness score and tier to 0",
     "The automatic penalty box ([penalty] auto): the user's badness\n"
     "score and tier go back to 0; a penalty in force stays. Admins only."},
    {"limit",
     "USER [--cpu X] [--memory Y] [--tasks N] [--memory-high Y] "
     "[--io-weight W]",
     "fix USER's limits",
     "Values as in cgfair.conf: X CPUs (1.5, 150%, none), Y a size or a\n"
     "share of RAM (2G, 512M, 10%, default), N processes and threads (or\n"
     "max), W an I/O weight 1..10000; default: back to the configured\n"
     "one. At least one option. Admins only."},
    {"limit-clear", "USER", "back to the configured limits", "Admins only."},
    {"reload", "", "reload the configuration",
     "A configuration with errors is refused; the old one stays.\n"
     "Admins only."},
    {"config", "", "the effective configuration", "In cgfair.conf format."},
    {"metrics", "[--textfile DIR]", "Prometheus text format",
     "The rows you may see, in the Prometheus exposition format; with\n"
     "--textfile, written atomically to DIR/cgfair.prom for node_exporter's\n"
     "textfile collector (cgfair-metrics.timer does it every 30 s)."},
    {"version", "", "client and daemon versions", "Both versions."},
    {"report",
     "[--since T] [--until T] [--user USER] [--by user|day|hour] "
     "[--plot FILE.png|FILE.svg] [--fleet]",
     "usage history: CPU-hours, memory, throttling",
     "Per user, busiest first: CPU-hours, mean and peak memory, minutes\n"
     "throttled, OOM kills and minutes penalised between --since (default\n"
     "7d: seven days ago) and --until (default now), from the history\n"
     "cgfaird keeps with [history] enable. T: a duration back from now\n"
     "(7d, 12h, 90m) or a TIME as for events. --by day or hour: a row per\n"
     "user and day (UTC) or hour. --plot: CPU and memory over the period\n"
     "(the 8 busiest users, or USER) drawn to a PNG or SVG file. You see\n"
     "your own history only, unless you may see every row of status.\n"
     "--fleet: over every node's history in the fleet database."},
    {"top", "[--interval SECONDS]", "a live per-user view, busiest first",
     "The status table, redrawn every SECONDS (default 2) with the\n"
     "users using the most CPU first, until q or ^C."},
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: cgfairctl [--socket PATH] [--json] COMMAND [ARGS]\n"
		   "commands (cgfairctl COMMAND --help for more):\n");
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(f, "  %-12s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "USER is a user name or a uid. Exit status: 0 ok, 1 error "
		   "from the daemon,\n2 usage, 3 cannot connect, 4 permission "
		   "denied.\n");
}

static const struct cmd_help *find_cmd(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

/* `cgfairctl CMD --help` (or -h anywhere after CMD), `cgfairctl help CMD`:
 * printed without asking the daemon. */
static void command_help(int argc, char **argv)
{
	const struct cmd_help *c;
	bool asked = strcmp(argv[0], "help") == 0;

	for (int i = 1; i < argc && !asked; i++)
		asked = strcmp(argv[i], "--help") == 0 ||
			strcmp(argv[i], "-h") == 0;
	if (!asked)
		return;
	c = find_cmd(strcmp(argv[0], "help") == 0 && argc > 1 ? argv[1]
							      : argv[0]);
	if (!c) {
		usage(strcmp(argv[0], "help") == 0 && argc == 1 ? stdout
								: stderr);
		exit(strcmp(argv[0], "help") == 0 && argc == 1 ? CTL_OK
							       : CTL_USAGE);
	}
	printf("usage: cgfairctl [--socket PATH] [--json] %s%s%s\n%s.\n\n%s\n",
	       c->name, *c->args ? " " : "", c->args, c->summary, c->text);
	exit(CTL_OK);
}

static void die(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("cgfairctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

/* --- the connection ------------------------------------------------------ */

static void connect_daemon(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	if (strlen(sock_path) >= sizeof(sa.sun_path))
		die(CTL_USAGE, "socket path too long: %s", sock_path);
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die(CTL_CONNECT, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die(CTL_CONNECT,
		    "cannot connect to %s: %s (is cgfaird running?)", sock_path,
		    strerror(errno));
	sock_in = fdopen(fd, "r+");
	if (!sock_in)
		die(CTL_CONNECT, "fdopen: %s", strerror(errno));
}

static void send_request(json_object *req)
{
	const char *s = json_object_to_json_string_ext(
	    req, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (fprintf(sock_in, "%s\n", s) < 0 || fflush(sock_in) != 0)
		die(CTL_CONNECT, "sending to %s: %s", sock_path,
		    strerror(errno));
	json_object_put(req);
}

/* One line from the daemon, or NULL at the end of the connection. */
static char *read_line(void)
{
	static char *line;
	static size_t cap;
	ssize_t n = getline(&line, &cap, sock_in);

	if (n < 0)
		return NULL;
	if ((size_t)n > MAX_REPLY)
		die(CTL_DAEMON, "answer longer than %d bytes", MAX_REPLY);
	if (n > 0 && line[n - 1] == '\n')
		line[n - 1] = '\0';
	return line;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Read and check one answer; an error answer ends the program. */
static json_object *read_reply(void)
{
	char *line = read_line();
	json_object *o, *ok;
	const char *err;

	if (!line)
		die(CTL_CONNECT, "%s closed the connection without an answer",
		    sock_path);
	o = json_tokener_parse(line);
	if (!o || !json_object_is_type(o, json_type_object))
		die(CTL_DAEMON, "not a JSON answer: %.200s", line);
	if (json_object_object_get_ex(o, "ok", &ok) &&
	    json_object_get_boolean(ok))
		return o;
	if (json_out)
		puts(line);
	err = get_str(o, "errno");
	die(err && (strcmp(err, "EPERM") == 0 || strcmp(err, "EACCES") == 0)
		? CTL_DENIED
		: CTL_DAEMON,
	    "%s", get_str(o, "error") ? get_str(o, "error") : line);
}

/* --- arguments ----------------------------------------------------------- */

static json_object *request(const char *cmd)
{
	json_object *o = json_object_new_object();

	if (!o)
		die(CTL_DAEMON, "out of memory");
	json_object_object_add(o, "cmd", json_object_new_string(cmd));
	return o;
}

/* A uid when we can tell (digits, or a name in passwd); else the name, for
 * the daemon to look up among the users it manages. */
static void add_user(json_object *req, const char *user)
{
	struct passwd *pw;
	uint32_t uid;

	if (num_parse_uid(user, &uid) == NULL) {
		json_object_object_add(req, "uid",
				       json_object_new_int64((int64_t)uid));
		return;
	}
	pw = getpwnam(user);
	if (pw)
		json_object_object_add(
		    req, "uid", json_object_new_int64((int64_t)pw->pw_uid));
	else
		json_object_object_add(req, "user",
				       json_object_new_string(user));
}

static void need_args(int argc, int min, int max, const char *cmd)
{
	if (argc - 1 < min || argc - 1 > max) {
		fprintf(stderr, "cgfairctl: %s: wrong number of arguments\n",
			cmd);
		usage(stderr);
		exit(CTL_USAGE);
	}
}

static json_object *limit_request(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"cpu", required_argument, NULL, 'c'},
	    {"memory", required_argument, NULL, 'm'},
	    {"tasks", required_argument, NULL, 't'},
	    {"memory-high", required_argument, NULL, 'H'},
	    {"io-weight", required_argument, NULL, 'i'},
	    {NULL, 0, NULL, 0}};
	json_object *req = request("limit");
	bool any = false;
	uint64_t n;
	int c;

	/* options before or after USER: let getopt move USER to the end */
	optind = 0; /* 0: glibc starts afresh on the new argv */
	while ((c = getopt_long(argc, argv, "c:m:t:H:i:", lopts, NULL)) != -1) {
		const char *key = c == 'c'   ? "cpu"
				  : c == 'm' ? "memory"
				  : c == 't' ? "tasks"
				  : c == 'H' ? "memory_high"
				  : c == 'i' ? "io_weight"
					     : NULL;
		if (!key) {
			usage(stderr);
			exit(CTL_USAGE);
		}
		/* tasks and io_weight are numbers on the wire (or "max") */
		json_object_object_add(
		    req, key,
		    (c == 'i' || c == 't') &&
			    !num_parse_uint_max(optarg, INT64_MAX, &n)
			? json_object_new_int64((int64_t)n)
			: json_object_new_string(optarg));
		any = true;
	}
	if (optind != argc - 1 || !any)
		die(CTL_USAGE, "usage: limit USER [--cpu X] [--memory Y] "
			       "[--tasks N] [--memory-high Y] [--io-weight W] "
			       "(at least one)");
	add_user(req, argv[optind]);
	return req;
}

static json_object *penalty_request(int argc, char **argv)
{
	json_object *req = request("penalty");
	uint64_t s;

	char note[IPC_NOTE_MAX] = "";
	size_t n = 0;

	if (argc < 2)
		need_args(argc, 1, 2, "penalty");
	add_user(req, argv[1]);
	/* the reason's words, joined as the shell split them; the daemon
	 * checks it again (length, control characters) */
	for (int i = 3; i < argc; i++) {
		int k = snprintf(note + n, sizeof(note) - n, "%s%s",
				 i > 3 ? " " : "", argv[i]);
		if (k < 0 || (size_t)k >= sizeof(note) - n)
			die(CTL_USAGE, "penalty: REASON longer than %zu bytes",
			    sizeof(note) - 1);
		n += (size_t)k;
	}
	if (n)
		json_object_object_add(req, "reason",
				       json_object_new_string(note));
	if (argc >= 3 && strcmp(argv[2], "default") != 0) {
		if (!num_parse_uint_max(argv[2], INT64_MAX, &s))
			json_object_object_add(
			    req, "seconds", json_object_new_int64((int64_t)s));
		else /* "30m", "2h": the daemon parses durations */
			json_object_object_add(req, "seconds",
					       json_object_new_string(argv[2]));
	}
	return req;
}

static json_object *user_request(const char *cmd, int argc, char **argv)
{
	json_object *req = request(cmd);

	need_args(argc, 1, 1, cmd);
	add_user(req, argv[1]);
	return req;
}

/* --- human output -------------------------------------------------------- */

static int64_t get_int(json_object *o, const char *key, int64_t dflt)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_int) ||
	      json_object_is_type(v, json_type_double)))
		return dflt;
	return json_object_get_int64(v);
}

static bool get_bool(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) &&
	       json_object_get_boolean(v);
}

static void fmt_cpu(char *buf, size_t len, json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.2f", json_object_get_double(v));
}

static void fmt_bytes(char *buf, size_t len, json_object *o, const char *key)
{
	static const char units[] = "BKMGTPE";
	json_object *v;
	double b;
	int u = 0;

	if (!json_object_object_get_ex(o, key, &v) || !v) {
		snprintf(buf, len, "-");
		return;
	}
	b = (double)json_object_get_uint64(v);
	while (b >= 1024 && u < 6) {
		b /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f%c" : "%.0f%c", b, units[u]);
}

static void fmt_state(char *buf, size_t len, json_object *o)
{
	int64_t left = get_int(o, "penalty_left", -1);
	size_t n = 0;

	buf[0] = '\0';
#define ADD(...)                                                               \
	do {                                                                   \
		int k_ = snprintf(buf + n, len - n, __VA_ARGS__);              \
		if (k_ > 0 && (size_t)k_ < len - n)                            \
			n += (size_t)k_;                                       \
	} while (0)
	if (get_bool(o, "active"))
		ADD("%sactive", n ? "," : "");
	if (get_bool(o, "throttled"))
		ADD("%sthrottled", n ? "," : "");
	if (get_bool(o, "fixed"))
		ADD("%sfixed", n ? "," : "");
	if (get_bool(o, "penalty") && left >= 0)
		ADD("%spenalty(%lldm left%s)", n ? "," : "",
		    (long long)((left + 59) / 60),
		    get_bool(o, "penalty_automatic") ? ", auto" : "");
	else if (get_bool(o, "penalty"))
		ADD("%spenalty", n ? "," : "");
	if (!n)
		ADD("idle");
	if (get_int(o, "oom_kills", 0) > 0)
		ADD(",oom(%lld)", (long long)get_int(o, "oom_kills", 0));
#undef ADD
}

/* The admins' reasons for the penalties, below the table (too long for
 * a column). */
static void print_reasons(json_object *users)
{
	for (size_t i = 0; i < json_object_array_length(users); i++) {
		json_object *u = json_object_array_get_idx(users, i);
		if (get_str(u, "penalty_reason"))
			printf("penalty of %s: %s\n",
			       get_str(u, "name") ? get_str(u, "name") : "?",
			       get_str(u, "penalty_reason"));
	}
}

/* Fleet mode's connection, when it is on: a line under the table. */
static void print_fleet(json_object *reply)
{
	json_object *f;
	time_t since;
	char when[32] = "?";
	struct tm tm;

	if (!json_object_object_get_ex(reply, "fleet", &f) || !f)
		return;
	since = (time_t)get_int(f, "since", 0);
	if (since && localtime_r(&since, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	if (get_bool(f, "connected"))
		printf("fleet: connected since %s, %lld rows sent\n", when,
		       (long long)get_int(f, "rows_sent", 0));
	else
		printf("fleet: the database is unreachable since %s (%s); %lld "
		       "minutes of history wait to be sent\n",
		       when, get_str(f, "error") ? get_str(f, "error") : "",
		       (long long)get_int(f, "backlog_minutes", 0));
}

static void print_status(json_object *reply)
{
	json_object *users;
	char cpu[16], cap[16], mem[16], lim[16], st[96], bad[16];

	if (!json_object_object_get_ex(reply, "users", &users) ||
	    !json_object_is_type(users, json_type_array))
		die(CTL_DAEMON, "no users in the answer");
	printf("%-16s %8s %6s %6s %6s %6s %8s %8s %7s %4s  %s\n", "USER", "UID",
	       "PROCS", "CPU", "CAP", "WEIGHT", "MEMORY", "LIMIT", "BADNESS",
	       "TIER", "STATE");
	for (size_t i = 0; i < json_object_array_length(users); i++) {
		json_object *u = json_object_array_get_idx(users, i);
		fmt_cpu(cpu, sizeof(cpu), u, "cpu");
		fmt_cpu(cap, sizeof(cap), u, "cpu_cap");
		fmt_bytes(mem, sizeof(mem), u, "memory");
		fmt_bytes(lim, sizeof(lim), u, "memory_limit");
		fmt_state(st, sizeof(st), u);
		fmt_cpu(bad, sizeof(bad), u, "badness");
		printf("%-16s %8lld %6lld %6s %6s %6lld %8s %8s %7.7s %4lld  "
		       "%s\n",
		       get_str(u, "name") ? get_str(u, "name") : "?",
		       (long long)get_int(u, "uid", -1),
		       (long long)get_int(u, "procs", 0), cpu, cap,
		       (long long)get_int(u, "weight", 0), mem, lim, bad,
		       (long long)get_int(u, "tier", 0), st);
	}
	if (json_object_array_length(users) == 0)
		printf("(no managed users%s)\n",
		       get_bool(reply, "see_all") ? "" : " you may see");
	print_reasons(users);
	print_fleet(reply);
}

static void print_event(const char *line)
{
	json_object *e = json_tokener_parse(line);
	const char *user;

	if (json_out || !e || !get_str(e, "event")) {
		puts(line);
	} else {
		user = get_str(e, "user");
		printf("%s %-14s %s%s%s\n",
		       get_str(e, "time") ? get_str(e, "time") : "-",
		       get_str(e, "event"), user ? user : "", user ? ": " : "",
		       get_str(e, "message") ? get_str(e, "message") : "");
	}
	fflush(stdout);
	json_object_put(e);
}

/* --- top ----------------------------------------------------------------- */

static volatile sig_atomic_t top_stop;
static struct termios top_saved;
static bool top_raw;

static void top_signal(int sig)
{
	(void)sig;
	top_stop = 1;
}

static void top_restore(void)
{
	if (top_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &top_saved);
}

/* Keys one at a time, unechoed, so that q quits at once. */
static void top_keys(void)
{
	struct termios t;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &top_saved) < 0)
		return;
	t = top_saved;
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	top_raw = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
	atexit(top_restore);
}

static int by_cpu(const void *a, const void *b)
{
	json_object *x = *(json_object *const *)a,
		    *y = *(json_object *const *)b;
	json_object *cx = NULL, *cy = NULL;
	double dx, dy;

	json_object_object_get_ex(x, "cpu", &cx);
	json_object_object_get_ex(y, "cpu", &cy);
	dx = json_object_get_double(cx);
	dy = json_object_get_double(cy);
	return dx < dy ? 1 : dx > dy ? -1 : 0;
}

/* Wait for the next frame; false when q was pressed. A stdin at its end
 * is no longer watched (^C still ends top). */
static bool top_wait(int ms, bool *watch_stdin)
{
	struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
	char c;

	if (poll(&p, *watch_stdin ? 1 : 0, ms) <= 0 || top_stop)
		return !top_stop;
	if (read(STDIN_FILENO, &c, 1) != 1)
		*watch_stdin = false;
	else if (c == 'q' || c == 'Q')
		return false;
	return true;
}

/* `cgfairctl top [--interval SECONDS]`: the status table, busiest users
 * first, redrawn until q or ^C; one connection, one status request per
 * frame. */
static int top(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = top_signal};
	bool watch_stdin = true, tty = isatty(STDOUT_FILENO);
	long interval = 2;
	uint64_t ms = 0;
	char when[16];

	if (argc == 3 && strcmp(argv[1], "--interval") == 0) {
		if (num_parse_duration(argv[2], &ms) != NULL)
			die(CTL_USAGE, "top: --interval: not a duration "
				       "(\"2\", \"5s\", \"1m\")");
		interval = (long)(ms / 1000);
	} else if (argc != 1)
		die(CTL_USAGE, "usage: top [--interval SECONDS]");
	if (interval < 1 || interval > 3600 || ms % 1000)
		die(CTL_USAGE, "top: --interval is 1 to 3600 whole seconds");
	connect_daemon();
	sigaction(SIGINT, &sa, NULL); /* no SA_RESTART: poll returns */
	sigaction(SIGTERM, &sa, NULL);
	top_keys();
	do {
		json_object *req = request("status"), *reply, *users;
		time_t now = time(NULL);

		send_request(req); /* takes req */
		reply = read_reply();
		if (json_object_object_get_ex(reply, "users", &users))
			json_object_array_sort(users, by_cpu);
		strftime(when, sizeof(when), "%H:%M:%S", localtime(&now));
		printf("%scgfair top - %s, every %lds (q or ^C to quit)\n\n",
		       tty ? "\033[H\033[2J" : "", when, interval);
		print_status(reply);
		fflush(stdout);
		json_object_put(reply);
	} while (top_wait((int)interval * 1000, &watch_stdin));
	return CTL_OK;
}

/* --- commands ------------------------------------------------------------ */

static int follow_events(void)
{
	char *line;

	json_object *ack = read_reply(); /* {"ok":true,"events":...} */

	if (json_out) /* scripts may wait for it: from here, nothing is missed
		       */
		puts(json_object_to_json_string_ext(ack,
						    JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(ack);
	while ((line = read_line()))
		print_event(line);
	die(CTL_CONNECT, "%s closed the connection", sock_path);
}

static const char *textfile_dir; /* metrics --textfile DIR */

/* node_exporter's textfile collector reads the .prom files of DIR when
 * scraped: the file is written under a name it ignores, synced, and
 * renamed, so that a scrape never sees half of it. */
static void write_textfile(const char *text)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	int fd;
	size_t len = strlen(text);

	if (snprintf(tmp, sizeof(tmp), "%s/.cgfair.prom.XXXXXX",
		     textfile_dir) >= (int)sizeof(tmp) ||
	    snprintf(dst, sizeof(dst), "%s/cgfair.prom", textfile_dir) >=
		(int)sizeof(dst))
		die(CTL_USAGE, "--textfile: directory name too long");
	fd = mkstemp(tmp);
	if (fd < 0)
		die(CTL_DAEMON, "%s: %s", tmp, strerror(errno));
	if (write(fd, text, len) != (ssize_t)len || fchmod(fd, 0644) < 0 ||
	    fsync(fd) < 0 || close(fd) < 0 || rename(tmp, dst) < 0) {
		int e = errno;
		unlink(tmp);
		die(CTL_DAEMON, "%s: %s", dst, strerror(e));
	}
}

static void print_human(const char *cmd, json_object *reply)
{
	if (strcmp(cmd, "status") == 0)
		print_status(reply);
	else if (strcmp(cmd, "config") == 0)
		fputs(get_str(reply, "config") ? get_str(reply, "config") : "",
		      stdout);
	else if (strcmp(cmd, "metrics") == 0 && textfile_dir)
		write_textfile(
		    get_str(reply, "metrics") ? get_str(reply, "metrics") : "");
	else if (strcmp(cmd, "metrics") == 0)
		fputs(get_str(reply, "metrics") ? get_str(reply, "metrics")
						: "",
		      stdout);
	else if (strcmp(cmd, "version") == 0)
		printf("cgfairctl %s, cgfaird %s (protocol %lld)\n",
		       CGFAIR_VERSION,
		       get_str(reply, "version") ? get_str(reply, "version")
						 : "?",
		       (long long)get_int(reply, "protocol", 0));
	else if (get_str(reply, "message"))
		puts(get_str(reply, "message"));
}

static json_object *build_request(int argc, char **argv)
{
	const char *cmd = argv[0];

	command_help(argc, argv);
	if (strcmp(cmd, "status") == 0) {
		need_args(argc, 0, 1, cmd);
		json_object *req = request(cmd);
		if (argc == 2)
			add_user(req, argv[1]);
		return req;
	}
	if (strcmp(cmd, "penalty") == 0)
		return penalty_request(argc, argv);
	if (strcmp(cmd, "release") == 0 || strcmp(cmd, "limit-clear") == 0 ||
	    strcmp(cmd, "forgive") == 0)
		return user_request(cmd, argc, argv);
	if (strcmp(cmd, "limit") == 0)
		return limit_request(argc, argv);
	if (strcmp(cmd, "metrics") == 0 && argc == 3 &&
	    strcmp(argv[1], "--textfile") == 0) {
		textfile_dir = argv[2];
		return request(cmd);
	}
	if (strcmp(cmd, "events") == 0 || strcmp(cmd, "reload") == 0 ||
	    strcmp(cmd, "config") == 0 || strcmp(cmd, "metrics") == 0 ||
	    strcmp(cmd, "version") == 0) {
		need_args(argc, 0, 0, cmd);
		return request(cmd);
	}
	fprintf(stderr, "cgfairctl: unknown command '%s'\n", cmd);
	usage(stderr);
	exit(CTL_USAGE);
}

static int parse_options(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"socket", required_argument, NULL, 's'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {"list-commands", no_argument, NULL, 'L'},
	    {NULL, 0, NULL, 0}};
	int c;

	sock_path = getenv("CGFAIR_SOCKET");
	if (!sock_path || !*sock_path)
		sock_path = DEFAULT_SOCKET;
	/* "+": options end at the command, whose own options follow */
	while ((c = getopt_long(argc, argv, "+s:jhV", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock_path = optarg;
			break;
		case 'j':
			json_out = true;
			break;
		case 'h':
			usage(stdout);
			exit(CTL_OK);
		case 'V':
			printf("cgfairctl %s\n", CGFAIR_VERSION);
			exit(CTL_OK);
		case 'L': /* for the shell completions */
			for (size_t i = 0; i < NCMDS; i++)
				puts(cmds[i].name);
			exit(CTL_OK);
		default:
			usage(stderr);
			exit(CTL_USAGE);
		}
	}
	if (optind >= argc) {
		usage(stderr);
		exit(CTL_USAGE);
	}
	return optind;
}

int main(int argc, char **argv)
{
	int first = parse_options(argc, argv);

	if (strcmp(argv[first], "top") == 0) {
		command_help(argc - first, argv + first);
		return top(argc - first, argv + first);
	}
	const char *cmd = argv[first];
	json_object *reply, *req;
	struct report_opts ro;

	if (strcmp(cmd, "events") == 0 && argc - first > 1) {
		command_help(argc - first, argv + first); /* --help */
		return history_main(argc - first, argv + first, json_out);
	}
	if (strcmp(cmd, "report") == 0 ||
	    (strcmp(cmd, "status") == 0 && argc - first > 1 &&
	     strcmp(argv[first + 1], "--fleet") == 0)) {
		command_help(argc - first, argv + first);
		if ((cmd[0] == 's'
			 ? report_parse_fleet_status(argc - first, argv + first,
						     &ro)
			 : report_parse(argc - first, argv + first, &ro)) < 0)
			return CTL_USAGE;
		cmd = "report";
		req = request(cmd);
		if (ro.user)
			add_user(req, ro.user);
		report_fill(req, &ro);
		connect_daemon();
		send_request(req);
		reply = read_reply();
		int rc = report_print(reply, &ro, json_out);
		json_object_put(reply);
		return rc ? CTL_DAEMON : CTL_OK;
	}
	req = build_request(argc - first, argv + first);
	connect_daemon();
	send_request(req);
	if (strcmp(cmd, "events") == 0)
		return follow_events();
	reply = read_reply();
	if (json_out)
		puts(json_object_to_json_string_ext(
		    reply,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		print_human(cmd, reply);
	json_object_put(reply);
	return fflush(stdout) == 0 ? CTL_OK : CTL_DAEMON;
}
