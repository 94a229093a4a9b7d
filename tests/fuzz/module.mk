# libFuzzer target for the IPC receive and decode path. Built only on
# request (`make fuzz`, which tests/fuzz/run.sh calls) and with clang alone,
# so that a plain `make` never needs clang.
FUZZ_CC     ?= clang
FUZZ_CFLAGS ?= -g -O1 -fno-omit-frame-pointer
FUZZ_FLAGS  := $(FUZZ_CFLAGS) -std=gnu11 -Wall -Wextra -Werror -I. \
	-D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined
FUZZ_IPC_SRCS := tests/fuzz/fuzz_ipc.c ipc/ipc.c

.PHONY: fuzz check-fuzz
fuzz: $(BUILD)/fuzz/fuzz-ipc

$(BUILD)/fuzz/fuzz-ipc: $(FUZZ_IPC_SRCS) ipc/ipc.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(FUZZ_IPC_SRCS)

check-fuzz:
	sh tests/run.sh fuzz

# The parsers of untrusted input beside IPC and requests: the OOM watcher's
# kernel-log and counter parsers, the scanner's /proc and cgroup parsers,
# and the configuration loader (main file, seed format, users.d).
FUZZ_OOMPARSE_SRCS := tests/fuzz/fuzz_oomparse.c workers/oomwatch/oomparse.c
FUZZ_SCANPARSE_SRCS := tests/fuzz/fuzz_scanparse.c workers/scanner/parse.c
FUZZ_CONFIG_SRCS := tests/fuzz/fuzz_config.c $(POLICY_SRCS)
fuzz: $(BUILD)/fuzz/fuzz-oomparse $(BUILD)/fuzz/fuzz-scanparse \
	$(BUILD)/fuzz/fuzz-config

$(BUILD)/fuzz/fuzz-oomparse: $(FUZZ_OOMPARSE_SRCS) workers/oomwatch/oomparse.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(FUZZ_OOMPARSE_SRCS)

$(BUILD)/fuzz/fuzz-scanparse: $(FUZZ_SCANPARSE_SRCS) workers/scanner/scanner.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $(FUZZ_SCANPARSE_SRCS)

$(BUILD)/fuzz/fuzz-config: $(FUZZ_CONFIG_SRCS) policy/config.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(shell pkg-config --cflags inih) -o $@ \
		$(FUZZ_CONFIG_SRCS) $(shell pkg-config --libs inih) -lm
