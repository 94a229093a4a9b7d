#!/bin/sh
# Install the Debian packages cgfair needs. Idempotent and non-interactive:
# installs only what is missing.
#   sh tools/deps.sh run    what `make run` needs: build and run cgfaird
#   sh tools/deps.sh [all]  that, and everything the tests and the package
#                           build need (`make check`, CI)
set -eu
# build and run: the compiler, the libraries, useradd for the cgfair user
# (SQLite: the usage history; libacl: its directory's ACL for the
# recorder; cairo: cgfairctl report --plot)
RUN="make gcc pkg-config libc6-dev libsystemd-dev libseccomp-dev
libcap-ng-dev libinih-dev libjson-c-dev libaudit-dev libmicrohttpd-dev passwd
libsqlite3-dev libacl1-dev libcairo2-dev libcurl4-openssl-dev"
# tests: cmocka, fuzzing (clang), the integration tools, the VM rigs
# (qemu, busybox, debootstrap, xz), formatting, the SELinux module and its
# neverallow check (the policy store of selinux-policy-default), the unit's
# offline analysis (systemd-analyze), the Debian packages (debhelper,
# dpkg-dev, lintian), bash and zsh for the completions' test, promtool
# (prometheus) for contrib/'s rules and the metrics' format and the
# prometheus server the HTTP listener's test starts, curl (its scrapes),
# auditd (the audit records' test), sqlite3 (the history's test reads
# and damages the database), PostgreSQL and libpq (fleet mode's database
# side, against a throwaway cluster), aiosmtpd (the relay the notices'
# test starts), dbus-daemon (the user's session bus of the desktop
# notices' test), strace (the metrics' test holds the supervisor's
# sendmsg to make a loop stall it must count)
TEST="libcmocka-dev clang libclang-rt-14-dev python3 stress-ng cgroup-tools
qemu-system-x86 busybox-static cpio debootstrap e2fsprogs kmod procps xz-utils
psmisc util-linux clang-format selinux-policy-dev checkpolicy
semodule-utils policycoreutils selinux-policy-default systemd debhelper
dpkg-dev lintian bash zsh prometheus curl auditd sqlite3 postgresql libpq-dev
python3-aiosmtpd dbus-daemon strace"
case ${1:-all} in
run) PKGS=$RUN ;;
all) PKGS="$RUN $TEST" ;;
*)
	echo "usage: sh tools/deps.sh [run|all]" >&2
	exit 2
	;;
esac
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
