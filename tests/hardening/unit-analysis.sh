#!/bin/sh
# etc/cgfaird.service as this host's systemd rates it offline
# (`systemd-analyze security --offline=true`): the bound and the accepted
# exposures are in tests/lib/unit-security.sh, for a running systemd's
# rating of the installed unit to be checked the same way.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/lib/unit-security.sh"
N=unit-analysis
UNIT=$T_TOP/etc/cgfaird.service
if ! command -v systemd-analyze >/dev/null 2>&1; then
	t_fail $N "systemd-analyze missing (run make deps)"
	exit 1
fi
# the unit alone: a copy, away from etc/cgfaird.service.d/ (the metrics
# listener's optional drop-in, which the analysis would read with it)
mkdir -p "$T_TMP/unit"
cp "$UNIT" "$T_TMP/unit/cgfaird.service"
out=$(systemd-analyze security --offline=true "$T_TMP/unit/cgfaird.service" 2>&1)
unit_security_check $N "$out" "$UNIT"
