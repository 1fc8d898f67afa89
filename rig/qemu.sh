#!/bin/sh
# QEMU for the legs.  The ECV legs need an emulator that implements FEAT_ECV
# and applies CNTPOFF_EL2 on a board without EL3: Debian 12's QEMU 7.2 has no
# ECV and Debian 13's 10.0 ignores CNTPOFF_EL2 there, so by default the rig
# installs Debian 13 backports' QEMU into build/qemu/root (mmdebstrap) and
# runs it chrooted.  RIG_QEMU=system uses the machine's qemu-system-aarch64
# instead, if it passes the same check.
# Writes build/qemu/env (QEMU_ROOT, QEMU_VERSION) for the other scripts.
#
# "rig/qemu.sh count": the QEMU that make bench counts instructions in,
# with the TCG plugin tests/bench/rig-count.c.  A plugin is built against
# the qemu-plugin.h of the QEMU that loads it, from Debian's source package
# of the same version: Debian's archive serves Debian 13's QEMU 10.0 source
# (plugin API 4) but not 11.1's, and 11.1 loads only API 7 and later.  So
# the counting QEMU is Debian 13's 10.0 in build/qemu-count/root; what is
# counted is the emulated host's code, the same under either.  Writes
# build/qemu-count/env (QEMU_ROOT, QEMU_VERSION, PLUGIN).
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"

mode=${1:-legs}
case $mode in
legs)
	QDIR=$BUILD/qemu
	SUITES="trixie trixie-backports"
	PKGS="qemu-system-arm/trixie-backports,qemu-system-common/trixie-backports,qemu-system-data/trixie-backports"
	;;
count)
	QDIR=$BUILD/qemu-count
	SUITES="trixie trixie-updates"
	PKGS="qemu-system-arm,qemu-system-common,qemu-system-data"
	;;
*) die "usage: rig/qemu.sh [legs|count]" ;;
esac
ROOT=$QDIR/root

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
if [ "$mode" = legs ] && [ "${RIG_QEMU:-chroot}" = system ]; then
	need qemu-system-aarch64
	qroot=/
else
	if [ ! -x "$ROOT/usr/bin/qemu-system-aarch64" ] || [ "$(cat "$QDIR/pkgs" 2>/dev/null)" != "$PKGS" ]; then
		need mmdebstrap
		[ "$(id -u)" -eq 0 ] || die "installing QEMU with mmdebstrap needs root"
		need_space 2 "QEMU ($mode)"
		uri=$(debian_mirror)
		[ -n "$uri" ] || die "no Debian mirror found in /etc/apt/sources.list*; set one up for apt first"
		step "qemu: mmdebstrap $SUITES ($mode)"
		rm -rf "$ROOT"
		set --
		for suite in $SUITES; do
			set -- "$@" "deb $uri $suite main"
		done
		mmdebstrap --variant=apt --include="$PKGS" trixie "$ROOT" "$@" \
			>"$QDIR/mmdebstrap.log" 2>&1 ||
			die "mmdebstrap of QEMU failed (see $QDIR/mmdebstrap.log): does the mirror carry $SUITES?"
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

if [ "$mode" = count ]; then
	# qemu-plugin.h from the source package of the installed version
	ver=$(dpkg-query --admindir="$ROOT/var/lib/dpkg" -W -f='${Version}' qemu-system-arm)
	hdr=$QDIR/plugin/$ver/qemu-plugin.h
	if [ ! -e "$hdr" ]; then
		step "qemu: qemu-plugin.h of Debian's qemu $ver"
		mkdir -p "$QDIR/plugin/$ver"
		papt_setup "$QDIR/apt" "debian trixie" "debian trixie-updates"
		dl=$QDIR/plugin/dl
		rm -rf "$dl" && mkdir -p "$dl"
		(cd "$dl" && papt "$QDIR/apt" source --download-only "qemu=$ver") \
			>"$QDIR/plugin/fetch.log" 2>&1 ||
			die "cannot fetch Debian's qemu $ver source (see $QDIR/plugin/fetch.log)"
		tar -xJf "$dl"/qemu_*.orig.tar.xz -C "$dl" --wildcards '*/include/qemu/qemu-plugin.h' ||
			die "no include/qemu/qemu-plugin.h in Debian's qemu $ver source"
		cp "$dl"/*/include/qemu/qemu-plugin.h "$hdr"
		rm -rf "$dl"
		done_step
	fi
	need pkg-config
	pkg-config --exists glib-2.0 ||
		die "building the rig-count plugin needs glib's headers (apt-get install libglib2.0-dev)"
	# shellcheck disable=SC2046 # pkg-config's flags are words
	cc -O2 -Wall -Werror -Wno-unused-parameter -shared -fPIC \
		$(pkg-config --cflags glib-2.0) -I"$QDIR/plugin/$ver" \
		-o "$QDIR/rig-count.so" "$TOP/tests/bench/rig-count.c" ||
		die "cannot build tests/bench/rig-count.c against Debian's qemu $ver plugin API"
	cat >"$QDIR/env" <<EOT
QEMU_ROOT=$qroot
QEMU_VERSION='$version'
PLUGIN=$QDIR/rig-count.so
EOT
	say "qemu (count): $version, plugin $QDIR/rig-count.so"
	exit 0
fi

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
