# Benchmark helpers (bench/*.sh drive them; see bench/README.md). Built
# with the tests so that `make tests` leaves them ready.
TEST_PROGRAMS += bench/scan-drive bench/seed-scan bench/place-latency \
	bench/sleepers bench/oom-latency bench/sock-ping bench/policy-step \
	bench/place-storm bench/scopes bench/wchan
bench/scan-drive_SRCS = bench/scan-drive.c ipc/ipc.c $(COMMON_SRCS)
bench/seed-scan_SRCS = bench/seed-scan.c
bench/place-latency_SRCS = bench/place-latency.c
bench/sleepers_SRCS = bench/sleepers.c
# OOM kill to event latency (bench/oom-latency.sh).
bench/oom-latency_SRCS = bench/oom-latency.c common/clock.c
# The supervisor's loop stall, pinged through the socket
# (bench/systemd-scale.sh).
bench/sock-ping_SRCS = bench/sock-ping.c
# The policy step alone at 10,000 and 100,000 users.
bench/policy-step_SRCS = bench/policy-step.c $(POLICY_SRCS)
# Many short processes of many uids at once (bench/placement.sh --storm).
bench/place-storm_SRCS = bench/place-storm.c
# A thousand users' scopes in the systemd guest, fast (bench/systemd-scale.sh).
bench/scopes_SRCS = bench/scopes.c
# What the supervisor waits in while it is not running (systemd-scale.sh).
bench/wchan_SRCS = bench/wchan.c
# Fleet mode's database side at scale (bench/fleet.sh): the recorder's own
# db.c, fleet.c and fleet_report.c against a throwaway PostgreSQL.
TEST_PROGRAMS += bench/fleet-bench
bench/fleet-bench_SRCS = bench/fleet-bench.c workers/recorder/fleet.c \
	workers/recorder/fleet_report.c $(RECORDER_CORE_SRCS) $(COMMON_SRCS)
$(BUILD)/bench/fleet-bench: LDLIBS += $(shell pkg-config --libs sqlite3 \
	libpq)
$(OBJ)/bench/fleet-bench.o: CFLAGS += $(shell pkg-config --cflags libpq)
