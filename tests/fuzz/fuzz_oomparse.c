/*
 * libFuzzer target for the OOM watcher's parsers: /dev/kmsg records (the
 * kernel's OOM report, whose task and cgroup names users choose) and the
 * counter files. The input is split into records at '\n\n' and fed in
 * order, so a summary and its "Killed process" line meet. A victim must
 * come out with terminated strings; nothing may crash or read out of
 * bounds (ASan).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workers/oomwatch/oomparse.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_oomparse: %s\n", what);
		abort();
	}
}

static void feed(struct oom_kmsg_state *st, const char *rec, size_t n)
{
	struct kmsg_record r;
	struct ipc_oom_victim v;
	char out[64];

	if (kmsg_split(rec, n, &r) < 0)
		return;
	check(r.text >= rec && r.text + r.len <= rec + n, "text in bounds");
	check(kmsg_unescape(r.text, r.len, out, sizeof(out)) < sizeof(out),
	      "unescape bound");
	memset(&v, 0, sizeof(v));
	if (oom_kmsg_feed(st, &r, &v)) {
		check(memchr(v.comm, '\0', sizeof(v.comm)) != NULL, "comm");
		check(memchr(v.memcg, '\0', sizeof(v.memcg)) != NULL, "memcg");
		check(memchr(v.task_memcg, '\0', sizeof(v.task_memcg)) != NULL,
		      "task_memcg");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct oom_kmsg_state st = {0};
	const char *p = (const char *)data, *end = p + size;
	uint64_t v;

	(void)oom_parse_counter(p, size, "oom_kill", &v);
	while (p < end) {
		const char *sep = memmem(p, (size_t)(end - p), "\n\n", 2);
		size_t n = sep ? (size_t)(sep - p) + 1 : (size_t)(end - p);
		/* a copy of exactly n bytes: ASan sees any overread */
		char *rec = malloc(n ? n : 1);
		if (!rec)
			return 0;
		memcpy(rec, p, n);
		feed(&st, rec, n);
		free(rec);
		p += n + (sep ? 1 : 0);
	}
	return 0;
}
