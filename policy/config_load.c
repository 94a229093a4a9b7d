/*
 * Reading the configuration files: the main file, then users.d.
 *
 * inih does the INI parsing, but its handler gets no line numbers and it
 * reads lines of at most ini_max_line (200) bytes into a fixed buffer. So
 * lines reach inih through our own reader, which counts them, reports
 * syntax errors itself (one message each, then hands inih a blank line),
 * strips leading blanks (inih would take an indented line as the
 * continuation of the previous value) and passes a line too long for inih
 * as "key=<mark>", the handler then taking the value from the reader.
 */
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "policy/config_internal.h"

#define LONG_MARK     "\x1f"
#define LINE_LEN_MAX  65536 /* longer lines are an error */
#define OVR_NAME_USER "user:"
#define OVR_NAME_GRP  "group:"

struct reader {
	struct config_parse *ps;
	FILE *f;	  /* either a file */
	const char *text; /* or a string, consumed as lines are read */
	char *line;	  /* the current line, NUL-terminated */
	size_t cap;
	int lineno;
	const char *long_value; /* of the current line when too long */
};

static int read_line(struct reader *rd)
{
	size_t len;

	if (rd->f != NULL) {
		ssize_t n = getline(&rd->line, &rd->cap, rd->f);

		return n < 0 ? -1 : 0;
	}
	if (rd->text == NULL || *rd->text == '\0')
		return -1;
	len = strcspn(rd->text, "\n");
	if (len + 1 > rd->cap) {
		char *p = realloc(rd->line, len + 1);

		if (p == NULL)
			return -1;
		rd->line = p;
		rd->cap = len + 1;
	}
	memcpy(rd->line, rd->text, len);
	rd->line[len] = '\0';
	rd->text += len + (rd->text[len] == '\n');
	return 0;
}

static char *strip(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && strchr(" \t\r\n", end[-1]) != NULL)
		*--end = '\0';
	return s;
}

static void line_error(struct reader *rd, const char *why)
{
	config_report(rd->ps, CONFIG_ERROR, "%s:%d: %s", rd->ps->file,
		      rd->lineno, why);
}

/* Returns the line as inih should see it, "" for one already reported. */
static char *check_line(struct reader *rd)
{
	char *s = rd->line;

	if (rd->lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3; /* a UTF-8 byte order mark */
	s = strip(s);
	if (strlen(s) > LINE_LEN_MAX) {
		line_error(rd, "line too long");
		return "";
	}
	if (*s == '\0' || *s == ';' || *s == '#')
		return s;
	if (*s == '[') {
		/* The keys below a broken header belong to no known
		 * section: one message for the header is enough. */
		rd->ps->bad_header = strchr(s, ']') == NULL;
		if (rd->ps->bad_header) {
			line_error(rd, "syntax error: missing ']'");
			return "";
		}
		rd->ps->section_line = rd->lineno;
		return s;
	}
	if (strpbrk(s, "=:") == NULL) {
		line_error(rd, "syntax error: expected 'key = value'");
		return "";
	}
	if (strchr("=:", *s) != NULL) {
		line_error(rd, "syntax error: missing key before '='");
		return "";
	}
	return s;
}

/* Drops an inline comment (" ;...") as inih does. */
static char *cut_comment(char *v)
{
	for (char *p = v; *p != '\0'; p++) {
		if (*p == ';' && p > v && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	}
	return strip(v);
}

/* A line too long for inih: it gets "key=<mark>", the handler the value. */
static char *long_line(struct reader *rd, char *s, char *buf, int num)
{
	char *sep = strpbrk(s, "=:"), *key;

	if (*s == '[' || *s == ';' || *s == '#' || sep == NULL) {
		if (*s == '[')
			line_error(rd, "line too long");
		snprintf(buf, (size_t)num, "\n");
		return buf;
	}
	*sep = '\0';
	key = strip(s);
	if (strlen(key) + strlen(LONG_MARK) + 3 > (size_t)num) {
		line_error(rd, "key name too long");
		snprintf(buf, (size_t)num, "\n");
		return buf;
	}
	rd->long_value = cut_comment(sep + 1);
	snprintf(buf, (size_t)num, "%s=%s\n", key, LONG_MARK);
	return buf;
}

static char *reader_fn(char *buf, int num, void *stream)
{
	struct reader *rd = stream;
	char *s;
	size_t len;

	rd->long_value = NULL;
	if (read_line(rd) < 0)
		return NULL;
	rd->lineno++;
	s = check_line(rd);
	len = strlen(s);
	if (len + 2 > (size_t)num)
		return long_line(rd, s, buf, num);
	memcpy(buf, s, len);
	buf[len] = '\n';
	buf[len + 1] = '\0';
	return buf;
}

static bool known_section(const char *section)
{
	for (const struct key_def *k = config_keys; k->name != NULL; k++) {
		if (strcasecmp(k->section, section) == 0)
			return true;
	}
	return false;
}

static struct config_override *find_override(struct config_parse *ps,
					     enum config_override_kind kind,
					     const char *name)
{
	struct cgfair_config *c = ps->cfg;
	struct config_override *o;

	for (size_t i = 0; i < c->n_overrides; i++) {
		o = &c->overrides[i];
		if (o->kind == kind && strcmp(o->name, name) == 0)
			return o;
	}
	o = realloc(c->overrides, (c->n_overrides + 1) * sizeof(*o));
	if (o == NULL)
		return NULL;
	c->overrides = o;
	o = &c->overrides[c->n_overrides++];
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	strcpy(o->name, name);
	return o;
}

static void override_key(struct config_parse *ps, const char *section,
			 const char *name, const char *value)
{
	bool user = strncasecmp(section, OVR_NAME_USER, 5) == 0;
	const char *who = section + (user ? 5 : 6);
	const struct key_def *k = config_find_key(config_ovr_keys, NULL, name);
	struct config_override *o, tmp;
	const char *err;
	char why[256];

	if (!config_valid_name(who)) {
		config_section_error(ps, section, "invalid user or group name");
		return;
	}
	if (k == NULL) {
		config_key_error(ps, section, name, "unknown key");
		return;
	}
	if (k->ovr == CONFIG_OVR_EMAIL && !user) {
		config_key_error(
		    ps, section, name,
		    "a mail address is a user's: [user:NAME] only");
		return;
	}
	o = find_override(ps, user ? CONFIG_OVR_USER : CONFIG_OVR_GROUP, who);
	if (o == NULL) {
		config_key_error(ps, section, name, "out of memory");
		return;
	}
	tmp = *o; /* so that a bad value leaves the entry as it was */
	err = config_key_set(k, &tmp, value, ps->cfg->mem_total, why,
			     sizeof(why));
	if (err != NULL) {
		config_key_error(ps, section, name, err);
		return;
	}
	*o = tmp;
	o->set |= 1u << k->ovr;
	o->seq[k->ovr] = ++ps->seq;
}

static void cgfair_key(struct config_parse *ps, const char *section,
		       const char *name, const char *value)
{
	const struct key_def *k;
	const char *err;
	char why[256];

	if (strncasecmp(section, OVR_NAME_USER, 5) == 0 ||
	    strncasecmp(section, OVR_NAME_GRP, 6) == 0) {
		override_key(ps, section, name, value);
		return;
	}
	if (ps->dropin) {
		config_section_error(
		    ps, section,
		    "only [user:NAME] and [group:NAME] sections "
		    "belong in users.d");
		return;
	}
	k = config_find_key(config_keys, section, name);
	if (k == NULL && !known_section(section)) {
		config_section_error(ps, section, "unknown section");
		return;
	}
	if (k == NULL) {
		config_key_error(ps, section, name, "unknown key");
		return;
	}
	err = config_key_set(k, ps->cfg, value, ps->cfg->mem_total, why,
			     sizeof(why));
	if (err != NULL) {
		config_key_error(ps, section, name, err);
		return;
	}
	config_note_origin(ps, (char *)ps->cfg + k->offset, name);
	size_t i = (size_t)(k - config_keys);
	if (i < 64 * CONFIG_KEY_WORDS)
		ps->main_set[i / 64] |= 1ull << (i % 64);
}

static bool set_by_main(const struct config_parse *ps, const char *section,
			const char *key)
{
	const struct key_def *k = config_find_key(config_keys, section, key);
	size_t i = k ? (size_t)(k - config_keys) : 64 * CONFIG_KEY_WORDS;

	return i < 64 * CONFIG_KEY_WORDS &&
	       (ps->main_set[i / 64] & (1ull << (i % 64)));
}

/* Both files: say, per seed key, whether its value is the one in force. */
static void report_seed_base(struct config_parse *ps)
{
	const struct cgfair_config *c = ps->cfg;

	for (size_t i = 0; i < c->nseed; i++) {
		const struct config_seed_line *l = &c->seed[i];
		if (!l->section)
			continue; /* ignored, said when it was read */
		if (set_by_main(ps, l->section, l->key))
			config_report(ps, CONFIG_NOTICE,
				      "%s: %s = %s not used: %s sets [%s] %s",
				      ps->src->seed_base, l->name, l->value,
				      ps->src->main, l->section, l->key);
		else
			config_report(ps, CONFIG_NOTICE,
				      "%s: %s = %s used as [%s] %s (%s does "
				      "not set it)",
				      ps->src->seed_base, l->name, l->value,
				      l->section, l->key, ps->src->main);
	}
}

static int handler(void *user, const char *section, const char *name,
		   const char *value)
{
	struct reader *rd = user;
	struct config_parse *ps = rd->ps;

	if (rd->long_value != NULL && strcmp(value, LONG_MARK) == 0)
		value = rd->long_value;
	ps->line = rd->lineno;
	if (ps->bad_header)
		return 1;
	if (*section == '\0') {
		config_report(ps, CONFIG_ERROR,
			      "%s:%d: %s: key outside any [section]", ps->file,
			      ps->line, name);
		return 1;
	}
	if (ps->format == CONFIG_FORMAT_AUTO)
		ps->format = strcasecmp(section, "main") == 0
				 ? CONFIG_FORMAT_SEED
				 : CONFIG_FORMAT_CGFAIR;
	if (ps->format == CONFIG_FORMAT_SEED)
		config_seed_key(ps, section, name, value);
	else
		cgfair_key(ps, section, name, value);
	/* Errors are counted and reported here; inih's own error return is
	 * left for the syntax errors it finds that the reader did not. */
	return 1;
}

static void parse(struct config_parse *ps, struct reader *rd)
{
	int rc;

	ps->section_line = 0;
	ps->reported_section_line = -1;
	ps->bad_header = false;
	rd->ps = ps;
	rc = ini_parse_stream(reader_fn, rd, handler, rd);
	if (rc > 0)
		config_report(ps, CONFIG_ERROR, "%s:%d: syntax error", ps->file,
			      rc);
	else if (rc < 0)
		config_report(ps, CONFIG_ERROR, "%s: out of memory", ps->file);
	free(rd->line);
	rd->line = NULL;
}

static void parse_file(struct config_parse *ps, const char *path, bool optional)
{
	struct reader rd = {0};
	struct stat st;

	ps->file = path;
	rd.f = fopen(path, "re");
	if (rd.f == NULL) {
		if (!(optional && errno == ENOENT))
			config_report(ps, CONFIG_ERROR, "%s: %s", path,
				      strerror(errno));
		return;
	}
	if (fstat(fileno(rd.f), &st) == 0 && S_ISDIR(st.st_mode))
		config_report(ps, CONFIG_ERROR, "%s: is a directory", path);
	else
		parse(ps, &rd);
	fclose(rd.f);
}

/* The reader of the main file may only have set these; check them now,
 * naming the key that was set last. */
static void cross_check(struct config_parse *ps)
{
	const struct cgfair_config *c = ps->cfg;
	const char *sec = ps->format == CONFIG_FORMAT_SEED ? "main" : "cpu";
	char why[160];

	if (c->cpu.throttle_lower >= c->cpu.throttle_upper) {
		bool lower = ps->lower_line >= ps->upper_line;

		ps->line = lower ? ps->lower_line : ps->upper_line;
		snprintf(why, sizeof(why),
			 "throttle lower threshold %.12g%% must be below the "
			 "upper %.12g%%",
			 c->cpu.throttle_lower * 100,
			 c->cpu.throttle_upper * 100);
		config_key_error(ps, sec, lower ? ps->lower_key : ps->upper_key,
				 why);
	}
	if (c->users.max_uid < c->users.min_uid) {
		bool max = ps->max_uid_line >= ps->min_uid_line;

		ps->line = max ? ps->max_uid_line : ps->min_uid_line;
		snprintf(why, sizeof(why),
			 "max_uid %u must not be below min_uid %u",
			 c->users.max_uid, c->users.min_uid);
		config_key_error(
		    ps, ps->format == CONFIG_FORMAT_SEED ? "main" : "users",
		    max ? ps->max_uid_key : ps->min_uid_key, why);
	}
	if (c->socket.max_clients_per_uid > c->socket.max_clients) {
		bool per = ps->per_uid_line >= ps->clients_line;

		ps->line = per ? ps->per_uid_line : ps->clients_line;
		snprintf(why, sizeof(why),
			 "max_clients_per_uid %u must not exceed max_clients "
			 "%u",
			 c->socket.max_clients_per_uid, c->socket.max_clients);
		config_key_error(ps, "socket",
				 per ? ps->per_uid_key : ps->clients_key, why);
	}
}

struct dropin {
	char *name;
	char *path;
};

static int dropin_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dropin *)a)->name,
		      ((const struct dropin *)b)->name);
}

static bool wanted_dropin(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 &&
	       strcmp(name + len - 5, ".conf") == 0;
}

static bool have_dropin(const struct dropin *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].name, name) == 0)
			return true;
	}
	return false;
}

static int add_dropin(struct dropin **v, size_t *n, const char *dir,
		      const char *name)
{
	struct dropin *nv = realloc(*v, (*n + 1) * sizeof(**v));
	struct dropin *d;

	if (nv == NULL)
		return -1;
	*v = nv;
	d = &nv[*n];
	d->name = strdup(name);
	if (d->name == NULL || asprintf(&d->path, "%s/%s", dir, name) < 0) {
		free(d->name);
		return -1;
	}
	(*n)++;
	return 0;
}

/* sysctl.d's rules: *.conf from every directory, a name in an earlier
 * directory hiding the same name in later ones, then sorted by name. */
static void list_dropins(struct config_parse *ps, const char *const *dirs,
			 struct dropin **v, size_t *n)
{
	for (; *dirs != NULL; dirs++) {
		DIR *d = opendir(*dirs);
		struct dirent *de;

		if (d == NULL) {
			if (errno != ENOENT)
				config_report(ps, CONFIG_ERROR, "%s: %s", *dirs,
					      strerror(errno));
			continue;
		}
		while ((de = readdir(d)) != NULL) {
			if (!wanted_dropin(de->d_name) ||
			    have_dropin(*v, *n, de->d_name))
				continue;
			if (add_dropin(v, n, *dirs, de->d_name) < 0)
				config_report(ps, CONFIG_ERROR,
					      "%s: out of memory", *dirs);
		}
		closedir(d);
	}
	if (*n > 1)
		qsort(*v, *n, sizeof(**v), dropin_cmp);
}

/* A drop-in that is (a link to) /dev/null masks the name. */
static bool masked(struct config_parse *ps, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		config_report(ps, CONFIG_ERROR, "%s: %s", path,
			      strerror(errno));
		return true;
	}
	return S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
}

static void parse_dropins(struct config_parse *ps, const char *const *dirs)
{
	struct dropin *v = NULL;
	size_t n = 0;

	ps->dropin = true;
	ps->format = CONFIG_FORMAT_CGFAIR;
	list_dropins(ps, dirs, &v, &n);
	for (size_t i = 0; i < n; i++) {
		if (!masked(ps, v[i].path))
			parse_file(ps, v[i].path, false);
		free(v[i].name);
		free(v[i].path);
	}
	free(v);
}

static int finish(struct config_parse *ps, enum config_format main_format)
{
	if (ps->src->dropin_dirs != NULL)
		parse_dropins(ps, ps->src->dropin_dirs);
	ps->cfg->format = main_format == CONFIG_FORMAT_AUTO
			      ? CONFIG_FORMAT_CGFAIR
			      : main_format;
	if (ps->errors == 0)
		return 0;
	config_free(ps->cfg);
	return -1;
}

static void parse_init(struct config_parse *ps, struct cgfair_config *cfg,
		       const struct config_source *src)
{
	memset(ps, 0, sizeof(*ps));
	ps->cfg = cfg;
	ps->src = src;
	ps->format = src->format;
	config_defaults(cfg, src->mem_total);
}

int config_load(struct cgfair_config *cfg, const struct config_source *src)
{
	struct config_parse ps;

	parse_init(&ps, cfg, src);
	if (src->seed_base != NULL && src->main != NULL) {
		ps.format = CONFIG_FORMAT_SEED;
		parse_file(&ps, src->seed_base, true);
		ps.format = src->format;
	}
	if (src->main != NULL) {
		parse_file(&ps, src->main, src->main_optional);
		cross_check(&ps);
	}
	if (src->seed_base != NULL && src->main != NULL)
		report_seed_base(&ps);
	return finish(&ps, ps.format);
}

int config_load_string(struct cgfair_config *cfg, const char *text,
		       const char *name, const struct config_source *src)
{
	struct config_parse ps;
	struct reader rd = {0};

	parse_init(&ps, cfg, src);
	ps.file = name;
	rd.text = text;
	parse(&ps, &rd);
	cross_check(&ps);
	return finish(&ps, ps.format);
}
