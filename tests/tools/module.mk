# Small helper programs for the shell tests (integration, scenarios, vm).
# They land in build/tests/ next to the unit tests; the VM rigs copy them
# into the guests.
TEST_PROGRAMS += tests/t-run-as-uid tests/t-spin tests/t-memhog
$(eval $(call program,tests/t-run-as-uid,tests/tools/run-as-uid.c))
$(eval $(call program,tests/t-spin,tests/tools/spin.c))
$(eval $(call program,tests/t-memhog,tests/tools/memhog.c))
# t-oomd: the supervisor's OOM path (worker table, oomwatch pool, events,
# the real backend) driven from stdin: integration test, scenario, bench.
TEST_PROGRAMS += tests/t-oomd
$(eval $(call program,tests/t-oomd,tests/tools/oomd.c supervisor/workers.c \
	supervisor/caps.c supervisor/oom.c supervisor/events.c \
	supervisor/users.c $(BACKEND_SRCS) ipc/ipc.c $(COMMON_SRCS)))
TEST_PROGRAMS += tests/t-duty
$(eval $(call program,tests/t-duty,tests/tools/duty.c))
