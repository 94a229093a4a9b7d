#!/bin/sh
# VM tier 3: cgfair under SELinux. The tier 2 guest (systemd, Debian's
# kernel) on an image with Debian's reference policy in permissive mode
# and cgfair's policy module (selinux/, built by `make selinux`) installed,
# every file labeled; booted with SELinux on. Runs the scenarios whose
# "# backends:" line lists selinux (tests/scenarios/selinux.sh): each
# process in its own domain, and no access by a cgfair domain denied.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/vm/lib/vm.sh"
. "$T_TOP/tests/vm/lib/systemd-tier.sh"
# one scenario: a wedged guest is given up after 10 minutes, not 20
CGFAIR_VM_TIMEOUT=${CGFAIR_VM_TIMEOUT:-600}
systemd_tier vm-selinux selinux "security=selinux selinux=1 enforcing=0" \
	selinux
