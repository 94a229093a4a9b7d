/* cgfairctl report; see report.h. */
#include "ctl/report.h"
#include "ctl/history.h"
#include "common/num.h"
#include "common/plot.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define USAGE                                                                  \
	"usage: report [--since T] [--until T] [--user U] [--by "              \
	"user|day|hour] [--plot FILE.png|FILE.svg]\n"                          \
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

static int check(struct report_opts *o)
{
	if (o->since < 0 || o->until < 0)
		return usage_error("not a time", NULL);
	if (o->since > o->until)
		return usage_error("--since is after --until", NULL);
	if (strcmp(o->by, "user") && strcmp(o->by, "day") &&
	    strcmp(o->by, "hour"))
		return usage_error("--by is user, day or hour", o->by);
	if (o->plot && plot_format_of(o->plot) < 0)
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
		default:
			return usage_error("unknown option", NULL);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument", argv[optind]);
	return check(o);
}

void report_fill(json_object *req, const struct report_opts *o)
{
	json_object_object_add(req, "since", json_object_new_int64(o->since));
	json_object_object_add(req, "until", json_object_new_int64(o->until));
	json_object_object_add(req, "by", json_object_new_string(o->by));
	if (o->top)
		json_object_object_add(req, "top",
				       json_object_new_int64(o->top));
}

static double num(json_object *row, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(row, key, &v)
		   ? json_object_get_double(v)
		   : 0;
}

static const char *str(json_object *row, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(row, key, &v)
		   ? json_object_get_string(v)
		   : "";
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
	time_t t = (time_t)num(r, "start");

	if (bucketed) {
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M  ", &tm);
	}
	bytes(mean, sizeof(mean), num(r, "memory_mean"));
	bytes(peak, sizeof(peak), num(r, "memory_peak"));
	snprintf(who, sizeof(who), "%s",
		 *str(r, "user") ? str(r, "user") : str(r, "uid"));
	printf("%s%-16s %10.3f %9s %9s %9.1f %5.0f %9.0f\n", when, who,
	       num(r, "cpu_hours"), mean, peak, num(r, "throttled_minutes"),
	       num(r, "oom_kills"), num(r, "penalised_minutes"));
}

static void print_table(json_object *report)
{
	json_object *rows;
	bool bucketed = strcmp(str(report, "by"), "user") != 0;

	if (!json_object_object_get_ex(report, "rows", &rows) ||
	    !json_object_array_length(rows)) {
		puts("no usage recorded in this period");
		return;
	}
	printf("%s%-16s %10s %9s %9s %9s %5s %9s\n",
	       bucketed ? "START             " : "", "USER", "CPU-HOURS",
	       "MEM-MEAN", "MEM-PEAK", "THROTTLED", "OOM", "PENALISED");
	for (size_t i = 0; i < json_object_array_length(rows); i++)
		print_row(json_object_array_get_idx(rows, i), bucketed);
	puts("(throttled and penalised in minutes)");
}

static cairo_status_t to_file(void *f, const unsigned char *data,
			      unsigned int len)
{
	return fwrite(data, 1, len, f) == len ? CAIRO_STATUS_SUCCESS
					      : CAIRO_STATUS_WRITE_ERROR;
}

/* The series of one user: the rows of that uid, in time order (the
 * answer is sorted by bucket). */
struct series_buf {
	struct plot_series s;
	double *t, *cpu, *mem;
	int64_t uid;
	char label[48];
};

static struct series_buf *series_of(json_object *rows, size_t *n, double width)
{
	size_t nrows = json_object_array_length(rows);
	struct series_buf *v = calloc(PLOT_MAX_SERIES, sizeof(*v));

	*n = 0;
	for (size_t i = 0; v && i < nrows; i++) {
		json_object *r = json_object_array_get_idx(rows, i);
		int64_t uid = (int64_t)num(r, "uid");
		size_t k = 0;
		while (k < *n && v[k].uid != uid)
			k++;
		if (k == *n && *n == PLOT_MAX_SERIES)
			continue;
		if (k == *n) {
			v[k].uid = uid;
			snprintf(v[k].label, sizeof(v[k].label), "%s",
				 *str(r, "user") ? str(r, "user")
						 : str(r, "uid"));
			v[k].t = calloc(nrows, sizeof(double));
			v[k].cpu = calloc(nrows, sizeof(double));
			v[k].mem = calloc(nrows, sizeof(double));
			if (!v[k].t || !v[k].cpu || !v[k].mem)
				exit(1);
			(*n)++;
		}
		size_t j = v[k].s.n++;
		v[k].t[j] = num(r, "start") + width / 2;
		v[k].cpu[j] = num(r, "cpu_seconds") / width;
		v[k].mem[j] = num(r, "memory_mean");
	}
	return v;
}

static int write_plot(json_object *report, const struct report_opts *o)
{
	static const struct {
		const char *by;
		double width;
	} widths[] = {{"minute", 60}, {"hour", 3600}, {"day", 86400}};
	json_object *rows = NULL;
	struct plot_series s[PLOT_MAX_SERIES];
	struct series_buf *v;
	double width = 60;
	size_t n = 0;
	const char *why = "";
	char title[128];
	FILE *f;
	int r;

	for (size_t i = 0; i < sizeof(widths) / sizeof(widths[0]); i++)
		if (strcmp(o->by, widths[i].by) == 0)
			width = widths[i].width;
	json_object_object_get_ex(report, "rows", &rows);
	v = series_of(rows, &n, width);
	if (!v)
		return 1;
	for (size_t k = 0; k < n; k++) {
		v[k].s.label = v[k].label;
		v[k].s.t = v[k].t;
		v[k].s.cpu = v[k].cpu;
		v[k].s.mem = v[k].mem;
		s[k] = v[k].s;
	}
	snprintf(title, sizeof(title), "cgfair: CPU and memory per user, by %s",
		 o->by);
	f = fopen(o->plot, "we");
	if (!f) {
		fprintf(stderr, "cgfairctl: %s: %s\n", o->plot,
			strerror(errno));
		r = 1;
	} else {
		r = plot_write(plot_format_of(o->plot), title, (double)o->since,
			       (double)o->until, s, n, to_file, f, &why);
		if (fclose(f) != 0 || r < 0) {
			fprintf(stderr, "cgfairctl: %s: %s\n", o->plot, why);
			r = 1;
		}
	}
	for (size_t k = 0; k < n; k++) {
		free(v[k].t);
		free(v[k].cpu);
		free(v[k].mem);
	}
	free(v);
	return r;
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
