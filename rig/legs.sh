#!/bin/sh
# Boot the given legs (tests/legs), as many at a time as there are cores:
# under icount QEMU runs each guest on one host thread.
# Usage: legs.sh LEG... (kernel from build/out/CONFIG, initramfs from build/)
# KERNEL=FILE boots that kernel on every leg instead, INITRD=FILE that
# initramfs, LEG_LOGS=DIR puts the logs in DIR/legs/ (rig/distro.sh legs:
# Debian's packaged kernel; rig/portability.sh), LEG_ARGS adds leg.py
# options.  The real-VMM legs (vmm-*) boot build/vmm/initramfs.cpio
# (rig/vmm.sh prepare).
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
	kernel=${KERNEL:-$OUT/$config/arch/arm64/boot/Image}
	[ -e "$kernel" ] || die "no kernel for leg $leg ($kernel)"
	case $leg in
	vmm-*) initrd=$BUILD/vmm/initramfs.cpio ;;
	*) initrd=${INITRD:-$BUILD/initramfs.cpio.gz} ;;
	esac
	if [ ! -e "$initrd" ]; then
		say "leg $leg: no initramfs ($initrd): not booted"
		continue
	fi
	say "leg $leg: booting ${KERNEL:-$config kernel}"
	# shellcheck disable=SC2086 # LEG_ARGS: extra leg.py options, split on purpose
	python3 "$TOP/rig/leg.py" --leg "$leg" --kernel "$kernel" \
		--initrd "$initrd" --qemu-root "$QEMU_ROOT" \
		--log "${LEG_LOGS:-$LOGS}/legs/$leg.log" ${LEG_ARGS:-} || true &
	running=$((running + 1))
	if [ "$running" -ge "$par" ]; then
		wait
		running=0
	fi
done
wait
