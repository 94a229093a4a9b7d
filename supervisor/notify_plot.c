/* The OOM mail's plot, the supervisor's side; see notify_plot.h. */
#include "supervisor/notify_plot.h"
#include "supervisor/workers.h"
#include "common/log.h"

#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#define PLOT_WAIT_USEC (3 * 1000000ULL) /* the recorder's time to draw */
#define HELD_MAX       4		/* notices waiting for a plot */
#define SPAN_S	       3600		/* the user's last hour */

static struct held {
	bool used;
	uint32_t id;
	struct ipc_notify_event m;
	uint8_t *png; /* IPC_PLOT_MAX bytes */
	size_t len;
	sd_event_source *timer;
} held[HELD_MAX];
static uint32_t last_id;

/* The PNG signature and its first chunk, IHDR: what the worker attaches
 * as image/png is one. */
static bool is_png(const uint8_t *p, size_t len)
{
	return len >= 33 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0 &&
	       memcmp(p + 12, "IHDR", 4) == 0;
}

/* The notice goes on, with the plot when there is one. */
static void release(struct held *h, bool with_plot)
{
	struct worker *w = worker_get(ROLE_NOTIFY, 0);
	struct ipc_plot_chunk c = {0};
	size_t off = 0;

	h->m.plot_len = with_plot ? (uint32_t)h->len : 0;
	while (with_plot && off < h->len) {
		c.len =
		    (uint32_t)(h->len - off < sizeof(c.data) ? h->len - off
							     : sizeof(c.data));
		c.offset = (uint32_t)off;
		memcpy(c.data, h->png + off, c.len);
		off += c.len;
		c.flags = off < h->len ? REPLY_MORE : 0;
		worker_tell(w, IPC_NOTIFY_PLOT, &c, sizeof(c), NULL, 0);
	}
	worker_tell(w, IPC_NOTIFY_EVENT, &h->m, sizeof(h->m), NULL, 0);
	free(h->png);
	sd_event_source_disable_unref(h->timer);
	memset(h, 0, sizeof(*h));
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *data)
{
	struct held *h = data;
	(void)s;
	(void)usec;

	log_warnx("no plot of uid %u from the recorder within %llu s: the "
		  "notice goes without it",
		  h->m.uid, PLOT_WAIT_USEC / 1000000);
	release(h, false);
	return 0;
}

bool notify_plot_ask(const struct ipc_notify_event *m)
{
	struct worker *r = worker_get(ROLE_RECORDER, 0);
	struct ipc_plot_query q = {
	    .uid = m->uid, .t0 = m->time - SPAN_S, .t1 = m->time + 1};
	sd_event *ev = NULL;
	struct held *h = NULL;
	int rc;

	if (!r || worker_pid(r) <= 0 || q.t0 <= 0)
		return false;
	for (size_t i = 0; i < HELD_MAX && !h; i++)
		if (!held[i].used)
			h = &held[i];
	if (!h || sd_event_default(&ev) < 0)
		return false;
	rc = sd_event_add_time_relative(ev, &h->timer, CLOCK_MONOTONIC,
					PLOT_WAIT_USEC, 0, on_timeout, h);
	sd_event_unref(ev);
	q.id = ++last_id;
	if (rc < 0 || !(h->png = malloc(IPC_PLOT_MAX)) ||
	    worker_tell(r, IPC_PLOT_QUERY, &q, sizeof(q), NULL, 0) < 0) {
		free(h->png);
		sd_event_source_disable_unref(h->timer);
		memset(h, 0, sizeof(*h));
		return false;
	}
	h->used = true;
	h->id = q.id;
	h->m = *m;
	return true;
}

bool notify_plot_piece(const struct ipc_plot_chunk *c)
{
	struct held *h = NULL;

	for (size_t i = 0; i < HELD_MAX && !h; i++)
		if (held[i].used && held[i].id == c->id)
			h = &held[i];
	if (!h) /* it came after its notice went: harmless */
		return true;
	if (c->status) {
		release(h, false);
		return true;
	}
	/* in order, within IPC_PLOT_MAX (ipc.c checked offset + len) */
	if (c->offset != h->len) {
		log_warnx("the recorder's plot of uid %u: a piece at %u, %zu "
			  "expected",
			  h->m.uid, c->offset, h->len);
		release(h, false);
		return false;
	}
	memcpy(h->png + h->len, c->data, c->len);
	h->len += c->len;
	if (c->flags & REPLY_MORE)
		return true;
	if (!is_png(h->png, h->len))
		log_warnx("the recorder's plot of uid %u is no PNG (%zu "
			  "bytes): the notice goes without it",
			  h->m.uid, h->len);
	release(h, is_png(h->png, h->len));
	return true;
}
