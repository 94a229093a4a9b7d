#!/bin/sh
# VM tier 1: cgroup v2 on a real kernel. Debian's kernel boots a busybox
# initramfs that carries build/ (cgfaird, the workers, the test helpers)
# with their shared libraries and the scenarios; its /init mounts cgroup2
# with +cpu +memory +pids and runs every scenario whose "# backends:"
# line lists cgroup2, with CGFAIR_BACKEND=cgroup2. See tests/vm/README.md.
. "$(dirname "$0")/../lib/t.sh"
. "$T_TOP/tests/vm/lib/vm.sh"
TIER=vm-cgroup2
TIMEOUT=${CGFAIR_VM_TIMEOUT:-900}
t0=$(date +%s)

vm_preflight "$TIER"
vm_workdir tier1
vm_kernel || {
	t_fail "$TIER/kernel" "cannot get Debian's kernel package"
	exit 1
}

# The guest's root file system, packed as the initramfs.
R=$VM_WORK/root
G=$R/cgfair
mkdir -p "$R/bin" "$R/sbin" "$R/usr/bin" "$R/usr/sbin" "$R/proc" "$R/sys" \
	"$R/dev" "$R/tmp" "$R/run" "$R/root" "$R/etc" "$R/var/lib" "$R/var/log" \
	"$R/var/empty" "$G/build"
cp /bin/busybox "$R/bin/busybox"
# busybox date has no %N, which tests/lib/t.sh's t_wait uses: ship
# coreutils' date for guest-run.sh's workaround.
mkdir -p "$R/usr/lib/cgfair-vm"
cp /bin/date "$R/usr/lib/cgfair-vm/date"
cp "$VM_LIB/tier1-init" "$R/init"
chmod 0755 "$R/init"
# not cgfair-plot nor cgfair-recorder (it draws the OOM mail's plot): no
# scenario of this guest draws or keeps history ([history] is off, so
# cgfaird never looks for the recorder), and cairo's closure would swell
# the initramfs
for f in "$CGFAIR_BUILD"/*; do
	case "${f##*/}" in cgfair-plot | cgfair-recorder) continue ;; esac
	[ -f "$f" ] && [ -x "$f" ] && cp "$f" "$G/build/"
done
vm_stage_tests "$G" || {
	t_fail "$TIER/initramfs" "cannot stage the tests"
	exit 1
}
vm_copy_closure "$R" "$R/usr/lib/cgfair-vm/date" "$G"/build/* "$G"/build/tests/*

# Accounts: root, the workers' user cgfair, the test users, nobody.
{
	echo "root:x:0:0:root:/root:/bin/sh"
	echo "cgfair:x:999:999:cgfair workers:/nonexistent:/usr/sbin/nologin"
	for u in $VM_TEST_UIDS; do
		echo "cgtest$((u - 1000)):x:$u:$u::/tmp:/bin/sh"
	done
	echo "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin"
} >"$R/etc/passwd"
{
	echo "root:x:0:"
	echo "cgfair:x:999:"
	# cgfair-notify's extra group (terminals on by default)
	echo "tty:x:5:"
	for u in $VM_TEST_UIDS; do echo "cgtest$((u - 1000)):x:$u:"; done
	echo "nogroup:x:65534:"
} >"$R/etc/group"
printf 'passwd: files\ngroup: files\n' >"$R/etc/nsswitch.conf"
echo "CGFAIR_BUILD=/cgfair/build" >>"$G/tests/vm/lib/vm.env"

vm_cpio "$R" "$VM_WORK/initramfs.cpio.gz" || {
	t_fail "$TIER/initramfs" "cpio failed"
	exit 1
}
vm_log "initramfs $(($(stat -c %s "$VM_WORK/initramfs.cpio.gz") / 1024)) KiB," \
	"built in $(($(date +%s) - t0)) s"

vm_qemu "$TIMEOUT" -kernel "$VM_KERNEL" \
	-initrd "$VM_WORK/initramfs.cpio.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=4"
if vm_report "$TIER" "$TIMEOUT"; then
	t_pass "$TIER/guest: booted and ran in ${VM_QEMU_SECS} s; tier wall time $(($(date +%s) - t0)) s"
else
	echo "vm: $TIER wall time $(($(date +%s) - t0)) s"
	exit 1
fi
