/* cgfairctl report; see report.h. */
#include "ctl/report.h"
#include "ctl/history.h"
#include "ctl/rowfield.h"
#include "common/num.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#define USAGE                                                                  \
	"usage: report [--since T] [--until T] [--user U] [--by "              \
	"user|day|hour] [--plot FILE.png|FILE.svg] [--fleet]\n"                \
	"T: a duration back from now (7d, 12h, 90m) or a TIME as for events "  \
	"(YYYY-MM-DD [HH:MM[:SS]], @EPOCH, today, yesterday)\n"
#define PLOT_TOP 8 /* users in a plot without --user */

static int usage_error(const char *what, const char *value)
{
	fprintf(stderr, "cgfairctl: report: %s%s%s\n" USAGE, what,
		value ? ": " : "", value ? value : "");
	return -1;
}

/* "7d" (back from now) or any TIME of events; seconds, -1 when neither. */
static int64_t parse_time(const char *s)
{
	uint64_t ms;
	long long us;

	if (s[0] >= '0' && s[0] <= '9' && s[strlen(s) - 1] >= 'a' &&
	    num_parse_duration(s, &ms) == NULL)
		return (int64_t)time(NULL) - (int64_t)(ms / 1000);
	us = history_parse_time(s);
	return us < 0 ? -1 : us / 1000000;
}

/* A plot's buckets: about a hundred points or more over the period. */
static const char *plot_bucket(int64_t span)
{
	if (span <= 3 * 3600)
		return "minute";
	if (span <= 10 * 86400)
		return "hour";
	return "day";
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcasecmp(s + n - k, suffix) == 0;
}

static int check(struct report_opts *o)
{
	if (o->since < 0 || o->until < 0)
		return usage_error("not a time", NULL);
	if (o->since > o->until)
		return usage_error("--since is after --until", NULL);
	if (strcmp(o->by, "user") && strcmp(o->by, "day") &&
	    strcmp(o->by, "hour"))
		return usage_error("--by is user, day or hour", o->by);
	if (o->plot && !has_suffix(o->plot, ".png") &&
	    !has_suffix(o->plot, ".svg"))
		return usage_error("--plot needs a .png or .svg file", o->plot);
	if (o->plot) {
		o->by = plot_bucket(o->until - o->since);
		o->top = o->user ? 0 : PLOT_TOP;
	}
	return 0;
}

int report_parse(int argc, char **argv, struct report_opts *o)
{
	static const struct option lopts[] = {
	    {"since", required_argument, NULL, 's'},
	    {"until", required_argument, NULL, 'u'},
	    {"user", required_argument, NULL, 'U'},
	    {"by", required_argument, NULL, 'b'},
	    {"plot", required_argument, NULL, 'p'},
	    {"fleet", no_argument, NULL, 'f'},
	    {NULL, 0, NULL, 0}};
	int c;

	memset(o, 0, sizeof(*o));
	o->until = (int64_t)time(NULL);
	o->since = o->until - 7 * 86400;
	o->by = "user";
	optind = 1;
	while ((c = getopt_long(argc, argv, "", lopts, NULL)) != -1) {
		switch (c) {
		case 's':
			if ((o->since = parse_time(optarg)) < 0)
				return usage_error("--since", optarg);
			break;
		case 'u':
			if ((o->until = parse_time(optarg)) < 0)
				return usage_error("--until", optarg);
			break;
		case 'U':
			o->user = optarg;
			break;
		case 'b':
			o->by = optarg;
			break;
		case 'p':
			o->plot = optarg;
			break;
		case 'f':
			o->fleet = true;
			break;
		default:
			return usage_error("unknown option", NULL);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	return check(o);
}

int report_parse_fleet_status(int argc, char **argv, struct report_opts *o)
{
	memset(o, 0, sizeof(*o));
	if (argc > 3) {
		fprintf(stderr, "usage: status --fleet [USER]\n");
		return -1;
	}
	o->until = (int64_t)time(NULL);
	o->since = o->until - 86400;
	o->by = "node";
	o->fleet = true;
	o->user = argc == 3 ? argv[2] : NULL;
	return 0;
}

void report_fill(json_object *req, const struct report_opts *o)
{
	json_object_object_add(req, "since", json_object_new_int64(o->since));
	json_object_object_add(req, "until", json_object_new_int64(o->until));
	json_object_object_add(req, "by", json_object_new_string(o->by));
	if (o->top)
		json_object_object_add(req, "top",
				       json_object_new_int64(o->top));
	if (o->fleet)
		json_object_object_add(req, "fleet",
				       json_object_new_boolean(true));
}

static void bytes(char *buf, size_t len, double b)
{
	static const char units[] = "BKMGTPE";
	int u = 0;

	while (b >= 1024 && units[u + 1]) {
		b /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f%c" : "%.0f%c", b, units[u]);
}

static void print_row(json_object *r, bool bucketed)
{
	char when[32] = "", mean[16], peak[16], who[40];
	time_t t = (time_t)row_num(r, "start");

	if (bucketed) {
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M  ", &tm);
	}
	bytes(mean, sizeof(mean), row_num(r, "memory_mean"));
	bytes(peak, sizeof(peak), row_num(r, "memory_peak"));
	snprintf(who, sizeof(who), "%s",
		 *row_str(r, "user") ? row_str(r, "user") : row_str(r, "uid"));
	printf("%s%-16s %10.3f %9s %9s %9.1f %5.0f %9.0f\n", when, who,
	       row_num(r, "cpu_hours"), mean, peak,
	       row_num(r, "throttled_minutes"), row_num(r, "oom_kills"),
	       row_num(r, "penalised_minutes"));
}

/* status --fleet: a user's last minute on each node. */
static void print_node_row(json_object *r)
{
	char seen[32], mem[16], cap[16] = "-", who[40];
	time_t t = (time_t)row_num(r, "last_seen");
	struct tm tm;
	json_object *c;

	localtime_r(&t, &tm);
	strftime(seen, sizeof(seen), "%Y-%m-%d %H:%M", &tm);
	bytes(mem, sizeof(mem), row_num(r, "memory"));
	if (json_object_object_get_ex(r, "cpu_cap", &c) && c)
		snprintf(cap, sizeof(cap), "%.2f", json_object_get_double(c));
	snprintf(who, sizeof(who), "%s",
		 *row_str(r, "user") ? row_str(r, "user") : row_str(r, "uid"));
	printf("%-16s %-16s %6.2f %6s %9s %-9s %s\n", row_str(r, "node"), who,
	       row_num(r, "cpu"), cap, mem,
	       row_num(r, "penalty")	 ? "penalty"
	       : row_num(r, "throttled") ? "throttled"
	       : row_num(r, "active")	 ? "active"
					 : "idle",
	       seen);
}

static void print_table(json_object *report)
{
	json_object *rows;
	bool nodes = strcmp(row_str(report, "by"), "node") == 0;
	bool bucketed = !nodes && strcmp(row_str(report, "by"), "user") != 0;

	if (!json_object_object_get_ex(report, "rows", &rows) ||
	    !json_object_array_length(rows)) {
		puts("no usage recorded in this period");
		return;
	}
	if (nodes) {
		printf("%-16s %-16s %6s %6s %9s %-9s %s\n", "NODE", "USER",
		       "CPU", "CAP", "MEMORY", "STATE", "LAST SEEN");
		for (size_t i = 0; i < json_object_array_length(rows); i++)
			print_node_row(json_object_array_get_idx(rows, i));
		return;
	}
	printf("%s%-16s %10s %9s %9s %9s %5s %9s\n",
	       bucketed ? "START             " : "", "USER", "CPU-HOURS",
	       "MEM-MEAN", "MEM-PEAK", "THROTTLED", "OOM", "PENALISED");
	for (size_t i = 0; i < json_object_array_length(rows); i++)
		print_row(json_object_array_get_idx(rows, i), bucketed);
	puts("(throttled and penalised in minutes)");
}

/* The plot is drawn by cgfair-plot (cairo), found next to cgfairctl (a
 * build tree) or in the libexec directory: cgfairctl itself links no
 * graphics library, so that it runs where none is installed. The report
 * goes to its stdin. */
static const char *plotter(char *buf, size_t len)
{
	const char *env = getenv("CGFAIR_PLOT");
	ssize_t n = readlink("/proc/self/exe", buf, len - 16);
	char *slash;

	if (env && *env)
		return env;
	if (n > 0) {
		buf[n] = '\0';
		slash = strrchr(buf, '/');
		if (slash) {
			strcpy(slash + 1, "cgfair-plot");
			if (access(buf, X_OK) == 0)
				return buf;
		}
	}
	return CGFAIR_LIBEXECDIR "/cgfair-plot";
}

static int write_plot(json_object *report, const struct report_opts *o)
{
	char path[4096], since[32], until[32];
	const char *text =
	    json_object_to_json_string_ext(report, JSON_C_TO_STRING_PLAIN);
	const char *exe = plotter(path, sizeof(path));
	int fds[2], status = 0;
	pid_t pid;

	snprintf(since, sizeof(since), "%lld", (long long)o->since);
	snprintf(until, sizeof(until), "%lld", (long long)o->until);
	if (pipe2(fds, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		perror("cgfairctl: plot");
		return 1;
	}
	if (pid == 0) {
		dup2(fds[0], STDIN_FILENO);
		execl(exe, "cgfair-plot", o->plot, o->by, since, until,
		      (char *)NULL);
		fprintf(stderr, "cgfairctl: %s: %s\n", exe, strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	signal(SIGPIPE, SIG_IGN);
	if (write(fds[1], text, strlen(text)) != (ssize_t)strlen(text))
		perror("cgfairctl: plot");
	close(fds[1]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return 1;
	return 0;
}

int report_print(json_object *reply, const struct report_opts *o, bool json)
{
	json_object *report = NULL;

	json_object_object_get_ex(reply, "report", &report);
	if (json)
		puts(json_object_to_json_string_ext(
		    reply,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	if (o->plot)
		return write_plot(report, o);
	if (!json)
		print_table(report);
	return 0;
}
