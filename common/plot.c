/* Plots of CPU and memory over time; see plot.h. */
#include "common/plot.h"

#include <cairo-svg.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define W	900.0
#define H	600.0
#define LEFT	80.0  /* room for the y labels */
#define RIGHT	170.0 /* the legend */
#define TOP	40.0
#define GAP	50.0 /* between the panels: the time labels */
#define BOTTOM	40.0
#define PANEL_H ((H - TOP - GAP - BOTTOM) / 2)
#define TICKS	5

static const double palette[][3] = {
    {0.12, 0.47, 0.71}, {1.00, 0.50, 0.05}, {0.17, 0.63, 0.17},
    {0.84, 0.15, 0.16}, {0.58, 0.40, 0.74}, {0.55, 0.34, 0.29},
    {0.89, 0.47, 0.76}, {0.50, 0.50, 0.50}, {0.74, 0.74, 0.13},
    {0.09, 0.75, 0.81}, {0.00, 0.00, 0.50}, {0.50, 0.00, 0.00}};

struct panel {
	bool text;  /* labels drawn (no title: none, and no font used) */
	double y;   /* top edge */
	double max; /* value at the top */
	const char *unit;
	double scale; /* value / scale is shown */
};

int plot_format_of(const char *path)
{
	size_t n = strlen(path);

	if (n > 4 && strcasecmp(path + n - 4, ".png") == 0)
		return PLOT_PNG;
	if (n > 4 && strcasecmp(path + n - 4, ".svg") == 0)
		return PLOT_SVG;
	return -1;
}

/* A round step for about TICKS ticks up to max (1, 2 or 5 x 10^k). */
static double nice_top(double max)
{
	double step, mag;

	if (!(max > 0))
		return 1;
	mag = pow(10, floor(log10(max / TICKS)));
	step = mag;
	if (max / step > TICKS * 2.5)
		step = 5 * mag;
	else if (max / step > TICKS)
		step = 2 * mag;
	return ceil(max / step) * step;
}

static void text(cairo_t *cr, double x, double y, const char *s, double align)
{
	cairo_text_extents_t e;

	cairo_text_extents(cr, s, &e);
	cairo_move_to(cr, x - e.width * align, y);
	cairo_show_text(cr, s);
}

static double xpos(double t, double t0, double t1)
{
	return LEFT + (t1 > t0 ? (t - t0) / (t1 - t0) : 0) * (W - LEFT - RIGHT);
}

static void axes(cairo_t *cr, const struct panel *p, double t0, double t1)
{
	char buf[32];

	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, LEFT, p->y, W - LEFT - RIGHT, PANEL_H);
	cairo_stroke(cr);
	if (!p->text) { /* the ticks alone */
		for (int i = 1; i < TICKS; i++) {
			double y = p->y + PANEL_H - PANEL_H * i / TICKS;
			cairo_move_to(cr, LEFT - 5, y);
			cairo_line_to(cr, LEFT, y);
			cairo_move_to(cr,
				      xpos(t0 + (t1 - t0) * i / TICKS, t0, t1),
				      p->y + PANEL_H);
			cairo_rel_line_to(cr, 0, 5);
		}
		cairo_stroke(cr);
		return;
	}
	cairo_set_font_size(cr, 11);
	for (int i = 0; i <= TICKS; i++) {
		double v = p->max * i / TICKS;
		double y = p->y + PANEL_H - PANEL_H * i / TICKS;
		snprintf(buf, sizeof(buf), "%g", v / p->scale);
		text(cr, LEFT - 6, y + 4, buf, 1);
	}
	text(cr, LEFT, p->y - 8, p->unit, 0);
	for (int i = 0; i <= TICKS; i++) {
		time_t t = (time_t)(t0 + (t1 - t0) * i / TICKS);
		struct tm tm;
		localtime_r(&t, &tm);
		strftime(buf, sizeof(buf),
			 t1 - t0 > 2 * 86400 ? "%m-%d %H:%M" : "%H:%M", &tm);
		text(cr, xpos((double)t, t0, t1), p->y + PANEL_H + 15, buf,
		     0.5);
	}
}

static void line(cairo_t *cr, const struct panel *p,
		 const struct plot_series *s, const double *v, double t0,
		 double t1)
{
	for (size_t i = 0; i < s->n; i++) {
		double x = xpos(s->t[i], t0, t1);
		double y = p->y + PANEL_H - PANEL_H * v[i] / p->max;
		if (i == 0)
			cairo_move_to(cr, x, y);
		else
			cairo_line_to(cr, x, y);
	}
	if (s->n == 1) /* a lone point shows as a dot */
		cairo_rel_line_to(cr, 2, 0);
	cairo_stroke(cr);
}

static double peak(const struct plot_series *s, size_t n, bool cpu)
{
	double m = 0;

	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < s[k].n; i++) {
			double v = cpu ? s[k].cpu[i] : s[k].mem[i];
			if (v > m)
				m = v;
		}
	return m;
}

static void draw(cairo_t *cr, const char *title, double t0, double t1,
		 const struct plot_series *s, size_t n)
{
	double mem = peak(s, n, false);
	bool labels = title != NULL;
	struct panel cpu = {labels, TOP, nice_top(peak(s, n, true)),
			    "CPU (cores)", 1};
	struct panel memp = {labels, TOP + PANEL_H + GAP, 0, "memory (GiB)",
			     1024.0 * 1024 * 1024};

	if (mem < 2.0 * 1024 * 1024 * 1024) {
		memp.unit = "memory (MiB)";
		memp.scale = 1024.0 * 1024;
	}
	memp.max = nice_top(mem / memp.scale) * memp.scale;
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	if (labels) {
		cairo_select_font_face(cr, "sans-serif",
				       CAIRO_FONT_SLANT_NORMAL,
				       CAIRO_FONT_WEIGHT_NORMAL);
		cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_set_font_size(cr, 14);
		text(cr, W / 2, 20, title, 0.5);
	}
	axes(cr, &cpu, t0, t1);
	axes(cr, &memp, t0, t1);
	cairo_set_line_width(cr, 1.5);
	for (size_t k = 0; k < n && k < PLOT_MAX_SERIES; k++) {
		const double *c = palette[k % PLOT_MAX_SERIES];
		cairo_set_source_rgb(cr, c[0], c[1], c[2]);
		line(cr, &cpu, &s[k], s[k].cpu, t0, t1);
		line(cr, &memp, &s[k], s[k].mem, t0, t1);
		cairo_rectangle(cr, W - RIGHT + 15, TOP + 18.0 * (double)k, 12,
				12);
		cairo_fill(cr);
		if (!labels)
			continue;
		cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_set_font_size(cr, 12);
		text(cr, W - RIGHT + 33, TOP + 18.0 * (double)k + 11,
		     s[k].label, 0);
	}
}

int plot_write(enum plot_format fmt, const char *title, double t0, double t1,
	       const struct plot_series *s, size_t n, cairo_write_func_t write,
	       void *closure, const char **why)
{
	cairo_surface_t *sf =
	    fmt == PLOT_SVG
		? cairo_svg_surface_create_for_stream(write, closure, W, H)
		: cairo_image_surface_create(CAIRO_FORMAT_RGB24, (int)W,
					     (int)H);
	cairo_t *cr = cairo_create(sf);
	cairo_status_t st;

	draw(cr, title, t0, t1, s, n);
	st = cairo_status(cr);
	cairo_destroy(cr);
	if (st == CAIRO_STATUS_SUCCESS && fmt == PLOT_PNG)
		st = cairo_surface_write_to_png_stream(sf, write, closure);
	cairo_surface_finish(sf); /* the SVG is written here */
	if (st == CAIRO_STATUS_SUCCESS)
		st = cairo_surface_status(sf);
	cairo_surface_destroy(sf);
	*why = cairo_status_to_string(st);
	return st == CAIRO_STATUS_SUCCESS ? 0 : -1;
}
