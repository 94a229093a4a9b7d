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
systemd_tier vm-selinux selinux "security=selinux selinux=1 enforcing=0" \
	"systemd selinux"
