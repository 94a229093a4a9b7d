#!/bin/sh
# VM tier 3: cgfair under SELinux, enforcing. The tier 2 guest (systemd,
# Debian's kernel) on an image with Debian's reference policy; the guest
# installs this run's cgfair-selinux package (its postinst loads the
# module), labels the run's payload and switches to enforcing
# (guest-tier2.sh) before any scenario. Runs every systemd scenario - on
# bookworm's unified hierarchy, as tier 5 does on trixie's (tier 2, the
# same guest without SELinux, is in pending/) - and those whose
# "# backends:" line lists selinux (selinux.sh: each process in its own
# domain; upgrade.sh: the packages), and fails on any access by a cgfair
# domain denied during the run. The image makes init_t (systemd itself)
# permissive (mkrootfs.sh); every cgfair domain is enforced.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/vm/lib/vm.sh"
. "$T_TOP/tests/vm/lib/systemd-tier.sh"
# One vCPU on one host thread, as tiers 4 and 5: with two vCPUs on a
# thread each (tcg,thread=multi) the guest froze whole in the middle of
# `exempt` (CI, stop 27: no line from its watchdog unit, killed at the
# 1200 s limit), as tier 4's did in session 9 on the same kernel (6.1)
# and QEMU (7.2): a static key patched (CFS bandwidth, when the first
# quota is set or the last lifted) while the other vCPU ran a stale
# translation of that code. Tier 1 keeps two vCPUs for the multi-CPU
# cases.
CGFAIR_VM_ACCEL=${CGFAIR_VM_ACCEL:-tcg,thread=single}
CGFAIR_VM_SMP=${CGFAIR_VM_SMP:-1}
CGFAIR_VM_TIMEOUT=${CGFAIR_VM_TIMEOUT:-1500}
systemd_tier vm-selinux selinux "security=selinux selinux=1 enforcing=0" \
	"systemd selinux"
