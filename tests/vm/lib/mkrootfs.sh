#!/bin/sh
# mkrootfs.sh WORKDIR KDIR KVER MIRROR TOP [VARIANT]: build the guest image
# WORKDIR/rootfs.img: Debian bookworm (debootstrap minbase) with systemd,
# udev, dbus and logind, the runtime libraries cgfair links against, the
# guest kernel's modules, the cgfair system user and the lingering test
# users cgtest1..3 (uids 1001..1003). Nothing of cgfair itself: every run
# lays the freshly built tree over a snapshot of this image. VARIANT
# selinux (tier 3) adds Debian's reference policy in permissive mode and
# labels every file, as an installed SELinux system has them (cgfair's
# module comes with each run's cgfair-selinux package). VARIANT trixie
# (tier 5) is the plain guest from Debian 13 (systemd 257); KDIR holds
# trixie's kernel.
#
# The cache key of the image is a hash of this file (and of
# tools/ensure-user.sh and the kernel version): change anything that
# defines the image here, and the next run rebuilds it.
set -eu
W=$1 KDIR=$2 KVER=$3 MIRROR=$4 TOP=$5 VARIANT=${6:-plain}
R=$W/rootfs
SUITE=bookworm
[ "$VARIANT" != trixie ] || SUITE=trixie

# udev and kmod: without them the serial getty waits 90 s for its device
# and autofs4 does not load. dbus-user-session: systemd --user needs it.
# libpam-systemd: logind sessions. The lib* are what cgfair links to.
# sudo and auditd: the audit scenario (an admin's `sudo cgfairctl`, found
# in auditd's log by their login uid). Under SELinux the kernel sends the
# AVC denials to auditd's log instead of its own: tier 3 reads both.
PKGS=systemd,systemd-sysv,udev,kmod,dbus,dbus-user-session,libpam-systemd
PKGS=$PKGS,procps,libsystemd0,libseccomp2,libcap-ng0,libinih1,libjson-c5
PKGS=$PKGS,libaudit1,sudo,auditd
# libmicrohttpd (cgfair-metrics), libsqlite3 and libpq (cgfair-recorder:
# history, and the fleet's PostgreSQL client), libcurl
# (cgfair-notify), libcairo (cgfair-plot): only what those programs need,
# but the cgfair package depends on them (dpkg -i in
# tests/scenarios/upgrade.sh); trixie's libmicrohttpd and libcurl are the
# time_t 64 rebuilds
PKGS=$PKGS,libsqlite3-0,libpq5,libcairo2,libacl1
if [ "$SUITE" = trixie ]; then
	PKGS=$PKGS,libmicrohttpd12t64,libcurl4t64
else
	PKGS=$PKGS,libmicrohttpd12,libcurl4
fi
if [ "$VARIANT" = selinux ]; then
	PKGS=$PKGS,selinux-policy-default,policycoreutils,selinux-utils
fi
USERS="1001 1002 1003"

echo "mkrootfs: debootstrap $SUITE from $MIRROR"
if ! debootstrap --variant=minbase --include="$PKGS" "$SUITE" "$R" \
	"$MIRROR" >"$W/debootstrap.log" 2>&1; then
	tail -40 "$W/debootstrap.log"
	tail -40 "$R/debootstrap/debootstrap.log" 2>/dev/null
	exit 1
fi

echo cgfair-tier2 >"$R/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 cgfair-tier2\n' >"$R/etc/hosts"
# No fstab entry: the initrd mounts / read-write, and an entry would make
# boot wait for udev to announce /dev/vda (~10 s under TCG).
echo "# / is mounted by the cgfair VM initrd" >"$R/etc/fstab"
[ -s "$R/etc/machine-id" ] || chroot "$R" systemd-machine-id-setup >/dev/null
chroot "$R" passwd -d root >/dev/null

# The workers' system user, exactly as the project creates it.
chroot "$R" sh -s cgfair <"$TOP/tools/ensure-user.sh"

# Test users; lingering makes logind start user@UID.service and so
# user-UID.slice at boot, with no login needed.
mkdir -p "$R/var/lib/systemd/linger"
for u in $USERS; do
	n=cgtest$((u - 1000))
	chroot "$R" groupadd -g "$u" "$n"
	chroot "$R" useradd -m -u "$u" -g "$u" -s /bin/bash "$n"
	touch "$R/var/lib/systemd/linger/$n"
done

# A quiet, fast, disposable guest: volatile journal, no timers, no getty.
mkdir -p "$R/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' \
	>"$R/etc/systemd/journald.conf.d/cgfair-vm.conf"
for u in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer \
	e2scrub_all.timer e2scrub_reap.service fstrim.timer \
	serial-getty@ttyS0.service \
	getty@tty1.service systemd-firstboot.service; do
	ln -sf /dev/null "$R/etc/systemd/system/$u"
done

# The guest kernel's modules (the image has no kernel package).
mkdir -p "$R/usr/lib/modules"
cp -a "$KDIR/lib/modules/$KVER" "$R/usr/lib/modules/"

if [ "$VARIANT" = selinux ]; then
	# Boots permissive: the run's payload is copied in unlabelled, so
	# the guest first installs this run's cgfair-selinux package (its
	# postinst loads cgfair's module and relabels), labels the payload,
	# then switches to enforcing (tests/vm/lib/guest-tier2.sh). The
	# image has no cgfair module of its own. systemd runs as init_t and
	# the test harness's units (their /bin/sh) as initrc_t, as the
	# guests' AVC records show: those two domains stay permissive, so
	# that the tests' own scaffolding is never refused; every cgfair
	# domain is enforced, and a denial of theirs on a cgfair type fails
	# the run all the same. -n: no SELinux on the host to load it
	# into; the guest's systemd loads it at boot.
	printf 'SELINUX=permissive\nSELINUXTYPE=default\n' \
		>"$R/etc/selinux/config"
	printf '(typepermissive init_t)\n(typepermissive initrc_t)\n' \
		>"$R/tmp/cgfair_test_harness.cil"
	chroot "$R" semodule -n -i /tmp/cgfair_test_harness.cil
	rm "$R/tmp/cgfair_test_harness.cil"
	# the host's setfiles (policycoreutils, the same release) with the
	# image's file contexts: in the chroot it fails without /sys/fs/selinux
	setfiles -F -r "$R" \
		"$R/etc/selinux/default/contexts/files/file_contexts" "$R"
fi

chroot "$R" apt-get clean
rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin "$R/debootstrap"

echo "mkrootfs: $(du -sm "$R" | cut -f1) MiB, packing the image"
mkfs.ext4 -q -F -L root -d "$R" "$W/rootfs.img" 2G >/dev/null
