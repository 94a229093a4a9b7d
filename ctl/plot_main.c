/*
 * cgfair-plot FILE BY SINCE UNTIL: draws the report cgfairctl passes on
 * stdin (the "report" object of `report --json`: rows per user and
 * bucket) as CPU and memory over the period, one line per user, to FILE
 * (PNG or SVG by its name), with common/plot.c. A program of its own so
 * that cgfairctl links no graphics library: cgfairctl report --plot runs
 * it, as the user, in the user's directory.
 */
#include "common/plot.h"
#include "ctl/rowfield.h"

#include <errno.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_INPUT (64 * 1024 * 1024)

struct args {
	const char *plot, *by;
	double since, until;
};

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
		int64_t uid = (int64_t)row_num(r, "uid");
		size_t k = 0;
		while (k < *n && v[k].uid != uid)
			k++;
		if (k == *n && *n == PLOT_MAX_SERIES)
			continue;
		if (k == *n) {
			v[k].uid = uid;
			snprintf(v[k].label, sizeof(v[k].label), "%s",
				 *row_str(r, "user") ? row_str(r, "user")
						     : row_str(r, "uid"));
			v[k].t = calloc(nrows, sizeof(double));
			v[k].cpu = calloc(nrows, sizeof(double));
			v[k].mem = calloc(nrows, sizeof(double));
			if (!v[k].t || !v[k].cpu || !v[k].mem)
				exit(1);
			(*n)++;
		}
		size_t j = v[k].s.n++;
		v[k].t[j] = row_num(r, "start") + width / 2;
		v[k].cpu[j] = row_num(r, "cpu_seconds") / width;
		v[k].mem[j] = row_num(r, "memory_mean");
	}
	return v;
}

static int write_plot(json_object *report, const struct args *o)
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
		r = plot_write(plot_format_of(o->plot), title, o->since,
			       o->until, s, n, to_file, f, &why);
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

static json_object *read_report(void)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = NULL, *inner;
	char buf[65536];
	size_t n, total = 0;

	while (tok && (n = fread(buf, 1, sizeof(buf), stdin)) > 0) {
		total += n;
		if (total > MAX_INPUT)
			break;
		o = json_tokener_parse_ex(tok, buf, (int)n);
		if (json_tokener_get_error(tok) != json_tokener_continue)
			break;
	}
	json_tokener_free(tok);
	if (json_object_object_get_ex(o, "report", &inner)) {
		json_object_get(inner);
		json_object_put(o);
		o = inner;
	}
	return o;
}

int main(int argc, char **argv)
{
	struct args a;
	json_object *report;
	int r;

	if (argc != 5 || plot_format_of(argv[1]) < 0) {
		fprintf(stderr, "usage: cgfair-plot FILE.png|FILE.svg "
				"minute|hour|day SINCE UNTIL < report.json\n");
		return 2;
	}
	a = (struct args){argv[1], argv[2], atof(argv[3]), atof(argv[4])};
	report = read_report();
	if (!json_object_is_type(report, json_type_object)) {
		fprintf(stderr, "cgfair-plot: the input is not a report\n");
		return 1;
	}
	r = write_plot(report, &a);
	json_object_put(report);
	return r;
}
