/*
 * cgfair-metrics: the HTTP metrics listener ([metrics] listen). Serves GET
 * /metrics (Prometheus text format 0.0.4) on the TCP socket the supervisor
 * bound and handed over, from the users' rows and the daemon-wide figures
 * the supervisor pushes; nothing else. Chrooted, no files, no new
 * sockets. The HTTP is libmicrohttpd's, run from our sd-event loop (its
 * epoll fd, no threads), so that every byte a client sends is parsed here,
 * in the sandbox, and never in the supervisor.
 */
#include "workers/frontend/reply.h"
#include "workers/frontend/rows.h"
#include "workers/skeleton.h"
#include "common/log.h"

#include <microhttpd.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

/* Bounds: a scraper asks every few seconds, and one answer for 10,000
 * users is about 20 MB of text to build, so that requests beyond the rate
 * get 429 rather than the CPU. */
#define MAX_CONNECTIONS	   16
#define MAX_PER_IP	   8
#define CONN_TIMEOUT_S	   10
#define CONN_MEMORY	   (16 * 1024) /* request line and headers */
#define RATE_PER_SEC	   10	       /* requests answered per second */
#define RATE_BURST	   20
#define CONTENT_TYPE	   "text/plain; version=0.0.4; charset=utf-8"
#define MHD_RUN_EVERY_USEC (1000 * 1000ULL) /* connection timeouts */

static struct fe_rows rows;
static struct MHD_Daemon *httpd;
static sd_event_source *epoll_src;

/* A token bucket, in requests, refilled by the monotonic clock. */
static bool rate_ok(void)
{
	static double tokens = RATE_BURST;
	static struct timespec last;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (last.tv_sec || last.tv_nsec) {
		double dt = (double)(now.tv_sec - last.tv_sec) +
			    (double)(now.tv_nsec - last.tv_nsec) / 1e9;
		tokens += dt * RATE_PER_SEC;
		if (tokens > RATE_BURST)
			tokens = RATE_BURST;
	}
	last = now;
	if (tokens < 1)
		return false;
	tokens -= 1;
	return true;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status,
			     const char *type, const char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO; /* MHD closes the connection */
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (status == MHD_HTTP_TOO_MANY_REQUESTS)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned status,
			    const char *msg)
{
	return reply(c, status, "text/plain; charset=utf-8", msg, strlen(msg));
}

static enum MHD_Result serve_metrics(struct MHD_Connection *c)
{
	/* a listener the admin turned on serves every row (as the socket
	 * does for status_visibility = all): see cgfair.conf(5) */
	const struct fe_view all = {.see_all = true, .now = time(NULL)};
	struct fe_buf b = {0};
	enum MHD_Result ret;

	fe_metrics_text(&b, &rows, &all);
	if (b.oom)
		ret = text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n");
	else
		ret =
		    reply(c, MHD_HTTP_OK, CONTENT_TYPE, b.p ? b.p : "", b.len);
	fe_buf_free(&b);
	return ret;
}

/* Every request is answered at its first call, before any body: a GET
 * has none, and what a client sends beyond is discarded with the
 * connection. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_size, void **req)
{
	(void)cls;
	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "only GET /metrics\n");
	if (strcmp(url, "/metrics") != 0)
		return text(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n");
	if (!rate_ok())
		return text(c, MHD_HTTP_TOO_MANY_REQUESTS,
			    "too many requests\n");
	return serve_metrics(c);
}

static int on_epoll(sd_event_source *s, int fd, uint32_t revents, void *data)
{
	(void)s;
	(void)fd;
	(void)revents;
	(void)data;
	MHD_run(httpd);
	return 0;
}

static int on_tick(sd_event_source *s, uint64_t usec, void *data)
{
	(void)data;
	if (httpd)
		MHD_run(httpd); /* closes connections past their timeout */
	sd_event_source_set_time(s, usec + MHD_RUN_EVERY_USEC);
	return 0;
}

static void start_httpd(sd_event *event, int fd)
{
	const union MHD_DaemonInfo *info;

	if (httpd) { /* one socket per life: a second one is a violation */
		close(fd);
		fatalx(EXIT_IPC, "a second listening socket");
	}
	httpd = MHD_start_daemon(
	    MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)MAX_CONNECTIONS, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)MAX_PER_IP, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)CONN_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)CONN_MEMORY, MHD_OPTION_END);
	if (!httpd)
		fatalx(EXIT_FATAL, "libmicrohttpd would not start");
	info = MHD_get_daemon_info(httpd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || sd_event_add_io(event, &epoll_src, info->epoll_fd, EPOLLIN,
				     on_epoll, NULL) < 0)
		fatalx(EXIT_FATAL, "cannot watch libmicrohttpd's epoll fd");
}

static void metrics_allow(scmp_filter_ctx ctx)
{
	/* libmicrohttpd: its epoll set (made when the socket comes, inside
	 * the sandbox), clients from the socket it was given, their bytes */
	sandbox_allow(ctx, SCMP_SYS(epoll_create1));
	sandbox_allow(ctx, SCMP_SYS(accept4));
	sandbox_allow(ctx, SCMP_SYS(recvfrom));
	sandbox_allow(ctx, SCMP_SYS(sendto));
	sandbox_allow(ctx, SCMP_SYS(shutdown));
	sandbox_allow(ctx, SCMP_SYS(getsockname));
	sandbox_allow(ctx, SCMP_SYS(getsockopt)); /* SO_DOMAIN, SO_ERROR */
	/* headers and body in one sendmsg, on a client's socket (any fd
	 * above the IPC socket, which the common rule has), never on
	 * stdin..stderr */
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(sendmsg), 1,
			     SCMP_A0(SCMP_CMP_GT, IPC_FD)) < 0 ||
	    /* TCP_NODELAY and TCP_CORK on a client's socket, nothing else */
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(setsockopt), 1,
			     SCMP_A1(SCMP_CMP_EQ, IPPROTO_TCP)) < 0)
		fatalx(EXIT_SANDBOX, "seccomp: metrics rules");
}

static void metrics_init(sd_event *event)
{
	sd_event_source *tick = NULL;

	if (sd_event_add_time_relative(event, &tick, CLOCK_MONOTONIC,
				       MHD_RUN_EVERY_USEC, 0, on_tick,
				       NULL) < 0 ||
	    sd_event_source_set_enabled(tick, SD_EVENT_ON) < 0)
		fatalx(EXIT_FATAL, "cannot add the timeout timer");
}

static bool metrics_handle(sd_event *event, struct ipc_msg *msg)
{
	switch (msg->hdr.type) {
	case IPC_METRICS_LISTEN:
		start_httpd(event, msg->fds[0]);
		return true;
	default:
		return fe_rows_handle(&rows, msg);
	}
}

static const struct skeleton_role metrics = {
    .role = ROLE_METRICS,
    .name = "cgfair-metrics",
    .chroot = true,
    .allow = metrics_allow,
    .init = metrics_init,
    .handle = metrics_handle,
};

int main(int argc, char **argv)
{
	skeleton_main(argc, argv, &metrics);
}
