# Benchmarks' helper programs: build/bench/*, built by "make tests".
# (Rebuilt by the OOM helper after overwriting it by mistake: the four
# programs below as build/obj/bench/*.d and the binaries showed them.)
TEST_PROGRAMS += bench/place-latency bench/scan-drive bench/seed-scan \
	bench/sleepers
$(eval $(call program,bench/place-latency,bench/place-latency.c))
$(eval $(call program,bench/scan-drive,bench/scan-drive.c ipc/ipc.c))
$(eval $(call program,bench/seed-scan,bench/seed-scan.c))
$(eval $(call program,bench/sleepers,bench/sleepers.c))

# OOM kill to event latency (bench/oom-latency.sh).
TEST_PROGRAMS += bench/oom-latency
$(eval $(call program,bench/oom-latency,bench/oom-latency.c))
