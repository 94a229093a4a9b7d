#!/bin/sh
# tools/build-debs.sh OUTDIR [VERSION]: build the Debian packages (cgfair,
# cgfair-selinux) from this tree's tracked files with
# `dpkg-buildpackage -us -uc -b` in a scratch copy, and put the .debs and
# lintian's report in OUTDIR. VERSION (e.g. 0.1.0-2, for an upgrade test)
# replaces the changelog's version in the copy only.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
work=$(mktemp -d /tmp/cgfair-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/cgfair"
# what git tracks, as it is in the tree now (edits included); a copy of
# the tree without its .git (tests/mutants/run.sh's scratch copies): all
# of it but the build directories
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z | xargs -0 cp --parents -P -t "$work/cgfair")
else
	tar -C "$top" --exclude='./build*' -cf - . | tar -C "$work/cgfair" -xf -
fi
if [ -n "${2:-}" ]; then
	sed -i "1s/(.*)/($2)/" "$work/cgfair/debian/changelog"
fi
(cd "$work/cgfair" && DEB_BUILD_OPTIONS="parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1 || {
	tail -30 "$out/build.log"
	exit 1
}
# lintian: errors fail the build here
lintian --allow-root "$work"/*.changes >"$out/lintian.log" 2>&1 || true
rm -f "$out"/*.deb
mv "$work"/cgfair_*.deb "$work"/cgfair-selinux_*.deb "$out/"
if grep -q '^E: ' "$out/lintian.log"; then
	grep '^E: ' "$out/lintian.log"
	exit 1
fi
ls "$out"/*.deb
