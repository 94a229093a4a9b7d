WORKER_COMMON_SRCS := workers/worker.c workers/sandbox.c ipc/ipc.c \
	$(COMMON_SRCS)
SCANNER_SRCS += workers/scanner/main.c workers/scanner/parse.c \
	workers/scanner/commands.c \
	workers/scanner/read.c workers/scanner/cgstat.c \
	workers/scanner/pending.c workers/scanner/scan.c \
	workers/scanner/connector.c
OOMWATCH_SRCS += workers/oomwatch/main.c workers/oomwatch/oomparse.c
FRONTEND_SRCS += workers/frontend/main.c workers/frontend/clients.c \
	workers/frontend/dispatch.c $(FRONTEND_PURE_SRCS)

PROGRAMS += cgfair-scanner cgfair-oomwatch cgfair-frontend
$(eval $(call program,cgfair-scanner,$(SCANNER_SRCS) $(WORKER_COMMON_SRCS)))
$(eval $(call program,cgfair-oomwatch,$(OOMWATCH_SRCS) $(WORKER_COMMON_SRCS)))
$(eval $(call program,cgfair-frontend,$(FRONTEND_SRCS) $(WORKER_COMMON_SRCS)))
# cgfair-metrics renders with the frontend's pure code (the same metrics
# text whoever serves it) and speaks HTTP through libmicrohttpd.
METRICS_SRCS += workers/metrics/main.c $(FRONTEND_PURE_SRCS)
PROGRAMS += cgfair-metrics
$(eval $(call program,cgfair-metrics,$(METRICS_SRCS) $(WORKER_COMMON_SRCS)))
$(BUILD)/cgfair-metrics: LDLIBS += $(shell pkg-config --libs libmicrohttpd)
