/*
 * Parsers for what the scanner reads: /proc/PID/{stat,status,cgroup},
 * cgroup stat files, the online CPU list. All input is untrusted (a
 * process names itself, any user can create processes): buffers are
 * NUL-terminated by the reader, numbers are checked for overflow, and a
 * malformed file is an error for that file only.
 */
#include "workers/scanner/scanner.h"
#include "common/num.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal number with no sign, no leading blanks, no overflow (the
 * common grammar's reader, with the scanner's error codes). */
int parse_u64(const char *s, char **end, uint64_t *v)
{
	size_t n = num_scan_uint(s, SIZE_MAX, UINT64_MAX, v);

	if (n == 0)
		return *s >= '0' && *s <= '9' ? -ERANGE : -EINVAL;
	if (end)
		*end = (char *)s + n;
	return 0;
}

/* Field n (1-based, as in proc(5)) of /proc/PID/stat. The comm field (2)
 * may hold spaces and parentheses, so fields are counted from the LAST
 * ')' of the line: what follows it is field 3 onwards. */
static const char *stat_field(const char *buf, int n)
{
	const char *p = strrchr(buf, ')');

	if (!p || n < 3)
		return NULL;
	p++;
	for (int f = 2; f < n; f++) {
		if (*p != ' ')
			return NULL;
		p++;
		if (f + 1 == n)
			return p;
		p += strcspn(p, " \n");
	}
	return NULL;
}

static int stat_u64(const char *buf, int n, uint64_t *v)
{
	const char *p = stat_field(buf, n);
	char *end;

	if (!p || parse_u64(p, &end, v) < 0 ||
	    (*end != ' ' && *end != '\n' && *end != '\0'))
		return -EINVAL;
	return 0;
}

/* pid (1), utime (14), stime (15), starttime (22). */
int parse_stat(const char *buf, struct proc_info *pi)
{
	uint64_t pid, ut, st, start;

	if (parse_u64(buf, NULL, &pid) < 0 || pid == 0 || pid > INT32_MAX)
		return -EINVAL;
	if (stat_u64(buf, 14, &ut) < 0 || stat_u64(buf, 15, &st) < 0 ||
	    stat_u64(buf, 22, &start) < 0)
		return -EINVAL;
	if (ut > UINT64_MAX - st)
		return -ERANGE;
	pi->pid = (pid_t)pid;
	pi->cpu_ticks = ut + st;
	pi->start_time = start;
	return 0;
}

/* A /proc entry that is a process: a pid in decimal. */
bool parse_pid_name(const char *name, pid_t *pid)
{
	uint64_t v;
	char *end;

	if (parse_u64(name, &end, &v) < 0 || *end || v == 0 || v > INT32_MAX)
		return false;
	*pid = (pid_t)v;
	return true;
}

/* The comm field (2) of /proc/PID/stat: what is between the first '('
 * and the last ')'. Longer than the kernel's 15 bytes: malformed. */
int parse_stat_comm(const char *buf, char *comm, size_t size)
{
	const char *open = strchr(buf, '('), *close = strrchr(buf, ')');
	size_t len;

	if (!open || !close || close < open)
		return -EINVAL;
	len = (size_t)(close - open - 1);
	if (len >= size)
		return -ERANGE;
	memcpy(comm, open + 1, len);
	comm[len] = '\0';
	return 0;
}

/* The real uid: the first number of the "Uid:" line. */
int parse_status_uid(const char *buf, uid_t *uid)
{
	const char *p = buf;
	uint64_t v;

	while (strncmp(p, "Uid:", 4) != 0) {
		p = strchr(p, '\n');
		if (!p)
			return -EINVAL;
		p++;
	}
	p += 4;
	p += strspn(p, " \t");
	if (parse_u64(p, NULL, &v) < 0 || v >= UINT32_MAX)
		return -EINVAL;
	*uid = (uid_t)v;
	return 0;
}

/* user-U or user-U.slice: digits only, no leading zero, fits a uid. */
int parse_user_name(const char *name, bool systemd_names, uid_t *uid)
{
	char *end;
	uint64_t v;

	if (strncmp(name, "user-", 5) != 0)
		return -EINVAL;
	name += 5;
	if (name[0] == '0' && name[1] >= '0' && name[1] <= '9')
		return -EINVAL;
	if (parse_u64(name, &end, &v) < 0 || v >= UINT32_MAX)
		return -EINVAL;
	if (strcmp(end, systemd_names ? ".slice" : "") != 0)
		return -EINVAL;
	*uid = (uid_t)v;
	return 0;
}

int user_name(char *buf, size_t size, bool systemd_names, uid_t uid)
{
	int n = snprintf(buf, size, "user-%u%s", (unsigned)uid,
			 systemd_names ? ".slice" : "");
	return n > 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

bool uid_managed(const struct match *m, uid_t uid)
{
	uint32_t u = (uint32_t)uid;

	if (u < m->min_uid || u == UID_NOBODY || u == UINT32_MAX)
		return false;
	if (m->max_uid && u > m->max_uid)
		return false;
	return !bsearch(&u, m->exempt, m->nexempt, sizeof(u), cmp_u32);
}

/* Is path (one /proc/PID/cgroup line's path, ending at '\n' or NUL)
 * want or below it? */
static bool path_under(const char *path, size_t len, const char *want)
{
	size_t wl = strlen(want);

	if (len < wl || memcmp(path, want, wl) != 0)
		return false;
	return len == wl || path[wl] == '/';
}

/* Does the comma-separated controller list name one we place by? v1: cpu,
 * cpuacct and memory (every hierarchy the backends move a process in). */
static bool v1_wanted(const char *ctl, size_t len)
{
	static const char *const names[] = {"cpu", "cpuacct", "memory"};

	while (len > 0) {
		size_t n = 0;
		while (n < len && ctl[n] != ',')
			n++;
		for (size_t i = 0; i < 3; i++)
			if (strlen(names[i]) == n &&
			    memcmp(ctl, names[i], n) == 0)
				return true;
		ctl += n;
		len -= n;
		if (len) {
			ctl++;
			len--;
		}
	}
	return false;
}

/* One line "ID:CONTROLLERS:PATH": its path (length in *plen) when it is
 * a line we judge by, else NULL. */
static const char *judged_path(const char *line, size_t len,
			       enum ipc_hierarchy hier, size_t *plen)
{
	const char *c1 = memchr(line, ':', len), *c2;

	if (!c1)
		return NULL;
	c2 = memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line));
	if (!c2)
		return NULL;
	size_t clen = (size_t)(c2 - c1 - 1);
	bool v2line = clen == 0 && c1 - line == 1 && line[0] == '0';
	if (hier == HIER_V2 ? !v2line : (v2line || !v1_wanted(c1 + 1, clen)))
		return NULL;
	*plen = len - (size_t)(c2 + 1 - line);
	return c2 + 1;
}

/* Is path <prefix>/user-N.slice, N a number, or below one? */
static bool under_user_slice(const char *path, size_t len, const char *prefix)
{
	size_t pl = strcmp(prefix, "/") == 0 ? 0 : strlen(prefix), d = 0;
	const char *p = path + pl + 6;

	if (len < pl + 6 + 1 + 6 || memcmp(path, prefix, pl) != 0 ||
	    memcmp(path + pl, "/user-", 6) != 0)
		return false;
	while (p + d < path + len && p[d] >= '0' && p[d] <= '9')
		d++;
	if (d == 0 || (size_t)(p + d - path) + 6 > len ||
	    memcmp(p + d, ".slice", 6) != 0)
		return false;
	return (size_t)(p + d + 6 - path) == len || p[d + 6] == '/';
}

/* Does path, or one of its parents, match one of the patterns? '*'
 * crosses '/' (no FNM_PATHNAME), so "* /libpod-*.scope" matches the
 * scope at any depth and the parents catch what runs below it. */
static bool path_exempt(char *path, const struct match *m)
{
	for (size_t len = strlen(path); len > 1;) {
		for (uint32_t i = 0; i < m->npatterns; i++)
			if (fnmatch(m->patterns[i], path, 0) == 0)
				return true;
		char *slash = strrchr(path, '/');
		if (!slash || slash == path)
			break;
		*slash = '\0';
		len = (size_t)(slash - path);
	}
	return false;
}

/* Is the path of any line of /proc/PID/cgroup (any hierarchy: a Slurm
 * job may hold a process in its freezer or cpuset cgroup alone) in an
 * exempt cgroup? */
bool cgroup_exempt(const char *buf, const struct match *m)
{
	char path[4096];

	for (const char *line = buf; *line && m->npatterns;) {
		size_t len = strcspn(line, "\n");
		const char *c1 = memchr(line, ':', len);
		const char *c2 =
		    c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - line))
		       : NULL;
		if (c2) {
			size_t pl = len - (size_t)(c2 + 1 - line);
			if (pl >= sizeof(path))
				pl = sizeof(path) - 1;
			memcpy(path, c2 + 1, pl);
			path[pl] = '\0';
			if (path_exempt(path, m))
				return true;
		}
		line += len;
		if (*line)
			line++;
	}
	return false;
}

/* Every line we judge by: PLACE_IN when its path is under want (or, with
 * want NULL, under any user-N.slice), PLACE_OUT when one is not. */
static enum place judge_paths(const char *buf, const struct match *m,
			      const char *want)
{
	enum place verdict = PLACE_UNKNOWN;

	for (const char *line = buf; *line;) {
		size_t len = strcspn(line, "\n"), plen;
		const char *path = judged_path(line, len, m->hier, &plen);
		if (path) {
			bool in = want
				      ? path_under(path, plen, want)
				      : under_user_slice(path, plen, m->prefix);
			if (!in)
				return PLACE_OUT;
			verdict = PLACE_IN;
		}
		line += len;
		if (*line)
			line++;
	}
	return verdict;
}

static enum place judge_user(const char *buf, const struct match *m, uid_t uid)
{
	char want[IPC_PATH_MAX + 32], name[32];

	if (user_name(name, sizeof(name), m->systemd_names, uid) < 0)
		return PLACE_UNKNOWN;
	snprintf(want, sizeof(want), "%s/%s",
		 strcmp(m->prefix, "/") == 0 ? "" : m->prefix, name);
	return judge_paths(buf, m, want);
}

/* In the cgroup of the user it is charged to (a subordinate uid's owner);
 * a uid in a range that NSS knows is its own user (the supervisor decides
 * at the move), so its own cgroup is a place too; under systemd with
 * user_slices, anywhere below any user-N.slice is. */
static enum place judge_cgroup(const char *buf, const struct match *m,
			       uid_t uid)
{
	uid_t owner = charged_uid(uid);
	enum place p = judge_user(buf, m, owner);

	if (p == PLACE_OUT && owner != uid &&
	    judge_user(buf, m, uid) == PLACE_IN)
		return PLACE_IN;
	if (p == PLACE_OUT && m->user_slices &&
	    judge_paths(buf, m, NULL) == PLACE_IN)
		return PLACE_IN;
	return p;
}

/* Placed when every line we judge by is under <prefix>/<user name>;
 * exempt when it is not but one of its cgroups is exempt. */
enum place parse_cgroup(const char *buf, const struct match *m, uid_t uid)
{
	enum place p = judge_cgroup(buf, m, uid);

	return p == PLACE_OUT && cgroup_exempt(buf, m) ? PLACE_EXEMPT : p;
}

/* "key value" lines (memory.stat, cpu.stat), found by key, never by the
 * line's position: kernels add and reorder keys. */
int parse_key_u64(const char *buf, const char *key, uint64_t *v)
{
	size_t kl = strlen(key);

	for (const char *line = buf; *line;) {
		if (strncmp(line, key, kl) == 0 && line[kl] == ' ') {
			char *end;
			if (parse_u64(line + kl + 1, &end, v) < 0 ||
			    (*end != '\n' && *end != '\0'))
				return -EINVAL;
			return 0;
		}
		line = strchr(line, '\n');
		if (!line)
			break;
		line++;
	}
	return -ENOENT;
}

/* /sys/devices/system/cpu/online: "0-3,6,8-9\n". */
int parse_cpu_list(const char *buf, uint32_t *count)
{
	const char *p = buf;
	uint64_t n = 0;

	while (*p && *p != '\n') {
		uint64_t lo, hi;
		char *end;
		if (parse_u64(p, &end, &lo) < 0)
			return -EINVAL;
		hi = lo;
		if (*end == '-' && parse_u64(end + 1, &end, &hi) < 0)
			return -EINVAL;
		if (hi < lo || hi - lo >= (1u << 20))
			return -EINVAL;
		n += hi - lo + 1;
		p = end;
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	if (n == 0 || n > UINT32_MAX)
		return -EINVAL;
	*count = (uint32_t)n;
	return 0;
}

/* The setup comes from the supervisor, but a bad prefix would only make
 * every process look misplaced: check it like any other input. */
int match_from_setup(struct match *m, const struct ipc_scan_setup *s)
{
	size_t len = strnlen(s->prefix, sizeof(s->prefix));

	if (s->prefix[0] != '/' || strstr(s->prefix, "/..") ||
	    strchr(s->prefix, '\n') || s->nexempt > IPC_EXEMPT_MAX)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->hier = (enum ipc_hierarchy)s->hierarchy;
	m->systemd_names = s->systemd_names != 0;
	m->user_slices = m->systemd_names && s->user_slices != 0;
	m->min_uid = s->min_uid;
	m->max_uid = s->max_uid;
	m->nexempt = s->nexempt;
	memcpy(m->exempt, s->exempt, s->nexempt * sizeof(s->exempt[0]));
	qsort(m->exempt, m->nexempt, sizeof(m->exempt[0]), cmp_u32);
	while (len > 1 && s->prefix[len - 1] == '/')
		len--;
	memcpy(m->prefix, s->prefix, len);
	m->prefix[len] = '\0';
	return 0;
}

/* /proc/meminfo: "MemTotal:       16316412 kB". */
int parse_meminfo_total(const char *buf, uint64_t *bytes)
{
	const char *p = buf;
	uint64_t kb;
	char *end;

	while (strncmp(p, "MemTotal:", 9) != 0) {
		p = strchr(p, '\n');
		if (!p)
			return -ENOENT;
		p++;
	}
	p += 9;
	p += strspn(p, " \t");
	if (parse_u64(p, &end, &kb) < 0 || strncmp(end, " kB", 3) != 0 ||
	    kb > UINT64_MAX / 1024)
		return -EINVAL;
	*bytes = kb * 1024;
	return 0;
}
