# Small helper programs for the shell tests (integration, scenarios, vm).
# They land in build/tests/ next to the unit tests; the VM rigs copy them
# into the guests.
TEST_PROGRAMS += tests/t-run-as-uid tests/t-spin tests/t-memhog
$(eval $(call program,tests/t-run-as-uid,tests/tools/run-as-uid.c))
$(eval $(call program,tests/t-spin,tests/tools/spin.c))
$(eval $(call program,tests/t-memhog,tests/tools/memhog.c))
TEST_PROGRAMS += tests/t-duty
$(eval $(call program,tests/t-duty,tests/tools/duty.c))
TEST_PROGRAMS += tests/t-forkbomb
$(eval $(call program,tests/t-forkbomb,tests/tools/forkbomb.c))
