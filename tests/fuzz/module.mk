# libFuzzer targets for every parser of untrusted input: IPC receive and
# decode, the frontend's request parser (client text), the OOM watcher's
# kernel-log and counter parsers, the scanner's /proc and cgroup parsers,
# and the configuration loader (main file, seed format, users.d). Built
# only on request (`make fuzz`, which tests/fuzz/*.sh call) and with clang
# alone, so that a plain `make` never needs clang.
FUZZ_CC     ?= clang
FUZZ_CFLAGS ?= -g -O1 -fno-omit-frame-pointer
FUZZ_FLAGS   = $(FUZZ_CFLAGS) -std=gnu11 -Wall -Wextra -Werror -I. \
	-D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined

FUZZ_PROGRAMS += fuzz-ipc fuzz-frontend fuzz-oomparse fuzz-scanparse \
	fuzz-config fuzz-subuid
fuzz-ipc_SRCS = tests/fuzz/fuzz_ipc.c ipc/ipc.c
fuzz-frontend_SRCS = tests/fuzz/fuzz_frontend.c $(FRONTEND_PURE_SRCS) \
	common/log.c
fuzz-frontend_PKGS = json-c libsystemd
fuzz-oomparse_SRCS = tests/fuzz/fuzz_oomparse.c workers/oomwatch/oomparse.c \
	common/num.c
fuzz-scanparse_SRCS = tests/fuzz/fuzz_scanparse.c workers/scanner/parse.c \
	workers/scanner/subuid.c ipc/ipc.c common/num.c common/log.c
fuzz-scanparse_PKGS = libsystemd
fuzz-subuid_SRCS = tests/fuzz/fuzz_subuid.c workers/scanner/parse.c \
	workers/scanner/subuid.c ipc/ipc.c common/num.c common/log.c
fuzz-subuid_PKGS = libsystemd
fuzz-config_SRCS = tests/fuzz/fuzz_config.c $(POLICY_SRCS)
fuzz-config_PKGS = inih

# $(call fuzz_program,NAME): $(BUILD)/fuzz/NAME from NAME_SRCS, relinked
# when a source or any header changes (the Makefile evaluates it once
# every module.mk has been read).
define fuzz_program
fuzz: $(BUILD)/fuzz/$(1)
$(BUILD)/fuzz/$(1): $($(1)_SRCS) $(wildcard */*.h */*/*.h)
	@mkdir -p $$(@D)
	$$(FUZZ_CC) $$(FUZZ_FLAGS) -DCGFAIR_VERSION='"$$(VERSION)"' \
		$(if $($(1)_PKGS),$$(shell pkg-config --cflags $($(1)_PKGS))) \
		-o $$@ $($(1)_SRCS) \
		$(if $($(1)_PKGS),$$(shell pkg-config --libs $($(1)_PKGS))) -lm
endef

.PHONY: fuzz check-fuzz
check-fuzz:
	sh tests/run.sh fuzz
