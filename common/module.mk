COMMON_SRCS := common/log.c
