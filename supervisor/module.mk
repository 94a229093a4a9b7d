CGFAIRD_SRCS += supervisor/main.c supervisor/workers.c supervisor/exes.c \
	supervisor/caps.c \
	ipc/ipc.c $(COMMON_SRCS)
BACKEND_SRCS := supervisor/backend.c supervisor/backend_cgroup1.c \
	supervisor/backend_cgroup2.c supervisor/backend_systemd.c
CGFAIRD_SRCS += supervisor/users.c $(BACKEND_SRCS)
CGFAIRD_SRCS += supervisor/placement.c supervisor/exe.c
# oomparse.c: the watcher's reader of the kernel's counter files, which the
# supervisor re-reads itself (it never parses the kernel log)
CGFAIRD_SRCS += supervisor/events.c supervisor/event_limit.c supervisor/oom.c \
	supervisor/oom_marks.c workers/oomwatch/oomparse.c
CGFAIRD_SRCS += supervisor/conf.c supervisor/state.c supervisor/control.c \
	supervisor/badness.c \
	supervisor/settings.c $(POLICY_SRCS)
CGFAIRD_SRCS += supervisor/frontend.c supervisor/actor.c supervisor/audit.c \
	supervisor/metrics.c supervisor/daemon_state.c

PROGRAMS += cgfaird
$(eval $(call program,cgfaird,$(CGFAIRD_SRCS)))

# The backends' unit tests (a fake cgroup tree) and the test-only CLI that
# drives the real backend (integration test, VM scenarios: the VM rigs
# stage build/tests/t-*).
TEST_PROGRAMS += tests/unit-backend tests/t-backend-cli
$(eval $(call program,tests/unit-backend,tests/unit/test_backend.c \
	$(BACKEND_SRCS) $(COMMON_SRCS)))
$(BUILD)/tests/unit-backend: LDLIBS += -lcmocka
$(eval $(call program,tests/t-backend-cli,tests/tools/backend-cli.c \
	supervisor/caps.c $(BACKEND_SRCS) $(COMMON_SRCS)))
