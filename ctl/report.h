/*
 * cgfairctl report: the usage history (the recorder's, through the
 * daemon's socket), as a table, JSON, or a plot (common/plot.c).
 */
#ifndef CGFAIR_CTL_REPORT_H
#define CGFAIR_CTL_REPORT_H

#include <json.h>
#include <stdbool.h>
#include <stdint.h>

struct report_opts {
	int64_t since, until; /* seconds since the epoch */
	const char *user;     /* NULL: every user the caller may see */
	const char *by;	      /* user, day, hour (minute for plots) */
	const char *plot;     /* NULL: no plot; else FILE.png or FILE.svg */
	int top;	      /* busiest users only (plots); 0: all */
	bool fleet;	      /* every node's history (the fleet database) */
};

/* argv[0] is "report". 0, or -1 after a usage message on stderr. */
int report_parse(int argc, char **argv, struct report_opts *o);
/* argv[0] is "status", argv[1] "--fleet", then [USER]: the last minute
 * of the day on every node (a report by node). 0, or -1 (usage). */
int report_parse_fleet_status(int argc, char **argv, struct report_opts *o);
/* The request's fields besides "cmd" and the user (the caller adds
 * those). */
void report_fill(json_object *req, const struct report_opts *o);
/* The answer as a table (or JSON, or the plot written). The exit status. */
int report_print(json_object *reply, const struct report_opts *o, bool json);

#endif
