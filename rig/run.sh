#!/bin/sh
# make run: build the patched kernel and show the series at work on one
# leg (-cpu max, VHE): the KVM mode line, the capabilities, and the demo
# of each feature (tests/demo/rig-demo.c).  LEG=n1-nvhe picks another leg.
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"
# shellcheck source=rig/steps.sh
. "$TOP/rig/steps.sh"

leg=${LEG:-max-vhe}
# The leg's name before anything is built (python3 may still be missing
# on a new machine: the package step comes first then).
number JOBS "$JOBS" 3
plan_ready
kind=$(plan get "$leg" kind) || die "LEG=$leg: name one leg of tests/legs, e.g. LEG=n1-nvhe"
[ "$kind" = cpu ] ||
	die "LEG=$leg is a real-VMM leg: make run boots the CPU legs (make check runs the others)"
config=$(plan get "$leg" config)
# shellcheck disable=SC2119 # no extra packages
prepare
step "kernel build ($config)"; build_kernel "$config"; done_step
step "kvm selftests and demo"
build_tests "$SRC" "$BUILD/tests"
build_initramfs "$BUILD/tests" "$BUILD/initramfs.cpio.gz"
done_step
# shellcheck source=/dev/null
. "$BUILD/qemu/env"
log=$LOGS/legs/run-$leg.log
say "booting leg $leg under $QEMU_VERSION"
boot_leg "$leg" "$(image_path "$config")" "$BUILD/initramfs.cpio.gz" "$log" \
	--append rig.only=rig.demo || true
sed -n 's/^\[[ 0-9.]*\] //p' "$log" |
	grep -E '^(rig: (init|kvm-mode)|demo:|Linux version)' || true
grep -q 'rig: end rig.demo rc=0' "$log" || die "the demo did not complete: see $log"
