/*
 * Subordinate uids, the scanner's side ([users] subordinate_uids): the
 * subuid file the supervisor opened is parsed here into ranges for the
 * supervisor (subuid(5): one "owner:start:count" per line, the owner a
 * login name or a uid), and the table the supervisor accepted comes back
 * to say whose a uid is. The file is written by admin tools (usermod
 * --add-subuids, useradd) for users; it is parsed like any other input
 * here, in the sandbox, never in the supervisor.
 */
#include "workers/scanner/scanner.h"
#include "common/log.h"
#include "common/num.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Read at most this much of the file: 4096 ranges (IPC_SUBUID_MAX) of the
 * longest lines fit many times over. */
#define SUBUID_FILE_MAX (1 << 20)

/* the table in force, sorted by start, ranges disjoint */
static struct ipc_subuid_entry table[IPC_SUBUID_MAX];
static uint32_t ntable;
/* the one being received (IPC_SUBUID_TABLE batches) */
static struct ipc_subuid_entry next[IPC_SUBUID_MAX];
static uint32_t nnext, next_gen;
static bool next_bad;

/* A decimal uid field ending at its buffer's end. */
static int parse_field_u32(const char *s, size_t len, uint32_t *v)
{
	char buf[16];
	uint64_t x;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (num_parse_uint_max(buf, UINT32_MAX, &x))
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

/* An owner as written: a login name or a uid, no blank, no control. */
static bool owner_ok(const char *s, size_t len)
{
	if (len == 0 || len >= IPC_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

/* One line (without its newline): 0 and *r, 1 for a blank line, -EINVAL
 * when it does not parse. The range must hold at least one uid and never
 * reach uid 4294967295 ((uid_t)-1, "no uid"). */
int parse_subuid_line(const char *line, size_t len, struct ipc_subuid_range *r)
{
	const char *c1, *c2;
	uint32_t start, count;

	if (len == 0)
		return 1;
	if (memchr(line, '\0', len))
		return -EINVAL; /* a NUL would end a number early */
	c1 = memchr(line, ':', len);
	c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line)) : NULL;
	if (!c2 || !owner_ok(line, (size_t)(c1 - line)) ||
	    parse_field_u32(c1 + 1, (size_t)(c2 - c1 - 1), &start) < 0 ||
	    parse_field_u32(c2 + 1, len - (size_t)(c2 + 1 - line), &count) < 0)
		return -EINVAL;
	if (count == 0 || (uint64_t)start + count > UINT32_MAX)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	memcpy(r->owner, line, (size_t)(c1 - line));
	r->start = start;
	r->count = count;
	return 0;
}

/* Up to SUBUID_FILE_MAX bytes of fd, NUL-terminated, cut after its last
 * whole line when the file is longer (*cut is set). */
static char *slurp(int fd, size_t *len, bool *cut)
{
	char *buf = malloc(SUBUID_FILE_MAX + 1);
	size_t have = 0;
	ssize_t n;

	if (!buf)
		return NULL;
	while (have < SUBUID_FILE_MAX &&
	       (n = pread(fd, buf + have, SUBUID_FILE_MAX - have,
			  (off_t)have)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return NULL;
		}
		have += (size_t)n;
	}
	*cut = have == SUBUID_FILE_MAX;
	if (*cut) {
		char *nl = memrchr(buf, '\n', have);
		have = nl ? (size_t)(nl - buf) + 1 : 0;
	}
	buf[have] = '\0';
	*len = have;
	return buf;
}

static void flush(struct ipc_subuid_ranges *m, bool last, scan_send_fn send)
{
	m->last = last;
	send(IPC_SUBUID_RANGES, m, sizeof(*m));
	m->count = 0;
}

/* Parse the file and send every range, the last batch flagged (also for
 * an empty or unreadable file: the supervisor then applies an empty
 * table). Closes fd. */
void subuid_parse_file(int fd, uint32_t generation, scan_send_fn send)
{
	struct ipc_subuid_ranges m = {.generation = generation};
	uint32_t sent = 0;
	size_t len = 0;
	bool cut = false;
	char *buf = slurp(fd, &len, &cut);

	close(fd);
	if (!buf)
		log_warn("subuid file: cannot read it; no subordinate uids");
	else if (cut)
		log_warnx("subuid file: longer than %d bytes; the rest is "
			  "ignored",
			  SUBUID_FILE_MAX);
	for (size_t off = 0; buf && off < len;) {
		const char *line = buf + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t ll = nl ? (size_t)(nl - line) : len - off;
		int r;

		/* by length, not strcspn: the file may hold NUL bytes */
		off += ll + (nl != NULL);
		if (sent == IPC_SUBUID_MAX) {
			m.skipped++;
			continue;
		}
		r = parse_subuid_line(line, ll, &m.range[m.count]);
		if (r < 0)
			m.skipped++;
		if (r != 0)
			continue;
		sent++;
		if (++m.count == IPC_SUBUID_BATCH)
			flush(&m, false, send);
	}
	free(buf);
	flush(&m, true, send);
}

/* A batch of the table; 1 when the last one made it the table in force,
 * 0 while more are expected, -EINVAL when the table is not sorted,
 * disjoint and bounded (then it is dropped whole: the old one stays). */
int subuid_table_add(const struct ipc_subuid_table *t)
{
	if (t->generation != next_gen || nnext == 0) {
		next_gen = t->generation;
		nnext = 0;
		next_bad = false;
	}
	for (uint32_t i = 0; i < t->count && !next_bad; i++) {
		const struct ipc_subuid_entry *e = &t->entry[i];
		const struct ipc_subuid_entry *prev =
		    nnext ? &next[nnext - 1] : NULL;

		if (nnext == IPC_SUBUID_MAX || e->count == 0 ||
		    (uint64_t)e->start + e->count > UINT32_MAX ||
		    (prev && (uint64_t)prev->start + prev->count > e->start))
			next_bad = true;
		else
			next[nnext++] = *e;
	}
	if (!t->last)
		return 0;
	int r = next_bad ? -EINVAL : 1;
	if (!next_bad) {
		memcpy(table, next, nnext * sizeof(next[0]));
		ntable = nnext;
	}
	nnext = 0;
	next_bad = false;
	return r;
}

uid_t charged_uid(uid_t uid)
{
	const struct ipc_subuid_entry *e =
	    ipc_subuid_find(table, ntable, (uint32_t)uid);

	return e ? (uid_t)e->owner : uid;
}

uint32_t subuid_count(void)
{
	return ntable;
}
