/*
 * cgfair-notify's mail: a bounded queue of messages sent one at a time
 * through the SMTP relay with libcurl's multi interface, driven by the
 * worker's sd-event loop (never blocking it: the supervisor's pings are
 * answered while a relay is slow). A failed attempt is retried after a
 * wait that doubles from 1 s up to retry_max; a message older than
 * give_up is dropped, counted in the log.
 */
#ifndef CGFAIR_NOTIFY_MAIL_H
#define CGFAIR_NOTIFY_MAIL_H

#include <stdint.h>
#include <systemd/sd-event.h>

#define MAIL_QUEUE_MAX 256

struct mail_settings {
	char url[160]; /* smtp://address:port/node */
	char from[128];
	uint64_t give_up_s, retry_max_s;
};

/* Before the sandbox, once libcurl is loaded (curl_lib.h): its global
 * state and the multi handle. Without it, mail_queue() drops (and logs)
 * every message. */
void mail_init(sd_event *event);
void mail_configure(const struct mail_settings *s);
/* Queue one message (copied); the oldest is dropped when full. png (len
 * bytes, or NULL) goes with it as usage.png, unless the PNGs already
 * queued hold MAIL_PNG_QUEUED_MAX bytes (then the text goes alone). */
#define MAIL_PNG_QUEUED_MAX (8u << 20)
void mail_queue(const char *to, const char *subject, const char *body,
		const uint8_t *png, size_t len);

#endif
