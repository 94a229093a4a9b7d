/*
 * Parsing of the oom_kill counters and of the kernel's OOM report.
 *
 * The kernel (mm/oom_kill.c, 6.1 to 6.18) writes, for one kill:
 *   dump_oom_summary():   "oom-kill:constraint=C,nodemask=N,cpuset=S,
 *                          mems_allowed=M,oom_memcg=P|global_oom,
 *                          task_memcg=P,task=COMM,pid=N,uid=N"
 *   __oom_kill_process(): "<why>: Killed process N (COMM) total-vm:NkB,
 *                          anon-rss:NkB, file-rss:NkB, shmem-rss:NkB,
 *                          UID:N pgtables:NkB oom_score_adj:N"
 * The summary is part of dump_header(), which is rate-limited (10 per 5 s):
 * in a burst only the "Killed process" line comes, and the victim is then
 * reported without a memcg path (the supervisor falls back to its uid).
 *
 * COMM and cgroup names are chosen by users and may contain the keys of
 * the line (",pid=", ") total-vm:"), so fields are found from the end of
 * the line where the kernel's own text follows them, the summary is tied
 * to its victim by the exact suffix ",task=COMM,pid=N,uid=N", and a key
 * that appears twice makes the memcg paths unknown rather than guessed.
 */
#include "workers/oomwatch/oomparse.h"
#include "common/num.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

/* --- bounded string helpers (slices, no NUL needed) ---------------------- */

static bool has_prefix(const char *s, size_t n, const char *p)
{
	size_t pl = strlen(p);
	return n >= pl && memcmp(s, p, pl) == 0;
}

static bool has_suffix(const char *s, size_t n, const char *p, size_t pl)
{
	return n >= pl && memcmp(s + n - pl, p, pl) == 0;
}

/* Offset of the first (last) occurrence of needle in s[0..n), or -1. */
static long find_first(const char *s, size_t n, const char *needle)
{
	const char *p = memmem(s, n, needle, strlen(needle));
	return p ? (long)(p - s) : -1;
}

static long find_last(const char *s, size_t n, const char *needle)
{
	size_t nl = strlen(needle);

	if (nl == 0 || nl > n)
		return -1;
	for (size_t i = n - nl + 1; i-- > 0;)
		if (memcmp(s + i, needle, nl) == 0)
			return (long)i;
	return -1;
}

static unsigned count(const char *s, size_t n, const char *needle)
{
	unsigned c = 0;
	long at;

	while ((at = find_first(s, n, needle)) >= 0) {
		c++;
		s += at + 1;
		n -= (size_t)at + 1;
	}
	return c;
}

/* Decimal digits only, at least one, no overflow. */
static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
	return n > 0 && num_scan_uint(s, n, UINT64_MAX, out) == n;
}

/* Length of the run of digits at s (at most n). */
static size_t digits(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* Parse "DIGITS" at *s and advance past it. */
static bool take_u64(const char **s, size_t *n, uint64_t *out)
{
	size_t d = digits(*s, *n);
	if (!parse_u64(*s, d, out))
		return false;
	*s += d;
	*n -= d;
	return true;
}

/* Match the literal lit at *s and advance past it. */
static bool take_lit(const char **s, size_t *n, const char *lit)
{
	size_t l = strlen(lit);
	if (!has_prefix(*s, *n, lit))
		return false;
	*s += l;
	*n -= l;
	return true;
}

/* Copy a slice into a bounded string; false when it does not fit. */
static bool copy_slice(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

/* --- counters ------------------------------------------------------------ */

int oom_parse_counter(const char *text, size_t len, const char *key,
		      uint64_t *value)
{
	size_t kl = strlen(key);
	size_t pos = 0;

	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - line) : len - pos;

		if (ll > kl && memcmp(line, key, kl) == 0 && line[kl] == ' ')
			return parse_u64(line + kl + 1, ll - kl - 1, value)
				   ? 0
				   : -1;
		pos += ll + 1;
	}
	return -1;
}

/* --- /dev/kmsg records --------------------------------------------------- */

int kmsg_split(const char *buf, size_t n, struct kmsg_record *r)
{
	const char *semi = memchr(buf, ';', n < 256 ? n : 256);
	const char *s = buf;
	size_t hn;
	uint64_t prio;

	if (!semi)
		return -1;
	hn = (size_t)(semi - buf);
	/* "PRIO,SEQ,USEC,FLAGS" and maybe ",caller=T123" and more */
	if (!take_u64(&s, &hn, &prio) || prio > 1023 ||
	    !take_lit(&s, &hn, ",") || !take_u64(&s, &hn, &r->seq) ||
	    !take_lit(&s, &hn, ",") || !take_u64(&s, &hn, &r->usec) ||
	    !take_lit(&s, &hn, ","))
		return -1;
	r->prio = (unsigned)prio;
	r->text = semi + 1;
	r->len = n - (size_t)(semi + 1 - buf);
	const char *nl = memchr(r->text, '\n', r->len);
	if (nl)
		r->len = (size_t)(nl - r->text);
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t kmsg_unescape(const char *in, size_t len, char *out, size_t size)
{
	size_t o = 0;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < len && o + 1 < size; i++) {
		if (in[i] == '\\' && i + 3 < len && in[i + 1] == 'x' &&
		    hexval(in[i + 2]) >= 0 && hexval(in[i + 3]) >= 0) {
			out[o++] =
			    (char)(hexval(in[i + 2]) * 16 + hexval(in[i + 3]));
			i += 3;
		} else {
			out[o++] = in[i];
		}
	}
	out[o] = '\0';
	return o;
}

/* --- the OOM report ------------------------------------------------------ */

struct killed {
	uint64_t pid, uid;
	bool has_uid;
	const char *comm; /* escaped, as in the line */
	size_t comm_len;
	uint64_t rss_kb;
};

/* The reasons __oom_kill_process() is called with. */
static bool known_reason(const char *s, size_t n)
{
	static const char *const reasons[] = {
	    "Memory cgroup out of memory",
	    "Out of memory",
	    "Out of memory (oom_kill_allocating_task)",
	};
	for (size_t i = 0; i < sizeof(reasons) / sizeof(*reasons); i++)
		if (n == strlen(reasons[i]) && memcmp(s, reasons[i], n) == 0)
			return true;
	return false;
}

/* " total-vm:NkB, anon-rss:NkB, file-rss:NkB, shmem-rss:NkB[, UID:N ...]" */
static bool parse_killed_tail(const char *s, size_t n, struct killed *k)
{
	uint64_t vm, anon, file, shmem;

	if (!take_lit(&s, &n, ") total-vm:") || !take_u64(&s, &n, &vm) ||
	    !take_lit(&s, &n, "kB, anon-rss:") || !take_u64(&s, &n, &anon) ||
	    !take_lit(&s, &n, "kB, file-rss:") || !take_u64(&s, &n, &file) ||
	    !take_lit(&s, &n, "kB, shmem-rss:") || !take_u64(&s, &n, &shmem) ||
	    !take_lit(&s, &n, "kB"))
		return false;
	k->rss_kb = anon;
	k->rss_kb =
	    k->rss_kb + file < k->rss_kb ? UINT64_MAX : k->rss_kb + file;
	k->rss_kb =
	    k->rss_kb + shmem < k->rss_kb ? UINT64_MAX : k->rss_kb + shmem;
	k->has_uid = take_lit(&s, &n, ", UID:") && take_u64(&s, &n, &k->uid) &&
		     k->uid <= UINT32_MAX - 1;
	return true;
}

static bool parse_killed(const char *s, size_t n, struct killed *k)
{
	long at = find_first(s, n, ": Killed process ");
	long tail;

	if (at < 0 || !known_reason(s, (size_t)at))
		return false;
	s += at + 17;
	n -= (size_t)at + 17;
	if (!take_u64(&s, &n, &k->pid) || k->pid == 0 || k->pid > INT_MAX ||
	    !take_lit(&s, &n, " ("))
		return false;
	/* COMM may contain ") total-vm:"; the kernel's own one is the last */
	tail = find_last(s, n, ") total-vm:");
	if (tail < 0)
		return false;
	k->comm = s;
	k->comm_len = (size_t)tail;
	return parse_killed_tail(s + tail, n - (size_t)tail, k);
}

/* The two memcg paths of a summary stripped of its ",task=..." suffix:
 * "oom-kill:...,oom_memcg=P,task_memcg=P" or "...,global_oom,task_memcg=P".
 * A key seen twice (a cgroup named after it) leaves both unknown. */
static void summary_paths(const char *s, size_t n, struct ipc_oom_victim *v)
{
	unsigned noom = count(s, n, ",oom_memcg=");
	long tm = find_first(s, n, ",task_memcg=");

	if (count(s, n, ",task_memcg=") != 1 || noom > 1)
		return;
	if (noom == 1) {
		long om = find_first(s, n, ",oom_memcg=");
		if (om + 11 > tm ||
		    !copy_slice(v->memcg, sizeof(v->memcg), s + om + 11,
				(size_t)(tm - om - 11)))
			return;
	} else if (count(s, n, ",global_oom") != 1) {
		return;
	}
	if (!copy_slice(v->task_memcg, sizeof(v->task_memcg), s + tm + 12,
			n - (size_t)tm - 12))
		v->memcg[0] = '\0';
}

/* Use the waiting summary when it is this victim's: it must end in exactly
 * ",task=COMM,pid=PID,uid=UID" as the "Killed process" line gives them. */
static void attach_summary(struct oom_kmsg_state *st, const struct killed *k,
			   struct ipc_oom_victim *v)
{
	char tail[128];
	int tl;

	if (!st->have_summary || !k->has_uid || k->comm_len > 64)
		return;
	st->have_summary = false;
	tl = snprintf(tail, sizeof(tail), ",task=%.*s,pid=%llu,uid=%llu",
		      (int)k->comm_len, k->comm, (unsigned long long)k->pid,
		      (unsigned long long)k->uid);
	if (tl <= 0 || (size_t)tl >= sizeof(tail) ||
	    !has_suffix(st->summary, st->summary_len, tail, (size_t)tl))
		return;
	summary_paths(st->summary, st->summary_len - (size_t)tl, v);
}

bool oom_kmsg_feed(struct oom_kmsg_state *st, const struct kmsg_record *r,
		   struct ipc_oom_victim *v)
{
	struct killed k = {0};

	if (r->prio >= 8) /* facility 0 only: user space cannot forge it */
		return false;
	if (has_prefix(r->text, r->len, "oom-kill:")) {
		st->have_summary = r->len < sizeof(st->summary);
		if (st->have_summary) {
			memcpy(st->summary, r->text, r->len);
			st->summary_len = r->len;
			st->summary_seq = r->seq;
		}
		return false;
	}
	if (!parse_killed(r->text, r->len, &k))
		return false;
	memset(v, 0, sizeof(*v));
	v->pid = (uint32_t)k.pid;
	v->uid = k.has_uid ? (uint32_t)k.uid : UINT32_MAX;
	v->rss_kb = k.rss_kb;
	kmsg_unescape(k.comm, k.comm_len, v->comm, sizeof(v->comm));
	attach_summary(st, &k, v);
	st->have_summary = false;
	return true;
}
