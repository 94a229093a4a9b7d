# Benchmark helpers (bench/*.sh drive them; see bench/README.md). Built
# with the tests so that `make tests` leaves them ready.
TEST_PROGRAMS += bench/scan-drive bench/seed-scan bench/place-latency \
	bench/sleepers bench/oom-latency
bench/scan-drive_SRCS = bench/scan-drive.c ipc/ipc.c $(COMMON_SRCS)
bench/seed-scan_SRCS = bench/seed-scan.c
bench/place-latency_SRCS = bench/place-latency.c
bench/sleepers_SRCS = bench/sleepers.c
# OOM kill to event latency (bench/oom-latency.sh).
bench/oom-latency_SRCS = bench/oom-latency.c common/clock.c
