/*
 * One connected client of the frontend (the type alone: clients.c keeps
 * the connections, dispatch.c answers their lines). Every client is
 * bounded: its input by max_line, its output by one answer at a time (the
 * next line is not read before the last answer is written) or, for a
 * subscriber, by subscriber_backlog.
 */
#ifndef CGFAIR_FRONTEND_CLIENT_H
#define CGFAIR_FRONTEND_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "ipc/ipc.h"
#include "workers/frontend/reply.h"
#include "workers/frontend/request.h"

enum client_state {
	C_READY,      /* reading and answering requests */
	C_WAIT,	      /* a request is with the supervisor */
	C_SUBSCRIBED, /* following events; input is ignored */
};

struct client {
	struct client *next, *prev;
	int fd;
	uid_t uid;
	gid_t gid;
	pid_t pid;
	sd_event_source *io;
	char *in; /* a partial request line */
	size_t inlen, incap;
	struct fe_buf out;	/* answer or events not yet written */
	uint64_t last_progress; /* CLOCK_MONOTONIC usec of the last byte */
	enum client_state state;
	bool text; /* the request being answered is seed syntax */
	bool eof;  /* the client shut down its sending side */
	/* a seed text command without a newline, quiet for a second: taken
	 * as the whole line (a Python client's send(cmd); recv()) */
	bool quiet_line;
	bool hup;	  /* ... and its receiving side */
	bool close_after; /* close once out is written */
	bool member;	  /* uid 0 or in the admin group: may see every row */
	bool asked;	/* has sent a line (see the sweep's first-line bound) */
	bool used;	/* has had its one supervisor request (ipc.h) */
	uint64_t since; /* CLOCK_MONOTONIC usec of the accept */
	/* the outstanding supervisor request */
	enum fe_cmd cmd;
	uint32_t wait_id;
	uint64_t wait_since;
	struct ipc_client_request op;
	struct fe_buf acc; /* a long answer (the config) being assembled */
};

#endif
