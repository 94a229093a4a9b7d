# policy/: configuration and the pure limit decisions. The supervisor links
# POLICY_SRCS; the unit tests (tests/unit/module.mk) link them with cmocka.
POLICY_SRCS = policy/badness.c policy/config.c policy/config_keys.c \
	policy/config_load.c policy/config_print.c policy/config_seed.c \
	policy/config_address.c \
	common/num.c policy/fairshare.c policy/memory.c policy/penalty.c \
	policy/policy.c policy/throttle.c policy/overrides.c
