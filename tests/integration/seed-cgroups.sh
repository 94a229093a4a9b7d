#!/bin/sh
# Cgroup Py's cgroup layout (issue 15): the seed made cg_UID directly
# under each v1 hierarchy (its cgprefix) and left limits in them. At start
# cgfaird moves every process out of them (a managed user's then lands in
# its own user cgroup, anyone else's in the hierarchy's root: nobody stays
# under the seed's stale limits) and removes them. Real processes of test
# uids, on this host's cgroup v1; the seed's cgroups are named after those
# uids, and removed here whatever happens.
. "$(dirname "$0")/../lib/t.sh"
t_need_root seed-cgroups
. "$T_TOP/tests/lib/cgv1.sh"
cgv1_need seed-cgroups
sh "$T_TOP/tools/ensure-user.sh"
. "$T_TOP/tests/lib/daemon.sh"
RUNAS="$CGFAIR_BUILD/tests/t-run-as-uid"
U1=59911 # managed: into its user cgroup
U2=59912 # not managed (outside min_uid..max_uid): to the root
SUB=$T_ID
HIER="cpu cpuacct memory"
for h in pids blkio; do [ -d "/sys/fs/cgroup/$h" ] && HIER="$HIER $h"; done

seed_remove() {
	for h in $HIER; do rmdir "/sys/fs/cgroup/$h/cg_$U1" "/sys/fs/cgroup/$h/cg_$U2"; done 2>/dev/null
}
t_cleanup "cgv1_remove '$SUB'; seed_remove"
"$RUNAS" $U1 sleep 600 &
P1=$!
"$RUNAS" $U2 sleep 600 &
P2=$!
t_cleanup "kill $P1 $P2; wait $P1 $P2"
t_wait 5 sh -c "[ \"\$(stat -c %u /proc/$P1)\" = $U1 ] && [ \"\$(stat -c %u /proc/$P2)\" = $U2 ]"
for h in $HIER; do
	for u in $U1 $U2; do mkdir "/sys/fs/cgroup/$h/cg_$u" || t_fail "setup" "mkdir $h/cg_$u"; done
	echo "$P1" >"/sys/fs/cgroup/$h/cg_$U1/cgroup.procs"
	echo "$P2" >"/sys/fs/cgroup/$h/cg_$U2/cgroup.procs"
done
# the seed's stale limits: 10% of a CPU, 64M
for u in $U1 $U2; do
	echo 10000 >"/sys/fs/cgroup/cpu/cg_$u/cpu.cfs_quota_us"
	echo 67108864 >"/sys/fs/cgroup/memory/cg_$u/memory.limit_in_bytes"
done
t_check "setup: both processes are in the seed's cgroups" sh -c \
	"grep -q ':memory:/cg_$U1\$' /proc/$P1/cgroup && grep -q ':cpu:/cg_$U2\$' /proc/$P2/cgroup"

t_config "$T_TMP/cgfair.conf" "$SUB" $U1 $U1 "[daemon]
interval = 1s"
daemon_start --config "$T_TMP/cgfair.conf" ||
	{ t_fail "seed-cgroups: daemon starts" "see its log above"; exit 1; }
gone() { for h in $HIER; do [ ! -d "/sys/fs/cgroup/$h/cg_$1" ] || return 1; done; }
t_check "the seed's cg_$U1 is removed from every hierarchy ($HIER)" t_wait 10 gone $U1
t_check "the seed's cg_$U2 too" t_wait 10 gone $U2
t_check "the managed user's process is in its cgfair cgroup" t_wait 15 cgv1_in "$P1" "$SUB" $U1
t_check "... in the cpu hierarchy too" grep -q ":cpu:/$SUB/user-$U1\$" "/proc/$P1/cgroup"
t_check "the unmanaged user's process is in the root cgroups, under no stale limit" \
	sh -c "grep -q ':memory:/\$' /proc/$P2/cgroup && grep -q ':cpu:/\$' /proc/$P2/cgroup"
t_check "the log says what was done" \
	grep -q "the seed's /sys/fs/cgroup/memory/cg_$U1: 1 processes moved out of its limits, removed" "$DLOG"
exit 0
