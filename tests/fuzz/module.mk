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
