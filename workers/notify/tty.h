/*
 * cgfair-notify's terminal notices: the text to every terminal of a user
 * that accepts messages (mesg y), as write(1) does it.
 */
#ifndef CGFAIR_NOTIFY_TTY_H
#define CGFAIR_NOTIFY_TTY_H

#include <stdint.h>

/* The terminals of uid (name: its utmp name) from logind's sessions and
 * the utmp file; to each that is uid's and group-writable, the banner
 * and text, made harmless (notify_neutral). Never blocks: a terminal
 * that takes less gets less. Returns how many got it. */
unsigned tty_notify(uint32_t uid, const char *name, const char *node,
		    const char *subject, const char *text);

#endif
