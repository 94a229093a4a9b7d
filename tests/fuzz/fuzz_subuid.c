/*
 * libFuzzer target for the scanner's subuid(5) parser: the whole file as
 * the supervisor hands it over (an fd), every range it sends checked
 * against what the supervisor relies on: at most a batch each, owners
 * NUL-terminated and non-empty, ranges non-empty and below (uid_t)-1, the
 * last batch flagged exactly once. Then placement by a table built from
 * those ranges, with the systemd any-user-slice rule on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "workers/scanner/scanner.h"

static struct ipc_subuid_table table;
static int lasts;

static void sink(uint32_t type, const void *payload, size_t len)
{
	const struct ipc_subuid_ranges *m = payload;

	if (type != IPC_SUBUID_RANGES || len != sizeof(*m) ||
	    m->count > IPC_SUBUID_BATCH || lasts)
		abort();
	lasts += m->last != 0;
	for (uint32_t i = 0; i < m->count; i++) {
		const struct ipc_subuid_range *r = &m->range[i];
		if (!memchr(r->owner, '\0', sizeof(r->owner)) || !r->owner[0] ||
		    r->count == 0 || (uint64_t)r->start + r->count > UINT32_MAX)
			abort();
		/* a sorted, disjoint table of what came, as the supervisor
		 * would keep it (the first range wins) */
		uint32_t n = table.count;
		if (n < IPC_SUBUID_ROWS &&
		    (n == 0 || (uint64_t)table.entry[n - 1].start +
				       table.entry[n - 1].count <=
				   r->start))
			table.entry[table.count++] = (struct ipc_subuid_entry){
			    r->start, r->count, 1000 + i};
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("subuid", MFD_CLOEXEC);
	struct match m = {.hier = HIER_V2,
			  .systemd_names = true,
			  .user_slices = true,
			  .min_uid = 1000};

	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	memset(&table, 0, sizeof(table));
	lasts = 0;
	subuid_parse_file(fd, 1, sink);
	if (lasts != 1)
		abort();
	table.generation = 1;
	table.last = 1;
	if (subuid_table_add(&table) != 1)
		abort();
	strcpy(m.prefix, "/user.slice");
	for (uint32_t i = 0; i < table.count; i++) {
		uid_t u = table.entry[i].start + table.entry[i].count - 1;
		if (charged_uid(u) != table.entry[i].owner)
			abort();
		(void)parse_cgroup("0::/user.slice/user-1000.slice/x\n", &m, u);
	}
	return 0;
}
