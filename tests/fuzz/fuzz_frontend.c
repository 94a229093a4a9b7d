/*
 * libFuzzer target for the frontend's request parser: every byte a client
 * of the socket sends goes through fe_parse_request() in the sandboxed
 * frontend. A parse must either fail with a message or produce a request
 * within its documented ranges; anything else aborts (a crash for
 * libFuzzer). fe_event_uid() gets the same bytes, as text.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers/frontend/request.h"
#include "workers/frontend/reply.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_frontend: %s\n", what);
		abort();
	}
}

static void check_request(const struct fe_request *r)
{
	check(r->cmd >= FE_STATUS && r->cmd <= FE_CMD_LAST, "command range");
	check(r->max_tasks >= -1 && r->mem_high >= -1, "limit range");
	check(r->io_weight >= -1 && r->io_weight <= 10000, "io weight range");
	check(r->cpu_permille >= -1, "cpu range");
	check(r->mem_bytes >= -1, "memory range");
	check(r->seconds == -1 || r->seconds >= 1, "seconds range");
	check(r->penaltybox >= -1 && r->penaltybox <= 1, "penaltybox range");
	check(r->nids <= FE_MAX_IDS, "ids");
	check(memchr(r->target.name, '\0', sizeof(r->target.name)) != NULL,
	      "name unterminated");
	if (r->target.by_name)
		check(r->target.given && r->target.name[0], "empty name");
	if (fe_cmd_changes_state(r->cmd) && r->cmd != FE_RELOAD &&
	    r->cmd != FE_SEED_SET_OPTION)
		check(r->target.given, "state change without a user");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fe_request req;
	char err[256], *text;
	uint32_t uid;

	memset(err, 'x', sizeof(err));
	if (fe_parse_request((const char *)data, size, &req, err,
			     sizeof(err)) == 0)
		check_request(&req);
	else
		check(memchr(err, '\0', sizeof(err)) && err[0], "no message");
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	(void)fe_event_uid(text, &uid);
	free(text);
	return 0;
}
