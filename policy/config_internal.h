/* Shared between the files of the config parser; not a public interface. */
#ifndef CGFAIR_POLICY_CONFIG_INTERNAL_H
#define CGFAIR_POLICY_CONFIG_INTERNAL_H

#include <stddef.h>

#include "policy/config.h"

enum key_type {
	KT_BOOL,
	KT_U32,
	KT_SHARE,     /* double fraction; "90%" or 0.9 */
	KT_DURATION,  /* uint64_t ms */
	KT_PERIOD,    /* uint32_t us, written as a duration */
	KT_SIZE,      /* struct num_size */
	KT_BYTES,     /* uint64_t */
	KT_ENUM,      /* an enum, names in key_def.enums */
	KT_NAME,      /* char[size]: a user, group or cgroup name */
	KT_TEXT,      /* char[size]: free text, one line */
	KT_PATH,      /* char[size]: an absolute path */
	KT_LIST,      /* struct config_list of names */
	KT_GLOBS,     /* struct config_list of cgroup path patterns */
	KT_PATHS,     /* struct config_list of absolute paths */
	KT_CPUS,      /* double CPUs */
	KT_CAP,	      /* double CPUs, or "none" (INFINITY) */
	KT_THRESHOLD, /* cpu.active_share or cpu.active_cpus */
	KT_NUMBER,    /* double, a plain number */
	KT_CPU_LEVEL, /* struct config_threshold: "50%" of the cap, "2 cpus" */
	KT_MEM_LEVEL, /* struct config_threshold: "80%" of the limit, "4G" */
	KT_TIERS,     /* struct config_tiers: "30m, 1h, 2h" */
	KT_COUNT,     /* uint64_t count, or "max" (CONFIG_UNLIMITED) */
	KT_ADDRESS,   /* char[size]: numeric "address:port" */
	KT_MAIL,      /* char[size]: a mail address, local@domain */
};

#define KF_EMPTY_OK 1u /* a string may be empty */
#define KF_MAX	    2u /* a size may be "max" */
#define KF_SHARE    4u /* a size may be a share of RAM */
#define KF_COMMANDS 8u /* a list of process names, not user names */

struct key_def {
	const char *section; /* NULL for a users.d override key */
	const char *name;
	enum key_type type;
	size_t offset; /* in struct cgfair_config, or config_override */
	size_t size;   /* of a char array */
	double min, max;
	const char *const *enums;
	unsigned flags;
	int ovr; /* enum config_override_key, or -1 */
};

extern const struct key_def config_keys[];     /* global, NULL-ended */
extern const struct key_def config_ovr_keys[]; /* users.d, NULL-ended */
extern const char *const config_backend_names[];
extern const char *const config_mode_names[];
extern const char *const config_penalty_names[];
extern const char *const config_visibility_names[];

const struct key_def *config_find_key(const struct key_def *table,
				      const char *section, const char *name);

/* Parse value into the field of k in base; NULL or the reason, which may
 * be written into why. */
const char *config_key_set(const struct key_def *k, void *base,
			   const char *value, uint64_t mem_total, char *why,
			   size_t whylen);

/* A value in the struct's units, written as the config file would. */
void config_key_format(const struct key_def *k, double v, char *buf,
		       size_t len);

/* The current value of k in base, as the config file would have it. */
void config_key_print(const struct key_def *k, const void *base, char *buf,
		      size_t len);

/* Range check of a value already converted to the struct's units. */
const char *config_key_range(const struct key_def *k, double v,
			     const char *text, char *why, size_t whylen);

bool config_valid_name(const char *s);
/* Parse "a, b c" (commas and blanks separate) into l, each item checked
 * as a name (KT_LIST), a cgroup pattern (KT_GLOBS) or a path (KT_PATHS). */
const char *config_list_set(struct config_list *l, enum key_type type,
			    const char *value);
void config_list_free(struct config_list *l);
int config_list_copy(struct config_list *dst, const struct config_list *src);

/* The parse state of one config_load(). */
#define CONFIG_KEY_WORDS 4 /* bits for up to 256 keys in config_keys[] */

struct config_parse {
	struct cgfair_config *cfg;
	const struct config_source *src;
	const char *file; /* being read */
	bool dropin;	  /* users.d: override sections only */
	enum config_format format;
	int line;		   /* of the current key */
	int section_line;	   /* of the current section header */
	int reported_section_line; /* unknown section already reported */
	bool bad_header;	   /* keys below a broken [header]: skip */
	unsigned seq;		   /* order of override assignments */
	int errors;
	/* file:line of a few keys checked against each other at the end */
	int upper_line, lower_line, clients_line, per_uid_line;
	char upper_key[32], lower_key[32], clients_key[32], per_uid_key[32];
	int min_uid_line, max_uid_line;
	char min_uid_key[32], max_uid_key[32];
	/* bit i: config_keys[i] was set by a cgfair-format file */
	uint64_t main_set[CONFIG_KEY_WORDS];
};

void config_report(struct config_parse *ps, enum config_level level,
		   const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* One message per unknown or misplaced section, at its header's line. */
void config_section_error(struct config_parse *ps, const char *section,
			  const char *why);
void config_key_error(struct config_parse *ps, const char *section,
		      const char *key, const char *why);

/* The seed's [main] keys; returns after reporting what was wrong. */
void config_seed_key(struct config_parse *ps, const char *section,
		     const char *name, const char *value);

/* Remember where one of the cross-checked keys was set. */
void config_note_origin(struct config_parse *ps, const void *field,
			const char *name);

#endif
