# common/: code every program may link (logging, peers, arrays, the one
# grammar for numbers with units, clocks).
COMMON_SRCS = common/log.c common/peer.c common/array.c common/num.c \
	common/clock.c
