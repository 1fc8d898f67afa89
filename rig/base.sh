#!/bin/sh
# Base: install Debian's linux-source-6.1 and turn it into a git tree with
# one commit, tagged "base", under build/base.  Idempotent: a tree made from
# the same package version is reused.
# The base follows Debian's archive: the version apt installs now (its
# candidate, package lists at most 12 hours old).  base.version names the
# version the series was last checked on; when the archive serves another,
# the rig warns, builds on the archive's, and make check's report (and the
# cover letter's Tested on) says which.  Without root the installed
# version is used.
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"
need git tar xz dpkg-query apt-cache

mkdir -p "$BUILD"
pkg=$(base_field package)
want=$(base_field version)

pkg_version() {
	dpkg-query -W -f='${Status} ${Version}\n' "$pkg" 2>/dev/null |
		awk '$3 == "installed" { print $4 }'
}

apt_lists_fresh
serves=$(apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }')
have=$(pkg_version)
if [ -n "$serves" ] && [ "$have" != "$serves" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		say "installing $pkg=$serves"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			--allow-downgrades "$pkg=$serves" >"$BUILD/apt-base.log" 2>&1 ||
			die "cannot install $pkg=$serves (see $BUILD/apt-base.log): is Debian's archive reachable?"
		have=$(pkg_version)
	else
		say "warning: Debian's archive serves $pkg $serves; not root, so the installed ${have:-(none)} is used"
	fi
fi
[ -n "$have" ] || die "$pkg is not installed: run 'make deps' as root"
tarball=/usr/src/$pkg.tar.xz
[ -r "$tarball" ] || die "$tarball missing: reinstall $pkg (apt-get install --reinstall $pkg)"
if [ "$have" = "$want" ]; then
	say "base: $pkg $have"
else
	say "warning: the base moved: $pkg $have, base.version names $want; once the series applies and passes on $have, set version=$have in base.version"
fi
# What this run's base is, for make check's report and the cover letter.
printf '%s %s\n' "$pkg" "$have" >"$BUILD/base.used"

if [ -d "$BASE_GIT/.git" ] && [ "$(cat "$BASE_GIT/.git/rig-base" 2>/dev/null)" = "$have" ]; then
	exit 0
fi

need_space 4 "extracting the base tree"
step "base: extract $tarball"
# A new base: the trees made from the old one go with it (build/src is a
# shared clone of it, the others git worktrees of it or of build/src).
rm -rf "$BASE_GIT" "$BASE_GIT.tmp" "$SRC" "$BUILD/bench-base-src" \
	"$BUILD/distro/src-base" "$BUILD/distro/src-tip"
mkdir -p "$BASE_GIT.tmp"
tar -xJf "$tarball" -C "$BASE_GIT.tmp" --strip-components=1
done_step

step "base: one git commit"
base_commit "$BASE_GIT.tmp" "Base: Debian $pkg $have" \
	"Extracted from $tarball, with the Debian packaging block of the
top-level .gitignore dropped (it ignores every top-level entry)."
printf "%s\n" "$have" >"$BASE_GIT.tmp/.git/rig-base"
mv "$BASE_GIT.tmp" "$BASE_GIT"
[ ! -d "$WORK/.git" ] ||
	say "warning: $WORK was made from the old base (its objects are shared with build/base): move it away and 'make tree' again, then rebase your work onto the new 'base' tag"
done_step
