# cgfaird, the supervisor.
BACKEND_SRCS = supervisor/backend.c supervisor/backend_cgroup1.c \
	supervisor/backend_cgroup2.c supervisor/backend_systemd.c \
	supervisor/busq.c

PROGRAMS += cgfaird
cgfaird_SRCS = supervisor/main.c supervisor/workers.c supervisor/outbox.c \
	supervisor/exes.c \
	supervisor/caps.c supervisor/seccomp.c ipc/ipc.c $(COMMON_SRCS)
cgfaird_SRCS += supervisor/users.c $(BACKEND_SRCS)
cgfaird_SRCS += supervisor/placement.c supervisor/exe.c supervisor/subuid.c
# oomparse.c: the watcher's reader of the kernel's counter files, which the
# supervisor re-reads itself (it never parses the kernel log)
cgfaird_SRCS += supervisor/events.c supervisor/event_limit.c \
	supervisor/oom.c supervisor/oom_marks.c workers/oomwatch/oomparse.c
cgfaird_SRCS += supervisor/conf.c supervisor/state.c supervisor/control.c \
	supervisor/badness.c supervisor/settings.c $(POLICY_SRCS)
cgfaird_SRCS += supervisor/frontend.c supervisor/actor.c supervisor/audit.c \
	supervisor/metrics.c supervisor/daemon_state.c supervisor/notify.c \
	supervisor/notify_plot.c supervisor/desktop.c supervisor/loop.c
# the usage history's directory, worker class and report relay
cgfaird_SRCS += supervisor/history.c supervisor/fleet.c
$(BUILD)/cgfaird: LDLIBS += -lacl
