/*
 * Reports over every node's history in the fleet database (report
 * --fleet: report.c's figures summed over the nodes, with the number of
 * nodes; status --fleet: each node's last minute of each user). As in
 * report.c, nothing of the request is text: the filters are bound
 * parameters of fixed queries.
 */
#ifndef CGFAIR_RECORDER_FLEET_REPORT_H
#define CGFAIR_RECORDER_FLEET_REPORT_H

#include <libpq-fe.h>
#include <stddef.h>

#include "ipc/ipc.h"

/* As report_json(), over the connection pg. */
int fleet_report_json(PGconn *pg, const struct ipc_report_request *rq,
		      char **text, char *err, size_t errlen);

#endif
