/*
 * The worker table (workers.c): fork + exec of the sandboxed workers,
 * pings, restarts with backoff, messages to and from them.
 */
#ifndef CGFAIR_WORKERS_H
#define CGFAIR_WORKERS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-event.h>

#include "ipc/ipc.h"

#define CGFAIR_RUNDIR	"/run/cgfair"
#define CGFAIR_EMPTYDIR CGFAIR_RUNDIR "/empty" /* chrooted workers' root */

struct worker;

struct worker_class {
	enum ipc_role role;
	const char *exe; /* file name in the libexec directory */
	bool chroot;
	const char *chroot_dir; /* NULL: CGFAIR_EMPTYDIR */
	/* started with --network: its filter lets it make the sockets of
	 * its role (the recorder in fleet mode); read at each start */
	const bool *network;
	unsigned count; /* processes of this role (the OOM pool has K) */
	/* after every (re)start: hand over fds and state */
	void (*on_start)(struct worker *w);
	/* a message other than PONG; false: not permitted now (fatal for
	 * the worker, which is then restarted) */
	bool (*on_message)(struct worker *w, struct ipc_msg *msg);
};

/* user: the workers' uid's name; debug: workers take IPC_TEST_SYSCALL */
void workers_init(sd_event *event, const char *user, bool debug);
void workers_add_class(const struct worker_class *wc);
void workers_start(void);
void workers_stop(void (*done)(void));
void workers_test_syscall(uint32_t call);
/* 0, or -1 when the worker was not running or could not take the message
 * (it is then restarted). Takes nothing: the caller still owns the fds. */
int worker_tell(struct worker *w, uint32_t type, const void *payload,
		size_t len, const int *fds, int nfds);
struct worker *worker_get(enum ipc_role role, unsigned index);
unsigned worker_index(const struct worker *w);
pid_t worker_pid(const struct worker *w);
bool workers_all_ready(void);
/* Each worker's restarts since start, at most max of them; how many. */
unsigned workers_restart_counts(struct ipc_worker_count *out, unsigned max);
const char *worker_name(const struct worker *w);

#endif
