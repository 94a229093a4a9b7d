#!/bin/sh
# The SELinux module's neverallow rules bite: `make selinux` with the
# module plus allows that break them (a worker writing a cgroup file and
# /etc, the recorder making a cgroup directory, the notifier writing
# cgfair's configuration, a worker or the desktop notice's helper (into
# the user's domain) leaving its domain, cgfaird loading a
# kernel module or
# starting a transient unit that is not one of its adoption scopes) must
# fail, naming each broken rule. The unchanged module is built by the
# selinux tier.
. "$(dirname "$0")/../lib/t.sh"
N=selinux-neverallow
if [ ! -f /usr/share/selinux/devel/Makefile ] || [ ! -d /var/lib/selinux/default ]; then
	t_fail $N "no selinux-policy-dev or policy store (run make deps)"
	exit 1
fi
mkdir -p "$T_TMP/src"
cp "$T_TOP/selinux/cgfair.te" "$T_TMP/src/cgfair.te"
cat >>"$T_TMP/src/cgfair.te" <<'TE'
# forbidden: each breaks one neverallow
allow cgfair_scanner_t cgroup_t:file write;
allow cgfair_frontend_t etc_t:file write;
allow cgfair_oomwatch_t cgfaird_t:process transition;
allow cgfair_recorder_t cgroup_t:dir create;
allow cgfair_notify_t cgfair_conf_t:file write;
allow cgfaird_t self:capability sys_module;
gen_require(`
	type systemd_transient_unit_t, unconfined_t;
')
allow cgfaird_t systemd_transient_unit_t:service start;
allow cgfair_desktop_notify_t unconfined_t:process transition;
TE
if make -s -C "$T_TOP" BUILD="$T_TMP/b" SELINUX_TE="$T_TMP/src/cgfair.te" \
	selinux >"$T_TMP/out" 2>&1; then
	t_fail $N/build-fails "the module with forbidden allows was built"
	exit 1
fi
t_pass "$N/build-fails: make selinux refuses the forbidden allows"
for rule in "cgfair_scanner_t cgroup_t (file (write" \
	"cgfair_frontend_t etc_t (file (write" \
	"cgfair_oomwatch_t cgfaird_t (process (transition" \
	"cgfair_recorder_t cgroup_t (dir (create" \
	"cgfair_notify_t cgfair_conf_t (file (write" \
	"cgfaird_t self (capability (sys_module" \
	"cgfaird_t systemd_transient_unit_t (service (start" \
	"cgfair_desktop_notify_t unconfined_t (process (transition"; do
	if grep -qF "(allow $rule" "$T_TMP/out"; then
		t_pass "$N/named: allow $rule"
	else
		t_fail "$N/named" "no neverallow failure for 'allow $rule'; output: $(tail -5 "$T_TMP/out")"
	fi
done
