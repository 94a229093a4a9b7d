# Impostor workers for the `evil` tier (tests/evil/*.sh): test-only
# programs that speak the real protocol from inside the real sandbox and
# attack the supervisor the way a compromised worker would. They are never
# installed; tests/lib/impostor.sh puts one beside a copy of cgfaird, where
# the supervisor looks for its workers first (supervisor/main.c).
TEST_PROGRAMS += tests/evil-frontend tests/evil-oomwatch tests/evil-scanner
tests/evil-frontend_SRCS = tests/evil/evil-frontend.c $(WORKER_COMMON_SRCS)
tests/evil-oomwatch_SRCS = tests/evil/evil-oomwatch.c $(WORKER_COMMON_SRCS)
tests/evil-scanner_SRCS = tests/evil/evil-scanner.c $(WORKER_COMMON_SRCS)
