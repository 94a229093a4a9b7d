#!/bin/sh
# VM tier 2: cgfair under a real systemd. Debian's kernel boots a bookworm
# image (debootstrap: systemd, udev, dbus, logind; built once per recipe
# version into the cache) as a qemu snapshot. A small initrd lays this
# run's payload over it: cgfair from its own `make install DESTDIR=...
# PREFIX=/usr`, etc/cgfaird.service, the tests and the unit that runs
# them. The test users linger, so user-UID.slice exists; every scenario
# whose "# backends:" line lists systemd runs with CGFAIR_BACKEND=systemd,
# cgfair installed in PATH and started from its unit.
# Not in `make check` (tests/vm/pending/README.md): tier 3 boots this same
# guest with SELinux enforcing and runs every one of these scenarios there;
# tiers 4 and 5 run them on systemd without SELinux.
TOP=${TOP:-$(cd "$(dirname "$0")/../../.." && pwd)}
. "$TOP/tests/lib/t.sh"
. "$T_TOP/tests/vm/lib/vm.sh"
. "$T_TOP/tests/vm/lib/systemd-tier.sh"
systemd_tier vm-systemd plain "" systemd
