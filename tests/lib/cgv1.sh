# A cgroup v1 subtree of the test's own on this host (source after t.sh):
# cgv1_need NAME skips the test without v1 cpu, cpuacct and memory;
# cgv1_remove SUB removes what a daemon left under SUB, in every v1
# hierarchy (processes gone).
cgv1_need() {
	for _c in cpu cpuacct memory; do
		grep -q " /sys/fs/cgroup/$_c cgroup " /proc/mounts && continue
		t_skip "$1" "no cgroup v1 $_c hierarchy at /sys/fs/cgroup/$_c"
		exit 0
	done
}

cgv1_remove() {
	# every hierarchy: the daemon also makes SUB in pids (max_tasks)
	for _d in /sys/fs/cgroup/*/"$1"; do
		[ -d "$_d" ] || continue
		find "$_d" -mindepth 1 -depth -type d -exec rmdir {} + 2>/dev/null
		rmdir "$_d" 2>/dev/null
	done
}

# cgv1_in PID SUB UID: the process's memory cgroup is /SUB/user-UID
cgv1_in() {
	grep -q ":memory:/$2/user-$3\$" "/proc/$1/cgroup" 2>/dev/null
}
