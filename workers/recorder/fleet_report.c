/* Reports over every node's history (the fleet database); see
 * fleet_report.h. */
#include "workers/recorder/fleet_report.h"
#include "workers/recorder/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INT8OID 20 /* bigint (catalog/pg_type.h, not in libpq's headers) */

/* report.c's query over the fleet's history: the same rows, summed over
 * the nodes ($1 $2: first and last minute; $3: bucket width; $4: the uid
 * or -1; $5: the number of users or -1). The whole hours of the period
 * ($6 to $7; none when $6 > $7) come from the hourly roll-up, the minutes
 * at its edges ($1 to $8, $9 to $2) from cgfair_history: a week is some
 * 170 rows a user and node, not 10,000. The indexes serve both. */
static const char *const sum_query =
    "WITH sel AS (SELECT node, uid, name, hour * 60 AS minute, cpu_usec,"
    "  mem_sum, samples, mem_peak, throttled_usec, oom_kills, penalised,"
    "  minutes FROM cgfair_hours WHERE hour BETWEEN $6::bigint AND"
    "  $7::bigint AND ($4::bigint < 0 OR uid = $4::bigint)"
    " UNION ALL SELECT node, uid, name, minute, cpu_usec, mem_sum, samples,"
    "  mem_peak, throttled_usec, oom_kills, (flags & 4 != 0)::int, 1"
    "  FROM cgfair_history WHERE (minute BETWEEN $1::bigint AND $8::bigint"
    "  OR minute BETWEEN $9::bigint AND $2::bigint)"
    "  AND ($4::bigint < 0 OR uid = $4::bigint)),"
    " top AS (SELECT uid FROM sel GROUP BY uid"
    "  ORDER BY sum(cpu_usec) DESC, uid"
    "  LIMIT CASE WHEN $5::bigint < 0 THEN NULL ELSE $5::bigint END)"
    " SELECT uid, max(name), CASE WHEN $3::bigint > 0 THEN"
    "  (minute / $3::bigint) * $3::bigint * 60 ELSE 0 END AS bucket,"
    "  sum(cpu_usec), sum(mem_sum), sum(samples), max(mem_peak),"
    "  sum(throttled_usec), sum(oom_kills), sum(penalised), sum(minutes),"
    "  count(DISTINCT node)"
    " FROM sel WHERE uid IN (SELECT uid FROM top)"
    " GROUP BY uid, bucket ORDER BY bucket, 4 DESC, uid";

/* status --fleet: each node's last minute of each user in the period. */
static const char *const last_query =
    "SELECT DISTINCT ON (node, uid) node, uid, name, minute, cpu_usec,"
    " cap_permille, mem_sum, samples, mem_peak, flags FROM cgfair_history"
    " WHERE minute BETWEEN $1::bigint AND $2::bigint"
    " AND ($4::bigint < 0 OR uid = $4::bigint)"
    " ORDER BY node, uid, minute DESC LIMIT 100000";

static void put(json_object *o, const char *k, json_object *v)
{
	json_object_object_add(o, k, v);
}

static int64_t num(PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static json_object *sum_row(PGresult *r, int i, bool bucketed)
{
	json_object *o = json_object_new_object();
	int64_t samples = num(r, i, 5);
	double cpu = (double)num(r, i, 3) / 1e6;

	if (!o)
		return NULL;
	put(o, "uid", json_object_new_int64(num(r, i, 0)));
	put(o, "user", json_object_new_string(PQgetvalue(r, i, 1)));
	if (bucketed)
		put(o, "start", json_object_new_int64(num(r, i, 2)));
	put(o, "cpu_seconds", json_object_new_double(cpu));
	put(o, "cpu_hours", json_object_new_double(cpu / 3600));
	put(o, "memory_mean",
	    json_object_new_int64(samples ? num(r, i, 4) / samples : 0));
	put(o, "memory_peak", json_object_new_int64(num(r, i, 6)));
	put(o, "throttled_minutes",
	    json_object_new_double((double)num(r, i, 7) / 60e6));
	put(o, "oom_kills", json_object_new_int64(num(r, i, 8)));
	put(o, "penalised_minutes", json_object_new_int64(num(r, i, 9)));
	put(o, "minutes", json_object_new_int64(num(r, i, 10)));
	put(o, "nodes", json_object_new_int64(num(r, i, 11)));
	return o;
}

static json_object *last_row(PGresult *r, int i)
{
	json_object *o = json_object_new_object();
	int64_t samples = num(r, i, 7), cap = num(r, i, 5),
		flags = num(r, i, 9);

	if (!o)
		return NULL;
	put(o, "node", json_object_new_string(PQgetvalue(r, i, 0)));
	put(o, "uid", json_object_new_int64(num(r, i, 1)));
	put(o, "user", json_object_new_string(PQgetvalue(r, i, 2)));
	put(o, "last_seen", json_object_new_int64(num(r, i, 3) * 60));
	/* CPUs used over that minute */
	put(o, "cpu", json_object_new_double((double)num(r, i, 4) / 60e6));
	put(o, "cpu_cap",
	    cap >= 0 ? json_object_new_double((double)cap / 1000) : NULL);
	put(o, "memory",
	    json_object_new_int64(samples ? num(r, i, 6) / samples : 0));
	put(o, "memory_peak", json_object_new_int64(num(r, i, 8)));
	put(o, "active", json_object_new_boolean(flags & STATE_ACTIVE));
	put(o, "throttled", json_object_new_boolean(flags & STATE_THROTTLED));
	put(o, "penalty", json_object_new_boolean(flags & STATE_PENALTY));
	return o;
}

/* The whole hours of [first, last] (minutes) and the minutes at their
 * edges, as sum_query's $6 to $9. Buckets narrower than an hour (by
 * minute) take no hours. */
static void hours_of(int64_t first, int64_t last, int64_t width, int64_t v[4])
{
	int64_t h0 = (first + 59) / 60, h1 = (last + 1) / 60 - 1;

	if (first < 0 || h0 > h1 || (width > 0 && width % 60 != 0)) {
		v[0] = 1, v[1] = 0;	      /* no hours */
		v[2] = last, v[3] = last + 1; /* every minute, once */
		return;
	}
	v[0] = h0, v[1] = h1;
	v[2] = h0 * 60 - 1, v[3] = (h1 + 1) * 60;
}

static PGresult *run(PGconn *pg, const struct ipc_report_request *rq)
{
	enum { N = 9 };
	int64_t n[N] = {rq->since / 60, rq->until / 60, report_by_width[rq->by],
			rq->flags & REPORT_ALL_USERS ? -1 : (int64_t)rq->uid,
			rq->top ? (int64_t)rq->top : -1};
	char p[N][24];
	const char *v[N];
	/* every parameter typed: a query need not use them all */
	Oid int8[N];

	hours_of(n[0], n[1], n[2], n + 5);
	for (int i = 0; i < N; i++) {
		snprintf(p[i], sizeof(p[i]), "%lld", (long long)n[i]);
		v[i] = p[i];
		int8[i] = INT8OID;
	}
	return PQexecParams(pg,
			    rq->by == REPORT_BY_NODE ? last_query : sum_query,
			    N, int8, v, NULL, NULL, 0);
}

int fleet_report_json(PGconn *pg, const struct ipc_report_request *rq,
		      char **text, char *err, size_t errlen)
{
	json_object *o = report_head(rq), *rows = json_object_new_array();
	PGresult *r = NULL;
	int rc = ENOMEM;

	*text = NULL;
	snprintf(err, errlen, "out of memory");
	if (o && rows) {
		put(o, "fleet", json_object_new_boolean(true));
		put(o, "rows", json_object_get(rows));
		r = run(pg, rq);
		rc = PQresultStatus(r) == PGRES_TUPLES_OK ? 0 : EIO;
		if (rc)
			snprintf(err, errlen,
				 "the fleet database could not be read: %s",
				 PQresultErrorMessage(r));
	}
	for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
		json_object *row =
		    rq->by == REPORT_BY_NODE
			? last_row(r, i)
			: sum_row(r, i, rq->by != REPORT_BY_USER);
		if (!row || json_object_array_add(rows, row) < 0)
			rc = ENOMEM;
	}
	PQclear(r);
	rc = report_text(rc, o, text, err, errlen);
	json_object_put(rows);
	json_object_put(o);
	return rc;
}
