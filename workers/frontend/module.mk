# cgfair-frontend's pure parts (request parsing, answers, the rows table),
# shared with their unit test. The program itself is built in
# workers/module.mk, which make reads after this file.
FRONTEND_PURE_SRCS := workers/frontend/request.c workers/frontend/reply.c \
	workers/frontend/rows.c

TEST_PROGRAMS += tests/unit-frontend
$(BUILD)/tests/unit-frontend: LDLIBS += -lcmocka
$(eval $(call program,tests/unit-frontend,tests/unit/test_frontend.c \
	$(FRONTEND_PURE_SRCS)))
