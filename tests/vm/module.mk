# The VM rigs (tests/vm/, see its README.md). `make check-vm` runs every
# tier through tests/run.sh; they need the test helpers too.
check-vm: tests

.PHONY: check-vm-cgroup2 check-vm-systemd check-vm-selinux \
	check-vm-systemd-v1 check-vm-trixie vm-cache

# one tier, straight to the terminal
check-vm-cgroup2: tests
	sh tests/vm/tier1-cgroup2.sh
check-vm-systemd: tests
	sh tests/vm/pending/tier2-systemd.sh
check-vm-selinux: tests
	sh tests/vm/tier3-selinux.sh
check-vm-systemd-v1: tests
	sh tests/vm/tier4-systemd-v1.sh
check-vm-trixie: tests
	sh tests/vm/tier5-trixie.sh

# fetch the kernels and build the tier 2, 3 and 5 images into the cache
vm-cache:
	sh tests/vm/lib/cache.sh
