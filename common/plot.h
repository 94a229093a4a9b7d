/*
 * Plots of users' CPU and memory over time (cairo): two panels, CPU in
 * cores above, memory below, one line per user, written as PNG or SVG to
 * a stream. No files opened and nothing read here, so that a sandboxed
 * worker can draw too (the notifications' OOM mails: a user's last hour),
 * without text (title NULL): cairo's toy text API uses fontconfig, which
 * opens font files the first time it draws.
 */
#ifndef CGFAIR_PLOT_H
#define CGFAIR_PLOT_H

#include <stddef.h>
#include <cairo.h>

enum plot_format { PLOT_PNG, PLOT_SVG };

#define PLOT_MAX_SERIES 12 /* users shown; the colours cycle beyond */

/* One user's line: n points at times t (seconds since the epoch, rising),
 * CPU in cores (mean over the bucket) and memory in bytes. */
struct plot_series {
	const char *label;
	size_t n;
	const double *t, *cpu, *mem;
};

/* The format a file name asks for (.png, .svg), or -1. */
int plot_format_of(const char *path);
/* Draw the period [t0, t1] of n series (at most PLOT_MAX_SERIES drawn)
 * and write it through write(closure, ...). 0, or -1 (cairo's status
 * says why in *why). With title NULL no text at all is drawn (ticks
 * instead of labels): no font is looked up, so a sandbox that cannot
 * reach the fonts (the recorder's chroot) draws too. */
int plot_write(enum plot_format fmt, const char *title, double t0, double t1,
	       const struct plot_series *s, size_t n, cairo_write_func_t write,
	       void *closure, const char **why);

#endif
