#!/bin/sh
# backends: selinux
# timeout: 600
# The Debian packages (debian/, built on the host by tools/build-debs.sh
# into the guest's debs/), in tier 3: the systemd guest under SELinux,
# enforcing, which installed cgfair-selinux before any scenario.
# `dpkg -i` installs cgfair and starts it from its unit on the shipped
# configuration, labelled and in its domain, managing the (lingering)
# test users; an upgrade to a rebuilt package (the version bumped)
# restarts it and keeps a penalty and an admin-set limit; `dpkg --purge`
# of both leaves no unit, no property cgfair set on a user's slice, no
# file of the packages and no policy module.
# The guest had cgfair from `make install` (the other scenarios use it):
# those files are saved first and put back at exit. Named to run last: a
# guest where the restore did not finish has no cgfair for what follows.
# Its timeout is 600 s: the policy is rebuilt in the guest at the purge
# (semodule -r), a minute or more under emulation. The phases' times are
# printed ("package: ... at N s").
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/scenarios/lib/scn.sh"
N=package
t_need_root $N
# shellcheck disable=SC2086
set -- $SCN_UIDS
UA=$1
U=cgfaird.service
DEBS=$T_TOP/debs
deb=$(ls "$DEBS"/cgfair_*.deb 2>/dev/null | head -1)
if [ -z "$deb" ]; then
	t_fail $N/debs "no cgfair_*.deb in $DEBS (the host builds them with tools/build-debs.sh)"
	exit 1
fi
prop() { systemctl show -p "$1" --value "$2"; }
slice=user-$UA.slice

# what `make install` put where the package's files go (merged /usr: the
# package's /lib is /usr/lib here; its man pages are compressed, make
# install's are not), saved and restored
keep=""
for f in $(dpkg-deb --fsys-tarfile "$deb" | tar tf - | sed -n 's|^\./||p' |
	sed 's|^lib/|usr/lib/|; s|\.gz$||' | grep -v '/$'); do
	[ -e "/$f" ] && keep="$keep $f"
done
# shellcheck disable=SC2086
(cd / && tar cf "$T_TMP/installed.tar" $keep)
restore() {
	systemctl stop $U 2>/dev/null
	dpkg -s cgfair-selinux >/dev/null 2>&1 &&
		dpkg --purge cgfair-selinux >/dev/null 2>&1
	dpkg -s cgfair >/dev/null 2>&1 && dpkg --purge cgfair >/dev/null 2>&1
	tar xf "$T_TMP/installed.tar" -C /
	# shellcheck disable=SC2086
	[ -e /sys/fs/selinux/enforce ] && (cd / && restorecon -R -F $keep)
	systemctl daemon-reload
	systemctl reset-failed $U 2>/dev/null
}
t_cleanup restore

T0=$(date +%s)
phase() { echo "package: $1 at $(($(date +%s) - T0)) s"; }

# --- install ----------------------------------------------------------------
# Under SELinux (tier 3) the guest installed cgfair-selinux before the
# first scenario (its postinst loaded the module: guest-tier2.sh); cgfair
# now satisfies its dependency, and the purge takes both (the postrm
# removes the module). Nothing runs after this scenario, so the module is
# not loaded again at exit: a policy rebuild takes minutes under emulation.
selinux=""
sel=""
if [ -e /sys/fs/selinux/enforce ]; then
	selinux=1
	sel=cgfair-selinux
	t_check "$N/selinux: cgfair-selinux is installed, its module loaded" \
		sh -c 'dpkg -s cgfair-selinux >/dev/null 2>&1 && semodule -l | grep -qx cgfair'
fi
# a machine that never had cgfair: dpkg would ask (and, with no one to
# answer, fail) about a conffile it finds in place
# shellcheck disable=SC2086
(cd / && rm -f $keep)
if ! dpkg -i "$deb" >"$T_TMP/install.log" 2>&1; then
	t_fail $N/install "dpkg -i failed: $(tail -20 "$T_TMP/install.log")"
	exit 1
fi
t_pass "$N/install: dpkg -i $(basename "$deb")"
if [ -n "$selinux" ]; then
	t_check "$N/selinux: /usr/sbin/cgfaird labelled ($(ls -Z /usr/sbin/cgfaird | cut -d: -f3))" \
		[ "$(ls -Z /usr/sbin/cgfaird | cut -d: -f3)" = cgfaird_exec_t ]
fi
active() { systemctl is-active -q $U; }
t_check "$N/running: the unit is enabled" systemctl is-enabled -q $U
t_check "$N/running: the unit is active" t_wait 30 active
pid=$(prop MainPID $U)
t_check "$N/running: cgfaird ($pid) is /usr/sbin/cgfaird" \
	[ "$(readlink "/proc/$pid/exe")" = /usr/sbin/cgfaird ]
if [ -n "$selinux" ]; then
	t_check "$N/selinux: cgfaird runs as cgfaird_t ($(cut -d: -f3 "/proc/$pid/attr/current"))" \
		[ "$(cut -d: -f3 "/proc/$pid/attr/current" | tr -d '\0')" = cgfaird_t ]
fi

# managing a user: a busy test user gets its CPU cap on its slice
"$SCN_TOOLS/t-run-as-uid" "$UA" "$SCN_TOOLS/t-spin" >/dev/null 2>&1 &
spin=$!
t_cleanup "kill $spin 2>/dev/null"
capped() { [ "$(scn_cap_cores "" "$UA")" != none ]; }
t_check "$N/manages: $slice gets a CPU cap ($(scn_cap_cores "" "$UA") CPUs)" \
	t_wait 30 capped
full=$(scn_cap_cores "" "$UA")

# a penalty and an admin-set memory limit, kept across the upgrade
cgfairctl penalty "$UA" 600 >/dev/null 2>&1
pen_on() { [ "$(scn_cap_cores "" "$UA")" != "$full" ] && capped; }
t_check "$N/penalty: in force (cap $full -> $(scn_cap_cores "" "$UA"))" \
	t_wait 10 pen_on
pen=$(scn_cap_cores "" "$UA")
cgfairctl limit "$UA" --memory 300M --tasks 77 --memory-high 250M \
	--io-weight 222 >/dev/null 2>&1
MEMP=$(scn_memory_prop)
mem_set() { [ "$(prop "$MEMP" $slice)" = 314572800 ]; }
t_check "$N/limit: $MEMP of $slice is 300M" t_wait 10 mem_set
t_check "$N/limit: TasksMax of $slice is 77 ($(prop TasksMax $slice))" \
	[ "$(prop TasksMax $slice)" = 77 ]
# the runtime drop-ins cgfair's properties live in (SetUnitProperties,
# runtime); the purge must leave none of them on any user's slice
sd_props="CPUAccounting MemoryAccounting CPUQuota CPUWeight CPUShares
MemoryMax MemoryLimit MemorySwapMax MemoryZSwapMax TasksMax MemoryHigh IOWeight"
dropins() {
	for p in $sd_props; do
		ls /run/systemd/system.control/user-*.slice.d/50-$p.conf 2>/dev/null
	done
}
t_check "$N/limit: cgfair's properties are runtime drop-ins ($(dropins | wc -l) files)" \
	sh -c "ls /run/systemd/system.control/$slice.d/50-TasksMax.conf \
		/run/systemd/system.control/$slice.d/50-IOWeight.conf >/dev/null"

# --- upgrade to a rebuilt package -------------------------------------------
phase "installed and checked; upgrade"
v0=$(dpkg-query -W -f='${Version}' cgfair)
v1=$v0+upgrade1
mkdir -p "$T_TMP/up"
dpkg-deb -R "$deb" "$T_TMP/up/pkg"
sed -i "s/^Version: .*/Version: $v1/" "$T_TMP/up/pkg/DEBIAN/control"
dpkg-deb -Zgzip -b "$T_TMP/up/pkg" "$T_TMP/up/cgfair_up.deb" >/dev/null
if dpkg -i "$T_TMP/up/cgfair_up.deb" >"$T_TMP/upgrade.log" 2>&1; then
	t_pass "$N/upgrade: $v0 -> $(dpkg-query -W -f='${Version}' cgfair)"
else
	t_fail $N/upgrade "dpkg -i failed: $(tail -20 "$T_TMP/upgrade.log")"
fi
restarted() { active && [ "$(prop MainPID $U)" != "$pid" ]; }
t_check "$N/upgrade: cgfaird restarted" t_wait 30 restarted
pen_kept() { [ "$(scn_cap_cores "" "$UA")" = "$pen" ]; }
t_check "$N/upgrade: the penalty is kept (cap $pen)" t_wait 10 pen_kept
t_check "$N/upgrade: the memory limit is kept ($(prop "$MEMP" $slice))" \
	t_wait 10 mem_set

# --- purge --------------------------------------------------------------------
phase "upgraded and checked; purge"
files=$(dpkg -L cgfair $sel | while read -r f; do [ -d "$f" ] || echo "$f"; done)
if dpkg --purge $sel cgfair >"$T_TMP/purge.log" 2>&1; then
	t_pass "$N/purge: dpkg --purge $sel cgfair"
else
	t_fail $N/purge "dpkg --purge failed: $(tail -20 "$T_TMP/purge.log")"
fi
phase "purged"
if [ -n "$selinux" ]; then
	t_check "$N/selinux: cgfair-selinux's postrm removed the module" \
		sh -c '! semodule -l | grep -qx cgfair'
	# and from the running policy (its postrm removes it from the store
	# without a reload, relabels, then loads): the kernel refuses a
	# context with one of its types, not one of the base policy's
	ctx_valid() { /usr/bin/printf %s "system_u:object_r:$1:s0" \
		>/sys/fs/selinux/context 2>/dev/null; }
	policy_forgot() { ctx_valid var_lib_t && ! ctx_valid cgfair_var_lib_t; }
	t_check "$N/selinux: the running policy has no cgfair type left" \
		policy_forgot
fi
t_check "$N/purge: no unit left ($(systemctl show -p LoadState --value $U))" \
	sh -c "[ \"\$(systemctl show -p LoadState --value $U)\" = not-found ] && ! systemctl is-active -q $U"
t_check "$N/purge: no CPU cap on $slice ($(prop CPUQuotaPerSecUSec $slice))" \
	[ "$(prop CPUQuotaPerSecUSec $slice)" = infinity ]
t_check "$N/purge: no memory limit on $slice ($(prop "$MEMP" $slice))" \
	[ "$(prop "$MEMP" $slice)" = infinity ]
t_check "$N/purge: no tasks limit of cgfair's on $slice ($(prop TasksMax $slice))" \
	[ "$(prop TasksMax $slice)" != 77 ]
t_check "$N/purge: no drop-in of a cgfair property left on a user's slice:$(dropins | tr '\n' ' ')" \
	[ -z "$(dropins)" ]
if [ "$SCN_SD_V1" = 1 ]; then
	q=$(cat "$(scn_slice_dir "$UA" cpu)/cpu.cfs_quota_us")
	t_check "$N/purge: the slice's cgroup has no cap (cfs_quota_us $q)" [ "$q" = -1 ]
else
	q=$(cat "$(scn_slice_dir "$UA")/cpu.max")
	t_check "$N/purge: the slice's cgroup has no cap ($q)" \
		[ "${q%% *}" = max ]
fi
left=""
for f in $files /etc/cgfair /var/lib/cgfair /var/log/cgfair /run/cgfair; do
	[ -e "$f" ] && left="$left $f"
done
t_check "$N/purge: no file of the package left${left:+:$left}" [ -z "$left" ]
[ "$T_FAILED" = 1 ] && scn_journal
exit 0
