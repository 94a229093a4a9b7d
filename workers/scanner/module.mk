# The scanner's unit tests: its parsers, readers and cycle on a fake /proc
# and cgroup tree (SCANNER_SRCS is set in workers/module.mk).
SCANNER_CORE_SRCS := $(filter-out workers/scanner/main.c,$(SCANNER_SRCS))
TEST_PROGRAMS += tests/unit-scanner
$(eval $(call program,tests/unit-scanner,tests/unit/test_scanner.c \
	$(SCANNER_CORE_SRCS) $(COMMON_SRCS)))
$(BUILD)/tests/unit-scanner: LDLIBS += -lcmocka
