#!/bin/sh
# VM tier 4: cgfair under systemd on the legacy (v1) cgroup hierarchies,
# the seed's home (CentOS 7, and HPC sites that still boot that way).
# Tier 2's bookworm image and kernel (systemd 252 still boots v1 without
# SYSTEMD_CGROUP_ENABLE_LEGACY_FORCE, which 256 needs), booted with
# systemd.unified_cgroup_hierarchy=0 and
# systemd.legacy_systemd_cgroup_controller=1: v1 controllers and v1's
# name=systemd tree, no cgroup2 mount at all. Runs every systemd scenario:
# the backend's v1 paths (CPUShares, MemoryLimit, the OOM eventfd on the
# slice's memory.oom_control).
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/tests/lib/t.sh"
. "$T_TOP/tests/vm/lib/vm.sh"
. "$T_TOP/tests/vm/lib/systemd-tier.sh"
systemd_tier vm-systemd-v1 plain \
	"systemd.unified_cgroup_hierarchy=0 systemd.legacy_systemd_cgroup_controller=1" \
	systemd
