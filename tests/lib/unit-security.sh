# The rating of cgfaird.service by `systemd-analyze security`, checked the
# same way wherever it comes from: the host's offline analysis of
# etc/cgfaird.service (tests/hardening/unit-analysis.sh, the host's
# systemd), or a running systemd's analysis of the installed unit (the
# guests: systemd 252 and 257). Source it after tests/lib/t.sh.
#
# unit_security_check NAME OUTPUT UNIT-FILE: the exposure must be 3.0 or
# less, every check the
# unit fails must be one of the exposures below, each of which UNIT-FILE
# explains in a comment. A directive dropped from the unit shows up as a
# new failed check, even when the total stays under the bound.
UNIT_SECURITY_BOUND=3.0
# What cgfair cannot do without (the unit says why, next to each):
#   root, the capabilities it uses, netlink and unix sockets, the host's
#   network namespace (proc connector), cgroup writes, /dev/kmsg, /proc of
#   every user, the workers' privilege drop (setuid, capset, chroot: in
#   @mount), the executable of a client with more capabilities (ptrace
#   read check), the users' session buses under /run/user (read-only:
#   the desktop notice's helper connects to them; /home stays hidden).
UNIT_SECURITY_ACCEPTED="
ProtectHome=
SystemCallFilter=~@privileged
RootDirectory=/RootImage=
User=/DynamicUser=
CapabilityBoundingSet=~CAP_KILL
ProtectKernelLogs=
SystemCallFilter=~@mount
ProtectControlGroups=
CapabilityBoundingSet=~CAP_SYS_CHROOT
CapabilityBoundingSet=~CAP_SET(UID|GID|PCAP)
RestrictAddressFamilies=~AF_NETLINK
RestrictAddressFamilies=~AF_UNIX
CapabilityBoundingSet=~CAP_NET_ADMIN
ProtectProc=
CapabilityBoundingSet=~CAP_AUDIT_*
CapabilityBoundingSet=~CAP_SYS_PTRACE
PrivateNetwork=
PrivateUsers=
CapabilityBoundingSet=~CAP_SYSLOG
DeviceAllow=
"

unit_security_check() {
	_n=$1 _out=$2 _unit=$3
	_score=$(printf '%s\n' "$_out" |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	if [ -z "$_score" ]; then
		t_fail "$_n/score" "no exposure level in the analysis: $(printf '%s\n' "$_out" | tail -5)"
	elif awk -v s="$_score" -v b="$UNIT_SECURITY_BOUND" 'BEGIN { exit !(s <= b) }'; then
		t_pass "$_n/score: exposure $_score <= $UNIT_SECURITY_BOUND"
	else
		t_fail "$_n/score" "exposure $_score > $UNIT_SECURITY_BOUND"
	fi

	_extra=""
	for _c in $(printf '%s\n' "$_out" | awk '$1 == "✗" { print $2 }'); do
		case "$UNIT_SECURITY_ACCEPTED" in
		*"
$_c
"*) ;;
		*) _extra="$_extra $_c" ;;
		esac
	done
	if [ -z "$_extra" ]; then
		t_pass "$_n/checks: every failed check is an accepted, commented exposure"
	else
		t_fail "$_n/checks" "the unit newly fails:$_extra"
	fi

	# Left-out directives are explained in the unit: each accepted
	# exposure's directive is named in one of its comments.
	_missing=""
	for _d in ProtectKernelLogs ProtectControlGroups ProtectProc PrivateUsers \
		PrivateNetwork RootDirectory User=; do
		grep -q "^#.*$_d" "$_unit" || _missing="$_missing $_d"
	done
	if [ -z "$_missing" ]; then
		t_pass "$_n/comments: every directive left out says why"
	else
		t_fail "$_n/comments" "no comment in the unit for:$_missing"
	fi
}
