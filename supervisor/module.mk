CGFAIRD_SRCS += supervisor/main.c supervisor/workers.c supervisor/caps.c \
	ipc/ipc.c $(COMMON_SRCS)

PROGRAMS += cgfaird
$(eval $(call program,cgfaird,$(CGFAIRD_SRCS)))
