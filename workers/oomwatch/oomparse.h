/*
 * What the OOM watchers read, parsed: the oom_kill counter of
 * memory.oom_control (v1) or memory.events (v2), and the kernel's OOM
 * report in /dev/kmsg records. Pure code (no I/O), so that the unit tests
 * feed it real kernel text.
 *
 * All of it is untrusted-ish text: bounded, no assumption that a field is
 * where it should be, and a kernel line that is ambiguous (a cgroup or task
 * name that contains a key of the line) yields less detail, never detail
 * that belongs to someone else.
 */
#ifndef CGFAIR_OOMPARSE_H
#define CGFAIR_OOMPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ipc/ipc.h"

/* Find the line "KEY VALUE" in text (len bytes, no NUL needed) and parse
 * VALUE as a decimal uint64. 0, or -1 when the key is missing or its value
 * is not a number. "oom_kill" never matches "oom_kill_disable". */
int oom_parse_counter(const char *text, size_t len, const char *key,
		      uint64_t *value);

/* One /dev/kmsg record: "PRIO,SEQ,USEC,FLAGS[,...];TEXT\n[ KEY=VAL\n]..." */
struct kmsg_record {
	unsigned prio; /* facility << 3 | level; the kernel's is < 8 */
	uint64_t seq;
	uint64_t usec;	  /* since boot, the kernel's clock */
	const char *text; /* the message, not NUL-terminated */
	size_t len;
};

/* Split one record as read(2) returned it. 0, or -1 when malformed. */
int kmsg_split(const char *buf, size_t n, struct kmsg_record *r);

/* The state of the kmsg reader between records: the last OOM summary
 * ("oom-kill:...") waits for the "Killed process" line that follows it. */
struct oom_kmsg_state {
	bool have_summary;
	uint64_t summary_seq;
	size_t summary_len;
	char summary[1024]; /* the summary line as the kernel wrote it */
};

/* Feed one record. True when it completed a victim: *v is filled, except
 * mono_usec (the caller's clock). Records of any other kind return false. */
bool oom_kmsg_feed(struct oom_kmsg_state *st, const struct kmsg_record *r,
		   struct ipc_oom_victim *v);

/* Decode the kernel's \xNN escapes of /dev/kmsg into out (always
 * NUL-terminated, truncated to size - 1). Returns the decoded length. */
size_t kmsg_unescape(const char *in, size_t len, char *out, size_t size);

#endif
