# Small helper programs for the shell tests (integration, scenarios, vm).
# They land in build/tests/ next to the unit tests; the VM rigs copy them
# into the guests.
TEST_PROGRAMS += tests/t-run-as-uid tests/t-spin tests/t-memhog \
	tests/t-duty tests/t-forkbomb tests/t-backend-cli tests/t-notifyd \
	tests/t-cpu-log
tests/t-run-as-uid_SRCS = tests/tools/run-as-uid.c
tests/t-spin_SRCS = tests/tools/spin.c
tests/t-memhog_SRCS = tests/tools/memhog.c
tests/t-duty_SRCS = tests/tools/duty.c
tests/t-forkbomb_SRCS = tests/tools/forkbomb.c
# a process's CPU time against the wall clock (autopenalty's climb)
tests/t-cpu-log_SRCS = tests/tools/cpu-log.c
# a notification service on a session bus (desktop notices)
tests/t-notifyd_SRCS = tests/tools/notifyd.c
# drives the real backend (integration test, VM scenarios: the VM rigs
# stage build/tests/t-*)
tests/t-backend-cli_SRCS = tests/tools/backend-cli.c supervisor/caps.c \
	$(BACKEND_SRCS) $(COMMON_SRCS)
# fleet mode's database side against a real PostgreSQL (fleet-db.sh makes a
# throwaway cluster); not t-*: the VM guests get no copy
TEST_PROGRAMS += tests/fleet-check
tests/fleet-check_SRCS = tests/tools/fleet-check.c workers/recorder/fleet.c \
	workers/recorder/fleet_report.c $(RECORDER_CORE_SRCS) $(COMMON_SRCS)
$(BUILD)/tests/fleet-check: LDLIBS += $(shell pkg-config --libs sqlite3 \
	libpq) -lcmocka
$(OBJ)/tests/tools/fleet-check.o $(OBJ)/workers/recorder/fleet.o \
	$(OBJ)/workers/recorder/fleet_report.o: CFLAGS += \
	$(shell pkg-config --cflags libpq)
