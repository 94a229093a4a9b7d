# Impostor workers for the `evil` tier (tests/evil/*.sh): test-only
# programs that speak the real protocol from inside the real sandbox and
# attack the supervisor the way a compromised worker would. They are never
# installed; tests/lib/impostor.sh puts one beside a copy of cgfaird, where
# the supervisor looks for its workers first (supervisor/main.c).
# (this file is read before workers/module.mk: the skeleton spelled out)
EVIL_SRCS := workers/worker.c workers/sandbox.c ipc/ipc.c $(COMMON_SRCS)
TEST_PROGRAMS += tests/evil-frontend tests/evil-oomwatch tests/evil-scanner
$(eval $(call program,tests/evil-frontend,tests/evil/evil-frontend.c \
	$(EVIL_SRCS)))
$(eval $(call program,tests/evil-oomwatch,tests/evil/evil-oomwatch.c \
	$(EVIL_SRCS)))
$(eval $(call program,tests/evil-scanner,tests/evil/evil-scanner.c \
	$(EVIL_SRCS)))
