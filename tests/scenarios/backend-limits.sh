#!/bin/sh
# backends: cgroup1 cgroup2 systemd
# The same limit and placement checks on each backend, through the real
# backend code (build/tests/t-backend-cli): a process of a test uid is
# moved (systemd: adopted with a transient scope) into the user's cgroup,
# a CPU cap of 0.5 core and a 256 MiB memory limit are set, and the
# kernel's files (and, under systemd, `systemctl show`) must hold them;
# the cap must bite. Everything is lifted and removed at the end.
. "$(dirname "$0")/../lib/t.sh"
N=backend-limits
t_need_root backend-limits
B=${CGFAIR_BACKEND:-auto}
CLI=$CGFAIR_BUILD/tests/t-backend-cli
SPIN=$CGFAIR_BUILD/tests/t-spin
ASUID=$CGFAIR_BUILD/tests/t-run-as-uid
for p in "$CLI" "$SPIN" "$ASUID"; do
	[ -x "$p" ] || { t_fail build "$p missing (make tests)"; exit 1; }
done
# the last of the rig's test uids, else one from a range of our own
U=""
for u in ${CGFAIR_TEST_UIDS:-}; do U=$u; done
[ -n "$U" ] || U=$((300000 + $$ % 1000 * 10 + 5))
SUB=$T_ID
# --caps: only the supervisor's capabilities after backend_init, as in
# cgfaird (the final release runs as full root: the empty subtree's parent
# is a hierarchy root, writable only with CAP_DAC_OVERRIDE)
cli() { "$CLI" --caps --backend "$B" --subtree "$SUB" "$@"; }
Q=50000 P=100000 MEMLIM=268435456

# v1 mount point of a controller (cpu and cpuacct may be co-mounted)
mnt_of() {
	awk -v c="$1" '$9 == "cgroup" && ("," $NF ",") ~ ("," c ",") { print $5; exit }' \
		/proc/self/mountinfo
}

kind=$(cli info 2>"$T_TMP/err") || {
	t_fail init "$B: $(cat "$T_TMP/err")"
	exit 1
}
[ "$B" = auto ] || [ "$kind" = "$B" ] || t_fail init "asked $B, got $kind"
setup=$(cli scan-setup 2>/dev/null)
field() { echo "$setup" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
HIER=$(field hierarchy) MEMDIR=$(field memory_dir) PREFIX=$(field prefix)
echo "backend $kind, hierarchy v$HIER, uid $U, memory_dir $MEMDIR prefix $PREFIX"

SP=""
cleanup() {
	[ -n "$SP" ] && kill -9 "$SP" 2>/dev/null
	[ -n "$SP" ] && t_wait 5 sh -c "! kill -0 $SP"
	if [ "$kind" = systemd ]; then
		cli set-cpu "$U" max "$P" -- set-mem "$U" max max >/dev/null 2>&1
		systemctl revert "user-$U.slice" >/dev/null 2>&1
	else
		"$CLI" --backend "$B" --subtree "$SUB" release >/dev/null 2>&1
	fi
}
t_cleanup cleanup

# where the user's cgroup is, relative to a mount point
if [ "$kind" = systemd ]; then
	REL=user.slice/user-$U.slice
else
	REL=$SUB/user-$U
fi

t_check ensure cli ensure "$U"

# a process of the uid, placed (systemd: adopted into the slice)
"$ASUID" "$U" "$SPIN" -t 4 -s 120 &
SP=$!
t_wait 5 sh -c "[ \$(ls /proc/$SP/task | wc -l) -ge 4 ]"
t_check move cli move "$U" "$SP"
placed() {
	if [ "$HIER" = 2 ]; then
		grep -Eq "^0::/$REL(/.*)?\$" "/proc/$SP/cgroup"
	else
		for c in cpu cpuacct memory; do
			grep -Eq "^[0-9]+:([^:]*,)?$c(,[^:]*)?:/$REL(/.*)?\$" \
				"/proc/$SP/cgroup" || return 1
		done
	fi
}
if t_wait 5 placed; then
	t_pass "$kind/placed ($(grep -m1 "$U" "/proc/$SP/cgroup"))"
else
	t_fail "$kind/placed" "$(tr '\n' ' ' <"/proc/$SP/cgroup")"
fi
if [ "$kind" = systemd ]; then
	s=$(systemctl show -p Slice "cgfair-adopt-$U-$SP.scope" 2>&1)
	[ "$s" = "Slice=user-$U.slice" ] && t_pass systemd/adopted-scope ||
		t_fail systemd/adopted-scope "$s"
fi

# the limits, as the backend reads them back and as the kernel has them
t_check set-cpu cli set-cpu "$U" $Q $P
# 256 MiB is far above what the uid uses: set at once, not stepped
out=$(cli set-mem "$U" $MEMLIM 0)
rc=$?
[ $rc = 0 ] && [ -z "$out" ] && t_pass set-mem ||
	t_fail set-mem "exit $rc, '$out' (a step, or an error)"
out=$(cli read "$U" 2>"$T_TMP/err")
case $out in
"cpu_quota=$Q cpu_period=$P "*" mem_max=$MEMLIM "*) t_pass "$kind/read-back" ;;
*) t_fail "$kind/read-back" "'$out' $(cat "$T_TMP/err")" ;;
esac
if [ "$HIER" = 2 ]; then
	cpu=$(cat "$MEMDIR/$REL/cpu.max")
	mem=$(cat "$MEMDIR/$REL/memory.max")
	want_cpu="$Q $P"
else
	cpu=$(cat "$(mnt_of cpu)/$REL/cpu.cfs_quota_us")
	mem=$(cat "$MEMDIR/$REL/memory.limit_in_bytes")
	want_cpu=$Q
fi
[ "$cpu" = "$want_cpu" ] && t_pass "$kind/cpu-file ($cpu)" ||
	t_fail "$kind/cpu-file" "'$cpu', want '$want_cpu'"
[ "$mem" = $MEMLIM ] && t_pass "$kind/memory-file ($mem)" ||
	t_fail "$kind/memory-file" "'$mem', want $MEMLIM"
# systemd's memory limit property: v1 hosts have MemoryLimit
MP=MemoryMax
[ "$HIER" = 2 ] || MP=MemoryLimit
if [ "$kind" = systemd ]; then
	show=$(systemctl show "user-$U.slice" -p CPUQuotaPerSecUSec -p $MP |
		sort | tr '\n' ' ')
	[ "$show" = "CPUQuotaPerSecUSec=500ms $MP=$MEMLIM " ] &&
		t_pass "systemd/systemctl-show-agrees ($show)" ||
		t_fail systemd/systemctl-show-agrees "'$show'"
fi
# systemd 253 and later bound zswap (swap compressed in RAM) too, like the
# swap (0 here); older ones have no MemoryZSwapMax and get none
SDV=$(systemctl --version 2>/dev/null | awk 'NR == 1 { print $2 + 0 }')
ZS=no
[ "$kind" = systemd ] && [ "$HIER" = 2 ] && [ "${SDV:-0}" -ge 253 ] && ZS=yes
zswap() {
	echo "$(systemctl show -p MemoryZSwapMax --value "user-$U.slice")" \
		"$(cat "$MEMDIR/$REL/memory.zswap.max" 2>&1)"
}
if [ $ZS = yes ]; then
	[ "$(zswap)" = "0 0" ] && t_pass "systemd/zswap-bounded (systemd $SDV: $(zswap))" ||
		t_fail systemd/zswap-bounded "systemd $SDV: MemoryZSwapMax and memory.zswap.max '$(zswap)', want '0 0'"
fi

# the cap bites: 4 spinning threads held to 0.5 core
# CPU time of the user's cgroup in 1/100 s, from the kernel's own
# accounting, which the quota uses too (/proc's tick sampling runs ahead
# of the guest's clock in a starved emulated guest)
ticks() {
	if [ "$HIER" = 2 ]; then
		awk '$1 == "usage_usec" { printf "%d", $2 / 10000 }' "$MEMDIR/$REL/cpu.stat"
	else
		awk '{ printf "%d", $1 / 10000000 }' "$(mnt_of cpuacct)/$REL/cpuacct.usage"
	fi
}
t0=$(ticks)
sleep 2
t1=$(ticks)
pct=$(((t1 - t0) / 2))
[ "$pct" -ge 20 ] && [ "$pct" -le 75 ] &&
	t_pass "$kind/cap-holds (${pct}% of a core under a 50% cap)" ||
	t_fail "$kind/cap-holds" "${pct}% of a core under a 50% cap"

out=$(cli arm-oom "$U" 2>"$T_TMP/err")
case "$HIER $out" in
"1 kind=v1-eventfd nfds=2 "* | "2 kind=v2-events nfds=1 "*) t_pass "$kind/arm-oom ($out)" ;;
*) t_fail "$kind/arm-oom" "'$out' $(cat "$T_TMP/err")" ;;
esac

# lifted and removed
kill -9 "$SP"
t_wait 5 sh -c "! kill -0 $SP"
SP=""
if [ "$kind" = systemd ]; then
	t_check lift cli set-cpu "$U" max $P -- set-mem "$U" max max
	show=$(systemctl show "user-$U.slice" -p CPUQuotaPerSecUSec -p $MP |
		sort | tr '\n' ' ')
	[ "$show" = "CPUQuotaPerSecUSec=infinity $MP=infinity " ] &&
		t_pass "systemd/lifted ($show)" ||
		t_fail systemd/lifted "'$show'"
	if [ $ZS = yes ]; then
		[ "$(zswap)" = "infinity max" ] && t_pass "systemd/zswap-lifted" ||
			t_fail systemd/zswap-lifted "'$(zswap)'"
	fi
else
	t_wait 5 cli remove "$U"
	t_check release cli release
	"$CLI" --backend "$B" --subtree "$SUB" release 2>/dev/null
	left=$(ls -d /sys/fs/cgroup/"$SUB" /sys/fs/cgroup/*/"$SUB" 2>/dev/null)
	[ -z "$left" ] && t_pass "$kind/nothing-left" ||
		t_fail "$kind/nothing-left" "$left"
fi
exit $T_FAILED
