#!/bin/sh
# make portability: the series on other 6.1.y sources (tests/portability).
# For each source: fetch it from Debian's archive (deb-src through a
# private apt configuration under build/portability/apt; the system's
# sources are not touched), make it a git tree, apply patches/, build the
# rig's kernel and the kvm selftests, and run the series' own tests and
# KUnit on one leg with ECV and one without.  Ends with a matrix (source x
# applies x builds x tests) in build/portability/matrix.md and the line
# "N passed, N failed, N skipped" counted over the sources.
# Knobs: ONLY="debian-6.1.164" picks sources by name; WALL=SECONDS sets the
# legs' wall-clock limit (a hang detector; the legs run under icount, so a
# busy machine only makes them slower) instead of tests/legs' own.
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"
# shellcheck source=rig/steps.sh
. "$TOP/rig/steps.sh"

PDIR=$BUILD/portability
LIST=$TOP/tests/portability
# One leg with CNTPOFF_EL2, one that traps and emulates, nVHE.
PLEGS="max-vhe n1-nvhe"
# The series' own tests (tests/plan names); KUnit runs at every boot.
PTESTS="kvm.arch_timer kvm.arch_timer-offset kvm.counter_offset kvm.get-reg-list
 kvm.stolen_time kvm.timer_user_irq kvm.timer_hostile kvm.arch_timer_edge_cases"

sources=$(awk '!/^#/ && NF { print $1 }' "$LIST")
# shellcheck disable=SC2086 # a list of names
for s in ${ONLY:-}; do
	printf '%s\n' "$sources" | grep -qx "$s" ||
		die "unknown source '$s'; tests/portability has: $(echo "$sources" | tr '\n' ' ')"
done
[ -z "${WALL:-}" ] || number WALL "$WALL" 1800
number JOBS "$JOBS" 3
plan_ready
# shellcheck disable=SC2086 # one leg a word
plan select $PLEGS >/dev/null || die "PLEGS: legs of tests/legs"
# shellcheck disable=SC2086 # one test a word
plan tests $PTESTS >/dev/null || die "PTESTS: tests of tests/plan"
field() {	# field NAME COLUMN
	awk -v n="$1" -v c="$2" '!/^#/ && $1 == n { print $c }' "$LIST"
}

prepare_packages
step base; "$TOP/rig/base.sh"; done_step
prepare_qemu
mkdir -p "$PDIR"

# deb-src for bookworm, bookworm-updates and bookworm-security only.
APT=$PDIR/apt
apt_ready=
apt_setup() {
	[ -z "$apt_ready" ] || return 0
	papt_setup "$APT" "debian bookworm" "debian bookworm-updates" "debian-security bookworm-security"
	apt_ready=yes
}

# fetch NAME SOURCE VERSION: P/base, a git tree tagged "base".
fetch() {
	p=$PDIR/$1
	stamp="$2 $3"
	if [ -d "$p/base/.git" ] && [ "$(cat "$p/base/.git/rig-base" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	need_space 6 "the $1 source tree"
	dl=$PDIR/dl
	mkdir -p "$dl"
	upver=${3%-*}
	if [ ! -e "$dl/linux_$3.dsc" ] || [ ! -e "$dl/linux_$upver.orig.tar.xz" ]; then
		apt_setup
		(cd "$dl" && papt "$APT" source --download-only "linux=$3") >"$p.fetch.log" 2>&1 ||
			die "cannot fetch linux=$3 from Debian's archive (see $p.fetch.log)"
	fi
	rm -rf "$p" && mkdir -p "$p"
	case $2 in
	debian)
		# dpkg-source applies debian/patches; debian/ and quilt's state
		# are packaging, not kernel source.
		dpkg-source -q -x "$dl/linux_$3.dsc" "$p/base" >"$p.extract.log" 2>&1 ||
			die "dpkg-source -x linux_$3.dsc failed (see $p.extract.log)"
		rm -rf "$p/base/debian" "$p/base/.pc"
		what="Debian's source package linux $3, patches applied by dpkg-source"
		;;
	upstream)
		mkdir -p "$p/base"
		tar -xJf "$dl/linux_$upver.orig.tar.xz" -C "$p/base" --strip-components=1
		what="linux_$upver.orig.tar.xz, the upstream tarball of Debian's linux $3"
		;;
	*) die "tests/portability: unknown source kind '$2'" ;;
	esac
	base_commit "$p/base" "Base: $what" "Fetched by rig/portability.sh for make portability."
	printf '%s\n' "$stamp" >"$p/base/.git/rig-base"
}

# The rest runs with BUILD=P, so P mirrors build/ (base, src, out/rig,
# logs): ccache, keyed on paths relative to the clone, then hits the
# objects that are the same in both sources.
MATRIX=$PDIR/matrix.tsv
: >"$MATRIX"
total_pass=0 total_fail=0 total_skip=0
for name in $sources; do
	if [ -n "${ONLY:-}" ] && ! echo " $ONLY " | grep -q " $name "; then
		continue
	fi
	kind=$(field "$name" 2) ver=$(field "$name" 3)
	step "portability: $name"
	if [ "$kind" = base ]; then
		p=$BUILD
		ver=$(git -C "$BASE_GIT" log -1 --format=%s base | sed 's/.* //')
	else
		fetch "$name" "$kind" "$ver"
		p=$PDIR/$name
		ln -sfn "$BUILD/qemu" "$p/qemu"
	fi
	applies=no builds=no tests=-
	if BUILD=$p "$TOP/rig/series.sh" apply >"$PDIR/$name.apply.log" 2>&1; then
		applies=yes
		if BUILD=$p build_kernel rig "$p/src" &&
			BUILD=$p build_tests "$p/src" "$PDIR/$name.tests"; then
			builds=yes
		fi
	else
		say "$name: the series does not apply (see $PDIR/$name.apply.log)"
	fi
	if [ "$builds" = yes ]; then
		build_initramfs "$PDIR/$name.tests" "$PDIR/$name.cpio.gz"
		logs=$PDIR/$name.logs
		rm -rf "$logs" && mkdir -p "$logs/legs"
		# shellcheck disable=SC2086 # one test a word
		plan subset $PTESTS >"$logs/plan"
		# shellcheck disable=SC2086 # $PLEGS is a list of words
		KERNEL=$(image_path rig "$p/out") INITRD=$PDIR/$name.cpio.gz LEG_LOGS=$logs \
			LEG_ARGS="--append rig.only=$(echo $PTESTS | tr ' ' ',')${WALL:+ --wall $WALL}" \
			boot_legs $PLEGS
		# shellcheck disable=SC2086
		report "$logs" $PLEGS -- --plan "$logs/plan" \
			--kunit-py "$p/src/tools/testing/kunit/kunit.py" >"$logs/report.out" 2>&1 || true
		tests=$(tail -n 1 "$logs/report.out")
		# shellcheck disable=SC2046 # three numbers
		set -- $(echo "$tests" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p')
		if [ $# -eq 3 ]; then
			total_pass=$((total_pass + $1)) total_fail=$((total_fail + $2)) total_skip=$((total_skip + $3))
		else
			tests="no report (see $logs/report.out)"
			total_fail=$((total_fail + 1))
		fi
	else
		total_fail=$((total_fail + 1))
	fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$kind" "$ver" "$applies" "$builds" "$tests" >>"$MATRIX"
	done_step
done

{
	echo "| source | version | applies | builds | tests ($(echo "$PLEGS" | sed 's/ / and /')) |"
	echo "|---|---|---|---|---|"
	awk -F '\t' '{ printf "| %s (%s) | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$MATRIX"
} >"$PDIR/matrix.md"
cat "$PDIR/matrix.md"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
