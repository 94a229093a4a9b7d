# What both VM tiers share: the cache, Debian's kernel, running qemu, and
# turning a guest's result channel into the runner's PASS/FAIL/SKIP lines.
# Source it after tests/lib/t.sh (it uses T_TOP, T_TMP, t_fail, t_cleanup).
#
# Knobs (environment):
#   CGFAIR_VM_CACHE      cache directory (default /var/cache/cgfair-vm)
#   CGFAIR_VM_KERNEL_PKG Debian kernel package (default: what
#                        linux-image-amd64 depends on)
#   CGFAIR_VM_MIRROR     Debian mirror for debootstrap (default: this
#                        machine's apt sources)
#   CGFAIR_VM_ACCEL      qemu -accel value (default tcg,thread=multi)
#   CGFAIR_VM_SMP        guest CPUs (default: host CPUs, at most 4)
#   CGFAIR_VM_MEM        guest RAM in MiB (default 1024)
#   CGFAIR_VM_SCENARIOS  run only these scenarios (names, space separated)
#   CGFAIR_SCENARIO_TIMEOUT  seconds per scenario inside the guest (300)
#   CGFAIR_VM_KEEP=1     keep the work directory (logs, initramfs) for
#                        debugging; its path is printed
#   CGFAIR_VM_BENCH      run these benches (bench/NAME.sh) in the guest
#                        instead of the scenarios
#   CGFAIR_VM_BENCH_ENV  NAME=VALUE words set in the guest for them

VM_LIB=$T_TOP/tests/vm/lib
VM_CACHE=${CGFAIR_VM_CACHE:-/var/cache/cgfair-vm}
# The test users both guests have (cgtest1..3); the scenarios get them
# as CGFAIR_TEST_UIDS.
VM_TEST_UIDS="1001 1002 1003"

vm_log() { echo "vm: $*"; }

# vm_preflight TIER: skip as non-root; fail (do not skip) when a tool or a
# build product is missing: on CI everything is installed and built.
vm_preflight() {
	t_need_root "$1"
	_missing=""
	for _c in qemu-system-x86_64 busybox cpio gzip apt-get dpkg-deb depmod \
		modprobe flock timeout sha256sum ldd; do
		command -v "$_c" >/dev/null 2>&1 || _missing="$_missing $_c"
	done
	if [ ! -e /bin/busybox ] || ! file_is_static /bin/busybox; then
		_missing="$_missing busybox-static"
	fi
	if [ -n "$_missing" ]; then
		t_fail "$1/preflight" "missing:$_missing (run make deps)"
		exit 1
	fi
	for _p in cgfaird cgfair-scanner cgfair-oomwatch cgfair-frontend cgfair-metrics \
		tests/t-run-as-uid tests/t-spin tests/t-memhog; do
		if [ ! -x "$CGFAIR_BUILD/$_p" ]; then
			t_fail "$1/preflight" "$CGFAIR_BUILD/$_p missing (run make tests)"
			exit 1
		fi
	done
}

# file_is_static FILE: true when FILE needs no dynamic loader.
file_is_static() {
	! LC_ALL=C ldd "$1" 2>/dev/null | grep -q '=>\|ld-linux'
}

# vm_workdir TIER: a fresh work directory, removed at exit unless
# CGFAIR_VM_KEEP=1.
vm_workdir() {
	VM_WORK=$(mktemp -d "/tmp/cgfair-vm-$1.XXXXXX")
	if [ "${CGFAIR_VM_KEEP:-0}" = 1 ]; then
		vm_log "keeping work directory $VM_WORK"
	else
		t_cleanup "rm -rf '$VM_WORK'"
	fi
}

# vm_lock: serialize cache builds between concurrent runs (fd 9).
vm_lock() {
	mkdir -p "$VM_CACHE" || return 1
	exec 9>"$VM_CACHE/.lock"
	flock -w 1800 9
}
vm_unlock() { exec 9>&-; }

# vm_mirror: the Debian mirror this machine's apt uses for bookworm main.
# Reads both one-line (*.list) and deb822 (*.sources) files; ignores
# third-party repositories (their suites are not "bookworm").
vm_mirror() {
	if [ -n "${CGFAIR_VM_MIRROR:-}" ]; then
		echo "$CGFAIR_VM_MIRROR"
		return
	fi
	_m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		2>/dev/null | sed 's/\[[^]]*\]//' |
		awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }')
	[ -n "$_m" ] || _m=$(for _f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$_f" ] && cat "$_f" && echo
	done | awk '
		/^[ \t]*$/ { if (deb && suite && uri != "") { print uri; exit }
			     deb = 0; suite = 0; uri = ""; next }
		$1 == "Types:" { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
		$1 == "URIs:" { uri = $2 }
		$1 == "Suites:" { for (i = 2; i <= NF; i++)
				  if ($i == "bookworm") suite = 1 }
		END { if (deb && suite && uri != "") print uri }' | head -1)
	echo "${_m:-http://deb.debian.org/debian}"
}

# vm_kernel [SUITE]: fetch Debian's kernel package once per version into
# the cache (apt-get download + dpkg-deb -x, never installed on the host;
# depmod so that modprobe can resolve dependencies for the guests). SUITE
# (default: the host's own apt) names another Debian suite, e.g. trixie:
# its package lists go to a private apt directory in the cache (vm_apt),
# the host's sources stay as they are. Sets VM_KVER, VM_KDIR (holds boot/
# and lib/modules/) and VM_KERNEL (the bzImage).
vm_kernel() {
	VM_SUITE=${1:-}
	# a suite's kernels live apart: one kernel is kept per suite
	_kpre=$VM_CACHE/kernel-
	[ -z "$VM_SUITE" ] || _kpre=$VM_CACHE/kernel-$VM_SUITE-
	[ -z "$VM_SUITE" ] || vm_apt_update "$VM_SUITE" ||
		vm_log "cannot read the $VM_SUITE package lists"
	_pkg=${CGFAIR_VM_KERNEL_PKG:-}
	[ -z "$VM_SUITE" ] || _pkg=""
	[ -n "$_pkg" ] || _pkg=$(vm_kernel_pkg)
	if [ -z "$_pkg" ] && [ -z "$VM_SUITE" ]; then
		apt-get update -qq >/dev/null 2>&1
		_pkg=$(vm_kernel_pkg)
	fi
	_ver=$(vm_apt apt-cache policy "$_pkg" 2>/dev/null |
		awk '$1 == "Candidate:" { print $2 }')
	if [ -z "$_pkg" ] || [ -z "$_ver" ] || [ "$_ver" = "(none)" ]; then
		# Offline: use the newest kernel already in the cache.
		VM_KDIR=$(ls -d "$_kpre"linux-*/ 2>/dev/null | sort -V |
			tail -1)
		VM_KDIR=${VM_KDIR%/}
		if [ -z "$VM_KDIR" ] || [ ! -f "$VM_KDIR/.complete" ]; then
			echo "vm: cannot find a Debian kernel package (apt-cache)"
			return 1
		fi
		vm_log "apt has no kernel candidate; using cached $VM_KDIR"
	else
		VM_KDIR=$_kpre$_pkg-$(echo "$_ver" | tr ':' '_')
		if [ ! -f "$VM_KDIR/.complete" ]; then
			vm_lock || return 1
			[ -f "$VM_KDIR/.complete" ] ||
				vm_kernel_fetch "$_pkg" "$_ver" "$VM_KDIR" "$_kpre"
			_rc=$?
			vm_unlock
			[ $_rc -eq 0 ] || return 1
		fi
	fi
	VM_KERNEL=$(ls "$VM_KDIR"/boot/vmlinuz-* | head -1)
	VM_KVER=${VM_KERNEL##*/vmlinuz-}
	vm_log "kernel $VM_KVER from $VM_KDIR"
}

vm_kernel_pkg() {
	vm_apt apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }'
}

# vm_apt CMD ARGS...: run the apt command CMD for $VM_SUITE: the host's apt
# when it is unset, else apt with the private configuration vm_apt_update
# made (its own sources, lists and caches; the host's trusted keys).
vm_apt() {
	if [ -z "${VM_SUITE:-}" ]; then
		"$@"
	else
		APT_CONFIG=$VM_CACHE/apt-$VM_SUITE/apt.conf "$@"
	fi
}

# vm_apt_update SUITE: a private apt directory in the cache that knows
# SUITE main from this machine's mirror; its lists are refreshed at most
# once an hour (a kernel upload makes the cached ones stale, not wrong).
vm_apt_update() {
	_a=$VM_CACHE/apt-$1
	mkdir -p "$_a/lists/partial" "$_a/cache/archives/partial" \
		"$_a/apt.conf.d" "$_a/preferences.d" || return 1
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $(vm_mirror) $1 main" \
		>"$_a/sources.list"
	# the host's apt.conf.d is left out too (its proxy or list settings
	# are for its own sources)
	cat >"$_a/apt.conf" <<EOF
Dir::Etc::sourcelist "$_a/sources.list";
Dir::Etc::sourceparts "-";
Dir::Etc::parts "$_a/apt.conf.d";
Dir::Etc::preferencesparts "$_a/preferences.d";
Dir::State::lists "$_a/lists";
Dir::State::status "/var/lib/dpkg/status";
Dir::Cache "$_a/cache";
APT::Architecture "amd64";
Acquire::Languages "none";
EOF
	[ -z "$(find "$_a/lists" -maxdepth 1 -name '*_Packages*' -mmin -60)" ] ||
		return 0
	APT_CONFIG=$_a/apt.conf apt-get update -qq >"$_a/update.log" 2>&1 || {
		cat "$_a/update.log"
		return 1
	}
}

# vm_kernel_fetch PKG VERSION DIR PREFIX (called with the cache lock held):
# the other kernels under PREFIX (the same suite's) are removed.
vm_kernel_fetch() {
	_t0=$(date +%s)
	_tmp=$3.tmp
	rm -rf "$_tmp" && mkdir -p "$_tmp" || return 1
	vm_log "downloading $1=$2"
	(cd "$_tmp" && vm_apt apt-get download -q "$1=$2" >download.log 2>&1) || {
		cat "$_tmp/download.log"
		return 1
	}
	dpkg-deb -x "$_tmp"/*.deb "$_tmp/x" || return 1
	# trixie's packages ship the modules in /usr/lib/modules: one place
	# for the guests' modprobe -d and mkrootfs.sh
	if [ ! -d "$_tmp/x/lib/modules" ] && [ -d "$_tmp/x/usr/lib/modules" ]; then
		mkdir -p "$_tmp/x/lib" &&
			mv "$_tmp/x/usr/lib/modules" "$_tmp/x/lib/" || return 1
	fi
	_kv=$(ls "$_tmp"/x/boot/vmlinuz-* | head -1)
	_kv=${_kv##*/vmlinuz-}
	depmod -b "$_tmp/x" "$_kv" || return 1
	rm -rf "$3" && mv "$_tmp/x" "$3" && rm -rf "$_tmp" || return 1
	touch "$3/.complete"
	# Keep one kernel per suite: drop the others (a cached rootfs image
	# that still needs one is rebuilt, its key holds the kernel version).
	# Package names start with linux-, so kernel-linux-* are the host
	# suite's only.
	for _d in "$4"linux-*; do
		[ "$_d" = "$3" ] || rm -rf "$_d"
	done
	vm_log "kernel fetched in $(($(date +%s) - _t0)) s"
}

# vm_modules_for MODULE...: the .ko files (dependencies first) that load
# MODULE... on the guest kernel.
vm_modules_for() {
	for _m in "$@"; do
		modprobe -d "$VM_KDIR" -S "$VM_KVER" --show-depends "$_m"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

# vm_copy_closure ROOT FILE...: copy the shared libraries FILE... need
# (their ldd closure, the ELF interpreter included) into ROOT, at the same
# paths. mawk has no \s: match blanks as [ \t].
vm_copy_closure() {
	_root=$1
	shift
	for _f in "$@"; do
		[ -f "$_f" ] || continue
		file_is_static "$_f" && continue
		ldd "$_f" | awk '/=> \// { print $3 } /^[ \t]*\// { print $1 }'
	done | sort -u | while read -r _lib; do
		[ -e "$_root$_lib" ] && continue
		mkdir -p "$_root${_lib%/*}" && cp -L "$_lib" "$_root$_lib"
	done
}

# vm_stage_tests ROOT: the test tree the guest runs, under ROOT:
# build/tests/t-* helpers, tests/lib, tests/scenarios, the guest runner.
vm_stage_tests() {
	mkdir -p "$1/build/tests" "$1/tests/vm/lib" &&
		cp "$CGFAIR_BUILD"/tests/t-* "$1/build/tests/" &&
		cp -R "$T_TOP/tests/lib" "$T_TOP/tests/scenarios" "$1/tests/" &&
		cp "$VM_LIB/guest-run.sh" "$VM_LIB/guest-lib.sh" \
			"$1/tests/vm/lib/" &&
		vm_stage_bench "$1" &&
		{
			echo "CGFAIR_VM_SCENARIOS='${CGFAIR_VM_SCENARIOS:-}'"
			echo "CGFAIR_VM_BENCH='${CGFAIR_VM_BENCH:-}'"
			echo "CGFAIR_SCENARIO_TIMEOUT='${CGFAIR_SCENARIO_TIMEOUT:-300}'"
			echo "CGFAIR_TEST_UIDS='$VM_TEST_UIDS'"
			# a bench's own settings (NAME=VALUE words, e.g. NUSERS=300)
			for _kv in ${CGFAIR_VM_BENCH_ENV:-}; do
				echo "${_kv%%=*}='${_kv#*=}'"
			done
		} >"$1/tests/vm/lib/vm.env"
}

# vm_stage_bench ROOT: with CGFAIR_VM_BENCH (names of bench/NAME.sh), the
# benches and build/bench's helpers too; the guest then runs those
# benches instead of the scenarios (bench/systemd-scale.sh boots it so).
vm_stage_bench() {
	[ -n "${CGFAIR_VM_BENCH:-}" ] || return 0
	mkdir -p "$1/bench" "$1/build/bench" &&
		cp "$T_TOP"/bench/*.sh "$1/bench/" &&
		cp "$CGFAIR_BUILD"/bench/* "$1/build/bench/"
}

# vm_cpio DIR OUT: pack DIR as a gzip'ed newc archive, owned by root.
vm_cpio() {
	(cd "$1" && find . -print | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet) | gzip -1 >"$2"
}

# vm_qemu TIMEOUT QEMU-ARGS...: boot a guest. Serial port 0 (console) goes
# to $VM_WORK/console.log, port 1 (the result channel) to results.log.
# The guest reports its status through isa-debug-exit: qemu then exits
# with 33 (guest passed) or 35 (guest failed); anything else means the
# guest never got that far. Sets VM_QEMU_RC and VM_QEMU_SECS.
vm_qemu() {
	_to=$1
	shift
	_smp=${CGFAIR_VM_SMP:-$(nproc)}
	[ -n "${CGFAIR_VM_SMP:-}" ] || [ "$_smp" -le 4 ] || _smp=4
	: >"$VM_WORK/console.log"
	: >"$VM_WORK/results.log"
	_t0=$(date +%s)
	timeout -k 10 "$_to" qemu-system-x86_64 \
		-nodefaults -no-user-config -display none -monitor none \
		-no-reboot -accel "${CGFAIR_VM_ACCEL:-tcg,thread=multi}" \
		-cpu max -smp "$_smp" -m "${CGFAIR_VM_MEM:-1024}" \
		-serial "file:$VM_WORK/console.log" \
		-serial "file:$VM_WORK/results.log" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		"$@" </dev/null >"$VM_WORK/qemu.log" 2>&1 &
	_qpid=$!
	t_cleanup "kill $_qpid 2>/dev/null; wait $_qpid 2>/dev/null"
	wait $_qpid
	VM_QEMU_RC=$?
	VM_QEMU_SECS=$(($(date +%s) - _t0))
	vm_log "qemu exited $VM_QEMU_RC after $VM_QEMU_SECS s"
}

# vm_report TIER TIMEOUT: print the guest's results as runner lines (scenario
# lines get the prefix TIER/SCENARIO/), add a FAIL for every way the guest
# can fail silently, and on failure print the failing scenarios' output,
# the guest's logs and the console. Returns 1 when anything failed.
vm_report() {
	tr -d '\r' <"$VM_WORK/results.log" >"$VM_WORK/results.txt"
	: >"$VM_WORK/detail.txt"
	: >"$VM_WORK/logs.txt"
	awk -v tier="$1" -v detail="$VM_WORK/detail.txt" \
		-v logs="$VM_WORK/logs.txt" -f "$VM_LIB/report.awk" \
		"$VM_WORK/results.txt" >"$VM_WORK/lines.txt"
	cat "$VM_WORK/lines.txt"
	_done=$(grep -c '^@@ DONE ' "$VM_WORK/results.txt")
	case $VM_QEMU_RC in
	33) ;;
	35) grep -q '^FAIL: ' "$VM_WORK/lines.txt" ||
		t_fail "$1/guest" "guest reported failure without a FAIL line" ;;
	124 | 137) t_fail "$1/guest" "hung: killed after $2 s" ;;
	*) t_fail "$1/guest" "qemu exited $VM_QEMU_RC without the guest's status (panic, crash or poweroff)" ;;
	esac
	if [ "$_done" -eq 0 ] && [ "$VM_QEMU_RC" -eq 33 ]; then
		t_fail "$1/guest" "guest exited without the end-of-run marker"
	fi
	if grep -q '^FAIL: ' "$VM_WORK/lines.txt" || [ "$T_FAILED" = 1 ]; then
		# Indented: the runner counts lines that start with PASS/FAIL.
		# Scenario output last, where the runner's tail shows it.
		echo "---- $1: guest console (last 40 lines) ----"
		sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' "$VM_WORK/console.log" |
			tr -d '\r' | tail -40 | sed 's/^/  | /'
		if [ -s "$VM_WORK/qemu.log" ]; then
			echo "---- $1: qemu ----"
			tail -20 "$VM_WORK/qemu.log" | sed 's/^/  | /'
		fi
		echo "---- $1: guest logs ----"
		sed 's/^/  | /' "$VM_WORK/logs.txt"
		echo "---- $1: output of failing scenarios ----"
		sed 's/^/  | /' "$VM_WORK/detail.txt"
		return 1
	fi
	return 0
}

# vm_umount_below DIR: unmount whatever a (failed) debootstrap left mounted
# under DIR (/proc, /sys, a /dev bind), deepest first, before removing it.
vm_umount_below() {
	awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts |
		sort -r | while read -r _m; do umount -l "$_m"; done
}

# vm_rmtree DIR: remove a build tree, never crossing into a mount.
vm_rmtree() {
	[ -e "$1" ] || return 0
	vm_umount_below "$1"
	rm -rf --one-file-system "$1"
}

# vm_rootfs [VARIANT]: the tier 2 image for this version of the recipe
# (VARIANT plain, the default, or selinux: see mkrootfs.sh), built once
# into the cache (key: hash of mkrootfs.sh, tools/ensure-user.sh and the
# kernel; cgfair's policy module is not in the image: each run installs
# its cgfair-selinux package). Of the older images of the variant the two
# used last are kept. Sets VM_IMAGE.
vm_rootfs() {
	_var=${1:-plain}
	_key=$({
		cat "$VM_LIB/mkrootfs.sh" "$T_TOP/tools/ensure-user.sh"
		echo "$VM_KVER ${VM_KDIR##*/} $_var"
	} | sha256sum | cut -c1-16)
	_pre=$VM_CACHE/rootfs-
	[ "$_var" = plain ] || _pre=$VM_CACHE/rootfs-$_var-
	_dir=$_pre$_key
	VM_IMAGE=$_dir/rootfs.img
	if [ -f "$_dir/.complete" ]; then
		touch "$_dir/.complete" # used: the last to go (below)
		vm_log "rootfs image $VM_IMAGE (cached)"
		return 0
	fi
	vm_lock || return 1
	if [ ! -f "$_dir/.complete" ]; then
		_t0=$(date +%s)
		_tmp=$_dir.tmp
		t_cleanup "vm_rmtree '$_tmp'"
		vm_rmtree "$_tmp"
		mkdir -p "$_tmp"
		vm_log "building the $_var rootfs image (once per recipe version)"
		if ! sh "$VM_LIB/mkrootfs.sh" "$_tmp" "$VM_KDIR" "$VM_KVER" \
			"$(vm_mirror)" "$T_TOP" "$_var"; then
			vm_unlock
			return 1
		fi
		rm -rf "$_dir" && mkdir -p "$_dir" &&
			mv "$_tmp/rootfs.img" "$_dir/" &&
			touch "$_dir/.complete" || {
			vm_unlock
			return 1
		}
		vm_rmtree "$_tmp"
		# the variant's two images used last stay besides this one:
		# branches whose recipes differ (several people at work on one
		# machine) take turns without rebuilding each time
		for _d in $(ls -dt "$_pre"*/.complete 2>/dev/null); do
			_d=${_d%/.complete}
			case $_d in "$_dir" | *.tmp) continue ;; esac
			# the plain prefix also matches the other variants'
			[ "$_var" = plain ] && case ${_d#"$_pre"} in *-*) continue ;; esac
			_keep=$((${_keep:-2} - 1))
			[ "$_keep" -lt 0 ] && vm_rmtree "$_d"
		done
		_keep=""
		vm_log "rootfs image built in $(($(date +%s) - _t0)) s"
	fi
	vm_unlock
}
