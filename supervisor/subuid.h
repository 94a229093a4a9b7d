/*
 * Subordinate uids ([users] subordinate_uids): a uid in a user's range of
 * /etc/subuid is charged to that user. subuid.c says what is checked.
 */
#ifndef CGFAIR_SUBUID_H
#define CGFAIR_SUBUID_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <systemd/sd-event.h>

#include "ipc/ipc.h"

/* The settings (start-up and reload); subuid_send() applies them. */
void subuid_configure(sd_event *event, bool enabled, const char *path,
		      uint32_t min_uid);
/* Watch the file's directory, open the file and hand it to the scanner
 * (after its every start, on reload, and when the file changes); an empty
 * table when off or unreadable. */
void subuid_send(void);
/* A batch of the scanner's ranges; false: a protocol violation. */
bool subuid_ranges(const struct ipc_subuid_ranges *m);
/* The uid a process of real uid `uid` is charged to. */
uid_t subuid_charge(uid_t uid);

#endif
