/* The sandbox every worker enters before it handles a single message. */
#ifndef CGFAIR_SANDBOX_H
#define CGFAIR_SANDBOX_H

#include <stdbool.h>
#include <seccomp.h>

struct sandbox {
	const char *user;	/* drop to this user and its group */
	const char *chroot_dir; /* NULL: the role reads files, no chroot */
	/* RLIMIT_FSIZE: 0 for roles that write no file */
	unsigned long long max_file;
	/* the one supplementary group kept; NULL: none */
	const char *extra_group;
	/* adds the role's own syscalls to the allowlist */
	void (*allow)(scmp_filter_ctx ctx);
	/* --debug: a forbidden call is named with its callers (traps and
	 * reports, then dies of SIGSYS as without it) */
	bool report_violations;
};

/* Applies DESIGN section 1's order; any failure is fatal (EXIT_SANDBOX). */
void sandbox_enter(const struct sandbox *sb);

/* Allow one syscall, fatal on failure; for the roles' allow() hooks. */
void sandbox_allow(scmp_filter_ctx ctx, int nr);
/* Allow open/openat only without any write or create flag. */
void sandbox_allow_open_readonly(scmp_filter_ctx ctx);

#endif
