WORKER_COMMON_SRCS := workers/worker.c workers/sandbox.c ipc/ipc.c \
	$(COMMON_SRCS)
SCANNER_SRCS += workers/scanner/main.c
OOMWATCH_SRCS += workers/oomwatch/main.c
FRONTEND_SRCS += workers/frontend/main.c

PROGRAMS += cgfair-scanner cgfair-oomwatch cgfair-frontend
$(eval $(call program,cgfair-scanner,$(SCANNER_SRCS) $(WORKER_COMMON_SRCS)))
$(eval $(call program,cgfair-oomwatch,$(OOMWATCH_SRCS) $(WORKER_COMMON_SRCS)))
$(eval $(call program,cgfair-frontend,$(FRONTEND_SRCS) $(WORKER_COMMON_SRCS)))
