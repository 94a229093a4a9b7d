/* cgfair-notify's mail queue and its SMTP transfers; see mail.h. */
#include "workers/notify/mail.h"
#include "common/log.h"

#include "workers/notify/curl_lib.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RETRY_MIN_S	 1
#define TRANSFER_TIMEOUT 60L /* s: the seed's was 30 for the connection */

struct mail {
	char *to, *subject, *body;
	uint8_t *png; /* NULL: none */
	size_t png_len;
	uint64_t created, next_try; /* CLOCK_MONOTONIC usec */
	unsigned tries;
};

static sd_event *ev;
static CURLM *multi;
/* the one transfer in flight (easy NULL: none) and what it owns */
static struct transfer {
	CURL *easy;
	struct curl_slist *rcpt, *headers;
	curl_mime *mime;
} xfer;
static sd_event_source *curl_timer, *retry_timer;
static struct mail_settings cfg;
static struct mail *queue[MAIL_QUEUE_MAX];
static size_t nqueue;
static uint64_t dropped;  /* since start: full queue or give_up */
static size_t png_queued; /* bytes of the queue's PNGs */

static uint64_t now_usec(void)
{
	uint64_t t = 0;
	sd_event_now(ev, CLOCK_MONOTONIC, &t);
	return t;
}

static void mail_free(struct mail *m)
{
	free(m->to);
	free(m->subject);
	free(m->body);
	png_queued -= m->png_len;
	free(m->png);
	free(m);
}

static void remove_at(size_t i)
{
	mail_free(queue[i]);
	nqueue--;
	memmove(queue + i, queue + i + 1, (nqueue - i) * sizeof(*queue));
}

static void drop_at(size_t i, const char *why)
{
	dropped++;
	log_warnx("mail to %s dropped (%s): %llu dropped since start",
		  queue[i]->to, why, (unsigned long long)dropped);
	remove_at(i);
}

/* --- libcurl driven by sd-event ------------------------------------------ */

static void check_done(void);
static void kick(void);

static int on_socket_io(sd_event_source *s, int fd, uint32_t revents,
			void *data)
{
	int flags = 0, running;
	(void)s;
	(void)data;
	if (revents & EPOLLIN)
		flags |= CURL_CSELECT_IN;
	if (revents & EPOLLOUT)
		flags |= CURL_CSELECT_OUT;
	if (revents & (EPOLLERR | EPOLLHUP))
		flags |= CURL_CSELECT_ERR;
	lc.multi_socket_action(multi, fd, flags, &running);
	check_done();
	return 0;
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp,
		     void *socketp)
{
	sd_event_source *src = socketp;
	uint32_t events = 0;
	(void)easy;
	(void)userp;

	if (what == CURL_POLL_REMOVE) {
		sd_event_source_disable_unref(src);
		lc.multi_assign(multi, fd, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EPOLLIN;
	if (what & CURL_POLL_OUT)
		events |= EPOLLOUT;
	if (src)
		return sd_event_source_set_io_events(src, events) < 0 ? -1 : 0;
	if (sd_event_add_io(ev, &src, fd, events, on_socket_io, NULL) < 0)
		return -1;
	lc.multi_assign(multi, fd, src);
	return 0;
}

static int on_curl_timer(sd_event_source *s, uint64_t usec, void *data)
{
	int running;
	(void)s;
	(void)usec;
	(void)data;
	lc.multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done();
	return 0;
}

static int on_timer_change(CURLM *m, long timeout_ms, void *userp)
{
	(void)m;
	(void)userp;
	if (timeout_ms < 0)
		return sd_event_source_set_enabled(curl_timer, SD_EVENT_OFF);
	sd_event_source_set_time(curl_timer,
				 now_usec() + (uint64_t)timeout_ms * 1000);
	return sd_event_source_set_enabled(curl_timer, SD_EVENT_ONESHOT);
}

/* --- the queue ------------------------------------------------------------ */

static int on_retry(sd_event_source *s, uint64_t usec, void *data)
{
	(void)s;
	(void)usec;
	(void)data;
	kick();
	return 0;
}

static void finished(CURLcode rc)
{
	struct mail *m = queue[0];
	uint64_t wait_s = RETRY_MIN_S;

	if (rc == CURLE_OK) {
		log_info("mail to %s sent (\"%s\")", m->to, m->subject);
		remove_at(0);
		return;
	}
	m->tries++;
	for (unsigned i = 1; i < m->tries && wait_s < cfg.retry_max_s; i++)
		wait_s *= 2;
	if (wait_s > cfg.retry_max_s)
		wait_s = cfg.retry_max_s;
	m->next_try = now_usec() + wait_s * 1000000;
	log_warnx("mail to %s: %s (attempt %u); next in %llu s", m->to,
		  lc.easy_strerror(rc), m->tries, (unsigned long long)wait_s);
}

static void transfer_free(void)
{
	lc.multi_remove_handle(multi, xfer.easy);
	lc.easy_cleanup(xfer.easy);
	lc.mime_free(xfer.mime);
	lc.slist_free_all(xfer.rcpt);
	lc.slist_free_all(xfer.headers);
	memset(&xfer, 0, sizeof(xfer));
}

static void check_done(void)
{
	CURLMsg *msg;
	int left;

	while ((msg = lc.multi_info_read(multi, &left))) {
		if (msg->msg != CURLMSG_DONE || msg->easy_handle != xfer.easy)
			continue;
		CURLcode rc = msg->data.result;
		transfer_free();
		finished(rc);
	}
	kick();
}

/* RFC 5322 date, in UTC: no time zone file to read in the sandbox. */
static void mail_date(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "Date: %a, %d %b %Y %H:%M:%S +0000", &tm);
}

static struct curl_slist *headers(const struct mail *m)
{
	char line[512];
	struct curl_slist *h = NULL, *n;

	mail_date(line, sizeof(line));
	h = lc.slist_append(h, line);
	snprintf(line, sizeof(line), "From: %s", cfg.from);
	if (h && (n = lc.slist_append(h, line)))
		h = n;
	snprintf(line, sizeof(line), "To: %s", m->to);
	if (h && (n = lc.slist_append(h, line)))
		h = n;
	snprintf(line, sizeof(line), "Subject: %s", m->subject);
	if (h && (n = lc.slist_append(h, line)))
		h = n;
	return h;
}

/* The OOM mail's plot, a second part (the message is multipart/mixed). */
static int attach_png(const struct mail *m)
{
	curl_mimepart *part = lc.mime_addpart(xfer.mime);

	if (!part ||
	    lc.mime_data(part, (const char *)m->png, m->png_len) != CURLE_OK ||
	    lc.mime_type(part, "image/png") != CURLE_OK ||
	    lc.mime_filename(part, "usage.png") != CURLE_OK ||
	    lc.mime_encoder(part, "base64") != CURLE_OK)
		return -1;
	return 0;
}

/* The message as MIME (curl_mime): a text/plain part, quoted-printable
 * so that an admin's 8-bit template passes any relay, and the plot. */
static int start(struct mail *m)
{
	curl_mimepart *part;

	xfer.easy = lc.easy_init();
	if (!xfer.easy)
		return -1;
	xfer.rcpt = lc.slist_append(NULL, m->to);
	xfer.headers = headers(m);
	xfer.mime = lc.mime_init(xfer.easy);
	part = xfer.mime ? lc.mime_addpart(xfer.mime) : NULL;
	if (!xfer.rcpt || !xfer.headers || !part ||
	    lc.mime_data(part, m->body, CURL_ZERO_TERMINATED) != CURLE_OK ||
	    lc.mime_type(part, "text/plain; charset=utf-8") != CURLE_OK ||
	    lc.mime_encoder(part, "quoted-printable") != CURLE_OK)
		return -1;
	if (m->png && attach_png(m) < 0)
		return -1;
	lc.easy_setopt(xfer.easy, CURLOPT_URL, cfg.url);
	lc.easy_setopt(xfer.easy, CURLOPT_MAIL_FROM, cfg.from);
	lc.easy_setopt(xfer.easy, CURLOPT_MAIL_RCPT, xfer.rcpt);
	lc.easy_setopt(xfer.easy, CURLOPT_HTTPHEADER, xfer.headers);
	lc.easy_setopt(xfer.easy, CURLOPT_MIMEPOST, xfer.mime);
	lc.easy_setopt(xfer.easy, CURLOPT_TIMEOUT, TRANSFER_TIMEOUT);
	lc.easy_setopt(xfer.easy, CURLOPT_NOSIGNAL, 1L);
	/* smtp:// alone: no redirects, no other protocol */
	lc.easy_setopt(xfer.easy, CURLOPT_PROTOCOLS_STR, "smtp");
	if (lc.multi_add_handle(multi, xfer.easy) != CURLM_OK)
		return -1;
	return 0;
}

/* Start the head of the queue if nothing is in flight and its time has
 * come; else arm the retry timer for it. */
static void kick(void)
{
	uint64_t now = now_usec();

	while (!xfer.easy && nqueue > 0) {
		struct mail *m = queue[0];
		if (now - m->created > cfg.give_up_s * 1000000) {
			drop_at(0, "not delivered in give_up");
			continue;
		}
		if (m->next_try > now) {
			sd_event_source_set_time(retry_timer, m->next_try);
			sd_event_source_set_enabled(retry_timer,
						    SD_EVENT_ONESHOT);
			return;
		}
		if (start(m) < 0) {
			if (xfer.easy)
				transfer_free();
			drop_at(0, "out of memory");
		}
	}
}

void mail_queue(const char *to, const char *subject, const char *body,
		const uint8_t *png, size_t len)
{
	if (!ev) { /* mail_init() never ran: no libcurl (mail.h) */
		dropped++;
		log_warnx("mail to %s not sent: this cgfair-notify was started "
			  "without mail (a relay set by a reload is used from "
			  "cgfaird's next start)",
			  to);
		return;
	}
	struct mail *m = calloc(1, sizeof(*m));

	if (m) {
		m->to = strdup(to);
		m->subject = strdup(subject);
		m->body = strdup(body);
	}
	if (m && png && len <= MAIL_PNG_QUEUED_MAX - png_queued &&
	    (m->png = malloc(len))) {
		memcpy(m->png, png, len);
		m->png_len = len;
		png_queued += len;
	} else if (m && png) {
		log_warnx("mail to %s goes without its plot (%zu bytes of "
			  "plots queued)",
			  to, png_queued);
	}
	if (!m || !m->to || !m->subject || !m->body) {
		dropped++;
		log_warnx("mail to %s dropped (out of memory)", to);
		if (m)
			mail_free(m);
		return;
	}
	m->created = m->next_try = now_usec();
	if (nqueue == MAIL_QUEUE_MAX) /* the oldest not in flight goes */
		drop_at(xfer.easy ? 1 : 0, "queue full");
	queue[nqueue++] = m;
	kick();
}

void mail_configure(const struct mail_settings *s)
{
	cfg = *s;
	kick();
}

void mail_init(sd_event *event)
{
	ev = event;
	if (lc.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx(EXIT_FATAL, "curl_global_init failed");
	multi = lc.multi_init();
	if (!multi ||
	    lc.multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket) ||
	    lc.multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer_change) ||
	    sd_event_add_time(ev, &curl_timer, CLOCK_MONOTONIC, 0, 0,
			      on_curl_timer, NULL) < 0 ||
	    sd_event_add_time(ev, &retry_timer, CLOCK_MONOTONIC, 0, 0, on_retry,
			      NULL) < 0)
		fatalx(EXIT_FATAL, "cannot set up libcurl's multi handle");
	sd_event_source_set_enabled(curl_timer, SD_EVENT_OFF);
	sd_event_source_set_enabled(retry_timer, SD_EVENT_OFF);
}
