#!/bin/sh
# Distro readiness: the series with Debian 12's own arm64 kernel config.
#   distro.sh config        Debian's config (linux-config-6.1, arm64) into
#                           build/distro/debian/, cached
#   distro.sh check [FILE]  base and tip, each with Debian's config: every
#                           object the series touches (C files outside tools/),
#                           built normally and with W=1; the tip's warnings
#                           against the base's.  One "NAME<TAB>STATUS<TAB>
#                           SECONDS<TAB>DETAIL" line per result on stdout (as
#                           check.sh's hygiene.tsv), also appended to FILE
#   distro.sh deb           bindeb-pkg of the tip into build/deb/ (kernel
#                           release 6.1.y-kvmtime); DEB_CONFIG=rig packages the
#                           rig's small kernel instead (6.1.y-kvmtime-rig)
#   distro.sh image         the whole Debian-config kernel of the tip (Image,
#                           modules) in build/deb/obj-debian: hours on 2 cores
#   distro.sh legs          boot the vmlinuz of the newest Debian-config
#                           linux-image package (distro.sh deb) on the CPU
#                           legs with the test plan; report in build/deb/logs
# Sources: git worktrees of build/src under build/distro/ (src-base at
# "base", src-tip at "series"), never build/src's own checkout.
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"
# shellcheck source=rig/steps.sh
. "$TOP/rig/steps.sh"

DISTRO=$BUILD/distro
DEBS=$BUILD/deb
# Debian builds the compat vDSO with the armhf compiler and keeps BTF
# (pahole): without them olddefconfig would drop those symbols.  openssl
# makes the module signing key, fakeroot is bindeb-pkg's.
DEPS="gcc-arm-linux-gnueabihf dwarves openssl fakeroot"
COMPAT=arm-linux-gnueabihf-
# The compat vDSO's compiler, for every make of a Debian-config tree.
dkmake() {	# SRC OUT make-args...
	kmake "$@" CROSS_COMPILE_COMPAT="$COMPAT"
}

# Debian's arm64 config from the linux-config-6.1 package of the base's
# version (or the archive's current one), via apt's multiarch download.
debian_config() {
	dir=$DISTRO/debian
	CONFIG=$dir/config.arm64_none_arm64
	want=$(base_field version)
	pkg=linux-config-$(base_field package | sed 's/^linux-source-//')
	if [ ! -s "$CONFIG" ] || [ "$(cat "$dir/for-base" 2>/dev/null)" != "$want" ]; then
		need_arm64_packages
		rm -rf "$dir" && mkdir -p "$dir"
		if ! fetch "$pkg:arm64=$want" && ! fetch "$pkg:arm64"; then
			# An old package list names a version the archive no longer has.
			[ "$(id -u)" -eq 0 ] ||
				die "cannot download $pkg:arm64 (see $dir/download.log): 'apt-get update' as root may help"
			apt-get update -q >>"$dir/download.log" 2>&1 ||
				die "apt-get update failed (see $dir/download.log)"
			fetch "$pkg:arm64=$want" || fetch "$pkg:arm64" ||
				die "cannot download $pkg:arm64 (see $dir/download.log)"
		fi
		deb=$(find "$dir" -maxdepth 1 -name "${pkg}_*_arm64.deb" | head -n 1)
		dpkg-deb -x "$deb" "$dir/x"
		xz -dc "$dir/x/usr/src/$pkg/config.arm64_none_arm64.xz" >"$CONFIG.tmp"
		dpkg-deb -f "$deb" Version >"$dir/version"
		rm -rf "$dir/x"
		mv "$CONFIG.tmp" "$CONFIG"
		printf '%s\n' "$want" >"$dir/for-base"
	fi
	CONFIG_PKG="$pkg $(cat "$dir/version") arm64"
}
fetch() {
	(cd "$dir" && apt-get download -q "$1") >>"$dir/download.log" 2>&1
}

# configure SRC OUT LOCALVERSION: Debian's config, made to build here.
# Debian signs with keys of its own build (debian/certs/..., the build's
# output/signing_key.pem; the package's config omits these strings): the
# kernel's own throwaway signing key instead, no extra trusted keys.
configure() {
	mkdir -p "$2"
	cp "$CONFIG" "$2/.config"
	"$1/scripts/config" --file "$2/.config" \
		--set-str SYSTEM_TRUSTED_KEYS "" --set-str SYSTEM_REVOCATION_KEYS "" \
		--set-str MODULE_SIG_KEY certs/signing_key.pem
	dkmake "$1" "$2" -s LOCALVERSION="$3" olddefconfig
	! grep -q '"debian/' "$2/.config" || die "$2/.config still names debian/ files"
	"$1/scripts/diffconfig" "$CONFIG" "$2/.config" >"$2/debian-config.diff"
}

# A detached worktree of build/src at REV (made once, then checked out).
worktree() {	# DIR REV
	if [ -e "$1/.git" ]; then
		git -C "$1" checkout -q -f --detach "$2"
	else
		git -C "$SRC" worktree prune
		git -C "$SRC" worktree add -q --detach "$1" "$2"
	fi
}

# Everything check, deb and image share: packages, Debian's config, the
# series in build/src (applied only when there is none yet: check.sh and
# run.sh re-apply it), and the tip's worktree.
setup() {
	# shellcheck disable=SC2086 # one package a word
	"$TOP/rig/deps.sh" $DEPS
	need "${CROSS_COMPILE}gcc" "${COMPAT}gcc" ccache make git pahole openssl dpkg-deb xz
	debian_config
	git -C "$SRC" rev-parse -q --verify series >/dev/null 2>&1 || prepare_source
	TIP=$(git -C "$SRC" rev-parse series)
	n=$(git -C "$SRC" rev-list --count "base..$TIP")
	np=$(patch_files | wc -l)
	[ "$n" -eq "$np" ] ||
		say "warning: build/src's series has $n commits, patches/ $np patches: 'rig/series.sh apply' (make check does it) updates it"
	worktree "$DISTRO/src-tip" "$TIP"
}

# result NAME STATUS SECONDS DETAIL: stdout, the check's log, FILE if given.
# STATUS is pass, fail, or skip for an object Debian's config does not build
# (rig/report.py counts all three).
result() {
	line=$(printf '%s\t%s\t%s\t%s' "$1" "$2" "$3" "$4")
	printf '%s\n' "$line" | tee -a "$RESULTS" ${HYG:+"$HYG"}
}

count() {	# OBJECT FILE.tsv
	awk -F '\t' -v o="$1" '$1 == o { n++ } END { print n + 0 }' "$2"
}
canon() {	# the first path of each line on stdin, without "dir/../" steps
	awk '{ while (sub(/[^\/.][^\/]*\/\.\.\//, "", $1)) ; print }'
}
cmd_check() {
	HYG=${1:-}
	[ -z "$HYG" ] || case $HYG in /*) ;; *) HYG=$PWD/$HYG ;; esac
	T0=$(date +%s)
	setup
	worktree "$DISTRO/src-base" base
	logs=$DISTRO/logs
	rm -rf "$logs" && mkdir -p "$logs"
	RESULTS=$logs/results.tsv
	: >"$RESULTS"
	need_space 4 "the distro check (two Debian-config out dirs)"
	files=$(touched_c_files "$SRC" base "$TIP")
	say "distro check: $(echo "$files" | wc -w) C files of the series (base..$(git -C "$SRC" rev-parse --short "$TIP")), $CONFIG_PKG"
	changed="" ready=0 tc=0 tb=0
	for v in base tip; do
		src=$DISTRO/src-$v out=$OUT/distro-$v
		t=$(date +%s)
		: >"$logs/objs-$v"
		configure "$src" "$out" "" >"$logs/config-$v.log" 2>&1 || {
			result "distro config ($v)" fail $(($(date +%s) - t)) "olddefconfig failed: $logs/config-$v.log"
			continue
		}
		dkmake "$src" "$out" LOCALVERSION= prepare >"$logs/prepare-$v.log" 2>&1 || {
			result "distro prepare ($v)" fail $(($(date +%s) - t)) "make prepare failed: $logs/prepare-$v.log"
			continue
		}
		ready=$((ready + 1)) tc=$((tc + $(date +%s) - t))
		changed="$changed $v $(grep -c . "$out/debian-config.diff") ($(awk '{ sub(/^[-+]/, "", $1); printf "%s%s", s, $1; s = " " }' "$out/debian-config.diff"))"
		# Which objects Debian's config builds, from Kbuild itself: a dry
		# run (make -n) over the top directories of the touched files lists
		# the compiler command of every object that is out of date, and the
		# touched ones are deleted first.
		here=""
		for f in $files; do
			[ -e "$src/$f" ] || continue
			here="$here $f"
			rm -f "$out/${f%.c}.o" "$out/${f%.c}".*.o
		done
		# arch/arm64/ always: its Makefiles also build files of other
		# directories (hyp/nvhe/../vgic-v3-sr.nvhe.o, kvm/../../../virt/...).
		dirs=$(for f in $here "arch/$ARCH/x"; do echo "$f"; done |
			awk -F / -v arch="$ARCH" 'NF > 1 { print ($1 == "arch" ? "arch/" arch : $1) "/" }' | LC_ALL=C sort -u)
		# shellcheck disable=SC2086 # one directory a word
		dkmake "$src" "$out" -n LOCALVERSION= $dirs >"$logs/dry-$v.log" 2>&1 || {
			result "distro objects ($v)" fail "" "make -n failed: $logs/dry-$v.log"
			continue
		}
		# "source object", the source's path without "dir/../" steps, the
		# object as Kbuild names it (a source may have several objects).
		sed -n "s|.* -c -o \\([^ ]*\\.o\\) $src/\\([^ ;]*\\.c\\).*|\\2 \\1|p" "$logs/dry-$v.log" |
			canon |
			LC_ALL=C sort -u >"$logs/objs-$v"
		objs=$(for f in $here; do awk -v f="$f" '$1 == f { print $2 }' "$logs/objs-$v"; done)
		[ -n "$objs" ] || continue
		# Each object once normally and once with W=1, freshly compiled
		# (deleted first: ccache replays the warnings of a cached object).
		# shellcheck disable=SC2086 # one object a word
		dkmake "$src" "$out" -k -Otarget LOCALVERSION= $objs >"$logs/build-$v.log" 2>&1 || true
		object_warnings "$src" "$logs/build-$v.log" >"$logs/warn-$v.tsv"
		for o in $objs; do
			[ -e "$out/$o" ] && echo "$o"
		done >"$logs/built-$v"
		for o in $objs; do rm -f "$out/$o"; done
		# shellcheck disable=SC2086
		dkmake "$src" "$out" -k -Otarget LOCALVERSION= W=1 $objs >"$logs/w1-$v.log" 2>&1 || true
		object_warnings "$src" "$logs/w1-$v.log" >"$logs/w1-$v.tsv"
		for o in $objs; do
			[ -e "$out/$o" ] && echo "$o"
		done >"$logs/built-w1-$v"
		tb=$((tb + $(date +%s) - t))
	done
	[ "$ready" -ne 2 ] ||
		result "distro config $CONFIG_PKG" pass "$tc" \
			"olddefconfig changed symbols vs Debian's:$changed (+ make prepare)"
	touch "$logs/warn-base.tsv" "$logs/warn-tip.tsv" "$logs/w1-base.tsv" "$logs/w1-tip.tsv" \
		"$logs/built-base" "$logs/built-tip" "$logs/built-w1-base" "$logs/built-w1-tip"

	for f in $files; do
		ots=$(awk -v f="$f" '$1 == f { print $2 }' "$logs/objs-tip")
		if [ -z "$ots" ]; then
			why="not built with Debian's config"
			grep -q "^$f " "$logs/objs-base" && why="built at the base, not at the tip with Debian's config"
			[ -e "$DISTRO/src-base/$f" ] || why="$why (new file)"
			result "distro ${f%.c}.o" skip "" "$why"
			continue
		fi
		for ot in $ots; do
			name="distro $(echo "$ot" | canon)"
			ob=-
			! grep -qx "$f $ot" "$logs/objs-base" || ob=$ot
			if ! grep -qx "$ot" "$logs/built-tip"; then
				result "$name" fail "" "does not build at the tip: $(awk -F '\t' -v o="$ot" '$1 == o && $2 ~ /: error: / { print $2; exit }' "$logs/warn-tip.tsv") ($logs/build-tip.log)"
				continue
			fi
			if [ "$ob" != - ] && ! grep -qx "$ob" "$logs/built-base"; then
				result "$name" fail "" "does not build at the base: nothing to compare with ($logs/build-base.log)"
				continue
			fi
			if [ "$ob" = - ]; then
				detail="new object; warnings: tip $(count "$ot" "$logs/warn-tip.tsv"); W=1: tip $(count "$ot" "$logs/w1-tip.tsv")"
			else
				detail="warnings: base $(count "$ob" "$logs/warn-base.tsv"), tip $(count "$ot" "$logs/warn-tip.tsv"); W=1: base $(count "$ob" "$logs/w1-base.tsv"), tip $(count "$ot" "$logs/w1-tip.tsv")"
			fi
			obj_warnings "$ob" "$logs/warn-base.tsv" >"$logs/ob"
			obj_warnings "$ot" "$logs/warn-tip.tsv" >"$logs/ot"
			new_warnings "$logs/ob" "$logs/ot" >"$logs/new"
			# W=1 repeats the normal warnings: only those it adds count again.
			obj_warnings "$ob" "$logs/w1-base.tsv" >"$logs/ob"
			obj_warnings "$ot" "$logs/w1-tip.tsv" >"$logs/ot"
			new_warnings "$logs/ob" "$logs/ot" >"$logs/new-w1-all"
			new_warnings "$logs/new" "$logs/new-w1-all" >"$logs/new-w1"
			grep -qx "$ot" "$logs/built-w1-tip" || echo "W=1 build failed ($logs/w1-tip.log)" >>"$logs/new-w1"
			n0=$(grep -c . "$logs/new" || true)
			n1=$(grep -c . "$logs/new-w1" || true)
			if [ $((n0 + n1)) -eq 0 ]; then
				result "$name" pass "" "$detail; none new"
			else
				{ sed "s|^|$ot: |" "$logs/new"; sed "s|^|$ot: W=1: |" "$logs/new-w1"; } >>"$logs/new-warnings.txt"
				result "$name" fail "" "$detail; new: $n0, with W=1 only: $n1 (first: $(cat "$logs/new" "$logs/new-w1" | head -n 1); all in $logs/new-warnings.txt)"
			fi
		done
	done
	pass=$(grep -c '	pass	' "$RESULTS" || true)
	fail=$(grep -c '	fail	' "$RESULTS" || true)
	skip=$(grep -c '	skip	' "$RESULTS" || true)
	say "distro check: $pass passed, $fail failed, $skip skipped in $(($(date +%s) - T0))s (config and prepare ${tc}s, objects $((tb - tc))s; logs: $logs)"
	[ "$fail" -eq 0 ]
}

# The tip configured for packaging: Debian's config (LOCALVERSION -kvmtime)
# or, DEB_CONFIG=rig, the rig's small one (-kvmtime-rig), in build/deb/obj-*.
deb_setup() {
	flavour=${DEB_CONFIG:-debian}
	setup
	src=$DISTRO/src-tip
	obj=$DEBS/obj-$flavour
	mkdir -p "$DEBS" "$obj"
	case $flavour in
	debian)
		lv=-kvmtime
		need_space 30 "a Debian-config kernel build"
		configure "$src" "$obj" "$lv" >"$DEBS/config-$flavour.log" 2>&1 ||
			die "configuring $flavour failed (see $DEBS/config-$flavour.log)"
		say "Debian's config ($CONFIG_PKG): $(grep -c . "$obj/debian-config.diff") symbols changed by olddefconfig ($obj/debian-config.diff)"
		;;
	rig)
		lv=-kvmtime-rig
		need_space 3 "a rig-config kernel build"
		dkmake "$src" "$obj" -s KCONFIG_ALLCONFIG="$TOP/config/rig.config" \
			LOCALVERSION="$lv" allnoconfig >"$DEBS/config-$flavour.log" 2>&1 ||
			die "configuring $flavour failed (see $DEBS/config-$flavour.log)"
		;;
	*) die "DEB_CONFIG=$flavour: debian (default) or rig" ;;
	esac
	krel=$(dkmake "$src" "$obj" -s LOCALVERSION="$lv" kernelrelease)
}

cmd_deb() {
	deb_setup
	# Debian's own kernels are linux-image-6.1.0-N-arm64, 6.1.y-R: these are
	# linux-image-6.1.y-kvmtime, 6.1.y-kvmtime-P.gID (P patches, tip ID).
	pkgver=${KDEB_PKGVERSION:-$krel-$(src_build_id)}
	rm -f "$DEBS"/*_"$pkgver"_arm64.* "$DEBS"/linux-*-"$krel"_*_arm64.deb \
		"$DEBS/linux-image-$krel-dbg_"*_arm64.deb
	with_progress "bindeb-pkg ($flavour config, $krel, $pkgver)" "$DEBS/bindeb-pkg-$flavour.log" \
		dkmake "$src" "$obj" LOCALVERSION="$lv" KDEB_PKGVERSION="$pkgver" \
		KDEB_SOURCENAME=linux-kvmtime KDEB_CHANGELOG_DIST=bookworm bindeb-pkg
	for d in "$DEBS"/*_"$pkgver"_arm64.deb; do
		say "$(basename "$d"): $(dpkg-deb -f "$d" Package) $(dpkg-deb -f "$d" Version), $(du -h "$d" | cut -f 1)"
	done
}

cmd_image() {
	DEB_CONFIG=debian deb_setup
	with_progress "Debian-config kernel ($krel: Image, modules)" "$DEBS/image-debian.log" \
		dkmake "$src" "$obj" LOCALVERSION="$lv" Image modules
	say "$obj/arch/arm64/boot/Image, $(find "$obj" -name '*.ko' | wc -l) modules"
}

# The packaged kernel on the CPU legs (tests/legs' rig-config legs): what
# a Debian machine would boot, not the tree it was built from.
cmd_legs() {
	deb=$(find "$DEBS" -maxdepth 1 -name 'linux-image-*-kvmtime_*_arm64.deb' \
		-printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d ' ' -f 2-)
	[ -n "$deb" ] || die "no Debian-config linux-image package: run make deb first"
	boot=$DEBS/boot
	rm -rf "$boot" "$DEBS/logs"
	mkdir -p "$boot" "$DEBS/logs/legs"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$boot" --wildcards './boot/vmlinuz-*'
	kernel=$(find "$boot/boot" -name 'vmlinuz-*' | head -n 1)
	say "$(basename "$deb"): $(basename "$kernel")"
	# the tip's selftests, as make check builds them (seconds when warm)
	build_tests "$SRC" "$BUILD/tests"
	build_initramfs "$BUILD/tests" "$BUILD/initramfs.cpio.gz"
	"$TOP/rig/qemu.sh"
	# The CPU legs of the rig's config only: the real-VMM legs need their
	# own initramfs and guest kernel (make check prepares them).
	legs=$(for l in $(plan legs); do
		[ "$(plan get "$l" kind) $(plan get "$l" config)" != "cpu rig" ] || echo "$l"
	done)
	# shellcheck disable=SC2086 # one leg a word
	KERNEL=$kernel LEG_LOGS=$DEBS/logs boot_legs $legs
	# shellcheck disable=SC2086
	report "$DEBS/logs" $legs
}

case ${1:-} in
config)
	# shellcheck disable=SC2086 # one package a word
	"$TOP/rig/deps.sh" $DEPS
	debian_config
	say "$CONFIG ($CONFIG_PKG)"
	;;
check) shift; cmd_check "$@" ;;
deb) cmd_deb ;;
image) cmd_image ;;
legs) cmd_legs ;;
*) die "usage: distro.sh config|check [FILE]|deb|image|legs" ;;
esac
