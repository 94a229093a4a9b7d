# common/: code every program may link (logging, peers, arrays, the one
# grammar for numbers with units, clocks).
COMMON_SRCS = common/log.c common/peer.c common/array.c common/num.c \
	common/clock.c
# plots of CPU and memory over time (cairo): cgfairctl report --plot, and
# whoever else draws them (not in COMMON_SRCS: only they link cairo)
PLOT_SRCS = common/plot.c
