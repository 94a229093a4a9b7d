#!/bin/sh
# VM tier 3: cgfair under SELinux, enforcing. The tier 2 guest (systemd,
# Debian's kernel) on an image with Debian's reference policy and
# cgfair's policy module (selinux/, built by `make selinux`) installed,
# every file labeled; booted permissive, the guest labels this run's
# payload and switches to enforcing (guest-tier2.sh) before any scenario.
# Runs every systemd scenario and those whose "# backends:" line lists
# selinux (tests/scenarios/selinux.sh: each process in its own domain),
# and fails on any access by a cgfair domain denied during the run. The
# image makes init_t (systemd itself) permissive (mkrootfs.sh); every
# cgfair domain is enforced.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/vm/lib/vm.sh"
. "$T_TOP/tests/vm/lib/systemd-tier.sh"
# Left out here (CGFAIR_VM_SCENARIOS=... runs them): autopenalty and
# fairness, two minutes of the policy's arithmetic over time; the accesses
# they make (the scanner's reads, SetUnitProperties on the slices) are
# those penalty.sh and placement.sh make, and tier 2 runs them;
# backend-limits, which runs no cgfair process (the backend's code in a
# test tool, as root in the harness's domain); and audit-systemd, whose
# set-up fails here, not cgfair: its test user's login session (PAM
# "login" from systemd-run) cannot exec sudo under the reference policy
# (status 203), so no admin request reaches cgfaird. cgfaird_t's audit
# records themselves (audit_write, the NETLINK_AUDIT socket) are made in
# selinux.sh, whose requests (penalty, release, reload) are each audited.
CGFAIR_VM_SKIP=${CGFAIR_VM_SKIP-autopenalty fairness backend-limits audit-systemd}
systemd_tier vm-selinux selinux "security=selinux selinux=1 enforcing=0" \
	"systemd selinux"
