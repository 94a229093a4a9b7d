/*
 * The one grammar for numbers with units (num.h), for the configuration,
 * the admin socket and cgfairctl. They are strict
 * on purpose: no hex, no exponents, no negative numbers, no trailing junk,
 * so that a typo is an error and not a surprising value. Numbers are read
 * by hand, not with strtod(), so that the locale cannot change the decimal
 * point.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "common/num.h"

/* Values beyond 2^53 lose integer precision in a double; nothing the
 * configuration holds comes near it. */
#define VALUE_MAX 9007199254740992.0

static const char *skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Reads digits[.digits] at *p; false if there is no digit. */
static bool scan_decimal(const char **p, double *out)
{
	const char *s = *p;
	double v = 0, scale = 1;
	bool digits = false;

	for (; *s >= '0' && *s <= '9'; s++, digits = true)
		v = v * 10 + (*s - '0');
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits = true) {
			scale /= 10;
			v += (*s - '0') * scale;
		}
	}
	if (!digits || v > VALUE_MAX)
		return false;
	*p = s;
	*out = v;
	return true;
}

const char *num_parse_number(const char *s, double *out)
{
	const char *p = skip_space(s);

	if (!scan_decimal(&p, out))
		return "expected a number";
	if (*skip_space(p) != '\0')
		return "expected a number";
	return NULL;
}

const char *num_parse_uint(const char *s, uint64_t *out)
{
	const char *p = skip_space(s);
	uint64_t v;
	size_t n = num_scan_uint(p, SIZE_MAX, UINT64_MAX, &v);

	if (n == 0 && *p >= '0' && *p <= '9')
		return "number too large";
	if (n == 0 || *skip_space(p + n) != '\0')
		return "expected a whole number";
	*out = v;
	return NULL;
}

/* Hand-written rather than strtoul(): that one takes a sign, spaces and
 * "0x", wraps "-1" to ULONG_MAX, and needs a NUL-terminated string (a
 * kernel log record is not one). */
size_t num_scan_uint(const char *s, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		uint64_t d = (uint64_t)(s[i] - '0');

		if (v > (max - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (i > 0)
		*out = v;
	return i;
}

const char *num_parse_uint_max(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v;
	size_t n = num_scan_uint(s, SIZE_MAX, max, &v);

	if (n == 0 && *s >= '0' && *s <= '9')
		return "number too large";
	if (n == 0 || s[n] != '\0')
		return "expected a whole number";
	*out = v;
	return NULL;
}

/* (uid_t)-1 is "no uid" to the kernel: never a user's */
const char *num_parse_uid(const char *s, uint32_t *out)
{
	uint64_t v;

	if (num_parse_uint_max(s, UINT32_MAX - 1u, &v) != NULL)
		return "not a uid";
	*out = (uint32_t)v;
	return NULL;
}

const char *num_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return NULL;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return NULL;
		}
	}
	return "expected yes or no";
}

/* A number, optionally followed by '%' (then divided by 100). */
static const char *parse_percentish(const char *s, double *out, bool *percent)
{
	const char *p = skip_space(s);
	double v;

	if (!scan_decimal(&p, &v))
		return "expected a number or a percentage";
	p = skip_space(p);
	*percent = *p == '%';
	if (*percent) {
		v /= 100;
		p = skip_space(p + 1);
	}
	if (*p != '\0')
		return "expected a number or a percentage";
	*out = v;
	return NULL;
}

const char *num_parse_share(const char *s, double *out)
{
	bool percent;

	return parse_percentish(s, out, &percent);
}

const char *num_parse_cpus(const char *s, double *out)
{
	const char *p = skip_space(s);
	double v;

	if (!scan_decimal(&p, &v))
		return "expected a number of CPUs or a percentage of one CPU";
	p = skip_space(p);
	if (*p == '%') {
		v /= 100;
		p++;
	} else if (strncasecmp(p, "cpus", 4) == 0) {
		p += 4;
	} else if (strncasecmp(p, "cpu", 3) == 0) {
		p += 3;
	}
	if (*skip_space(p) != '\0')
		return "expected a number of CPUs or a percentage of one CPU";
	*out = v;
	return NULL;
}

struct unit {
	const char *name;
	double factor;
};

/* Longest names first so that "ms" is not read as "m" + "s". */
static const struct unit duration_units[] = {
    {"msec", 1},      {"ms", 1},	  {"seconds", 1000},  {"second", 1000},
    {"sec", 1000},    {"s", 1000},	  {"minutes", 60000}, {"minute", 60000},
    {"min", 60000},   {"m", 60000},	  {"hours", 3600000}, {"hour", 3600000},
    {"h", 3600000},   {"days", 86400000}, {"day", 86400000},  {"d", 86400000},
    {"w", 604800000},
};

static const struct unit *match_unit(const char **p, const struct unit *u,
				     size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(u[i].name);

		if (strncasecmp(*p, u[i].name, len) == 0) {
			*p += len;
			return &u[i];
		}
	}
	return NULL;
}

const char *num_parse_duration(const char *s, uint64_t *ms)
{
	const char *p = skip_space(s);
	const size_t nunits =
	    sizeof(duration_units) / sizeof(duration_units[0]);
	double total = 0, v;
	int parts = 0;

	while (*p != '\0') {
		const struct unit *u;

		if (!scan_decimal(&p, &v))
			return "expected a duration like 5s, 10m, 1h30m";
		p = skip_space(p);
		u = match_unit(&p, duration_units, nunits);
		/* A bare number is seconds, but only on its own: "1h30"
		 * is more likely a typo than 1 hour and 30 seconds. */
		if (u == NULL && (parts > 0 || *p != '\0'))
			return "expected a duration like 5s, 10m, 1h30m";
		total += v * (u != NULL ? u->factor : 1000);
		p = skip_space(p);
		parts++;
	}
	if (parts == 0)
		return "expected a duration like 5s, 10m, 1h30m";
	if (total > VALUE_MAX)
		return "duration too long";
	*ms = (uint64_t)llround(total);
	return NULL;
}

static const struct unit size_units[] = {
    {"k", 1024.0},
    {"m", 1024.0 * 1024},
    {"g", 1024.0 * 1024 * 1024},
    {"t", 1024.0 * 1024 * 1024 * 1024},
    {"p", 1024.0 * 1024 * 1024 * 1024 * 1024},
};

static bool is_unlimited_word(const char *s)
{
	return strcasecmp(s, "max") == 0 || strcasecmp(s, "unlimited") == 0 ||
	       strcasecmp(s, "infinity") == 0;
}

/* After K/M/G/T/P: nothing, "B" or "iB". */
static const char *skip_byte_suffix(const char *p)
{
	if (strncasecmp(p, "ib", 2) == 0)
		return p + 2;
	if (*p == 'b' || *p == 'B')
		return p + 1;
	return p;
}

static const char *size_share(double v, uint64_t mem_total,
			      struct num_size *out)
{
	if (v <= 0 || v > 1)
		return "a share of RAM must be above 0% and at most 100%";
	out->share = v;
	out->bytes =
	    mem_total == 0 ? NUM_UNLIMITED : (uint64_t)(v * (double)mem_total);
	return NULL;
}

const char *num_parse_size(const char *s, unsigned flags, uint64_t mem_total,
			   struct num_size *out)
{
	const char *p = skip_space(s);
	const struct unit *u;
	double v;

	if ((flags & NUM_SIZE_MAX) && is_unlimited_word(p)) {
		out->bytes = NUM_UNLIMITED;
		out->share = 0;
		return NULL;
	}
	if (!scan_decimal(&p, &v))
		return "expected a size like 512M or 2G";
	p = skip_space(p);
	if (*p == '%' && (flags & NUM_SIZE_SHARE)) {
		if (*skip_space(p + 1) != '\0')
			return "expected a size like 512M, 2G or 25%";
		return size_share(v / 100, mem_total, out);
	}
	u = match_unit(&p, size_units,
		       sizeof(size_units) / sizeof(size_units[0]));
	if (u != NULL)
		p = skip_byte_suffix(p);
	else if (*p == 'b' || *p == 'B')
		p++;
	if (*skip_space(p) != '\0')
		return "expected a size like 512M or 2G";
	v *= u != NULL ? u->factor : 1;
	if (v >= VALUE_MAX * 1024)
		return "size too large";
	out->bytes = (uint64_t)v;
	out->share = 0;
	return NULL;
}

const char *num_parse_count(const char *s, uint64_t *out)
{
	const char *p = skip_space(s);

	if (strncasecmp(p, "max", 3) == 0 ||
	    strncasecmp(p, "unlimited", 9) == 0 ||
	    strncasecmp(p, "infinity", 8) == 0) {
		size_t n = p[0] == 'm' || p[0] == 'M'	? 3
			   : p[0] == 'u' || p[0] == 'U' ? 9
							: 8;
		if (*skip_space(p + n) != '\0')
			return "expected a number or max";
		*out = NUM_UNLIMITED;
		return NULL;
	}
	return num_parse_uint(s, out) ? "expected a number or max" : NULL;
}
