#!/bin/sh
# Boot the given legs (tests/legs), as many at a time as there are cores:
# under icount QEMU runs each guest on one host thread.
# Usage: legs.sh LEG... (kernel from build/out/CONFIG, initramfs from build/)
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"
# shellcheck source=/dev/null
. "$BUILD/qemu/env"

par=$(nproc)
running=0
for leg in "$@"; do
	config=$(awk -v l="$leg" '$1 == l { print $2 }' "$TOP/tests/legs")
	[ -n "$config" ] || die "unknown leg $leg (see tests/legs)"
	kernel=$OUT/$config/arch/arm64/boot/Image
	[ -e "$kernel" ] || die "no $config kernel for leg $leg ($kernel)"
	say "leg $leg: booting ($config kernel)"
	# shellcheck disable=SC2086 # LEG_ARGS: extra leg.py options, split on purpose
	python3 "$TOP/rig/leg.py" --leg "$leg" --kernel "$kernel" \
		--initrd "$BUILD/initramfs.cpio.gz" --qemu-root "$QEMU_ROOT" \
		--log "$LOGS/legs/$leg.log" ${LEG_ARGS:-} || true &
	running=$((running + 1))
	if [ "$running" -ge "$par" ]; then
		wait
		running=0
	fi
done
wait
