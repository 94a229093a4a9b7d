#!/bin/sh
# Fill the VM cache (Debian's kernels, the tier 2, 3 and 5 images) without
# running a guest: for CI images or before working offline.
TOP=${TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$TOP/tests/lib/t.sh"
. "$T_TOP/tests/vm/lib/vm.sh"
t_need_root vm-cache
vm_workdir cache
vm_kernel && vm_rootfs && vm_rootfs selinux &&
	vm_kernel trixie && vm_rootfs trixie &&
	echo "vm: cache ready in $VM_CACHE"
