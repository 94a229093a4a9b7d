#!/bin/sh
# VM tier 5: cgfair on Debian 13 (trixie): systemd 257 and kernel 6.12,
# the newest stable platform. The tier 2 guest built from trixie
# (debootstrap from this machine's mirror) with trixie's own kernel,
# fetched into the cache through a private apt configuration. Runs every
# systemd scenario on the unified hierarchy.
TOP=${TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$TOP/tests/lib/t.sh"
. "$T_TOP/tests/vm/lib/vm.sh"
. "$T_TOP/tests/vm/lib/systemd-tier.sh"
# One host thread for both vCPUs: with a thread each (tcg,thread=multi),
# trixie's 6.12 died of "Oops: int3" in update_curr on both vCPUs at once
# (a static key being patched while the other vCPU ran that code: QEMU
# 7.2's TCG let it run a stale translation with the breakpoint in it).
CGFAIR_VM_ACCEL=${CGFAIR_VM_ACCEL:-tcg,thread=single}
# and one vCPU on it: one thread emulating two vCPUs round-robin spent
# its time switching between them (measured in tests/vm/README.md,
# "Measured"); with one vCPU no other can run a stale translation at all
CGFAIR_VM_SMP=${CGFAIR_VM_SMP:-1}
# Its twelve scenarios on that one thread took 1100-1200 s alone on a
# host loaded by other tests (tests/vm/README.md, "Measured"): tier 2's
# 1200 s cut them short before tasks and unit.
CGFAIR_VM_TIMEOUT=${CGFAIR_VM_TIMEOUT:-2100}
systemd_tier vm-trixie trixie "" systemd
