#!/bin/sh
# QEMU for the legs.  The ECV legs need an emulator that implements FEAT_ECV
# and applies CNTPOFF_EL2 on a board without EL3: Debian 12's QEMU 7.2 has no
# ECV and Debian 13's 10.0 ignores CNTPOFF_EL2 there, so by default the rig
# installs Debian 13 backports' QEMU into build/qemu/root (mmdebstrap) and
# runs it chrooted.  RIG_QEMU=system uses the machine's qemu-system-aarch64
# instead, if it passes the same check.
# Writes build/qemu/env (QEMU_ROOT, QEMU_VERSION) for the other scripts.
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"

QDIR=$BUILD/qemu
ROOT=$QDIR/root
PKGS="qemu-system-arm/trixie-backports,qemu-system-common/trixie-backports,qemu-system-data/trixie-backports"

# The Debian mirror this machine's apt uses, read at run time.
debian_mirror() {
	{
		cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk '$1 == "deb" && $3 !~ /security/ { u = $2; if ($2 ~ /^\[/) u = $3; print u }'
		cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
			awk 'BEGIN { RS = ""; FS = "\n" }
			/Types:[^\n]*deb/ && !/security/ {
				for (i = 1; i <= NF; i++)
					if ($i ~ /^URIs:/) { split($i, a, " "); print a[2] }
			}'
	} | grep -m1 -E '^(https?|file)://' || true
}

mkdir -p "$QDIR"
if [ "${RIG_QEMU:-chroot}" = system ]; then
	need qemu-system-aarch64
	qroot=/
else
	if [ ! -x "$ROOT/usr/bin/qemu-system-aarch64" ] || [ "$(cat "$QDIR/pkgs" 2>/dev/null)" != "$PKGS" ]; then
		need mmdebstrap
		[ "$(id -u)" -eq 0 ] || die "installing QEMU with mmdebstrap needs root"
		need_space 2 "QEMU (Debian 13 backports)"
		uri=$(debian_mirror)
		[ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources.list*; set one up for apt first"
		step "qemu: mmdebstrap trixie + backports QEMU"
		rm -rf "$ROOT"
		mmdebstrap --variant=apt --include="$PKGS" trixie "$ROOT" \
			"deb $uri trixie main" "deb $uri trixie-backports main" \
			>"$QDIR/mmdebstrap.log" 2>&1 ||
			die "mmdebstrap of QEMU failed (see $QDIR/mmdebstrap.log): does the mirror carry trixie-backports?"
		printf '%s\n' "$PKGS" >"$QDIR/pkgs"
		done_step
	fi
	qroot=$ROOT
fi

# The emulator, run inside its root when it has one.
run_qemu() {
	if [ "$qroot" = / ]; then
		timeout 120 qemu-system-aarch64 "$@"
	else
		timeout 120 chroot "$qroot" qemu-system-aarch64 "$@"
	fi
}
version=$(run_qemu --version | head -n 1)

# CNTPOFF check: a bare-metal EL2 program (rig/probe/ecv-probe.S).
probe=$QDIR/ecv-probe.elf
if [ ! -e "$probe" ] || [ -n "$(find "$TOP/rig/probe/ecv-probe.S" -newer "$probe")" ]; then
	"${CROSS_COMPILE}gcc" -nostdlib -static -Wl,-Ttext=0x40080000 \
		-Wl,--build-id=none -o "$probe" "$TOP/rig/probe/ecv-probe.S" ||
		die "cannot build rig/probe/ecv-probe.S"
fi
mkdir -p "$qroot/rig" 2>/dev/null || true
inner=$probe
if [ "$qroot" != / ]; then
	cp "$probe" "$qroot/rig/ecv-probe.elf"
	inner=/rig/ecv-probe.elf
fi
result=$(run_qemu -M virt,virtualization=on,gic-version=3 -cpu max -display none \
	-monitor none -serial stdio -nic none -no-reboot -kernel "$inner" </dev/null 2>&1 |
	tr -d '\r' | sed -n 's/^rig-ecv-probe: //p')
case "$result" in
*"ecv=2 cntpoff=applied"*) ;;
*) die "$version: -cpu max gives '${result:-no answer}', the ECV legs need FEAT_ECV with CNTPOFF_EL2 applied (QEMU >= 11.1; unset RIG_QEMU to use Debian 13 backports' QEMU)" ;;
esac
cat >"$QDIR/env" <<EOT
QEMU_ROOT=$qroot
QEMU_VERSION='$version'
QEMU_ECV='$result'
EOT
say "qemu: $version ($([ "$qroot" = / ] && echo system || echo "Debian 13 backports, chroot $qroot")); -cpu max: $result"
