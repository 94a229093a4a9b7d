/*
 * Answers of the frontend: pure formatting from the rows and a client's
 * view to text in a growable buffer. JSON answers are one object per line:
 * {"ok":true,...} or {"ok":false,"error":"...","errno":"EPERM"}.
 */
#ifndef CGFAIR_FRONTEND_REPLY_H
#define CGFAIR_FRONTEND_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ipc/ipc.h"
#include "workers/frontend/request.h"
#include "workers/frontend/rows.h"

#define FE_PROTOCOL 1 /* bumped when a reply changes incompatibly */

struct fe_buf {
	char *p;
	size_t len, cap;
	bool oom; /* an append failed: the content is incomplete */
};

void fe_buf_add(struct fe_buf *b, const char *s, size_t n);
void fe_buf_puts(struct fe_buf *b, const char *s);
void fe_buf_printf(struct fe_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes (written to the client). */
void fe_buf_consume(struct fe_buf *b, size_t n);
void fe_buf_free(struct fe_buf *b);

/* Who is asking, and what they may see. */
struct fe_view {
	uint32_t uid;
	bool see_all; /* root, admin group, or status_visibility = all */
	time_t now;   /* CLOCK_REALTIME seconds, for penalty time left */
	const struct ipc_listen_setup *setup;
};

bool fe_row_visible(const struct ipc_user_state *row,
		    const struct fe_view *view);

/* JSON answers */
void fe_reply_error(struct fe_buf *b, int err, const char *msg);
void fe_reply_message(struct fe_buf *b, const char *msg);
/* only: one user's row, or NULL for every row the view allows */
void fe_reply_status(struct fe_buf *b, const struct fe_rows *rows,
		     const struct fe_view *view, const uint32_t *only);
void fe_reply_metrics(struct fe_buf *b, const struct fe_rows *rows,
		      const struct fe_view *view);
void fe_reply_version(struct fe_buf *b);
void fe_reply_config(struct fe_buf *b, const char *text);
void fe_reply_events(struct fe_buf *b);
/* {"ok":true,"report":{...}}: the recorder's JSON text (an object), or an
 * error when it is not one. */
void fe_reply_report(struct fe_buf *b, const char *json_text);

/* The metrics themselves, Prometheus text exposition format 0.0.4. */
void fe_metrics_text(struct fe_buf *b, const struct fe_rows *rows,
		     const struct fe_view *view);

/* The seed's text answers */
void fe_seed_help(struct fe_buf *b);
void fe_seed_error(struct fe_buf *b, const char *msg);
void fe_seed_list(struct fe_buf *b, const struct fe_rows *rows,
		  const struct fe_view *view, const struct fe_request *req);
/* A row as the seed's `list --cgroup` printed it (one JSON object). */
void fe_seed_row(struct fe_buf *b, const struct ipc_user_state *row,
		 const struct ipc_listen_setup *setup);

/* The uid an event is about ("uid" or "UID", number or digits), so that
 * a subscriber who may not see other users' rows gets only their own
 * events. 0, or -1 for an event about no user in particular. */
int fe_event_uid(const char *json, uint32_t *uid);

#endif
