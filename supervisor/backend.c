/*
 * The backend interface: picks an implementation, and holds what they all
 * share: the mountinfo parser and the path-safety helpers.
 *
 * Every file the direct backends write is reached from a mount point's
 * dirfd with openat(), one path component at a time, with O_NOFOLLOW and
 * O_CLOEXEC, and names made only of the subtree (checked once) and numeric
 * uids. A symlink planted in the managed subtree makes the open fail
 * (ELOOP); a directory on another file system (a bind mount) is refused.
 */
#include "supervisor/backend_impl.h"
#include "common/log.h"
#include "common/num.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

static struct bk_config bk;

static const struct backend_ops *ops;

/* --- mountinfo ----------------------------------------------------------- */

/* mountinfo escapes blanks and backslashes as \ooo. */
static void unescape(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' &&
		    s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 +
				      (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

static bool path_under(const char *path, const char *under)
{
	size_t n = strlen(under);

	while (n > 1 && under[n - 1] == '/')
		n--;
	if (n == 1 && under[0] == '/')
		return path[0] == '/';
	return strncmp(path, under, n) == 0 &&
	       (path[n] == '\0' || path[n] == '/');
}

static bool has_option(const char *opts, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = opts; p && *p;) {
		if (strncmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return true;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return false;
}

static void keep_first(char *slot, const char *mnt)
{
	if (!slot[0])
		snprintf(slot, PATH_MAX, "%s", mnt);
}

/* One line: ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE
 * SOURCE SUPEROPTS. v1 controllers are in the super options. */
static void parse_mount_line(char *line, const char *under, struct cg_mounts *m)
{
	char *field[6] = {0}, *save = NULL, *tok;
	int n = 0;

	for (tok = strtok_r(line, " \n", &save); tok && n < 5;
	     tok = strtok_r(NULL, " \n", &save))
		field[n++] = tok;
	if (n < 5)
		return;
	while (tok && strcmp(tok, "-") != 0)
		tok = strtok_r(NULL, " \n", &save);
	if (!tok)
		return;
	char *fstype = strtok_r(NULL, " \n", &save);
	char *source = strtok_r(NULL, " \n", &save);
	char *super = strtok_r(NULL, " \n", &save);
	if (!fstype || !source || !super)
		return;
	char *mnt = field[4];
	unescape(mnt);
	if (strlen(mnt) >= PATH_MAX || !path_under(mnt, under))
		return;
	if (strcmp(fstype, "cgroup2") == 0) {
		keep_first(m->v2, mnt);
	} else if (strcmp(fstype, "cgroup") == 0) {
		if (has_option(super, "cpu"))
			keep_first(m->cpu, mnt);
		if (has_option(super, "cpuacct"))
			keep_first(m->cpuacct, mnt);
		if (has_option(super, "memory"))
			keep_first(m->memory, mnt);
		if (has_option(super, "pids"))
			keep_first(m->pids, mnt);
		if (has_option(super, "blkio"))
			keep_first(m->blkio, mnt);
	}
}

int cg_parse_mountinfo(const char *file, const char *under, struct cg_mounts *m)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	memset(m, 0, sizeof(*m));
	f = fopen(file, "re");
	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0)
		parse_mount_line(line, under, m);
	free(line);
	fclose(f);
	return 0;
}

bool cg_subtree_valid(const char *s)
{
	size_t len = 0;

	if (!s || !*s || strlen(s) >= 200)
		return false;
	for (const char *p = s;; p++) {
		if (*p == '/' || *p == '\0') {
			/* an empty, "." or ".." component */
			if (len == 0 || (len == 1 && p[-1] == '.') ||
			    (len == 2 && p[-1] == '.' && p[-2] == '.'))
				return false;
			if (*p == '\0')
				return true;
			len = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return false;
		len++;
	}
}

/* --- the managed tree ---------------------------------------------------- */

static int dir_from_fd(int fd, const char *path, struct cg_dir *out)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	out->fd = fd;
	out->dev = st.st_dev;
	snprintf(out->path, sizeof(out->path), "%s", path);
	return 0;
}

int cg_open_mount(const char *path, struct cg_dir *out)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	*out = (struct cg_dir)CG_DIR_INIT;
	if (fd < 0)
		return -errno;
	return dir_from_fd(fd, path, out);
}

static int make_dir(const struct cg_dir *parent, const char *name,
		    const char *path)
{
	if (bk.dry_run) {
		log_info("dry-run: would create %s", path);
		return 0;
	}
	if (mkdirat(parent->fd, name, 0755) == 0)
		log_debug("created %s", path);
	else if (errno != EEXIST)
		return -errno;
	return 0;
}

int cg_open_child(const struct cg_dir *parent, const char *name, bool create,
		  struct cg_dir *out)
{
	char path[PATH_MAX];
	int fd, r;

	*out = (struct cg_dir)CG_DIR_INIT;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", parent->path, name) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	if (parent->fd < 0) { /* dry run: the parent is not there either */
		if (create)
			log_info("dry-run: would create %s", path);
		goto absent;
	}
	if (create && (r = make_dir(parent, name, path)) < 0)
		return r;
	fd = openat(parent->fd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT && bk.dry_run)
			goto absent;
		if (r == -ELOOP || r == -ENOTDIR)
			log_warnx("%s: not a directory (a symlink?): refused",
				  path);
		return r;
	}
	r = dir_from_fd(fd, path, out);
	if (r == 0 && out->dev != parent->dev) {
		log_warnx("%s: on another file system: refused", path);
		cg_close(out);
		return -EXDEV;
	}
	return r;
absent:
	snprintf(out->path, sizeof(out->path), "%s", path);
	return 0;
}

/* Walk a relative path of plain names from mnt, one openat each. */
static int open_rel(const struct cg_dir *mnt, const char *rel, bool create,
		    struct cg_dir *out)
{
	char buf[PATH_MAX], *save = NULL;
	struct cg_dir cur = *mnt, next;
	bool owned = false;
	int r = 0;

	snprintf(buf, sizeof(buf), "%s", rel);
	for (char *c = strtok_r(buf, "/", &save); c;
	     c = strtok_r(NULL, "/", &save)) {
		r = cg_open_child(&cur, c, create, &next);
		if (owned)
			cg_close(&cur);
		if (r < 0)
			return r;
		cur = next;
		owned = true;
	}
	*out = cur;
	return owned ? 0 : -EINVAL;
}

int cg_open_subtree(const struct cg_dir *mnt, bool create, struct cg_dir *out)
{
	return open_rel(mnt, bk.subtree, create, out);
}

void cg_user_name(uid_t uid, char *buf, size_t len)
{
	snprintf(buf, len, "user-%u", (unsigned)uid);
}

int cg_open_user(const struct cg_dir *mnt, uid_t uid, bool create,
		 struct cg_dir *out)
{
	struct cg_dir sub;
	char name[32];
	int r;

	*out = (struct cg_dir)CG_DIR_INIT;
	if (uid == (uid_t)-1)
		return -EINVAL;
	r = cg_open_subtree(mnt, create, &sub);
	if (r < 0)
		return r;
	cg_user_name(uid, name, sizeof(name));
	r = cg_open_child(&sub, name, create, out);
	cg_close(&sub);
	return r;
}

void cg_close(struct cg_dir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

bool cg_parse_user_name(const char *name, const char *prefix,
			const char *suffix, uid_t *uid)
{
	size_t np = strlen(prefix), ns = strlen(suffix), n = strlen(name);
	uint64_t v;

	if (n <= np + ns || strncmp(name, prefix, np) != 0 ||
	    strcmp(name + n - ns, suffix) != 0)
		return false;
	if (name[np] == '0' && n - ns - np > 1)
		return false;
	if (num_scan_uint(name + np, n - ns - np, UINT32_MAX - 1u, &v) !=
	    n - ns - np)
		return false;
	*uid = (uid_t)v;
	return true;
}

static int write_all(int fd, const char *value)
{
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int cg_write(const struct cg_dir *d, const char *file, const char *value)
{
	char path[PATH_MAX + 64];
	int fd, r;

	snprintf(path, sizeof(path), "%s/%s", d->path, file);
	if (bk.dry_run) {
		log_info("dry-run: would write %s to %s", value, path);
		return 0;
	}
	/* never O_CREAT: a missing control file is an error */
	fd = openat(d->fd, file, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
	} else {
		r = write_all(fd, value);
		close(fd);
	}
	if (r < 0)
		log_warnx("write %s to %s: %s", value, path, strerror(-r));
	else
		log_debug("wrote %s to %s", value, path);
	return r;
}

int cg_write_u64(const struct cg_dir *d, const char *file, uint64_t v,
		 const char *none_word)
{
	char buf[32];

	if (v == LIMIT_NONE)
		return cg_write(d, file, none_word);
	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return cg_write(d, file, buf);
}

int cg_read(const struct cg_dir *d, const char *file, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	if (d->fd < 0)
		return -ENOENT;
	fd = openat(d->fd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	close(fd);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

int cg_parse_u64(const char *s, uint64_t *v)
{
	uint64_t x;
	size_t n;

	while (*s == ' ')
		s++;
	if (strcmp(s, "max") == 0 || strcmp(s, "-1") == 0) {
		*v = LIMIT_NONE;
		return 0;
	}
	n = num_scan_uint(s, SIZE_MAX, UINT64_MAX, &x);
	if (n == 0 || (s[n] && s[n] != '\n' && s[n] != ' '))
		return -EINVAL;
	/* v1 shows "no limit" as PAGE_COUNTER_MAX pages in bytes */
	*v = x >= (UINT64_C(1) << 62) ? LIMIT_NONE : x;
	return 0;
}

int cg_read_u64(const struct cg_dir *d, const char *file, uint64_t *v)
{
	char buf[64];
	int r = cg_read(d, file, buf, sizeof(buf));

	return r < 0 ? r : cg_parse_u64(buf, v);
}

int cg_parse_key(const char *text, const char *key, uint64_t *v)
{
	size_t n = strlen(key);

	for (const char *p = text; p && *p;) {
		if (strncmp(p, key, n) == 0 && p[n] == ' ')
			return cg_parse_u64(p + n + 1, v);
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENODATA;
}

int cg_read_key(const struct cg_dir *d, const char *file, const char *key,
		uint64_t *v)
{
	char buf[4096];
	int r = cg_read(d, file, buf, sizeof(buf));

	return r < 0 ? r : cg_parse_key(buf, key, v);
}

bool cg_has_file(const struct cg_dir *d, const char *file)
{
	return d->fd >= 0 &&
	       faccessat(d->fd, file, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

uint64_t cg_dir_ino(const struct cg_dir *d)
{
	struct stat st;
	return d->fd >= 0 && fstat(d->fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

int cg_open_ro(const struct cg_dir *d, const char *file)
{
	int fd;

	if (d->fd < 0)
		return -ENOENT;
	fd = openat(d->fd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static int remove_dir(const struct cg_dir *parent, const char *name)
{
	char path[PATH_MAX + 64];
	int r;

	snprintf(path, sizeof(path), "%s/%s", parent->path, name);
	if (bk.dry_run) {
		log_info("dry-run: would remove %s", path);
		return 0;
	}
	/* AT_REMOVEDIR on a symlink fails (ENOTDIR): nothing followed */
	r = unlinkat(parent->fd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
	if (r == 0)
		log_debug("removed %s", path);
	return r;
}

int cg_remove_user(const struct cg_dir *mnt, uid_t uid)
{
	struct cg_dir sub;
	char name[32];
	int r;

	r = cg_open_subtree(mnt, false, &sub);
	if (r < 0 || sub.fd < 0)
		return r == -ENOENT ? 0 : r;
	cg_user_name(uid, name, sizeof(name));
	r = remove_dir(&sub, name);
	cg_close(&sub);
	return r == -ENOENT ? 0 : r;
}

void cg_remove_subtree(const struct cg_dir *mnt)
{
	char buf[PATH_MAX], *slash;
	struct cg_dir parent;
	int r;

	/* the innermost component first, then its parents while empty */
	snprintf(buf, sizeof(buf), "%s", bk.subtree);
	while ((slash = strrchr(buf, '/'))) {
		*slash = '\0';
		if (open_rel(mnt, buf, false, &parent) < 0 || parent.fd < 0)
			return;
		r = remove_dir(&parent, slash + 1);
		cg_close(&parent);
		if (r < 0 && r != -ENOENT)
			goto kept;
	}
	r = remove_dir(mnt, buf);
	if (r < 0 && r != -ENOENT)
		goto kept;
	return;
kept:
	/* kernfs makes a hierarchy's root directory 0555: without
	 * CAP_DAC_OVERRIDE the empty subtree stays (it is made at start,
	 * before the supervisor drops that capability) */
	if (r == -EACCES || r == -EPERM)
		log_info("%s/%s kept: %s (its parent is read-only without "
			 "CAP_DAC_OVERRIDE)",
			 mnt->path, bk.subtree, strerror(-r));
	else
		log_debug("%s/%s kept: %s", mnt->path, bk.subtree,
			  strerror(-r));
}

int cg_foreach_user(const struct cg_dir *mnt, void (*fn)(uid_t uid, void *arg),
		    void *arg)
{
	struct cg_dir sub;
	struct dirent *de;
	DIR *d;
	uid_t uid;
	int r, fd;

	r = cg_open_subtree(mnt, false, &sub);
	if (r < 0 || sub.fd < 0)
		return r == -ENOENT ? 0 : r;
	fd = dup(sub.fd);
	cg_close(&sub);
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)))
		if (de->d_type == DT_DIR &&
		    cg_parse_user_name(de->d_name, "user-", "", &uid))
			fn(uid, arg);
	closedir(d);
	return 0;
}

/* Out of line so that the compiler cannot see the sizes: callers log a
 * truncation instead of a -Wformat-truncation build error. */
__attribute__((noinline)) bool cg_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (size == 0)
		return false;
	if (n >= size) {
		log_warnx("\"%.40s...\": longer than %zu bytes: cut", src,
			  size - 1);
		n = size - 1;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n == strlen(src);
}

/* --- arithmetic ---------------------------------------------------------- */

uint64_t mem_step(uint64_t target, uint64_t usage, uint64_t in_force)
{
	uint64_t floor;

	if (target == LIMIT_NONE || target >= usage)
		return target;
	floor = usage > LIMIT_NONE - MEM_STEP_ROUND
		    ? usage
		    : (usage + MEM_STEP_ROUND - 1) / MEM_STEP_ROUND *
			  MEM_STEP_ROUND;
	/* lowering never raises what is in force on the way */
	if (in_force != LIMIT_NONE && floor > in_force)
		floor = in_force;
	return floor > target ? floor : target;
}

uint64_t weight_to_shares(uint64_t weight)
{
	uint64_t s = weight > 10000 ? 10240 : 1024 * weight / 100;

	return s < 2 ? 2 : s > 262144 ? 262144 : s;
}

uint64_t shares_to_weight(uint64_t shares)
{
	uint64_t w = (shares * 100 + 512) / 1024;

	return w < 1 ? 1 : w > 10000 ? 10000 : w;
}

uint64_t memsw_of(const struct mem_limit *l)
{
	if (l->max == LIMIT_NONE || l->swap_max == LIMIT_NONE ||
	    l->swap_max > LIMIT_NONE - 1 - l->max)
		return LIMIT_NONE;
	return l->max + l->swap_max;
}

uint64_t cpu_period_of(const struct cpu_limit *l)
{
	uint64_t p = l->period_usec ? l->period_usec : 100000;

	return p < 1000 ? 1000 : p > 1000000 ? 1000000 : p;
}

uint64_t cpu_quota_of(const struct cpu_limit *l)
{
	if (l->quota_usec == LIMIT_NONE)
		return LIMIT_NONE;
	return l->quota_usec < 1000 ? 1000 : l->quota_usec;
}

/* --- selection ----------------------------------------------------------- */

bool cg_v2_has(const char *mnt, const char *ctrl)
{
	char buf[512], padded[520], pat[32];
	struct cg_dir d;
	int r;

	if (!mnt[0] || cg_open_mount(mnt, &d) < 0)
		return false;
	r = cg_read(&d, "cgroup.controllers", buf, sizeof(buf));
	cg_close(&d);
	if (r < 0)
		return false;
	snprintf(pat, sizeof(pat), " %s ", ctrl);
	snprintf(padded, sizeof(padded), " %s ", buf);
	return strstr(padded, pat) != NULL;
}

/* cgroupfs: direct writes, the hierarchy with cpu and memory (v2 first);
 * auto: the same, unless systemd is PID 1 */
static const struct backend_ops *pick_direct(const struct cg_mounts *m,
					     char *err, size_t errlen)
{
	if (cg_v2_has(m->v2, "cpu") && cg_v2_has(m->v2, "memory"))
		return &backend_cgroup2_ops;
	if (m->cpu[0] && m->memory[0])
		return &backend_cgroup1_ops;
	snprintf(err, errlen,
		 "no cgroup hierarchy under %s has both cpu and memory "
		 "(cgroup2: %s; cgroup1: cpu %s, memory %s)",
		 bk.mount, m->v2[0] ? "mounted, not both" : "not mounted",
		 m->cpu[0] ? "mounted" : "missing",
		 m->memory[0] ? "mounted" : "missing");
	return NULL;
}

static const struct backend_ops *
pick(const char *which, const struct cg_mounts *m, char *err, size_t errlen)
{
	if (!which || strcmp(which, "auto") == 0)
		return sd_booted() > 0 ? &backend_systemd_ops
				       : pick_direct(m, err, errlen);
	if (strcmp(which, "cgroupfs") == 0)
		return pick_direct(m, err, errlen);
	if (strcmp(which, "systemd") == 0)
		return &backend_systemd_ops;
	if (strcmp(which, "cgroup2") == 0)
		return &backend_cgroup2_ops;
	if (strcmp(which, "cgroup1") == 0)
		return &backend_cgroup1_ops;
	snprintf(err, errlen,
		 "unknown backend \"%s\" (auto, systemd, cgroupfs, "
		 "cgroup2, cgroup1)",
		 which);
	return NULL;
}

static int copy_params(const struct backend_params *p, char *err, size_t errlen)
{
	const char *subtree = p->subtree ? p->subtree : "cgfair";
	const char *mount = p->mount ? p->mount : "/sys/fs/cgroup";

	if (!cg_subtree_valid(subtree)) {
		snprintf(err, errlen,
			 "subtree \"%s\": use names of letters, digits, . _ - "
			 "separated by /",
			 subtree);
		return -1;
	}
	if (mount[0] != '/' || strlen(mount) >= sizeof(bk.mount) - 1) {
		snprintf(err, errlen, "mount \"%s\": not an absolute path",
			 mount);
		return -1;
	}
	memset(&bk, 0, sizeof(bk));
	snprintf(bk.subtree, sizeof(bk.subtree), "%s", subtree);
	snprintf(bk.mount, sizeof(bk.mount), "%s", mount);
	bk.dry_run = p->dry_run;
	bk.event = p->event;
	return 0;
}

int backend_init(const struct backend_params *p, char *err, size_t errlen)
{
	const char *mi = p->mountinfo ? p->mountinfo : "/proc/self/mountinfo";
	static struct cg_mounts m;
	const struct backend_ops *o;
	int r;

	backend_fini();
	if (copy_params(p, err, errlen) < 0)
		return -EINVAL;
	r = cg_parse_mountinfo(mi, bk.mount, &m);
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", mi, strerror(-r));
		return r;
	}
	o = pick(p->which, &m, err, errlen);
	if (!o)
		return -ENOENT;
	if (o->init(&bk, &m, err, errlen) < 0)
		return -ENOENT;
	ops = o;
	log_info("cgroup backend: %s%s", o->name,
		 bk.dry_run ? " (dry run)" : "");
	return 0;
}

void backend_fini(void)
{
	if (ops && ops->fini)
		ops->fini();
	ops = NULL;
}

enum backend_kind backend_kind(void)
{
	return ops ? ops->kind : 0;
}

const char *backend_name(void)
{
	return ops ? ops->name : "none";
}

/* The calls below are only valid after a successful backend_init. */
#define CALL(fn, ...) (ops ? ops->fn(__VA_ARGS__) : -ENXIO)

void backend_clean_seed(const char *prefix)
{
	if (ops && ops->clean_seed)
		ops->clean_seed(prefix);
}

int backend_ensure_user(uid_t uid)
{
	return CALL(ensure_user, uid);
}

int backend_set_cpu(uid_t uid, const struct cpu_limit *l)
{
	return CALL(set_cpu, uid, l);
}

int backend_set_memory(uid_t uid, const struct mem_limit *l, uint64_t usage)
{
	return CALL(set_memory, uid, l, usage);
}

int backend_set_extra(uid_t uid, const struct extra_limit *l)
{
	return CALL(set_extra, uid, l);
}

int backend_read_limits(uid_t uid, struct cpu_limit *cpu, struct mem_limit *mem)
{
	return CALL(read_limits, uid, cpu, mem);
}

int backend_move_pid(uid_t uid, pid_t pid)
{
	if (pid <= 0)
		return -EINVAL;
	return CALL(move_pid, uid, pid);
}

int backend_arm_oom(uid_t uid, struct oom_source *src)
{
	src->nfds = 0;
	src->fds[0] = src->fds[1] = -1;
	src->oom_kill = 0;
	src->has_counter = false;
	src->tree = false;
	return CALL(arm_oom, uid, src);
}

int backend_read_oom_kills(uid_t uid, uint64_t *value)
{
	if (ops && !ops->read_oom_kills)
		return -EOPNOTSUPP;
	return CALL(read_oom_kills, uid, value);
}

int backend_remove_user(uid_t uid)
{
	return CALL(remove_user, uid);
}

void backend_retry(void)
{
	if (ops && ops->retry)
		ops->retry();
}

void backend_settle(void)
{
	if (ops && ops->settle)
		ops->settle();
}

int backend_release_all(bool keep_memory)
{
	return CALL(release_all, keep_memory);
}

void backend_scan_setup(struct ipc_scan_setup *out)
{
	memset(out, 0, sizeof(*out));
	if (ops)
		ops->scan_setup(out);
}
