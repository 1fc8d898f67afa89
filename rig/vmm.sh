#!/bin/sh
# The real-VMM legs (tests/legs: vmm-*): the series' kernel boots as an
# emulated arm64 host whose initramfs holds Debian's own arm64 QEMU, and
# that QEMU runs a Linux guest with KVM through start, stop/cont,
# migration and snapshots (tests/vmm/run, plan tests/vmm/plan).
#   QEMU 7.2   Debian 12 (bookworm, -updates, -security)
#   QEMU 10.0  bookworm-backports
# The packages are unpacked with mmdebstrap --variant=extract: no
# maintainer script and nothing else arm64 runs on the build machine.
#
# Usage: rig/vmm.sh prepare GUEST_KERNEL
#   build/vmm/initramfs.cpio for the legs, with GUEST_KERNEL (the series'
#   kernel with config/guest.config: PV stolen time) as QEMU's guest
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"

VDIR=$BUILD/vmm
MIRROR=http://deb.debian.org/debian
SECURITY=http://deb.debian.org/debian-security

# fetch NAME SUITES PKGS: Debian's arm64 QEMU and what it links against in
# $VDIR/NAME (kept while PKGS and SUITES stay the same), trimmed of what a
# QEMU without display or firmware never reads.
fetch() {
	name=$1 suites=$2 pkgs=$3
	root=$VDIR/$name
	want="$suites $pkgs"
	[ -x "$root/usr/bin/qemu-system-aarch64" ] &&
		[ "$(cat "$VDIR/$name.pkgs" 2>/dev/null)" = "$want" ] && return 0
	need mmdebstrap
	need_space 1 "Debian's arm64 QEMU ($name)"
	say "vmm: Debian's arm64 QEMU $name (mmdebstrap extract)"
	rm -rf "$root"
	set --
	for s in $suites; do
		case $s in
		*-security) set -- "$@" "deb $SECURITY $s main" ;;
		*) set -- "$@" "deb $MIRROR $s main" ;;
		esac
	done
	mmdebstrap --variant=extract --arch=arm64 --include="$pkgs" \
		"${suites%% *}" "$root" "$@" >"$VDIR/$name.log" 2>&1 ||
		die "mmdebstrap of QEMU $name failed (see $VDIR/$name.log)"
	[ -x "$root/usr/bin/qemu-system-aarch64" ] ||
		die "no qemu-system-aarch64 in $root (see $VDIR/$name.log)"
	zcat "$root/usr/share/doc/qemu-system-arm/changelog.Debian.gz" |
		sed -n '1s/^qemu (\([^)]*\)).*/\1/p' >"$VDIR/$name.version"
	rm -rf "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/info \
		"$root"/usr/share/locale "$root"/usr/share/lintian "$root"/usr/share/qemu \
		"$root"/usr/lib/aarch64-linux-gnu/gconv "$root"/usr/bin/qemu-system-arm \
		"$root"/var/cache/apt "$root"/var/lib/apt/lists
	mkdir -p "$root/dev" "$root/proc" "$root/sys" "$root/tmp" "$root/run" "$root/guest"
	printf '%s\n' "$want" >"$VDIR/$name.pkgs"
}

prepare() {
	kernel=$1
	[ -e "$kernel" ] || die "no kernel $kernel"
	need cpio gzip "${CROSS_COMPILE}gcc"
	mkdir -p "$VDIR"
	fetch 72 "bookworm bookworm-updates bookworm-security" \
		qemu-system-arm,qemu-utils
	fetch 100 "bookworm bookworm-updates bookworm-security bookworm-backports" \
		qemu-system-arm/bookworm-backports,qemu-system-common/bookworm-backports,qemu-system-data/bookworm-backports,qemu-utils/bookworm-backports

	say "vmm: guest and host initramfs"
	bb=$BUILD/busybox/bin/busybox
	[ -x "$bb" ] || die "no $bb: rig/initramfs.sh fetches it"
	tmp=$(mktemp -d "$VDIR/tmp.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	# The guest: busybox, the probe.
	mkdir -p "$tmp/g/bin" "$tmp/g/proc" "$tmp/g/sys" "$tmp/g/dev"
	cp "$bb" "$tmp/g/bin/busybox"
	cp "$TOP/tests/vmm/guest-init" "$tmp/g/init"
	"${CROSS_COMPILE}gcc" -O2 -Wall -Werror -static -pthread \
		-o "$tmp/g/probe" "$TOP/tests/vmm/probe.c" ||
		die "building tests/vmm/probe.c failed"
	pack_cpio "$tmp/g" | gzip -1 >"$tmp/guest.cpio.gz"
	# The host: tests/init with the real-VMM plan, both QEMUs with the
	# guest inside each (they run chrooted).
	h=$tmp/h
	mkdir -p "$h/bin" "$h/etc" "$h/proc" "$h/sys" "$h/dev" "$h/tmp" "$h/tests/vmm" "$h/vmm"
	cp "$bb" "$h/bin/busybox"
	cp "$TOP/tests/init" "$h/init"
	cp "$TOP/tests/vmm/plan" "$h/etc/rig-plan"
	cp "$TOP/tests/vmm/run" "$h/tests/vmm/run"
	# The upgrade legs hand a VM's state from one boot to the next.
	"${CROSS_COMPILE}gcc" -O2 -Wall -Werror -static \
		-o "$h/tests/vmm/hostfile" "$TOP/tests/vmm/hostfile.c" ||
		die "building tests/vmm/hostfile.c failed"
	for v in 72 100; do
		cp -a "$VDIR/$v" "$h/vmm/$v"
		cp "$kernel" "$h/vmm/$v/guest/Image"
		cp "$tmp/guest.cpio.gz" "$h/vmm/$v/guest/initrd.cpio.gz"
		# QEMU runs "exec:" migration URIs with /bin/sh -c.
		mkdir -p "$h/vmm/$v/bin"
		cp "$bb" "$h/vmm/$v/bin/busybox"
		ln -s busybox "$h/vmm/$v/bin/sh"
		ln -s busybox "$h/vmm/$v/bin/cat"
	done
	pack_cpio "$h" >"$VDIR/initramfs.cpio.tmp"
	mv "$VDIR/initramfs.cpio.tmp" "$VDIR/initramfs.cpio"
	say "vmm: $(du -m "$VDIR/initramfs.cpio" | cut -f1) MiB host initramfs"
}

case ${1:-} in
prepare)
	[ $# -eq 2 ] || die "usage: rig/vmm.sh prepare GUEST_KERNEL"
	prepare "$2"
	;;
*)
	die "usage: rig/vmm.sh prepare GUEST_KERNEL"
	;;
esac
