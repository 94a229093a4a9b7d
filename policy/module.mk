# policy/: configuration and the pure limit decisions. The supervisor links
# POLICY_SRCS; the unit tests link them with cmocka.
POLICY_SRCS := policy/badness.c policy/config.c policy/config_keys.c policy/config_load.c \
	policy/config_print.c policy/config_seed.c policy/config_value.c \
	policy/fairshare.c policy/memory.c policy/penalty.c policy/policy.c \
	policy/throttle.c policy/users.c

TEST_PROGRAMS += tests/unit-policy tests/unit-policy-props tests/unit-config \
	tests/unit-badness
$(eval $(call program,tests/unit-policy,tests/unit/test_policy.c $(POLICY_SRCS)))
$(eval $(call program,tests/unit-policy-props,tests/unit/test_policy_props.c $(POLICY_SRCS)))
$(eval $(call program,tests/unit-badness,tests/unit/test_badness.c $(POLICY_SRCS)))
$(eval $(call program,tests/unit-config,tests/unit/test_config.c $(POLICY_SRCS)))
$(BUILD)/tests/unit-policy $(BUILD)/tests/unit-policy-props \
$(BUILD)/tests/unit-config $(BUILD)/tests/unit-badness: LDLIBS += -lcmocka
