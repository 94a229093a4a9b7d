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
PKGS        := libsystemd libseccomp libcap-ng inih json-c audit libmicrohttpd

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

# Each module.mk adds its programs to PROGRAMS or TEST_PROGRAMS and sets
# NAME_SRCS with `=` (expanded late, so a list may name lists of a
# module.mk read after it); the link rules are made below, once every
# module.mk has been read: the order make reads them in does not matter.
# $(call program,NAME): build $(BUILD)/NAME from NAME_SRCS (a source named
# twice, through two lists, is linked once).
define program
$(BUILD)/$(1): $(sort $(patsubst %.c,$(OBJ)/%.o,$($(1)_SRCS)))
	@mkdir -p $$(@D)
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
endef

include $(wildcard */module.mk */*/module.mk)
$(foreach p,$(PROGRAMS) $(TEST_PROGRAMS),$(eval $(call program,$(p))))
$(foreach p,$(FUZZ_PROGRAMS),$(eval $(call fuzz_program,$(p))))

.PHONY: all deps user run check check-unit check-vm install clean format \
        format-check

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

# the run-time dependencies only (tools/deps.sh run); says what cgfaird
# will do to this machine's users before it starts
run:
	sh tools/deps.sh run
	$(MAKE) all
	sh tools/run-notice.sh $(BUILD)/cgfaird
	sh tools/ensure-user.sh
	$(BUILD)/cgfaird --foreground

tests: all $(addprefix $(BUILD)/,$(TEST_PROGRAMS))

# The whole suite: unit tests (plain and ASan/UBSan), integration tests on
# this host's real cgroups, a short fuzz run and, as root, the qemu rigs.
check: deps
	$(MAKE) -j$$(nproc) tests
	$(MAKE) -j$$(nproc) BUILD=build-asan SANITIZE=1 tests
	sh tests/run.sh

check-unit: tests
	sh tests/run.sh unit

check-vm: all
	sh tests/run.sh vm

# PREFIX is compiled into cgfaird (where it finds its workers): rebuild it
# when PREFIX changes.
PREFIX_STAMP := $(BUILD)/.libexecdir$(subst /,-,$(LIBEXECDIR))
$(OBJ)/supervisor/main.o: $(PREFIX_STAMP)
$(PREFIX_STAMP):
	@mkdir -p $(@D)
	@rm -f $(BUILD)/.libexecdir*
	@touch $@

# The admin's own cgfair.conf is never overwritten.
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSCONFDIR)/cgfair/users.d \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)/usr/lib/sysusers.d $(DESTDIR)/usr/lib/tmpfiles.d \
		$(DESTDIR)/usr/lib/systemd/catalog \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions \
		$(DESTDIR)$(PREFIX)/share/zsh/vendor-completions
	install -m 0755 $(BUILD)/cgfaird $(DESTDIR)$(SBINDIR)/cgfaird
	install -m 0755 $(BUILD)/cgfair-scanner $(BUILD)/cgfair-oomwatch \
		$(BUILD)/cgfair-frontend $(BUILD)/cgfair-metrics \
		$(BUILD)/cgfair-recorder $(BUILD)/cgfair-plot \
		$(BUILD)/cgfair-notify $(BUILD)/cgfair-desktop-notify \
		$(DESTDIR)$(LIBEXECDIR)/
	install -m 0755 $(BUILD)/cgfairctl $(DESTDIR)$(BINDIR)/cgfairctl
	install -m 0644 docs/man/cgfairctl.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 docs/man/cgfair.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 docs/man/cgfaird.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 etc/completion/cgfairctl.bash \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/cgfairctl
	install -m 0644 etc/completion/_cgfairctl \
		$(DESTDIR)$(PREFIX)/share/zsh/vendor-completions/_cgfairctl
	@# a host with Cgroup Py's config keeps it in force: no cgfair.conf
	@# (which would hide it), a word instead (cgfaird --migrate-config)
	if [ -e $(DESTDIR)$(SYSCONFDIR)/cgroup_py/cgroup_py.conf ] && \
	   [ ! -e $(DESTDIR)$(SYSCONFDIR)/cgfair/cgfair.conf ]; then \
		echo "$(SYSCONFDIR)/cgroup_py/cgroup_py.conf found: it stays" \
		     "in force; no cgfair.conf installed"; \
	elif [ ! -e $(DESTDIR)$(SYSCONFDIR)/cgfair/cgfair.conf ]; then \
		install -m 0644 etc/cgfair.conf $(DESTDIR)$(SYSCONFDIR)/cgfair/; \
	fi
	install -m 0644 etc/users.d/example.conf \
		$(DESTDIR)$(SYSCONFDIR)/cgfair/users.d/example.conf.sample
	sed -e 's|/usr/sbin/cgfaird|$(SBINDIR)/cgfaird|' \
		-e 's|/usr/bin/cgfairctl|$(BINDIR)/cgfairctl|' \
		etc/cgfaird.service >$(DESTDIR)$(UNITDIR)/cgfaird.service
	sed 's|/usr/bin/cgfairctl|$(BINDIR)/cgfairctl|' \
		etc/cgfair-metrics.service \
		>$(DESTDIR)$(UNITDIR)/cgfair-metrics.service
	install -m 0644 etc/cgfair-metrics.timer $(DESTDIR)$(UNITDIR)/
	@# the listener's drop-in is documentation until an admin copies it
	install -d $(DESTDIR)$(PREFIX)/share/doc/cgfair
	install -m 0644 etc/cgfaird.service.d/metrics-listen.conf \
		$(DESTDIR)$(PREFIX)/share/doc/cgfair/metrics-listen.conf
	install -m 0644 etc/cgfaird.service.d/notify-relay.conf \
		$(DESTDIR)$(PREFIX)/share/doc/cgfair/notify-relay.conf
	install -m 0644 etc/cgfaird.service.d/fleet-database.conf \
		$(DESTDIR)$(PREFIX)/share/doc/cgfair/fleet-database.conf
	install -m 0644 docs/fleet.md $(DESTDIR)$(PREFIX)/share/doc/cgfair/fleet.md
	install -m 0644 etc/sysusers.d-cgfair.conf \
		$(DESTDIR)/usr/lib/sysusers.d/cgfair.conf
	install -m 0644 etc/tmpfiles.d-cgfair.conf \
		$(DESTDIR)/usr/lib/tmpfiles.d/cgfair.conf
	[ ! -f etc/logrotate.d/cgfair ] || install -m 0644 \
		etc/logrotate.d/cgfair $(DESTDIR)$(SYSCONFDIR)/logrotate.d/cgfair
	[ ! -f etc/cgfair.catalog ] || install -m 0644 etc/cgfair.catalog \
		$(DESTDIR)/usr/lib/systemd/catalog/cgfair.catalog
	@if [ -z "$(DESTDIR)" ]; then sh tools/ensure-user.sh; fi

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan
