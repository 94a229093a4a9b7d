/* Reports over the history; see report.h. */
#include "workers/recorder/report.h"

#include <errno.h>
#include <json.h>
#include <stdio.h>
#include <string.h>

const char *const report_by_name[REPORT_BY_COUNT] = {"user", "day", "hour",
						     "minute", "node"};
/* minutes per bucket of each grouping (0: the whole period) */
const int64_t report_by_width[REPORT_BY_COUNT] = {0, 1440, 60, 1, 0};

/* The query: the same text for every request but for the filters, which
 * are bound parameters. ?1 ?2: first and last minute; ?3: the bucket
 * width in minutes (0: one bucket); ?4: the one uid (or -1); ?5: the
 * number of users (the busiest; -1 all). */
static const char *const query =
    "WITH sel AS (SELECT * FROM minutes WHERE minute BETWEEN ?1 AND ?2"
    "  AND (?4 < 0 OR uid = ?4)),"
    " top AS (SELECT uid FROM sel GROUP BY uid"
    "  ORDER BY sum(cpu_usec) DESC, uid LIMIT ?5)"
    " SELECT sel.uid, coalesce(users.name, ''),"
    "  CASE WHEN ?3 > 0 THEN (minute / ?3) * ?3 * 60 ELSE 0 END AS bucket,"
    "  sum(cpu_usec), sum(mem_sum), sum(samples), max(mem_peak),"
    "  sum(throttled_usec), sum(oom_kills), sum((flags & 4) != 0),"
    "  count(*)"
    " FROM sel LEFT JOIN users USING (uid)"
    " WHERE sel.uid IN (SELECT uid FROM top)"
    " GROUP BY sel.uid, bucket"
    " ORDER BY bucket, 4 DESC, sel.uid";

static void put(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

static json_object *row_json(sqlite3_stmt *st, bool bucketed)
{
	json_object *r = json_object_new_object();
	int64_t samples = sqlite3_column_int64(st, 5);
	double cpu = (double)sqlite3_column_int64(st, 3) / 1e6;

	if (!r)
		return NULL;
	put(r, "uid", json_object_new_int64(sqlite3_column_int64(st, 0)));
	put(r, "user",
	    json_object_new_string((const char *)sqlite3_column_text(st, 1)));
	if (bucketed)
		put(r, "start",
		    json_object_new_int64(sqlite3_column_int64(st, 2)));
	put(r, "cpu_seconds", json_object_new_double(cpu));
	put(r, "cpu_hours", json_object_new_double(cpu / 3600));
	put(r, "memory_mean",
	    json_object_new_int64(
		samples ? sqlite3_column_int64(st, 4) / samples : 0));
	put(r, "memory_peak",
	    json_object_new_int64(sqlite3_column_int64(st, 6)));
	put(r, "throttled_minutes",
	    json_object_new_double((double)sqlite3_column_int64(st, 7) / 60e6));
	put(r, "oom_kills", json_object_new_int64(sqlite3_column_int64(st, 8)));
	put(r, "penalised_minutes",
	    json_object_new_int64(sqlite3_column_int64(st, 9)));
	put(r, "minutes", json_object_new_int64(sqlite3_column_int64(st, 10)));
	return r;
}

static int bind_all(sqlite3_stmt *st, const struct ipc_report_request *rq)
{
	int rc = sqlite3_bind_int64(st, 1, rq->since / 60);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 2, rq->until / 60);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 3, report_by_width[rq->by]);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(
		    st, 4,
		    rq->flags & REPORT_ALL_USERS ? -1 : (int64_t)rq->uid);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 5, rq->top ? (int64_t)rq->top : -1);
	return rc;
}

json_object *report_head(const struct ipc_report_request *rq)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	put(o, "by", json_object_new_string(report_by_name[rq->by]));
	put(o, "since", json_object_new_int64(rq->since));
	put(o, "until", json_object_new_int64(rq->until));
	return o;
}

static int rows_json(sqlite3 *h, const struct ipc_report_request *rq,
		     json_object *rows, char *err, size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(h, query, -1, &st, NULL);

	if (rc == SQLITE_OK)
		rc = bind_all(st, rq);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_object *r = row_json(st, rq->by != REPORT_BY_USER);
		rc = r && json_object_array_add(rows, r) == 0 ? SQLITE_OK
							      : SQLITE_NOMEM;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return 0;
	snprintf(err, errlen, "the history could not be read: %s",
		 sqlite3_errstr(rc));
	return EIO;
}

int report_json(sqlite3 *h, const struct ipc_report_request *rq, char **text,
		char *err, size_t errlen)
{
	json_object *o = report_head(rq), *rows = json_object_new_array();
	int r = ENOMEM;

	*text = NULL;
	snprintf(err, errlen, "out of memory");
	if (o && rows) {
		put(o, "rows", json_object_get(rows));
		r = rows_json(h, rq, rows, err, errlen);
	}
	r = report_text(r, o, text, err, errlen);
	json_object_put(rows);
	json_object_put(o);
	return r;
}

int report_text(int r, json_object *o, char **text, char *err, size_t errlen)
{
	const char *s =
	    r ? NULL
	      : json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

	if (s && strlen(s) > REPORT_MAX_TEXT) {
		snprintf(err, errlen,
			 "the report is too long: ask for fewer users "
			 "(--user, --top) or a shorter period");
		r = EFBIG;
	} else if (s) {
		*text = strdup(s);
		r = *text ? 0 : ENOMEM;
	}
	return r;
}
