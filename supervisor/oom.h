/*
 * OOM kills: the supervisor's half of the watcher pool. It arms each
 * managed user's OOM source (backend_arm_oom), hands the fds to one of K
 * cgfair-oomwatch processes, turns their oom_kill counter reports into
 * exactly one EVENT_OOM per kill, and attaches the victim the kernel named
 * in /dev/kmsg when it comes in time.
 */
#ifndef CGFAIR_OOM_H
#define CGFAIR_OOM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

struct oom_settings {
	unsigned watchers;	 /* K processes, at least 1 */
	bool no_kmsg;		 /* do not read the kernel log for victims */
	unsigned detail_wait_ms; /* wait this long for the victim after the
				    counter moved; 0: the default, 250 */
	sd_event *event;	 /* the loop (main.c's; not configuration) */
};

/* Register the watcher class and the user hook, and open /dev/kmsg (it
 * needs CAP_SYSLOG under dmesg_restrict): call before workers_start() and
 * caps_reduce(). The pool size is fixed from here on. */
void oom_init(const struct oom_settings *s);
/* Read the tree counts (systemd on v1) now: on stop, before the marks
 * are saved, so that they hold the latest drop. */
void oom_reread_trees(void);

/* The uid whose user cgroup a memcg path is or is below:
 * PREFIX/user-UID (or PREFIX/user-UID.slice with systemd_names), exactly
 * that shape. False for anything else. */
bool oom_path_uid(const char *path, const char *prefix, bool systemd_names,
		  uid_t *uid);

/* For the tests: pending events waiting for their victim. */
unsigned oom_pending_count(void);

#endif
