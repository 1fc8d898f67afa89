#!/bin/sh
# Guest userland: busybox-static (arm64, Debian), the static test programs,
# the test plan and tests/init, packed as a gzip'd cpio archive.
# Usage: rig/initramfs.sh TESTS_DIR OUTPUT.cpio.gz
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"
need cpio gzip dpkg-deb apt-get

tests=$1
output=$2
bbdir=$BUILD/busybox
bb=$bbdir/bin/busybox

if [ ! -x "$bb" ]; then
	need_arm64_packages
	rm -rf "$bbdir" && mkdir -p "$bbdir/deb"
	(cd "$bbdir/deb" && apt-get download -q busybox-static:arm64 >/dev/null 2>&1) ||
		die "cannot download busybox-static:arm64 from Debian's archive"
	dpkg-deb -x "$bbdir"/deb/busybox-static_*_arm64.deb "$bbdir/x"
	mkdir -p "$bbdir/bin"
	cp "$bbdir/x/bin/busybox" "$bb"
fi

root=$(mktemp -d "$BUILD/initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/sbin" "$root/etc" "$root/proc" "$root/sys" \
	"$root/dev" "$root/tmp" "$root/tests"
cp "$bb" "$root/bin/busybox"
cp "$TOP/tests/init" "$root/init"
cp "$TOP/tests/plan" "$root/etc/rig-plan"
cp -r "$tests/." "$root/tests/"
pack_cpio "$root" | gzip -1 >"$output.tmp"
mv "$output.tmp" "$output"
