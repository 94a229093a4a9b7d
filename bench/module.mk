# Benchmark helpers (bench/*.sh drive them; see bench/README.md). Built
# with the tests so that `make tests` leaves them ready.
TEST_PROGRAMS += bench/scan-drive bench/seed-scan bench/place-latency \
	bench/sleepers
$(eval $(call program,bench/scan-drive,bench/scan-drive.c ipc/ipc.c \
	$(COMMON_SRCS)))
$(eval $(call program,bench/seed-scan,bench/seed-scan.c))
$(eval $(call program,bench/place-latency,bench/place-latency.c))
$(eval $(call program,bench/sleepers,bench/sleepers.c))

# OOM kill to event latency (bench/oom-latency.sh).
TEST_PROGRAMS += bench/oom-latency
$(eval $(call program,bench/oom-latency,bench/oom-latency.c))
