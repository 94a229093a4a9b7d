COMMON_SRCS := common/log.c common/peer.c common/array.c
