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

# Kernels are built as the rig, not as whoever runs it.
export KBUILD_BUILD_USER=rig KBUILD_BUILD_HOST=rig

say() { printf '%s\n' "rig: $*"; }
die() { printf '%s\n' "rig: error: $*" >&2; exit 1; }

# number NAME VALUE EXAMPLE: die unless VALUE is a positive integer.  The
# entry points check their knobs so before they build anything.
number() {
	case $2 in
	'' | *[!0-9]* | 0 | 0*) die "$1=$2: a positive whole number, e.g. $1=$3" ;;
	esac
}

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

# apt_lists_fresh: Debian's package lists refreshed (apt-get update, as
# root) when this build folder has not done so in the last 12 hours.
apt_lists_fresh() {
	_stamp=$BUILD/.apt-updated
	mkdir -p "$BUILD"
	[ ! -e "$_stamp" ] || [ -n "$(find "$_stamp" -mmin +720)" ] || return 0
	[ "$(id -u)" -eq 0 ] || return 0
	apt-get update -q >"$BUILD/apt-update.log" 2>&1 ||
		die "apt-get update failed (see $BUILD/apt-update.log): is Debian's archive reachable?"
	touch "$_stamp"
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
# Between the two STEP_NAME names the step; after it, LAST_STEP does.
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
	LAST_STEP=$STEP_NAME STEP_NAME=
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

# kmake SRC OUT ARGS...: the kernel's make, arm64 cross through ccache,
# out of tree in OUT.
kmake() {
	_src=$1 _out=$2
	shift 2
	make -C "$_src" O="$_out" CC="ccache ${CROSS_COMPILE}gcc" -j"$JOBS" "$@"
}

# with_progress WHAT LOG COMMAND...: COMMAND with its output in LOG, a
# progress line every 30 s; on failure its first errors and a die.
with_progress() {
	_what=$1 _log=$2
	shift 2
	_t0=$(date +%s)
	_parent=$$
	# (sleep without our stdout: a pipe reading it ends with the command)
	(while sleep 30 >/dev/null 2>&1 && kill -0 "$_parent" 2>/dev/null; do
		say "$_what: $(($(date +%s) - _t0))s, $(grep -c '^  [A-Z]' "$_log" || true) steps"
	done) &
	_ticker=$!
	_rc=0
	"$@" >"$_log" 2>&1 || _rc=$?
	kill "$_ticker" 2>/dev/null || true
	[ "$_rc" -eq 0 ] || {
		grep -E 'error|Error' "$_log" | head -n 15 >&2
		die "$_what failed (full log: $_log)"
	}
	say "$_what: $(($(date +%s) - _t0))s"
}

# image_path CONFIG [OUT]: the kernel image rig/kbuild.sh builds for
# CONFIG under OUT (build/out; BUILD=DIR's kbuild.sh: DIR/out).
image_path() {
	printf '%s\n' "${2:-$OUT}/$1/arch/arm64/boot/Image"
}

# build_log CONFIG: the log of rig/kbuild.sh's last image build of CONFIG.
build_log() {
	printf '%s\n' "$LOGS/build-$1.log"
}

# patch_files: the series' patches in order, without the cover letter.
patch_files() {
	find "$TOP/patches" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
		! -name '0000-cover-letter.patch' | LC_ALL=C sort
}

# touched_c_files GIT FROM TO [DIFF OPTIONS...]: the C files outside tools/
# that FROM..TO changes, one per line.
touched_c_files() {
	_git=$1 _from=$2 _to=$3
	shift 3
	git -C "$_git" diff --name-only "$@" "$_from" "$_to" -- '*.c' | grep -v '^tools/' || true
}

# The one comparator of "new warnings against the base" (sparse, the
# compiler, W=1).  A warning line is "KEY<TAB>TEXT": TEXT as the tool
# printed it, KEY the same without line and column (code moving does not
# make a warning new); a line without a TAB is its own key.
# warning_keys: compiler-style lines on stdin as KEY<TAB>TEXT.
warning_keys() {
	awk '{ k = $0; sub(/:[0-9]+:[0-9]+: /, ": ", k); print k "\t" $0 }'
}
# A compiler-style warning or error line, as sparse and gcc print them.
WARNING_RE='^[^ ]+:[0-9]+:[0-9]+: (warning|error): '
# object_warnings SRC LOG: the warnings and errors in a kernel build log
# of tree SRC, one per line as OBJECT<TAB>TEXT, TEXT without the tree's
# prefix.  The log comes from make -Otarget, so each object's messages
# follow its "  CC      path.o" line (OBJECT "-" before any).  The prefix
# is the tree's absolute path, or a relative one ending in its name
# (ccache's CCACHE_BASEDIR hands the compiler relative paths).
object_warnings() {
	awk -v src="$1/" -v tree="/${1##*/}/" -v re="$WARNING_RE" '
	/^  [A-Z][A-Z0-9_]* / { obj = ($NF ~ /\.o$/) ? $NF : "-"; next }
	$0 ~ re {
		line = $0
		i = index(line, tree)
		if (index(line, src) == 1)
			line = substr(line, length(src) + 1)
		else if (i > 0 && index(substr(line, 1, i), ":") == 0)
			line = substr(line, i + length(tree))
		print obj "\t" line
	}' "$2"
}
# obj_warnings OBJECT FILE: OBJECT's lines of object_warnings' FILE as
# KEY<TAB>TEXT.
obj_warnings() {
	awk -F '\t' -v o="$1" '$1 == o { print $2 }' "$2" | warning_keys
}
# new_warnings BASE TIP: the TEXT of TIP's lines whose KEY BASE has not,
# counting repeats (a warning twice at the tip and once at the base is
# new once).
new_warnings() {
	awk -F '\t' 'FILENAME == ARGV[1] { n[$1]++; next }
	{ if (n[$1] > 0) n[$1]--; else print $NF }' "$1" "$2"
}

# plan_ready: python3 for plan below, before anything is built (a new
# machine may not have it yet: the package step comes first then).
plan_ready() {
	command -v python3 >/dev/null 2>&1 || "$TOP/rig/deps.sh"
}

# plan ARGS...: tests/legs and tests/plan through rig/plan.py (see there).
plan() {
	python3 "$TOP/rig/plan.py" "$@"
}

# boot_leg LEG KERNEL INITRD LOG [LEG.PY OPTIONS...]: boot one leg under
# the QEMU that build/qemu/env (or the env sourced last) names.
boot_leg() {
	_leg=$1 _kernel=$2 _initrd=$3 _log=$4
	shift 4
	mkdir -p "$(dirname -- "$_log")"
	python3 "$TOP/rig/leg.py" --leg "$_leg" --kernel "$_kernel" \
		--initrd "$_initrd" --qemu-root "$QEMU_ROOT" --log "$_log" "$@"
}
