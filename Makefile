# cgfair: top-level build. Each folder adds its sources in its own module.mk,
# so that the roles stay separate and this file stays short.

PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
BINDIR      ?= $(PREFIX)/bin
LIBEXECDIR  ?= $(PREFIX)/libexec/cgfair
MANDIR      ?= $(PREFIX)/share/man
SYSCONFDIR  ?= /etc
UNITDIR     ?= /lib/systemd/system
DESTDIR     ?=
VERSION     := 0.1.0

CC          ?= gcc
BUILD       ?= build
OBJ         := $(BUILD)/obj
PKGS        := libsystemd libseccomp libcap-ng inih json-c

# SANITIZE=1 builds everything with ASan+UBSan (make check uses build-asan/).
ifeq ($(SANITIZE),1)
OPT         := -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
               -fno-sanitize-recover=undefined -DCGFAIR_SANITIZED=1
FORTIFY     :=
else
OPT         := -O2
FORTIFY     := -D_FORTIFY_SOURCE=2
endif

CFLAGS      ?= -g
CFLAGS      += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 \
               -fstack-protector-strong -fPIE $(FORTIFY) $(OPT) -I. -D_GNU_SOURCE \
               -DCGFAIR_VERSION='"$(VERSION)"' \
               -DCGFAIR_LIBEXECDIR='"$(LIBEXECDIR)"' \
               -DCGFAIR_SYSCONFDIR='"$(SYSCONFDIR)"' \
               $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS     += -pie -Wl,-z,relro,-z,now -Wl,--as-needed $(filter -fsanitize%,$(OPT))
LDLIBS      += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

.DEFAULT_GOAL := all
PROGRAMS    :=
TEST_PROGRAMS :=

# $(call program,NAME,SOURCES): build $(BUILD)/NAME from SOURCES.
define program
$(BUILD)/$(1): $(patsubst %.c,$(OBJ)/%.o,$(2))
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef

include $(sort $(wildcard */module.mk */*/module.mk))

.PHONY: all deps user run check check-unit check-integration check-asan \
        check-fuzz check-vm install clean format format-check bench

all: $(addprefix $(BUILD)/,$(PROGRAMS))

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)

deps:
	sh tools/deps.sh

# The workers run as this user; make install and the tests create it too.
user:
	sh tools/ensure-user.sh

run: deps
	$(MAKE) all
	sh tools/ensure-user.sh
	$(BUILD)/cgfaird --foreground

tests: all $(addprefix $(BUILD)/,$(TEST_PROGRAMS))

# The whole suite: unit tests (plain and ASan/UBSan), integration tests on
# this host's real cgroups, a short fuzz run and, as root, the qemu rigs.
check: deps
	$(MAKE) tests
	$(MAKE) BUILD=build-asan SANITIZE=1 tests
	sh tests/run.sh

check-unit: tests
	sh tests/run.sh unit

check-vm: all
	sh tests/run.sh vm

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(BINDIR)
	install -m 0755 $(BUILD)/cgfaird $(DESTDIR)$(SBINDIR)/cgfaird
	install -m 0755 $(BUILD)/cgfair-scanner $(BUILD)/cgfair-oomwatch \
	        $(BUILD)/cgfair-frontend $(DESTDIR)$(LIBEXECDIR)/
	$(INSTALL_EXTRA)
	@if [ -z "$(DESTDIR)" ]; then sh tools/ensure-user.sh; fi

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan
