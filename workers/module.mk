# The sandboxed workers: the skeleton (worker.c, sandbox.c) and one folder
# per role.
WORKER_COMMON_SRCS = workers/skeleton.c workers/sandbox.c \
	workers/sandbox_report.c ipc/ipc.c \
	$(COMMON_SRCS)
SCANNER_CORE_SRCS = workers/scanner/parse.c workers/scanner/commands.c \
	workers/scanner/read.c workers/scanner/cgstat.c \
	workers/scanner/listing.c \
	workers/scanner/pending.c workers/scanner/scan.c \
	workers/scanner/connector.c workers/scanner/subuid.c
OOMWATCH_SRCS = workers/oomwatch/main.c workers/oomwatch/oomparse.c
# the frontend's pure parts (request parsing, answers, the rows table),
# shared with its unit test and fuzz target
FRONTEND_PURE_SRCS = workers/frontend/request.c workers/frontend/reply.c \
	workers/frontend/rows.c common/num.c common/array.c

PROGRAMS += cgfair-scanner cgfair-oomwatch cgfair-frontend
cgfair-scanner_SRCS = workers/scanner/main.c $(SCANNER_CORE_SRCS) \
	$(WORKER_COMMON_SRCS)
cgfair-oomwatch_SRCS = $(OOMWATCH_SRCS) $(WORKER_COMMON_SRCS)
cgfair-frontend_SRCS = workers/frontend/main.c workers/frontend/clients.c \
	workers/frontend/dispatch.c $(FRONTEND_PURE_SRCS) \
	$(WORKER_COMMON_SRCS)
# cgfair-metrics renders with the frontend's pure code (the same metrics
# text whoever serves it) and speaks HTTP through libmicrohttpd.
PROGRAMS += cgfair-metrics
cgfair-metrics_SRCS = workers/metrics/main.c $(FRONTEND_PURE_SRCS) \
	$(WORKER_COMMON_SRCS)
$(BUILD)/cgfair-metrics: LDLIBS += $(shell pkg-config --libs libmicrohttpd)
# cgfair-recorder: the usage history in SQLite ([history] enable); its pure
# table of minutes and its database code are shared with the unit test.
RECORDER_CORE_SRCS = workers/recorder/minute.c workers/recorder/db.c \
	workers/recorder/report.c workers/recorder/pending.c
PROGRAMS += cgfair-recorder
# In fleet mode it talks to PostgreSQL through libpq (fleet.c, link.c).
cgfair-recorder_SRCS = workers/recorder/main.c workers/recorder/link.c \
	workers/recorder/fleet.c workers/recorder/fleet_report.c \
	workers/recorder/lasthour.c common/plot.c \
	$(RECORDER_CORE_SRCS) $(WORKER_COMMON_SRCS)
# cairo draws the OOM mail's plot (lasthour.c), without text: no fonts
$(BUILD)/cgfair-recorder: LDLIBS += \
	$(shell pkg-config --libs sqlite3 libpq cairo)
$(OBJ)/workers/recorder/lasthour.o: CFLAGS += $(shell pkg-config --cflags cairo)
$(OBJ)/workers/recorder/link.o $(OBJ)/workers/recorder/fleet_report.o: CFLAGS += \
	$(shell pkg-config --cflags libpq)
# cgfair-notify: the notices to users and admins ([notify]); mail through
# libcurl, terminals through sd-login and utmp.
NOTIFY_PURE_SRCS = workers/notify/limit.c workers/notify/text.c
PROGRAMS += cgfair-notify
cgfair-notify_SRCS = workers/notify/main.c workers/notify/mail.c \
	workers/notify/curl_lib.c workers/notify/tty.c $(NOTIFY_PURE_SRCS) \
	$(WORKER_COMMON_SRCS)
# libcurl is not linked: it is dlopen()ed when mail is on (curl_lib.h);
# its headers and the run-time package are still needed
# cgfair-desktop-notify: the short-lived helper the supervisor runs as a
# user for one notice on its session bus ([notify] desktop); no skeleton:
# it is started already without privilege and speaks no IPC.
PROGRAMS += cgfair-desktop-notify
cgfair-desktop-notify_SRCS = workers/desktop/main.c
