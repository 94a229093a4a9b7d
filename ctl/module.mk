# cgfairctl: the admin and monitoring client of cgfaird's socket.
PROGRAMS += cgfairctl
cgfairctl_SRCS = ctl/cgfairctl.c ctl/history.c ctl/report.c ctl/rowfield.c \
	common/num.c
# cgfair-plot: `cgfairctl report --plot` runs it (cairo), so that cgfairctl
# links no graphics library
PROGRAMS += cgfair-plot
cgfair-plot_SRCS = ctl/plot_main.c ctl/rowfield.c $(PLOT_SRCS)
$(BUILD)/cgfair-plot: LDLIBS += $(shell pkg-config --libs cairo)
$(OBJ)/ctl/plot_main.o $(OBJ)/common/plot.o: CFLAGS += \
	$(shell pkg-config --cflags cairo)
