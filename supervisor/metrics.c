/* The HTTP metrics listener's supervisor side; see metrics.h. */
#include "supervisor/metrics.h"
#include "supervisor/workers.h"
#include "supervisor/daemon_state.h"
#include "supervisor/frontend.h"
#include "common/log.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#define LISTEN_BACKLOG 16

static struct metrics_settings cfg;
static int listen_fd = -1;

static void on_start(struct worker *w)
{
	worker_tell(w, IPC_METRICS_LISTEN, &(struct ipc_metrics_listen){0},
		    sizeof(struct ipc_metrics_listen), &listen_fd, 1);
	frontend_resend_rows(ROLE_METRICS);
	daemon_state_send(w);
}

static const struct worker_class metrics_class = {
    .role = ROLE_METRICS,
    .exe = "cgfair-metrics",
    .chroot = true,
    .count = 1,
    .on_start = on_start,
    .on_message = NULL, /* it may send nothing but pongs */
};

/* -1 with errno, after saying which step failed. */
static int make_socket(const struct sockaddr_storage *ss, unsigned len)
{
	int one = 1;
	int fd = socket(ss->ss_family,
			SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0) {
		log_warn("metrics: socket");
		return -1;
	}
	/* a restart finds the port in TIME_WAIT; v6 means v6 only */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss->ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)ss, len) < 0 ||
	    listen(fd, LISTEN_BACKLOG) < 0) {
		log_warn("metrics: cannot listen on %s; running without the "
			 "HTTP listener",
			 cfg.listen);
		close(fd);
		return -1;
	}
	return fd;
}

void metrics_reconfigure(const struct metrics_settings *s)
{
	if (strcmp(s->listen, cfg.listen) != 0)
		log_warnx("[metrics] listen stays \"%s\" until cgfaird "
			  "restarts",
			  cfg.listen);
}

void metrics_register(const struct metrics_settings *s)
{
	struct sockaddr_storage ss;
	unsigned len = 0;
	const char *why;

	cfg = *s;
	if (!cfg.listen[0])
		return;
	/* the loader checked it already; a second look costs nothing */
	why = config_parse_address(cfg.listen, &ss, &len);
	if (why) {
		log_warnx("metrics: listen %s: %s", cfg.listen, why);
		return;
	}
	listen_fd = make_socket(&ss, len);
	if (listen_fd < 0)
		return;
	log_info("metrics: listening on http://%s/metrics", cfg.listen);
	workers_add_class(&metrics_class);
	frontend_add_row_consumer(ROLE_METRICS);
}
