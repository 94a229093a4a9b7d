#!/bin/sh
# backends: cgroup1 cgroup2 systemd
# The sandbox on a real host layout: cgfaird starts (by hand, or from its
# unit under systemd) and becomes ready; each worker role runs as the
# cgfair user with no capability in any set, NoNewPrivs, a seccomp filter
# and (all but the scanner) chrooted to the empty directory; a stop takes
# every cgfair process down.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/scenarios/lib/scn.sh"
t_need_root sandbox
CGUID=$(id -u cgfair 2>/dev/null)
CGGID=$(id -g cgfair 2>/dev/null)
[ -n "$CGUID" ] || { t_fail "cgfair user" "no user cgfair"; exit 1; }

# direct backends: our own subtree and a uid range no process has (the
# host's own cgfair and its users are left alone)
SUB=cgfair-sb$$
scn_remove_subtree "$SUB"
t_config "$T_TMP/cgfair.conf" "$SUB" 3902010 3902019
if [ "$SCN_BACKEND" = systemd ]; then scn_start; else scn_start --config "$T_TMP/cgfair.conf"; fi
if [ $? -ne 0 ]; then
	t_fail "starts and becomes ready" "see its log above"
	exit 1
fi
t_pass "starts and becomes ready"
if [ "$SCN_BACKEND" = systemd ]; then
	st=$(systemctl show -p StatusText --value cgfaird.service)
	t_check "unit: active, status text '$st'" \
		systemctl is-active -q cgfaird.service
fi
t_check "supervisor runs as root" [ "$(scn_status_field "$DPID" Uid)" = "0 0 0 0" ]
three_roles() {
	scn_children "$DPID" | awk '{ n[$2] = 1 }
		END { exit !(n["cgfair-scanner"] && n["cgfair-oomwatch"] &&
			     n["cgfair-frontend"]) }'
}
t_wait 10 three_roles

for name in cgfair-scanner cgfair-oomwatch cgfair-frontend; do
	pid=$(scn_child_pid "$DPID" "$name")
	if [ -z "$pid" ]; then
		t_fail "$name sandboxed" "not running; children: $(scn_children "$DPID" | tr '\n' ' ')"
		continue
	fi
	why=""
	v=$(scn_status_field "$pid" Uid)
	[ "$v" = "$CGUID $CGUID $CGUID $CGUID" ] || why="$why Uid=$v"
	v=$(scn_status_field "$pid" Gid)
	[ "$v" = "$CGGID $CGGID $CGGID $CGGID" ] || why="$why Gid=$v"
	[ -z "$(scn_status_field "$pid" Groups)" ] ||
		why="$why groups=$(scn_status_field "$pid" Groups)"
	for c in CapEff CapPrm CapInh CapBnd CapAmb; do
		v=$(scn_status_field "$pid" $c)
		[ "$v" = 0000000000000000 ] || why="$why $c=$v"
	done
	v=$(scn_status_field "$pid" NoNewPrivs)
	[ "$v" = 1 ] || why="$why NoNewPrivs=$v"
	v=$(scn_status_field "$pid" Seccomp)
	[ "$v" = 2 ] || why="$why Seccomp=$v"
	if [ "$name" != cgfair-scanner ]; then
		v=$(readlink "/proc/$pid/root")
		[ "$v" = /run/cgfair/empty ] || why="$why root=$v"
	fi
	if [ -z "$why" ]; then
		t_pass "$name sandboxed"
	else
		t_fail "$name sandboxed" "$why"
	fi
done

all="$DPID $(scn_children "$DPID" | awk '{ print $1 }')"
scn_stop
alive=""
gone() {
	alive=""
	for p in $all; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
	[ -z "$alive" ]
}
if t_wait 10 gone; then
	t_pass "stop: supervisor and every worker gone"
else
	t_fail "stop: supervisor and every worker gone" "still running:$alive"
fi
if [ "$SCN_BACKEND" = systemd ]; then
	r=$(systemctl show -p Result --value cgfaird.service)
	t_check "unit: stopped cleanly (Result=$r)" [ "$r" = success ]
fi
if [ "$T_FAILED" = 1 ]; then
	echo "cgfaird log:"
	scn_log
fi
exit 0
