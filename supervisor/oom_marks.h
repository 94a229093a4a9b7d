/*
 * The OOM counting marks that survive a restart (see oom_marks.c): per
 * uid, the cgroup (inode number of its memory cgroup directory) and the
 * oom_kill value up to which kills were reported.
 */
#ifndef CGFAIR_OOM_MARKS_H
#define CGFAIR_OOM_MARKS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

struct oom_mark {
	uid_t uid;
	uint64_t cgroup;   /* inode number of the user's memory cgroup */
	uint64_t reported; /* kills up to this counter value went out */
};

/* Read <state_dir>/oom.json (after state_load named the directory). A
 * missing file is no marks; a damaged one is logged and moved aside. */
void oom_marks_load(sd_event *e);
const struct oom_mark *oom_marks_find(uid_t uid);
/* A user armed for the first time since the start: its cgroup and mark.
 * Saved at the end of the event loop's iteration. */
void oom_marks_set(uid_t uid, uint64_t cgroup, uint64_t reported);
/* A kill's event went out: the mark moves up to value (never back). */
void oom_marks_reported(uid_t uid, uint64_t value);
/* Write now what is not written yet (on stop); 0 or -errno (logged). */
int oom_marks_flush(void);

#endif
