# The tier 2 guest, shared by tests/vm/tier3-selinux.sh,
# tier4-systemd-v1.sh, tier5-trixie.sh and pending/tier2-systemd.sh
# (sourced after tests/lib/t.sh and vm.sh):
#   systemd_tier TIER VARIANT APPEND GUEST_BACKEND
# boots Debian's kernel (extra command line APPEND) on the VARIANT image
# (see mkrootfs.sh), lays this run's payload over it and runs, in the
# guest, the scenarios whose "# backends:" line lists GUEST_BACKEND.
# VARIANT trixie boots trixie's kernel; an APPEND with
# systemd.unified_cgroup_hierarchy=0 tells the guest to expect cgroup v1.
systemd_tier() {
	TIER=$1 VARIANT=$2 APPEND=$3 GUEST_BACKEND=$4
	TIMEOUT=${CGFAIR_VM_TIMEOUT:-1200}
	t0=$(date +%s)

	vm_preflight "$TIER"
	for c in debootstrap mkfs.ext4 make xz; do
		command -v $c >/dev/null 2>&1 || {
			t_fail "$TIER/preflight" "missing: $c (run make deps)"
			exit 1
		}
	done
	vm_workdir tier2
	SUITE=""
	[ "$VARIANT" != trixie ] || SUITE=trixie
	vm_kernel $SUITE || {
		t_fail "$TIER/kernel" "cannot get Debian's kernel package"
		exit 1
	}
	vm_rootfs "$VARIANT" || {
		t_fail "$TIER/rootfs" "cannot build the rootfs image"
		exit 1
	}
	t1=$(date +%s)

	# The payload: what this run adds to the image, as an archive appended to
	# the initrd (the kernel unpacks concatenated archives into one tree).
	P=$VM_WORK/initrd/payload
	G=$P/usr/local/lib/cgfair-tests
	mkdir -p "$P"
	# Built for PREFIX=/usr in a build directory of its own (cgfaird looks for
	# its workers in the libexec directory it was compiled for), then
	# installed the way a package would be.
	# Locked: the vm tier runs two guests at once (tests/run.sh:
	# vm_lanes), and two makes in one build directory would race.
	VB=${CGFAIR_VM_BUILD:-build/vm-usr}
	case $VB in /*) VD=$VB ;; *) VD=$T_TOP/$VB ;; esac
	mkdir -p "$VD"
	if ! flock "$VD/.make.lock" sh -c '
		make -C "$1" -s -j"$(nproc)" BUILD="$2" PREFIX=/usr all &&
		make -C "$1" -s BUILD="$2" PREFIX=/usr DESTDIR="$3" install' \
		sh "$T_TOP" "$VB" "$P" >"$VM_WORK/install.log" 2>&1; then
		t_fail "$TIER/install" "make PREFIX=/usr install DESTDIR=... failed"
		cat "$VM_WORK/install.log"
		exit 1
	fi
	# The image has merged /usr: /lib, /bin and /sbin are links into it.
	for d in lib bin sbin; do
		if [ -d "$P/$d" ] && [ ! -L "$P/$d" ]; then
			mkdir -p "$P/usr/$d" && cp -a "$P/$d/." "$P/usr/$d/" &&
				rm -rf "${P:?}/$d"
		fi
	done
	U=$P/usr/lib/systemd/system
	[ -e "$U/cgfaird.service" ] ||
		install -D -m 0644 "$T_TOP/etc/cgfaird.service" "$U/cgfaird.service"
	vm_stage_tests "$G" || {
		t_fail "$TIER/payload" "cannot stage the tests"
		exit 1
	}
	cp "$VM_LIB/guest-tier2.sh" "$VM_LIB/guest-watchdog.sh" "$G/tests/vm/lib/"
	# tier 3: the packages, cgfair-selinux for the guest to install before
	# any scenario, both for upgrade.sh (dpkg -i, upgrade, purge)
	if [ "$VARIANT" = selinux ]; then
		vm_debs || {
			t_fail "$TIER/debs" "tools/build-debs.sh failed"
			exit 1
		}
		mkdir -p "$G/debs" && cp "$VM_DEBS"/*.deb "$G/debs/"
	fi
	# scenarios this tier leaves out (CGFAIR_VM_SCENARIOS naming one
	# runs it all the same)
	echo "CGFAIR_VM_SKIP='${CGFAIR_VM_SKIP:-}'" >>"$G/tests/vm/lib/vm.env"
	echo "CGFAIR_VM_BACKEND='$GUEST_BACKEND'" >>"$G/tests/vm/lib/vm.env"
	# the guest's watchdog reports and ends a run that blocks, a minute
	# before this host's timeout would kill it without a word
	{
		echo "CGFAIR_VM_TIMEOUT='$TIMEOUT'"
		echo "CGFAIR_VM_DEADLINE='$((TIMEOUT - 60))'"
	} >>"$G/tests/vm/lib/vm.env"
	case " $APPEND " in
	*" systemd.unified_cgroup_hierarchy=0 "*) cg=v1 ;;
	*) cg=v2 ;;
	esac
	echo "CGFAIR_VM_CGROUP='$cg'" >>"$G/tests/vm/lib/vm.env"
	mkdir -p "$P/etc/systemd/system/multi-user.target.wants"
	cat >"$P/etc/systemd/system/cgfair-vm-test.service" <<'UNIT'
[Unit]
Description=cgfair VM tier 2 test run
After=multi-user.target

[Service]
Type=simple
ExecStart=/bin/sh /usr/local/lib/cgfair-tests/tests/vm/lib/guest-tier2.sh
# a scenario's process killed by the kernel's OOM killer is that
# scenario's business; the default (stop) would kill the whole run
OOMPolicy=continue
StandardOutput=journal+console
StandardError=journal+console
UNIT
	ln -s ../cgfair-vm-test.service \
		"$P/etc/systemd/system/multi-user.target.wants/cgfair-vm-test.service"
	# A unit of its own (tests/vm/lib/guest-watchdog.sh): it outlives the
	# harness's unit; started early, it also covers a boot that hangs.
	cat >"$P/etc/systemd/system/cgfair-vm-watchdog.service" <<'UNIT'
[Unit]
Description=cgfair VM test watchdog
DefaultDependencies=no

[Service]
Type=simple
ExecStart=/bin/sh /usr/local/lib/cgfair-tests/tests/vm/lib/guest-watchdog.sh
OOMScoreAdjust=-1000
UNIT
	ln -s ../cgfair-vm-watchdog.service \
		"$P/etc/systemd/system/multi-user.target.wants/cgfair-vm-watchdog.service"

	# The initrd: busybox, virtio and ext4 modules, the /init that mounts the
	# image and copies the payload over it.
	I=$VM_WORK/initrd
	mkdir -p "$I/bin" "$I/mods" "$I/proc" "$I/sys" "$I/dev"
	cp /bin/busybox "$I/bin/busybox"
	cp "$VM_LIB/tier2-initrd-init" "$I/init"
	chmod 0755 "$I/init"
	cp "$VM_LIB/guest-lib.sh" "$I/guest-lib.sh"
	n=10
	# trixie's modules are xz-compressed: busybox's insmod takes plain .ko
	for ko in $(vm_modules_for virtio_pci virtio_blk ext4); do
		b=${ko##*/}
		case $ko in
		*.ko.xz) xz -dc "$ko" >"$I/mods/$n-${b%.xz}" ;;
		*) cp "$ko" "$I/mods/$n-$b" ;;
		esac || {
			t_fail "$TIER/initrd" "cannot copy $ko"
			exit 1
		}
		n=$((n + 1))
	done
	if [ $n -eq 10 ] || ! vm_cpio "$I" "$VM_WORK/initrd.cpio.gz"; then
		t_fail "$TIER/initrd" "cannot build the initrd"
		exit 1
	fi
	vm_log "initrd with payload $(($(stat -c %s "$VM_WORK/initrd.cpio.gz") / 1024)) KiB," \
		"built in $(($(date +%s) - t1)) s"

	# snapshot=on: the cached image stays pristine, writes go to a temporary
	# overlay that qemu deletes.
	vm_qemu "$TIMEOUT" -kernel "$VM_KERNEL" -initrd "$VM_WORK/initrd.cpio.gz" \
		-drive "file=$VM_IMAGE,if=virtio,format=raw,snapshot=on,cache=unsafe" \
		-append "console=ttyS0 panic=-1 quiet loglevel=4${APPEND:+ $APPEND}"
	if vm_report "$TIER" "$TIMEOUT"; then
		t_pass "$TIER/guest: booted and ran in ${VM_QEMU_SECS} s; tier wall time $(($(date +%s) - t0)) s"
	else
		echo "vm: $TIER wall time $(($(date +%s) - t0)) s"
		exit 1
	fi
}

# vm_debs: the Debian packages for tests/scenarios/upgrade.sh, built once
# for every tier of a run (again only when a tracked file changed since).
# Sets VM_DEBS.
vm_debs() {
	VM_DEBS=$T_TOP/build/debs
	_stamp=$VM_DEBS/.built
	# (a tree without git, such as a mutant's scratch copy: always built)
	if [ -f "$_stamp" ] && ls "$VM_DEBS"/cgfair_*.deb >/dev/null 2>&1 &&
		git -C "$T_TOP" rev-parse --git-dir >/dev/null 2>&1 &&
		[ -z "$(cd "$T_TOP" && git ls-files -z |
			xargs -0 sh -c 'find "$@" -newer "$0"' "$_stamp" \
				2>/dev/null | head -1)" ]; then
		vm_log "debs: up to date in $VM_DEBS"
		return 0
	fi
	_t=$(date +%s)
	sh "$T_TOP/tools/build-debs.sh" "$VM_DEBS" >"$VM_WORK/debs.log" 2>&1 || {
		cat "$VM_WORK/debs.log"
		return 1
	}
	touch "$_stamp"
	vm_log "debs: built in $(($(date +%s) - _t)) s"
}
