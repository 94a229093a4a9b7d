/*
 * The OOM mail's plot: one user's CPU and memory per minute over a span
 * (the last hour), from history.db, drawn without text (common/plot.h:
 * no font inside the recorder's chroot) as a PNG in memory.
 */
#ifndef CGFAIR_RECORDER_LASTHOUR_H
#define CGFAIR_RECORDER_LASTHOUR_H

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* The PNG of uid over [t0, t1] (s) into *png (malloc'ed, at most max
 * bytes; *len). 0, or an errno value with err filled in (ENOENT: no row
 * of the user in the span). */
int lasthour_png(sqlite3 *h, uint32_t uid, int64_t t0, int64_t t1, size_t max,
		 uint8_t **png, size_t *len, char *err, size_t errlen);

#endif
