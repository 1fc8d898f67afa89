#!/bin/sh
# make run: build the patched kernel and show the series at work on one
# leg (-cpu max, VHE): the KVM mode line, the capabilities, and the demo
# of each feature (tests/demo/rig-demo.c).  LEG=n1-nvhe picks another leg.
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"

leg=${LEG:-max-vhe}
"$TOP/rig/deps.sh"
"$TOP/rig/base.sh"
"$TOP/rig/qemu.sh"
"$TOP/rig/series.sh" apply
step "kernel build (rig)"
"$TOP/rig/kbuild.sh" config rig "$SRC"
"$TOP/rig/kbuild.sh" image rig "$SRC"
done_step
step "kvm selftests and demo"
"$TOP/rig/kbuild.sh" selftests rig "$SRC" "$BUILD/tests"
done_step
"$TOP/rig/initramfs.sh" "$BUILD/tests" "$BUILD/initramfs.cpio.gz"
# shellcheck source=/dev/null
. "$BUILD/qemu/env"
mkdir -p "$LOGS/legs"
say "booting leg $leg under $QEMU_VERSION"
python3 "$TOP/rig/leg.py" --leg "$leg" --append rig.only=rig.demo \
	--kernel "$OUT/rig/arch/arm64/boot/Image" \
	--initrd "$BUILD/initramfs.cpio.gz" --qemu-root "$QEMU_ROOT" \
	--log "$LOGS/legs/run-$leg.log" || true
sed -n 's/^\[[ 0-9.]*\] //p' "$LOGS/legs/run-$leg.log" |
	grep -E '^(rig: (init|kvm-mode)|demo:|Linux version)' || true
grep -q 'rig: end rig.demo rc=0' "$LOGS/legs/run-$leg.log" ||
	die "the demo did not complete: see $LOGS/legs/run-$leg.log"
