/* A user's last hour as a PNG; see lasthour.h. */
#include "workers/recorder/lasthour.h"
#include "common/plot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define POINTS_MAX (24 * 60) /* a minute each, a day at most */

struct png_buf {
	uint8_t *p;
	size_t len, max;
};

static cairo_status_t append(void *closure, const unsigned char *data,
			     unsigned int n)
{
	struct png_buf *b = closure;

	if (n > b->max - b->len) /* bounded: the supervisor takes no more */
		return CAIRO_STATUS_WRITE_ERROR;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return CAIRO_STATUS_SUCCESS;
}

/* Per minute: CPU in cores (the minute's CPU time over 60 s), memory the
 * mean of the minute's samples. */
static size_t rows(sqlite3 *h, uint32_t uid, int64_t t0, int64_t t1, double *t,
		   double *cpu, double *mem)
{
	sqlite3_stmt *st = NULL;
	size_t n = 0;

	if (sqlite3_prepare_v2(h,
			       "SELECT minute, cpu_usec, mem_sum, samples"
			       " FROM minutes WHERE uid = ?1 AND minute"
			       " BETWEEN ?2 AND ?3 ORDER BY minute",
			       -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, uid);
	sqlite3_bind_int64(st, 2, t0 / 60);
	sqlite3_bind_int64(st, 3, t1 / 60);
	while (n < POINTS_MAX && sqlite3_step(st) == SQLITE_ROW) {
		int64_t samples = sqlite3_column_int64(st, 3);
		t[n] = (double)sqlite3_column_int64(st, 0) * 60 + 30;
		cpu[n] = (double)sqlite3_column_int64(st, 1) / 60e6;
		mem[n] = samples > 0 ? (double)sqlite3_column_int64(st, 2) /
					   (double)samples
				     : 0;
		n++;
	}
	sqlite3_finalize(st);
	return n;
}

int lasthour_png(sqlite3 *h, uint32_t uid, int64_t t0, int64_t t1, size_t max,
		 uint8_t **png, size_t *len, char *err, size_t errlen)
{
	static double t[POINTS_MAX], cpu[POINTS_MAX], mem[POINTS_MAX];
	struct png_buf b = {.p = malloc(max), .max = max};
	struct plot_series s = {.label = "", .t = t, .cpu = cpu, .mem = mem};
	const char *why;

	if (!b.p) {
		snprintf(err, errlen, "out of memory");
		return ENOMEM;
	}
	s.n = rows(h, uid, t0, t1, t, cpu, mem);
	if (s.n == 0) {
		free(b.p);
		snprintf(err, errlen, "no history of uid %u in the span", uid);
		return ENOENT;
	}
	if (plot_write(PLOT_PNG, NULL, (double)t0, (double)t1, &s, 1, append,
		       &b, &why) < 0) {
		free(b.p);
		snprintf(err, errlen, "plot: %s", why);
		return EIO;
	}
	*png = b.p;
	*len = b.len;
	return 0;
}
