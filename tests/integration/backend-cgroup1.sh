#!/bin/sh
# The cgroup1 backend on this host's real cgroup v1 hierarchies, driven
# through build/tests/t-backend-cli: cgroups made and removed under a
# subtree of its own (cgfair-tPID), limits read back from the kernel's
# files, a 16-thread process moved with all its threads, the memory
# limit stepped down towards usage, OOM arming, errors that name what is
# missing. Everything it creates goes at exit, even on failure.
. "$(dirname "$0")/../lib/t.sh"
t_need_root backend-cgroup1
CLI=$CGFAIR_BUILD/tests/t-backend-cli
SPIN=$CGFAIR_BUILD/tests/t-spin
HOG=$CGFAIR_BUILD/tests/t-memhog
ASUID=$CGFAIR_BUILD/tests/t-run-as-uid
for p in "$CLI" "$SPIN" "$HOG" "$ASUID"; do
	[ -x "$p" ] || { t_fail backend-cgroup1/build "$p missing (make tests)"; exit 1; }
done
M=/sys/fs/cgroup
for c in cpu cpuacct memory; do
	if ! awk -v c="$c" '$9 == "cgroup" && ("," $NF ",") ~ ("," c ",") { f = 1 }
		END { exit !f }' /proc/self/mountinfo; then
		t_skip backend-cgroup1 "no cgroup v1 $c hierarchy on this host"
		exit 0
	fi
done
# cpu and cpuacct may be co-mounted: find each one's mount point
mnt_of() {
	awk -v c="$1" '$9 == "cgroup" && ("," $NF ",") ~ ("," c ",") { print $5; exit }' \
		/proc/self/mountinfo
}
CPU=$(mnt_of cpu) ACCT=$(mnt_of cpuacct) MEM=$(mnt_of memory)
SUB=$T_ID
U=$((300000 + $$ % 1000 * 10))
U2=$((U + 1))
# --caps: like cgfaird, the CLI keeps only the supervisor's capabilities
# (caps_reduce) once backend_init is done, so a write that needs another
# one (DAC_OVERRIDE, SYS_ADMIN...) fails here. The managed subtree itself
# is made by backend_init before that: kernfs makes each hierarchy's root
# directory 0555, so mkdir/rmdir there needs CAP_DAC_OVERRIDE.
cli() { "$CLI" --caps --subtree "$SUB" "$@"; }

# Cleanup: kill our processes, then let the backend release everything;
# rmdir whatever is left in case the CLI itself is broken.
PIDS=""
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	for p in $PIDS; do
		t_wait 5 sh -c "! kill -0 $p"
	done
	"$CLI" --subtree "$SUB" release >/dev/null 2>&1
	for d in "$CPU" "$ACCT" "$MEM"; do
		[ -d "$d/$SUB" ] || continue
		for u in "$d/$SUB"/user-*; do
			[ -d "$u" ] && rmdir "$u"
		done
		rmdir "$d/$SUB"
	done
}
t_cleanup cleanup

# 1. backend chosen, the subtree made in each hierarchy
out=$(cli info 2>/dev/null)
[ "$out" = cgroup1 ] && t_pass backend-cgroup1/auto-selects-cgroup1 ||
	t_fail backend-cgroup1/auto-selects-cgroup1 "got '$out'"
t_check backend-cgroup1/ensure cli ensure "$U"
ok=1
for d in "$CPU" "$ACCT" "$MEM"; do [ -d "$d/$SUB/user-$U" ] || ok=0; done
[ $ok = 1 ] && t_pass backend-cgroup1/user-cgroups-exist ||
	t_fail backend-cgroup1/user-cgroups-exist "user-$U missing under $CPU $ACCT $MEM"

# 2. CPU cap and weight hold what was asked
cli set-cpu "$U" 50000 100000 200
q=$(cat "$CPU/$SUB/user-$U/cpu.cfs_quota_us")
p=$(cat "$CPU/$SUB/user-$U/cpu.cfs_period_us")
s=$(cat "$CPU/$SUB/user-$U/cpu.shares")
[ "$q $p $s" = "50000 100000 2048" ] && t_pass backend-cgroup1/cpu-quota ||
	t_fail backend-cgroup1/cpu-quota "quota/period/shares '$q $p $s'"
cli set-cpu "$U" 20000 50000
q=$(cat "$CPU/$SUB/user-$U/cpu.cfs_quota_us")
p=$(cat "$CPU/$SUB/user-$U/cpu.cfs_period_us")
[ "$q $p" = "20000 50000" ] && t_pass backend-cgroup1/cpu-new-period ||
	t_fail backend-cgroup1/cpu-new-period "quota/period '$q $p'"

# 3. memory limit (and memsw when swap accounting is on)
cli set-mem "$U" 268435456 0
m=$(cat "$MEM/$SUB/user-$U/memory.limit_in_bytes")
[ "$m" = 268435456 ] && t_pass backend-cgroup1/memory-limit ||
	t_fail backend-cgroup1/memory-limit "memory.limit_in_bytes is $m"
if [ -e "$MEM/$SUB/user-$U/memory.memsw.limit_in_bytes" ]; then
	sw=$(cat "$MEM/$SUB/user-$U/memory.memsw.limit_in_bytes")
	[ "$sw" = 268435456 ] && t_pass backend-cgroup1/memsw-limit ||
		t_fail backend-cgroup1/memsw-limit "memsw is $sw"
	# raising with swap: memsw must go first or the kernel says EINVAL
	if cli set-mem "$U" 536870912 104857600; then
		m=$(cat "$MEM/$SUB/user-$U/memory.limit_in_bytes")
		sw=$(cat "$MEM/$SUB/user-$U/memory.memsw.limit_in_bytes")
		[ "$m $sw" = "536870912 641728512" ] &&
			t_pass backend-cgroup1/raise-order ||
			t_fail backend-cgroup1/raise-order "memory/memsw '$m $sw'"
	else
		t_fail backend-cgroup1/raise-order "set-mem refused"
	fi
	t_check backend-cgroup1/lower-order cli set-mem "$U" 268435456 0
else
	t_skip backend-cgroup1/memsw-limit "no swap accounting on this kernel"
fi
out=$(cli read "$U")
case $out in
"cpu_quota=20000 cpu_period=50000 cpu_weight=200 mem_max=268435456 swap_max="*)
	t_pass backend-cgroup1/read-back ;;
*) t_fail backend-cgroup1/read-back "read gave '$out'" ;;
esac

# 4. a 16-thread process of the uid moved with all its threads (t-spin's
# main thread spins too: 16 tasks)
"$ASUID" "$U" "$SPIN" -t 16 -s 60 &
SP=$!
PIDS="$PIDS $SP"
nthreads() { ls "/proc/$SP/task" 2>/dev/null | wc -l; }
all_threads() { [ "$(nthreads)" -ge 16 ]; }
if ! t_wait 5 all_threads; then
	t_fail backend-cgroup1/move-16-threads "t-spin has $(nthreads) threads"
else
	cli move "$U" "$SP"
	bad=0
	for t in /proc/"$SP"/task/*; do
		for c in cpu cpuacct memory; do
			grep -Eq "^[0-9]+:([^:]*,)?$c(,[^:]*)?:/$SUB/user-$U\$" "$t/cgroup" ||
				bad=$((bad + 1))
		done
	done
	tasks=$(wc -l <"$CPU/$SUB/user-$U/tasks")
	[ "$bad" = 0 ] && [ "$tasks" -ge 16 ] &&
		t_pass backend-cgroup1/move-16-threads ||
		t_fail backend-cgroup1/move-16-threads "$bad thread/controller pairs outside, $tasks tasks in the cgroup"
fi

# 5. the CPU cap bites: 16 spinning threads capped at 0.2 core
u0=$(cat "$ACCT/$SUB/user-$U/cpuacct.usage")
sleep 1
u1=$(cat "$ACCT/$SUB/user-$U/cpuacct.usage")
ms=$(((u1 - u0) / 1000000))
[ "$ms" -ge 100 ] && [ "$ms" -le 550 ] && t_pass "backend-cgroup1/cap-holds (${ms} ms CPU in 1 s at 0.4 core)" ||
	t_fail backend-cgroup1/cap-holds "${ms} ms of CPU in 1 s under a 0.4-core cap"

# 6. busy while it has processes; OOM armed with a counter
cli remove "$U" 2>/dev/null
rc=$?
[ $rc = 16 ] && [ -d "$MEM/$SUB/user-$U" ] && t_pass backend-cgroup1/remove-busy ||
	t_fail backend-cgroup1/remove-busy "rc $rc (want 16, EBUSY)"
out=$(cli arm-oom "$U")
case $out in
"kind=v1-eventfd nfds=2 oom_kill="[0-9]*) t_pass "backend-cgroup1/arm-oom ($out)" ;;
"kind=v1-eventfd nfds=2 oom_kill=unknown") t_pass "backend-cgroup1/arm-oom (kernel without oom_kill)" ;;
*) t_fail backend-cgroup1/arm-oom "got '$out'" ;;
esac

# 7. a limit below usage is stepped towards, never set below it at once.
# v1 charges stay where a page was first touched: move the process first,
# then let it exec the allocator.
cli ensure "$U2"
"$ASUID" "$U2" sh -c "sleep 1; exec $HOG -w 64" >"$T_TMP/hog" &
HP=$!
PIDS="$PIDS $HP"
cli move "$U2" "$HP"
if t_wait 10 grep -q holding "$T_TMP/hog"; then
	usage=$(cat "$MEM/$SUB/user-$U2/memory.usage_in_bytes")
	out=$(cli set-mem "$U2" 16777216 0)
	lim=$(cat "$MEM/$SUB/user-$U2/memory.limit_in_bytes")
	if [ "$out" = again ] && [ "$lim" -ge "$usage" ] && kill -0 "$HP"; then
		t_pass "backend-cgroup1/step-not-below-usage (usage $usage, limit $lim)"
	else
		t_fail backend-cgroup1/step-not-below-usage "out '$out' usage $usage limit $lim"
	fi
	kill -9 "$HP"
	t_wait 5 sh -c "! kill -0 $HP"
	out=$(cli set-mem "$U2" 16777216 0)
	lim=$(cat "$MEM/$SUB/user-$U2/memory.limit_in_bytes")
	[ -z "$out" ] && [ "$lim" = 16777216 ] && t_pass backend-cgroup1/step-reaches-target ||
		t_fail backend-cgroup1/step-reaches-target "out '$out' limit $lim"
else
	t_fail backend-cgroup1/step-not-below-usage "t-memhog did not start"
fi

# 8. caps lifted and everything removed on release
kill -9 "$SP"
t_wait 5 sh -c "! kill -0 $SP"
t_wait 5 sh -c "[ ! -s '$CPU/$SUB/user-$U/cgroup.procs' ]"
t_check backend-cgroup1/release cli release
left=""
for d in "$CPU" "$ACCT" "$MEM"; do
	for u in "$d/$SUB"/user-*; do [ -e "$u" ] && left="$left $u"; done
done
[ -z "$left" ] && t_pass backend-cgroup1/no-user-cgroup-left ||
	t_fail backend-cgroup1/no-user-cgroup-left "left:$left"
# the empty subtree goes when the release has CAP_DAC_OVERRIDE (see above)
"$CLI" --subtree "$SUB" release 2>/dev/null
left=""
for d in "$CPU" "$ACCT" "$MEM"; do [ -e "$d/$SUB" ] && left="$left $d/$SUB"; done
[ -z "$left" ] && t_pass backend-cgroup1/nothing-left ||
	t_fail backend-cgroup1/nothing-left "left:$left"

# 9. errors name what is missing; a dry run writes nothing
out=$("$CLI" --backend cgroup2 info 2>&1)
rc=$?
case "$rc $out" in
"6 "*"cgroup2: no "*) t_pass "backend-cgroup1/cgroup2-error-names-it ($out)" ;;
*) t_fail backend-cgroup1/cgroup2-error-names-it "rc $rc: $out" ;;
esac
printf '1 0 0:1 / %s/cpu rw - cgroup cgroup rw,cpu\n' "$M" >"$T_TMP/mi"
out=$("$CLI" --mountinfo "$T_TMP/mi" --backend cgroup1 info 2>&1)
rc=$?
case "$rc $out" in
"6 "*"cgroup1: no cpuacct controller mounted"*) t_pass backend-cgroup1/cgroup1-error-names-it ;;
*) t_fail backend-cgroup1/cgroup1-error-names-it "rc $rc: $out" ;;
esac
out=$(cli --dry-run ensure "$U" -- set-cpu "$U" 1000 100000 2>&1)
left=""
for d in "$CPU" "$ACCT" "$MEM"; do [ -e "$d/$SUB" ] && left="$left $d/$SUB"; done
case $out in
*"dry-run: would write 1000 to $CPU/$SUB/user-$U/cpu.cfs_quota_us"*)
	[ -z "$left" ] && t_pass backend-cgroup1/dry-run ||
		t_fail backend-cgroup1/dry-run "made$left" ;;
*) t_fail backend-cgroup1/dry-run "output: $out" ;;
esac
exit $T_FAILED
