#!/bin/sh
# Install what the rig needs from Debian's archive, only what is missing.
# Usage: rig/deps.sh [extra packages...]
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"

PKGS="make git python3 perl bc bison flex cpio kmod rsync xz-utils gzip
 libssl-dev libelf-dev ccache sparse mmdebstrap dpkg-dev
 gcc-aarch64-linux-gnu libc6-dev-arm64-cross shellcheck pyflakes3 mypy $*"

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q ' installed$'
}

missing=""
for p in $PKGS; do
	installed "$p" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	exit 0
fi
[ "$(id -u)" -eq 0 ] || die "missing packages:$missing; install them as root (apt-get install$missing)"
say "installing:$missing"
apt_lists_fresh
# shellcheck disable=SC2086 # word splitting of the package list is wanted
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing \
	>"$BUILD/apt-install.log" 2>&1 ||
	die "apt-get install$missing failed (see $BUILD/apt-install.log)"
