#!/bin/sh
# Boot the given legs (tests/legs), as many at a time as there are cores:
# under icount QEMU runs each guest on one host thread.
# Usage: legs.sh LEG... (kernel from build/out/CONFIG, initramfs from build/)
# KERNEL=FILE boots that kernel on every leg instead, INITRD=FILE that
# initramfs, LEG_LOGS=DIR puts the logs in DIR/legs/ (rig/distro.sh legs:
# Debian's packaged kernel; rig/portability.sh), LEG_ARGS adds leg.py
# options.  The real-VMM legs (vmm-*) boot build/vmm/initramfs.cpio
# (rig/vmm.sh prepare); the upgrade legs (vmm-upgrade-*) boot in order.
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"
[ $# -gt 0 ] || die "usage: legs.sh LEG... (names of tests/legs)"
plan select "$@" >/dev/null || die "legs.sh: name legs of tests/legs"
[ -r "$BUILD/qemu/env" ] || die "no $BUILD/qemu/env: run rig/qemu.sh (make check does)"
# shellcheck source=/dev/null
. "$BUILD/qemu/env"

par=$(nproc)
jobs=$(mktemp -d "${TMPDIR:-/tmp}/rig-legs.XXXXXX")
trap 'rm -rf "$jobs"' EXIT
# Interrupted: stop here (the jobs check that this shell still runs).
trap 'exit 130' INT TERM

# boot LEG [LEG.PY OPTIONS]: boot one leg; "not booted" when its kernel or
# initramfs is missing (the report then fails the leg as not run).
# (KERNEL: one kernel for every leg; INITRD: the CPU legs' initramfs.)
boot() {
	leg=$1
	shift
	config=$(plan get "$leg" config)
	kernel=${KERNEL:-$(image_path "$config")}
	case $(plan get "$leg" kind) in
	cpu) initrd=${INITRD:-$BUILD/initramfs.cpio.gz} ;;
	*) initrd=$BUILD/vmm/initramfs.cpio ;;
	esac
	for f in "$kernel" "$initrd"; do
		if [ ! -e "$f" ]; then
			say "leg $leg: no $f: not booted"
			return 0
		fi
	done
	say "leg $leg: booting ${KERNEL:-$config kernel}"
	# shellcheck disable=SC2086 # LEG_ARGS: extra leg.py options, split on purpose
	boot_leg "$leg" "$kernel" "$initrd" "${LEG_LOGS:-$LOGS}/legs/$leg.log" \
		${LEG_ARGS:-} "$@" || true
}

# The upgrade legs (vmm-upgrade-N) boot one after the other, in the order
# of tests/legs, each taking the VMs the one before it saved from a folder
# QEMU sees (rig/leg.py --share).  All of them or none: check.sh says so.
upgrade_chain() {
	if [ "$QEMU_ROOT" = / ]; then
		share=$(mktemp -d "$BUILD/upgrade-share.XXXXXX")
	else
		mkdir -p "$QEMU_ROOT/rig"
		share=$(mktemp -d "$QEMU_ROOT/rig/upgrade-share.XXXXXX")
	fi
	for leg in $chain; do
		kill -0 $$ 2>/dev/null || break	# legs.sh was interrupted
		boot "$leg" --share "$share"
	done
	rm -rf "$share"
}

# job COMMAND...: run COMMAND in the background as one of $par jobs, once
# fewer than $par run; a job counts as ended however it ends.
started=0
job() {
	while [ $((started - $(find "$jobs" -name '*.done' | wc -l))) -ge "$par" ]; do
		sleep 1
	done
	started=$((started + 1))
	(
		trap ': >"$jobs/$started.done"' EXIT
		"$@"
	) &
}

chain=$(plan chain "$@" | tr "\n" " ")
# The chain first: it is the longest job.
[ -z "$chain" ] || job upgrade_chain
for leg in "$@"; do
	case " $chain " in
	*" $leg "*) ;;
	*) job boot "$leg" ;;
	esac
done
wait
