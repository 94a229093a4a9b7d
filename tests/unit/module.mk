# Unit tests (cmocka): build/tests/unit-*, run by tests/run.sh (tiers unit
# and asan).
TEST_PROGRAMS += tests/unit-ipc
tests/unit-ipc_SRCS = tests/unit/test_ipc.c ipc/ipc.c $(COMMON_SRCS)

# The one grammar for numbers, sizes and durations (common/num.c).
TEST_PROGRAMS += tests/unit-num
tests/unit-num_SRCS = tests/unit/test_num.c common/num.c

# The sorted-by-uid array helpers (common/array.c).
TEST_PROGRAMS += tests/unit-array
tests/unit-array_SRCS = tests/unit/test_array.c common/array.c

# policy/: the limit decisions, the automatic penalty box, the config.
TEST_PROGRAMS += tests/unit-policy tests/unit-policy-props tests/unit-config \
	tests/unit-badness
tests/unit-policy_SRCS = tests/unit/test_policy.c $(POLICY_SRCS)
tests/unit-policy-props_SRCS = tests/unit/test_policy_props.c $(POLICY_SRCS)
tests/unit-badness_SRCS = tests/unit/test_badness.c $(POLICY_SRCS)
tests/unit-config_SRCS = tests/unit/test_config.c $(POLICY_SRCS)

# The supervisor's keeping of the penalty box's state (supervisor/badness.c).
TEST_PROGRAMS += tests/unit-badness-state
tests/unit-badness-state_SRCS = tests/unit/test_badness_state.c \
	supervisor/badness.c supervisor/state.c $(POLICY_SRCS) $(COMMON_SRCS)
$(BUILD)/tests/unit-badness-state: LDLIBS += -ljson-c

# OOM reporting: the watcher's parsers and the supervisor's counting (with
# stubs for the worker table, the backend and event_emit); the events.
TEST_PROGRAMS += tests/unit-oom tests/unit-events
tests/unit-oom_SRCS = tests/unit/test_oom.c supervisor/oom.c \
	supervisor/oom_marks.c supervisor/state.c supervisor/users.c \
	workers/oomwatch/oomparse.c $(COMMON_SRCS)
$(BUILD)/tests/unit-oom: LDLIBS += -ljson-c
tests/unit-events_SRCS = tests/unit/test_events.c supervisor/events.c \
	supervisor/event_limit.c supervisor/users.c supervisor/audit.c \
	$(COMMON_SRCS)

# Placement's check before a move: reports against real processes of other
# uids (with stubs for the worker table and the backend).
TEST_PROGRAMS += tests/unit-placement
tests/unit-placement_SRCS = tests/unit/test_placement.c \
	supervisor/placement.c supervisor/subuid.c supervisor/users.c \
	supervisor/exe.c ipc/ipc.c \
	supervisor/caps.c $(COMMON_SRCS)

# The backends on a fake cgroup tree: the fake kernel wraps the real
# system calls at link time, so the backends' code is the shipped one.
TEST_PROGRAMS += tests/unit-backend
tests/unit-backend_SRCS = tests/unit/test_backend.c $(BACKEND_SRCS) \
	$(COMMON_SRCS)
$(BUILD)/tests/unit-backend: LDFLAGS += \
	-Wl,--wrap=mkdirat,--wrap=openat,--wrap=write,--wrap=unlinkat

# The systemd backend's write queue: bound, per-user order, retries.
TEST_PROGRAMS += tests/unit-busq
tests/unit-busq_SRCS = tests/unit/test_busq.c supervisor/busq.c common/array.c

# The supervisor's loop and its dispatch times (supervisor/loop.c).
TEST_PROGRAMS += tests/unit-loop
tests/unit-loop_SRCS = tests/unit/test_loop.c supervisor/loop.c \
	common/clock.c

# A worker's outbox (supervisor/outbox.c) on a real socketpair.
TEST_PROGRAMS += tests/unit-outbox
tests/unit-outbox_SRCS = tests/unit/test_outbox.c supervisor/outbox.c \
	ipc/ipc.c $(COMMON_SRCS)

# The scanner's parsers, readers and cycle on a fake /proc and cgroup tree.
TEST_PROGRAMS += tests/unit-scanner
tests/unit-scanner_SRCS = tests/unit/test_scanner.c $(SCANNER_CORE_SRCS) \
	ipc/ipc.c $(COMMON_SRCS)

# The frontend's request parser, answers and rows table.
TEST_PROGRAMS += tests/unit-frontend
tests/unit-frontend_SRCS = tests/unit/test_frontend.c $(FRONTEND_PURE_SRCS) \
	common/log.c

# The usage history: the recorder's minutes, its database and reports, on a
# real SQLite file.
TEST_PROGRAMS += tests/unit-recorder
tests/unit-recorder_SRCS = tests/unit/test_recorder.c $(RECORDER_CORE_SRCS) \
	$(COMMON_SRCS)
$(BUILD)/tests/unit-recorder: LDLIBS += $(shell pkg-config --libs sqlite3)
# cgfair-notify's rate limit and text (placeholders, terminal-safe text).
TEST_PROGRAMS += tests/unit-notify
tests/unit-notify_SRCS = tests/unit/test_notify.c $(NOTIFY_PURE_SRCS)

$(addprefix $(BUILD)/,$(filter tests/unit-%,$(TEST_PROGRAMS))): \
	LDLIBS += -lcmocka

