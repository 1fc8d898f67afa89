# shellcheck shell=sh disable=SC2034 # the paths are used by the sourcing scripts
# Shared paths and messages for the rig's shell scripts.  Sourced, not run.

TOP=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
BASE_GIT=$BUILD/base		# git tree: one commit, tagged "base"
SRC=$BUILD/src			# base + patches/, what check/run test
WORK=${WORK:-$TOP/linux}	# developers' tree (make tree)
OUT=$BUILD/out			# O= build folders, one per config
LOGS=$BUILD/logs
JOBS=${JOBS:-$(($(nproc) + 1))}
ARCH=arm64
CROSS_COMPILE=aarch64-linux-gnu-
export ARCH CROSS_COMPILE
# ccache lives outside the clone, so fresh clones on this machine share it.
export CCACHE_DIR="${CCACHE_DIR:-${HOME:-/root}/.cache/ccache}"
export CCACHE_MAXSIZE="${CCACHE_MAXSIZE:-5G}"
# Cache keys free of the clone's path (absolute paths under TOP become
# relative, the working directory is not hashed): a clean clone elsewhere,
# as CI makes, hits what this one built.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$TOP}"
export CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-true}"
# Reproducible commits: the base and every applied patch get the same
# hashes on every machine, so exported patches never churn.
export GIT_COMMITTER_NAME="rig" GIT_COMMITTER_EMAIL="rig@localhost"
export GIT_COMMITTER_DATE="@0 +0000"

say() { printf '%s\n' "rig: $*"; }
die() { printf '%s\n' "rig: error: $*" >&2; exit 1; }

# One line per missing command, naming what to do about it.
need() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || die "'$c' not found: run 'make deps' (needs root and Debian's archive)"
	done
}

# Disk space check before a step that writes a lot.
need_space() {	# $1: GiB needed, $2: what for
	mkdir -p "$BUILD"
	free_kb=$(df -Pk "$BUILD" | awk 'NR == 2 { print $4 }')
	[ "$free_kb" -ge $(($1 * 1024 * 1024)) ] ||
		die "only $((free_kb / 1024)) MiB free under $BUILD; $2 needs about $1 GiB: free some space (make clean removes build/)"
}

# pack_cpio DIR: DIR as a newc cpio archive on stdout, files in a fixed
# order and owned by root, as the kernel unpacks an initramfs.
pack_cpio() {
	(cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0)
}

# apt-get download of arm64 packages (busybox, Debian's kernel config)
# needs the architecture known to dpkg and apt: add it once, as root.
need_arm64_packages() {
	dpkg --print-foreign-architectures | grep -qx arm64 && return 0
	[ "$(id -u)" -eq 0 ] ||
		die "arm64 packages unavailable: run 'dpkg --add-architecture arm64 && apt-get update' as root"
	dpkg --add-architecture arm64
	apt-get update -q >"$BUILD/apt-update-arm64.log" 2>&1 ||
		die "apt-get update for arm64 failed (see $BUILD/apt-update-arm64.log)"
}

# The build version of what is built from build/src's series: "N.gID", N
# patches and the tip's short ID.  make deb's package version ends with it
# and the packaged kernel's "uname -v" starts with "#N.gID".
src_build_id() {
	printf '%s.g%s\n' "$(git -C "$SRC" rev-list --count base..series)" \
		"$(git -C "$SRC" rev-parse --short=7 series)"
}

# Read "key=value" from base.version.
base_field() {
	sed -n "s/^$1=//p" "$TOP/base.version"
}

# Elapsed-time helper: "step NAME" prints and remembers the start time,
# "done_step" prints how long it took and appends it to the timing log.
step() {
	STEP_NAME=$1
	STEP_T0=$(date +%s)
	say "== $STEP_NAME"
}
done_step() {
	t=$(($(date +%s) - STEP_T0))
	say "== $STEP_NAME: ${t}s"
	mkdir -p "$LOGS"
	printf '%s\t%s\n' "$STEP_NAME" "$t" >>"$LOGS/timings.tsv"
}

# base_commit DIR SUBJECT BODY: make the kernel source tree DIR a git tree
# with one commit tagged "base", as the series applies to it.  Debian's
# .gitignore ignores every top-level entry ("/*") because its packaging
# repository holds only debian/; kept, it would also hide every new file
# a patch adds, so the commit drops that block.
base_commit() {
	(
		cd "$1" || exit 1
		sed -i '/^# Debian packaging: ignore everything/,$d' .gitignore
		git init -q -b base-tree
		git config core.autocrlf false
		git config gc.auto 0
		git add -A
		[ "$(git diff --cached --name-only | wc -l)" -gt 50000 ] ||
			die "git added too few files in $1; is the .gitignore rule still there?"
		GIT_AUTHOR_NAME=rig GIT_AUTHOR_EMAIL=rig@localhost GIT_AUTHOR_DATE="@0 +0000" \
			git commit -q -m "$2

$3"
		git tag base
	)
}

# A private apt: papt DIR ARGS... runs apt-get with the sources.list, lists
# and cache under DIR, so deb-src lines never touch the system's sources.
papt() {
	_d=$1
	shift
	apt-get -q -o Dir::Etc::SourceList="$_d/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists="$_d/lists" \
		-o Dir::Cache="$_d/cache" -o Dir::State::Status=/var/lib/dpkg/status "$@"
}
# papt_setup DIR "ARCHIVE SUITE"...: deb-src lines for those suites of
# Debian's archive (ARCHIVE: debian or debian-security), then update.
papt_setup() {
	_d=$1
	shift
	mkdir -p "$_d/lists/partial" "$_d/cache/archives/partial"
	: >"$_d/sources.list"
	for _s in "$@"; do
		# shellcheck disable=SC2086 # "archive suite", split on purpose
		printf 'deb-src [signed-by=%s] http://deb.debian.org/%s %s main\n' \
			/usr/share/keyrings/debian-archive-keyring.gpg $_s >>"$_d/sources.list"
	done
	papt "$_d" update >"$_d/update.log" 2>&1 ||
		die "apt-get update with deb-src failed (see $_d/update.log)"
}
