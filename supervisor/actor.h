/*
 * Who made an admin action and what it changed: the same facts go into its
 * event (events.c) and its Linux audit record (audit.c).
 */
#ifndef CGFAIR_ACTOR_H
#define CGFAIR_ACTOR_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The kernel's "no login uid / no session" (4294967295). */
#define ACTOR_UNSET UINT32_MAX

/* A client process, as the kernel describes it: never as the frontend
 * says. known: auid, ses and exe were read from the pinned process; false:
 * it ended (or its /proc could not be read) before they were. */
struct actor {
	uid_t uid; /* SO_PEERCRED (the effective uid at connect) */
	pid_t pid;
	bool known;
	uint32_t auid;	    /* /proc/<pid>/loginuid, ACTOR_UNSET: none */
	uint32_t ses;	    /* /proc/<pid>/sessionid, ACTOR_UNSET: none */
	char exe[PATH_MAX]; /* "": not known */
};

/* The admin's fixed max_tasks, memory.high or I/O weight: CHANGE_NONE
 * (the configured one applies), CHANGE_NO_LIMIT (fixed at "max"), or the
 * value; as state.c keeps them. */
#define CHANGE_NONE	(-1)
#define CHANGE_NO_LIMIT INT64_MAX

/* What an admin action changed; a pair counts when its flag is set. */
struct change {
	bool cpu, mem, penalty, tasks, high, io;
	int64_t cpu_old, cpu_new;  /* fixed cap, 1/1000 CPU, -1: none */
	uint64_t mem_old, mem_new; /* fixed limit, bytes, UINT64_MAX: none */
	/* seconds left in the box; 0: out of it, -1: until released */
	int64_t penalty_old, penalty_new;
	int64_t tasks_old, tasks_new; /* processes and threads */
	int64_t high_old, high_new;   /* memory.high, bytes */
	int64_t io_old, io_new;	      /* I/O weight, 1..10000 */
};

/* The client at the other end of fd, a connection accepted on our socket.
 * -1 when SO_PEERCRED fails (not a socket). */
int actor_from_socket(int fd, struct actor *out);
/* A process known by pid and uid alone (the sender of a signal). */
void actor_from_pid(pid_t pid, uid_t uid, struct actor *out);

#endif
