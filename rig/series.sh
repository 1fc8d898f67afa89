#!/bin/sh
# The series: patches/ <-> kernel git trees.
#   series.sh apply    build/src = base + patches/ (branch "series"), for check/run
#   series.sh tree     linux/ = the same, as a developers' tree (made once)
#   series.sh export   linux/ -> patches/ (git format-patch + cover letter;
#                      UPTO=REV exports only base..REV)
#   series.sh status   "clean" when linux/ and patches/ agree, else what differs
#   series.sh tested-on  series/tested-on.txt, the cover letter's "Tested on",
#                      from a make check's report (REPORT=FILE, default
#                      build/logs/report.json): the one step that takes
#                      results into the series; export and status read only
#                      linux/ and series/
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"
need git

PATCHES=$TOP/patches
COVER_TEXT=$TOP/series/cover.txt
TESTED_ON=$TOP/series/tested-on.txt

# Apply patches/ on top of the base tag in git tree $1, one commit each.
# Committer identity and dates are fixed (common.sh), so the resulting
# hashes are the same on every machine.
apply_to() {
	dir=$1
	git -C "$dir" am --abort >/dev/null 2>&1 || true
	git -C "$dir" checkout -q -f -B series base
	git -C "$dir" clean -q -fdx
	n=0
	for p in $(patch_files); do
		n=$((n + 1))
		if ! git -C "$dir" am -q --committer-date-is-author-date "$p" \
			>"$BUILD/am.log" 2>&1; then
			files=$(sed -n 's/^error: patch failed: //p; s/^error: \(.*\): does not exist in index/\1 (missing)/p' "$BUILD/am.log" | head -3 | tr '\n' ' ')
			git -C "$dir" am --abort >/dev/null 2>&1 || true
			die "patch $(basename "$p") does not apply to the base${files:+ (at ${files% })}: see $BUILD/am.log; rebase it in linux/ (make tree) and export"
		fi
	done
	say "series: $n patches applied in $dir"
}

cmd_apply() {
	[ -d "$BASE_GIT/.git" ] || die "no base tree: run 'make base'"
	if [ ! -d "$SRC/.git" ]; then
		git clone -q --shared --no-checkout "$BASE_GIT" "$SRC"
	fi
	git -C "$SRC" fetch -q --tags "$BASE_GIT" 2>/dev/null || true
	apply_to "$SRC"
}

cmd_tree() {
	[ -d "$BASE_GIT/.git" ] || die "no base tree: run 'make base'"
	if [ -e "$WORK" ]; then
		say "$WORK exists already; 'make series-status' compares it with patches/"
		return 0
	fi
	git clone -q --shared --no-checkout "$BASE_GIT" "$WORK"
	for key in user.name user.email; do
		v=$(git -C "$TOP" config "$key" || true)
		[ -z "$v" ] || git -C "$WORK" config "$key" "$v"
	done
	(unset GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL GIT_COMMITTER_DATE && apply_to "$WORK")
	say "work in $WORK (branch series, base tag 'base'); 'make export' writes patches/"
}

# format-patch of base..$3 in $1 into directory $2, with the cover letter.
export_to() {
	src=$1
	dst=$2
	tip=${3:-HEAD}
	mkdir -p "$dst"
	n=$(git -C "$src" rev-list --count "base..$tip")
	[ "$n" -gt 0 ] || { cp "$PATCHES/0000-cover-letter.patch" "$dst/" 2>/dev/null || true; return 0; }
	# The cover letter is "from" whoever exports, not the rig's identity.
	env -u GIT_COMMITTER_NAME -u GIT_COMMITTER_EMAIL -u GIT_COMMITTER_DATE \
		git -C "$src" -c core.abbrev=12 -c diff.noprefix=false -c format.signature= \
		format-patch -q --zero-commit --no-signature --cover-letter \
		--no-renames -o "$dst" "base..$tip"
	python3 "$TOP/rig/cover.py" fill "$dst/0000-cover-letter.patch" "$COVER_TEXT" \
		"$TESTED_ON" "$(git -C "$src" log -1 --format=%aD "$tip")"
}

# series/tested-on.txt from REPORT (make check's report.json).  make
# distro-legs' report joins it only if its kernel is build/src's tip: one
# packaged from build/src's series (src_build_id).
cmd_tested_on() {
	report=${REPORT:-$LOGS/report.json}
	[ -r "$report" ] || die "no $report: run make check first (or REPORT=FILE)"
	ver=
	! git -C "$SRC" rev-parse -q --verify series >/dev/null 2>&1 || ver=$(src_build_id)
	python3 "$TOP/rig/cover.py" tested-on "$report" "$BUILD/deb/logs" "$ver" >"$TESTED_ON.tmp"
	mv "$TESTED_ON.tmp" "$TESTED_ON"
	say "$TESTED_ON from $report; 'make export' puts it in the cover letter"
}

# UPTO=REV exports base..REV only, to land the finished start of a series.
cmd_export() {
	[ -d "$WORK/.git" ] || die "no developers' tree: run 'make tree' first"
	[ -z "$(git -C "$WORK" status --porcelain --untracked-files=no)" ] ||
		say "warning: uncommitted changes in $WORK are not exported"
	tmp=$(mktemp -d "$BUILD/export.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	export_to "$WORK" "$tmp" "${UPTO:-HEAD}"
	find "$PATCHES" -maxdepth 1 -name '*.patch' -delete
	mkdir -p "$PATCHES"
	cp "$tmp"/*.patch "$PATCHES"/ 2>/dev/null || true
	say "exported $(patch_files | wc -l) patches to patches/"
}

cmd_status() {
	if [ ! -d "$WORK/.git" ]; then
		say "no developers' tree ($WORK); patches/ is the series"
		echo clean
		return 0
	fi
	tmp=$(mktemp -d "$BUILD/status.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	dirty=$(git -C "$WORK" status --porcelain --untracked-files=no)
	export_to "$WORK" "$tmp"
	diffs=$(cd "$tmp" && find . -name '*.patch' | sed 's|^\./||' | LC_ALL=C sort)
	have=$(cd "$PATCHES" && find . -maxdepth 1 -name '*.patch' | sed 's|^\./||' | LC_ALL=C sort)
	out=""
	for f in $(printf '%s\n%s\n' "$diffs" "$have" | LC_ALL=C sort -u); do
		if [ ! -e "$tmp/$f" ]; then
			out="$out
only in patches/: $f"
		elif [ ! -e "$PATCHES/$f" ]; then
			out="$out
only in linux/ (not exported): $f"
		elif ! cmp -s "$tmp/$f" "$PATCHES/$f"; then
			out="$out
differs: $f"
		fi
	done
	[ -z "$dirty" ] || out="$out
uncommitted changes in linux/:
$dirty"
	if [ -z "$out" ]; then
		echo clean
	else
		printf '%s\n' "${out#?}"
		return 1
	fi
}

mkdir -p "$BUILD"
case "${1:-}" in
apply) cmd_apply ;;
tree) cmd_tree ;;
export) cmd_export ;;
status) cmd_status ;;
tested-on) cmd_tested_on ;;
*) die "usage: series.sh apply|tree|export|status|tested-on" ;;
esac
