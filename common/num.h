/*
 * The one grammar for numbers, sizes, durations and CPUs, used by the
 * configuration (policy/), the admin socket (workers/frontend/) and
 * cgfairctl alike, so that "1h30m", "1.5G", "25%" mean the same in all
 * three. Strict on purpose: no hex, no exponents, no sign, no trailing
 * junk. Each parser returns NULL on success or a short reason naming what
 * was expected; *out is untouched on failure.
 */
#ifndef CGFAIR_NUM_H
#define CGFAIR_NUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NUM_UNLIMITED UINT64_MAX /* "max", "unlimited", "infinity" */

/* A size that may be a share of RAM: bytes is always resolved (against
 * mem_total); share > 0 remembers that it was given as "25%". */
struct num_size {
	uint64_t bytes; /* NUM_UNLIMITED for "max" */
	double share;	/* of mem_total, 0 when given in bytes */
};

/* "yes"/"true"/"on"/"1" or "no"/"false"/"off"/"0", any case */
const char *num_parse_bool(const char *s, bool *out);
/* The run of decimal digits at s (at most n chars, stops at a NUL): how
 * many were read; 0 when none, or the value is above max (then *out is
 * untouched). For numbers inside other text: kernel files, paths. */
size_t num_scan_uint(const char *s, size_t n, uint64_t max, uint64_t *out);
/* digits only (spaces around allowed), at most UINT64_MAX */
const char *num_parse_uint(const char *s, uint64_t *out);
/* digits only, nothing around them, at most max */
const char *num_parse_uint_max(const char *s, uint64_t max, uint64_t *out);
/* a uid: digits only, below (uid_t)-1 */
const char *num_parse_uid(const char *s, uint32_t *out);
/* digits[.digits] */
const char *num_parse_number(const char *s, double *out);
/* "90%" or "0.9"; a bare number must be a fraction. */
const char *num_parse_share(const char *s, double *out);
/* "5", "5s", "500ms", "1h30m", "2d"; a bare number is seconds. */
const char *num_parse_duration(const char *s, uint64_t *ms);
/* "512M", "2G", "1.5G", "1048576": binary units, a bare number is bytes;
 * with NUM_SIZE_MAX also "max"/"unlimited"/"infinity"; with
 * NUM_SIZE_SHARE also "25%" of mem_total. */
#define NUM_SIZE_MAX   1u
#define NUM_SIZE_SHARE 2u
const char *num_parse_size(const char *s, unsigned flags, uint64_t mem_total,
			   struct num_size *out);
/* A count: digits, or "max"/"unlimited"/"infinity" (NUM_UNLIMITED). */
const char *num_parse_count(const char *s, uint64_t *out);
/* CPUs: "1.5", "2 cpus" or "150%" (of one CPU, as systemd's CPUQuota=). */
const char *num_parse_cpus(const char *s, double *out);

#endif
