#!/bin/sh
# Base: install Debian's linux-source-6.1 and turn it into a git tree with
# one commit, tagged "base", under build/base.  Idempotent: a tree made from
# the same package version is reused.
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"
need git tar xz dpkg-query

mkdir -p "$BUILD"
pkg=$(base_field package)
want=$(base_field version)

pkg_version() {
	dpkg-query -W -f='${Status} ${Version}\n' "$pkg" 2>/dev/null |
		awk '$3 == "installed" { print $4 }'
}

have=$(pkg_version)
if [ "$have" != "$want" ] && [ "$(id -u)" -eq 0 ]; then
	say "installing $pkg=$want"
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"$pkg=$want" >"$BUILD/apt-base.log" 2>&1 && [ -z "$have" ]; then
		say "$pkg=$want is not in the archive; trying the archive's current version"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
			"$pkg" >>"$BUILD/apt-base.log" 2>&1 ||
			die "cannot install $pkg (see $BUILD/apt-base.log): is Debian's archive reachable?"
	fi
	have=$(pkg_version)
fi
[ -n "$have" ] || die "$pkg is not installed: run 'make deps' as root"
tarball=/usr/src/$pkg.tar.xz
[ -r "$tarball" ] || die "$tarball missing: reinstall $pkg (apt-get install --reinstall $pkg)"
if [ "$have" = "$want" ]; then
	say "base: $pkg $have"
else
	say "warning: base: $pkg $have, not base.version's $want (Debian's archive moved on): the patches may not apply; once they do, update base.version"
fi
# What this run's base is, for make check's report and the cover letter.
printf '%s %s\n' "$pkg" "$have" >"$BUILD/base.used"

if [ -d "$BASE_GIT/.git" ] && [ "$(cat "$BASE_GIT/.git/rig-base" 2>/dev/null)" = "$have" ]; then
	exit 0
fi

need_space 4 "extracting the base tree"
step "base: extract $tarball"
rm -rf "$BASE_GIT" "$BASE_GIT.tmp"
mkdir -p "$BASE_GIT.tmp"
tar -xJf "$tarball" -C "$BASE_GIT.tmp" --strip-components=1
done_step

step "base: one git commit"
base_commit "$BASE_GIT.tmp" "Base: Debian $pkg $have" \
	"Extracted from $tarball, with the Debian packaging block of the
top-level .gitignore dropped (it ignores every top-level entry)."
printf "%s\n" "$have" >"$BASE_GIT.tmp/.git/rig-base"
mv "$BASE_GIT.tmp" "$BASE_GIT"
done_step
