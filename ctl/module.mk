# cgfairctl: the admin and monitoring client of cgfaird's socket.
PROGRAMS += cgfairctl
cgfairctl_SRCS = ctl/cgfairctl.c ctl/history.c ctl/report.c common/num.c \
	$(PLOT_SRCS)
$(BUILD)/cgfairctl: LDLIBS += $(shell pkg-config --libs cairo)
$(OBJ)/ctl/report.o $(OBJ)/common/plot.o: CFLAGS += \
	$(shell pkg-config --cflags cairo)
