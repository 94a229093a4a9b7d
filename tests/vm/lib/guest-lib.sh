# Sourced inside the VM guests (busybox sh in tier 1, dash in tier 2).

# vm_guest_exit RC: hand the run's status to the host through qemu's
# isa-debug-exit device (port 0xf4): qemu exits with (value << 1) | 1, so
# 16 -> 33 (passed) and 17 -> 35 (failed). A guest that powers off,
# panics or hangs without getting here is a failure on the host side.
vm_guest_exit() {
	sync
	if [ "$1" -eq 0 ]; then
		printf '\020'
	else
		printf '\021'
	fi | dd of=/dev/port bs=1 seek=244 count=1 conv=notrunc 2>/dev/null
	# Not reached under qemu; elsewhere, stop rather than return.
	poweroff -f
	sleep 60
}

# vm_avc_mark: how far the kernel's log and auditd's log go now. The kernel
# sends SELinux's AVC records to auditd when it runs, else to its own log.
vm_avc_mark() {
	echo "$(dmesg | wc -l) $(cat /var/log/audit/audit.log 2>/dev/null | wc -l)"
}
# vm_avc_since MARK: the AVC denials logged in either since MARK.
vm_avc_since() {
	{
		dmesg | tail -n +"$((${1%% *} + 1))"
		tail -n +"$((${1##* } + 1))" /var/log/audit/audit.log 2>/dev/null
	} | grep 'avc:  denied'
}
