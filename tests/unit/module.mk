# Unit tests (cmocka): build/tests/unit-*, run by tests/run.sh (tiers unit
# and asan).
TEST_PROGRAMS += tests/unit-ipc
$(eval $(call program,tests/unit-ipc,tests/unit/test_ipc.c ipc/ipc.c $(COMMON_SRCS)))
$(BUILD)/tests/unit-ipc: LDLIBS += -lcmocka

# OOM reporting: the watcher's parsers and the supervisor's counting (with
# stubs for the worker table, the backend and event_emit); the events.
TEST_PROGRAMS += tests/unit-oom tests/unit-events
$(eval $(call program,tests/unit-oom,tests/unit/test_oom.c supervisor/oom.c \
	supervisor/oom_marks.c supervisor/state.c supervisor/users.c \
	workers/oomwatch/oomparse.c $(COMMON_SRCS)))
$(BUILD)/tests/unit-oom: LDLIBS += -lcmocka -ljson-c
$(eval $(call program,tests/unit-events,tests/unit/test_events.c \
	supervisor/events.c supervisor/event_limit.c supervisor/users.c \
	$(COMMON_SRCS)))
$(BUILD)/tests/unit-events: LDLIBS += -lcmocka

# Placement's check before a move: reports against real processes of other
# uids (with stubs for the worker table and the backend).
TEST_PROGRAMS += tests/unit-placement
$(eval $(call program,tests/unit-placement,tests/unit/test_placement.c \
	supervisor/placement.c supervisor/users.c supervisor/exe.c \
	supervisor/caps.c $(COMMON_SRCS)))
$(BUILD)/tests/unit-placement: LDLIBS += -lcmocka
