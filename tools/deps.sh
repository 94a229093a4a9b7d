#!/bin/sh
# Install the Debian packages cgfair needs to build, run and test.
# Idempotent and non-interactive: installs only what is missing.
set -eu
PKGS="make gcc pkg-config libc6-dev libsystemd-dev libseccomp-dev
libcap-ng-dev libinih-dev libjson-c-dev libcmocka-dev clang
libclang-rt-14-dev python3 stress-ng cgroup-tools qemu-system-x86
busybox-static cpio debootstrap e2fsprogs kmod passwd procps psmisc
util-linux clang-format selinux-policy-dev checkpolicy semodule-utils
policycoreutils"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
