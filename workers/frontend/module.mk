# cgfair-frontend's pure parts (request parsing, answers, the rows table),
# shared with their unit test. The program itself is built in
# workers/module.mk, which make reads after this file.
FRONTEND_PURE_SRCS := workers/frontend/request.c workers/frontend/reply.c \
	workers/frontend/rows.c policy/config_value.c

TEST_PROGRAMS += tests/unit-frontend
$(BUILD)/tests/unit-frontend: LDLIBS += -lcmocka
$(eval $(call program,tests/unit-frontend,tests/unit/test_frontend.c \
	$(FRONTEND_PURE_SRCS)))

# libFuzzer target for the request parser (`make fuzz`, tests/fuzz/frontend.sh;
# FUZZ_CC and FUZZ_FLAGS come from tests/fuzz/module.mk).
FUZZ_FRONTEND_SRCS := tests/fuzz/fuzz_frontend.c $(FRONTEND_PURE_SRCS)
fuzz: $(BUILD)/fuzz/fuzz-frontend
$(BUILD)/fuzz/fuzz-frontend: $(FUZZ_FRONTEND_SRCS) workers/frontend/request.h \
		workers/frontend/reply.h workers/frontend/rows.h ipc/ipc.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -DCGFAIR_VERSION='"$(VERSION)"' \
		$(shell pkg-config --cflags json-c) -o $@ $(FUZZ_FRONTEND_SRCS) \
		$(shell pkg-config --libs json-c)
