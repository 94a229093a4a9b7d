/*
 * What a request line means: answered here from the rows (status, metrics,
 * version, the seed's list and help), or sent to the supervisor with the
 * client's socket (state changes and the configuration), whose answer is
 * then written back. The frontend never decides whether a client may
 * change state: it forwards, and the supervisor checks the credentials of
 * the socket itself.
 */
#include "workers/frontend/dispatch.h"
#include "workers/skeleton.h"
#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MAX_LONG_ANSWER (1024 * 1024) /* bytes of config we assemble */

static uint32_t last_id;
static sd_event *event;
static const struct ipc_listen_setup *setup;
static const struct fe_rows *rows;

void dispatch_init(sd_event *e, const struct ipc_listen_setup *s,
		   const struct fe_rows *r)
{
	event = e;
	setup = s;
	rows = r;
}

bool client_sees_all(const struct client *c)
{
	return c->member || (setup->flags & LISTEN_STATUS_ALL);
}

static void client_view(const struct client *c, struct fe_view *view)
{
	struct timespec ts = {0};

	/* clock_gettime, not time(): no syscall outside the allowlist even
	 * where the vDSO is missing */
	clock_gettime(CLOCK_REALTIME, &ts);
	view->uid = c->uid;
	view->see_all = client_sees_all(c);
	view->now = ts.tv_sec;
	view->setup = setup;
}

void client_error(struct client *c, int err, const char *msg)
{
	if (c->text) {
		fe_seed_error(&c->out, msg);
		/* the seed: one request per connection */
		c->close_after = true;
	} else {
		fe_reply_error(&c->out, err, msg);
	}
}

/* --- answered here ------------------------------------------------------- */

/* The uid a request names; by name, as the rows know it. */
static bool resolve(struct client *c, const struct fe_target *t, uint32_t *uid)
{
	char msg[160];
	const struct ipc_user_state *row;

	if (!t->by_name) {
		*uid = t->uid;
		return true;
	}
	row = fe_rows_find_name(rows, t->name);
	if (row) {
		*uid = row->uid;
		return true;
	}
	snprintf(msg, sizeof(msg),
		 "unknown user \"%s\": not a managed user (give the uid)",
		 t->name);
	client_error(c, ENOENT, msg);
	return false;
}

static void do_status(struct client *c, const struct fe_request *req)
{
	struct fe_view view;
	char msg[160];
	uint32_t uid;

	client_view(c, &view);
	if (!req->target.given) {
		fe_reply_status(&c->out, rows, &view, NULL);
		return;
	}
	if (!resolve(c, &req->target, &uid))
		return;
	if (!view.see_all && uid != c->uid) {
		snprintf(msg, sizeof(msg),
			 "uid %u: you may see your own row only", uid);
		client_error(c, EPERM, msg);
	} else if (!fe_rows_find(rows, uid)) {
		snprintf(msg, sizeof(msg), "uid %u is not a managed user", uid);
		client_error(c, ENOENT, msg);
	} else {
		fe_reply_status(&c->out, rows, &view, &uid);
	}
}

static void answer_here(struct client *c, const struct fe_request *req)
{
	struct fe_view view;

	client_view(c, &view);
	switch (req->cmd) {
	case FE_STATUS:
		do_status(c, req);
		break;
	case FE_EVENTS:
		c->state = C_SUBSCRIBED;
		fe_reply_events(&c->out);
		break;
	case FE_METRICS:
		fe_reply_metrics(&c->out, rows, &view);
		break;
	case FE_VERSION:
		fe_reply_version(&c->out);
		break;
	case FE_SEED_HELP:
		fe_seed_help(&c->out);
		c->close_after = true;
		break;
	case FE_SEED_LIST:
		fe_seed_list(&c->out, rows, &view, req);
		c->close_after = true;
		break;
	default:
		client_error(c, EINVAL, "internal error: unknown command");
	}
}

/* --- sent to the supervisor ---------------------------------------------- */

static struct ipc_client_request *set_op(struct client *c, uint32_t op,
					 uint32_t uid)
{
	struct ipc_client_request *r = &c->op;

	memset(r, 0, sizeof(*r));
	r->op = op;
	r->uid = uid;
	r->cpu_permille = -1;
	r->mem_bytes = -1;
	r->max_tasks = -1;
	r->mem_high = -1;
	r->io_weight = -1;
	r->seconds = -1;
	return r;
}

/* The seed's `set cgroup`: clear, then set, then the penalty box; the
 * first failure ends it. One request, because a connection carries one
 * (ipc.h): the supervisor does the steps. */
static void seed_set_op(struct client *c, const struct fe_request *req,
			uint32_t uid)
{
	struct ipc_client_request *r = set_op(c, CLIENT_LIMIT_SET, uid);

	r->cpu_permille = req->cpu_permille;
	r->mem_bytes = req->mem_bytes;
	if (req->set_default)
		r->flags |= REQ_CLEAR_FIRST;
	if (req->penaltybox >= 0)
		r->flags |= req->penaltybox ? REQ_PENALTY : REQ_RELEASE;
}

static void build_op(struct client *c, const struct fe_request *req,
		     uint32_t uid)
{
	struct ipc_client_request *r;

	switch (req->cmd) {
	case FE_PENALTY:
		r = set_op(c, CLIENT_PENALTY, uid);
		r->seconds = req->seconds;
		memcpy(r->note, req->note, sizeof(r->note));
		break;
	case FE_RELEASE:
		set_op(c, CLIENT_RELEASE, uid);
		break;
	case FE_FORGIVE:
		set_op(c, CLIENT_FORGIVE, uid);
		break;
	case FE_LIMIT:
		r = set_op(c, CLIENT_LIMIT_SET, uid);
		r->cpu_permille = req->cpu_permille;
		r->mem_bytes = req->mem_bytes;
		r->max_tasks = req->max_tasks;
		r->mem_high = req->mem_high;
		r->io_weight = req->io_weight;
		break;
	case FE_LIMIT_CLEAR:
		set_op(c, CLIENT_LIMIT_CLEAR, uid);
		break;
	case FE_RELOAD:
		set_op(c, CLIENT_RELOAD, 0);
		break;
	case FE_CONFIG:
	case FE_SEED_LIST_CONFIG:
		set_op(c, CLIENT_CONFIG, 0);
		break;
	case FE_SEED_SET_OPTION:
		r = set_op(c, CLIENT_SET_OPTION, 0);
		r->seconds = req->seconds;
		r->cpu_permille = req->cpu_permille;
		r->mem_bytes = req->mem_bytes;
		break;
	default: /* FE_SEED_SET */
		seed_set_op(c, req, uid);
	}
}

static void send_op(struct client *c)
{
	struct ipc_client_request *r = &c->op;

	if (++last_id == 0)
		last_id = 1;
	r->id = last_id;
	c->wait_id = r->id;
	c->wait_since = clock_loop_usec(event);
	c->state = C_WAIT;
	c->used = true;
	/* the supervisor reads SO_PEERCRED from this very socket */
	skeleton_send(IPC_CLIENT_REQUEST, r, sizeof(*r), &c->fd, 1);
}

static void ask_supervisor(struct client *c, const struct fe_request *req)
{
	uint32_t uid = 0;

	if (c->used) {
		client_error(c, EALREADY,
			     "one request to the daemon per connection: "
			     "connect again");
		return;
	}
	if (req->target.given && !resolve(c, &req->target, &uid))
		return;
	fe_buf_free(&c->acc);
	build_op(c, req, uid);
	send_op(c);
}

/* The period of a report: by default the last 7 days up to now. */
#define REPORT_DEFAULT_SECONDS (7 * 24 * 3600)

static void ask_report(struct client *c, const struct fe_request *req)
{
	struct ipc_report_request r = {.by = req->by, .top = req->top};
	struct timespec ts = {0};

	if (c->used) {
		client_error(c, EALREADY,
			     "one request to the daemon per connection: "
			     "connect again");
		return;
	}
	if (req->target.given && !resolve(c, &req->target, &r.uid))
		return;
	if (!req->target.given)
		r.flags = REPORT_ALL_USERS;
	if (req->fleet)
		r.flags |= REPORT_FLEET;
	clock_gettime(CLOCK_REALTIME, &ts);
	r.until = req->until >= 0 ? req->until : ts.tv_sec;
	r.since =
	    req->since >= 0 ? req->since : r.until - REPORT_DEFAULT_SECONDS;
	if (r.since < 0)
		r.since = 0;
	if (r.since > r.until) {
		client_error(c, EINVAL, "\"since\" is after \"until\"");
		return;
	}
	if (r.by == REPORT_BY_NODE && !req->fleet) {
		client_error(c, EINVAL, "\"by\": \"node\" needs \"fleet\"");
		return;
	}
	fe_buf_free(&c->acc);
	if (++last_id == 0)
		last_id = 1;
	r.id = last_id;
	c->wait_id = r.id;
	c->wait_since = clock_loop_usec(event);
	c->state = C_WAIT;
	c->used = true;
	/* the supervisor reads SO_PEERCRED from this very socket */
	skeleton_send(IPC_REPORT_REQUEST, &r, sizeof(r), &c->fd, 1);
}

void dispatch_line(struct client *c, const char *line, size_t len)
{
	struct fe_request req;
	char err[256];

	if (fe_parse_request(line, len, &req, err, sizeof(err)) < 0) {
		c->text = req.text;
		client_error(c, EINVAL, err);
		return;
	}
	c->text = req.text;
	c->cmd = req.cmd;
	if (req.cmd == FE_REPORT)
		ask_report(c, &req);
	else if (fe_cmd_changes_state(req.cmd) || req.cmd == FE_CONFIG ||
		 req.cmd == FE_SEED_LIST_CONFIG)
		ask_supervisor(c, &req);
	else
		answer_here(c, &req);
}

/* --- the supervisor's answers -------------------------------------------- */

static void keep_chunk(struct client *c, const char *text)
{
	size_t n = strlen(text);

	if (c->acc.len + n > MAX_LONG_ANSWER)
		c->acc.oom = true; /* reported when the last chunk comes */
	else
		fe_buf_add(&c->acc, text, n);
}

static void answer_config(struct client *c)
{
	if (c->acc.oom) {
		client_error(c, EFBIG, "the configuration is too long to show");
		return;
	}
	if (!c->text) {
		fe_reply_config(&c->out, c->acc.p ? c->acc.p : "");
		return;
	}
	fe_buf_add(&c->out, c->acc.p ? c->acc.p : "", c->acc.len);
	if (c->acc.len && c->acc.p[c->acc.len - 1] != '\n')
		fe_buf_add(&c->out, "\n", 1);
	c->close_after = true;
}

static void answer_done(struct client *c, const struct ipc_client_reply *r)
{
	switch (c->cmd) {
	case FE_CONFIG:
	case FE_SEED_LIST_CONFIG:
		keep_chunk(c, r->message);
		answer_config(c);
		break;
	case FE_REPORT:
		keep_chunk(c, r->message);
		if (c->acc.oom)
			client_error(c, EFBIG, "the report is too long");
		else
			fe_reply_report(&c->out, c->acc.p ? c->acc.p : "");
		break;
	case FE_SEED_SET:
	case FE_SEED_SET_OPTION:
		fe_buf_puts(&c->out, "Received valid command stream.\n");
		c->close_after = true;
		break;
	default:
		fe_reply_message(&c->out, r->message);
	}
}

void dispatch_reply(struct client *c, const struct ipc_client_reply *r)
{
	if (r->flags & REPLY_MORE) {
		keep_chunk(c, r->message);
		return; /* still waiting for the rest */
	}
	c->state = C_READY;
	if (r->status != 0) {
		int err = r->status < 0 ? -r->status : r->status;
		client_error(c, err,
			     r->message[0] ? r->message : strerror(err));
	} else {
		answer_done(c, r);
	}
	fe_buf_free(&c->acc);
}
