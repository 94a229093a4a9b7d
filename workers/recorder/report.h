/*
 * Reports over the history database: per user (or per user and day, hour
 * or minute) CPU time, mean and peak memory, throttled minutes, OOM kills
 * and minutes penalised, busiest first, as JSON text for cgfairctl. The
 * request is the supervisor's, already narrowed to what the client may
 * see; nothing of it is text (no SQL is built from a client's bytes).
 */
#ifndef CGFAIR_RECORDER_REPORT_H
#define CGFAIR_RECORDER_REPORT_H

#include <json.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc/ipc.h"

/* The answer is held to this (the frontend takes 1 MiB): a longer one is
 * an error asking for a narrower report. */
#define REPORT_MAX_TEXT (1000 * 1000)

/* The report as one JSON object (malloc'd) in *text. 0, or an errno value
 * with a message for the client in err. */
int report_json(sqlite3 *h, const struct ipc_report_request *rq, char **text,
		char *err, size_t errlen);

/* Shared with the fleet's reports (fleet_report.c): the names and bucket
 * widths (minutes, 0: none) of the groupings, the answer's head (by,
 * since, until), and the answer as text in *text: r (0, or an errno value
 * with err set), EFBIG when it is too long. */
extern const char *const report_by_name[REPORT_BY_COUNT];
extern const int64_t report_by_width[REPORT_BY_COUNT];
json_object *report_head(const struct ipc_report_request *rq);
int report_text(int r, json_object *o, char **text, char *err, size_t errlen);

#endif
