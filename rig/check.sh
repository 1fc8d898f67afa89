#!/bin/sh
# make check: series hygiene, kernel and test builds, every leg, one report.
# Knobs: LEGS="max-vhe n1-nvhe" runs a subset of tests/legs.
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"
# shellcheck source=rig/steps.sh
. "$TOP/rig/steps.sh"

HYG=$LOGS/hygiene.tsv

# hygiene NAME STATUS SECONDS DETAIL
hygiene() {
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$HYG"
	[ "$2" = pass ] || say "FAIL $1: $4"
}

# Every way this script ends prints the closing line.  A step that stops
# it before the legs is one failure, named; stopped during the legs, it
# reports the legs' logs so far; a failing report counts hygiene.tsv.
legs=
reported=no
base_recorded=no
closing_line() {
	[ ! -s "$LOGS/report.txt" ] || return 0
	printf '%s passed, %s failed, %s skipped\n' \
		"$(grep -c '	pass	' "$HYG" || true)" \
		"$(grep -c '	fail	' "$HYG" || true)" \
		"$(grep -c '	skip	' "$HYG" || true)"
}
finish() {
	rc=$?
	trap - EXIT INT TERM HUP
	if [ "$reported" = no ]; then
		[ "$rc" -ne 0 ] || rc=1
		ran=
		case ${STEP_NAME:-} in
		"series: apply patches/") record_base "the series does not apply" ;;
		"legs: "*) ran=$legs ;;
		esac
		record_base ""
		where=${STEP_NAME:+step: $STEP_NAME}
		where=${where:-step: after ${LAST_STEP:-the start}}
		hygiene "$where" fail "" "make check stopped here (exit $rc; its error is above)$([ -n "$ran" ] || printf '; no leg ran (of: %s)' "$legs")"
		# shellcheck disable=SC2086 # one leg a word
		report "$LOGS" $ran || true
	fi
	closing_line
	exit "$rc"
}
# record_base APPLIES: the report's line for the base this run used, once:
# base.version's, or what Debian's archive serves instead (rig/base.sh).
record_base() {
	[ "$base_recorded" = no ] && [ -s "$BUILD/base.used" ] || return 0
	base_recorded=yes
	used=$(cat "$BUILD/base.used")
	if [ "$used" = "$(base_field package) $(base_field version)" ]; then
		how="as base.version names"
	else
		how="moved: base.version names $(base_field version)"
	fi
	hygiene "base: Debian $used" pass "" "$how${1:+; $1}"
}

# The legs, each once, checked before anything is built or build/logs
# touched: rig/plan.py knows which names exist (python3 may be missing on
# a new machine: the package step comes first then).
plan_ready
# shellcheck disable=SC2086 # one leg a word
if ! (number JOBS "$JOBS" 3) || ! legs=$(plan select ${LEGS:-}); then
	say "error: LEGS=\"${LEGS:-}\" JOBS=$JOBS: name legs of tests/legs, e.g. LEGS=\"max-vhe n1-nvhe\", and a number of jobs (build/logs is as it was)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 2
fi
legs=$(printf '%s\n' "$legs" | tr '\n' ' ')
legs=${legs% }
upgrade=no
# shellcheck disable=SC2086
[ -z "$(plan chain $legs)" ] || upgrade=yes

rm -rf "$LOGS"
mkdir -p "$LOGS/legs"
: >"$HYG"
rm -f "$BUILD/base.used"
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
T0=$(date +%s)

prepare_packages
step "rig: make lint (shellcheck, pyflakes, mypy, the rig's own tests)"
if make -s -C "$TOP" lint >"$LOGS/lint.log" 2>&1; then
	hygiene "rig lint" pass "" ""
else
	hygiene "rig lint" fail "" "see build/logs/lint.log: $(grep -v '^make' "$LOGS/lint.log" | tail -n 1)"
fi
done_step
prepare_source
record_base "the series applies"
prepare_qemu

commits=$(git -C "$SRC" rev-list --reverse base..series)
n=$(printf '%s\n' "$commits" | grep -c . || true)
touched=$(touched_c_files "$SRC" base series)
# At the base, only the files that exist there (make stops at a missing one).
touched_base=$(touched_c_files "$SRC" base series --diff-filter=M)

step "series: checkpatch --strict"
for p in $(patch_files); do
	name=$(basename "$p" .patch)
	out=$("$SRC/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		--ignore FILE_PATH_CHANGES "$p" 2>&1 || true)
	bad=$(printf '%s\n' "$out" | grep -cE ': (ERROR|WARNING|CHECK):' || true)
	if [ "$bad" -eq 0 ]; then
		hygiene "checkpatch $name" pass "" ""
	else
		printf '%s\n' "$out" >"$LOGS/checkpatch-$name.log"
		hygiene "checkpatch $name" fail "" "$bad findings: $(printf '%s\n' "$out" | head -n 1)"
	fi
done
done_step

# Every patch builds on its own: walk the series in order, building the
# kernel incrementally at each commit (ccache keeps this cheap).  The
# last build is the kernel the legs boot.  Sparse runs on the files the
# series touches, at the base and at the tip; only new warnings count.
step "kernel config (rig)"; "$TOP/rig/kbuild.sh" config rig "$SRC"; done_step
if [ "$n" -gt 0 ] && [ -n "$touched" ]; then
	step "sparse (base)"
	git -C "$SRC" checkout -q base
	# shellcheck disable=SC2086
	"$TOP/rig/kbuild.sh" sparse rig "$SRC" $touched_base | warning_keys >"$LOGS/sparse-base.tsv"
	done_step
fi
# The upgrade legs also boot unpatched 6.1: the rig's config at the base,
# built in the walk's own folder, which the walk then goes on from.
rm -rf "$OUT/base"
if [ "$n" -gt 0 ] && [ "$upgrade" = yes ]; then
	step "kernel build (base: unpatched 6.1 for the upgrade legs)"
	git -C "$SRC" checkout -q base
	t=$(date +%s)
	if build_kernel rig; then
		mkdir -p "$(dirname -- "$(image_path base)")"
		cp "$(image_path rig)" "$(image_path base)"
		hygiene "base kernel build (upgrade legs)" pass $(($(date +%s) - t)) ""
	else
		cp "$(build_log rig)" "$LOGS/build-base.log" 2>/dev/null || true
		hygiene "base kernel build (upgrade legs)" fail $(($(date +%s) - t)) \
			"does not build (build/logs/build-base.log, config-rig.log)"
	fi
	done_step
fi
i=0
tip_ok=no
for c in $commits; do
	i=$((i + 1))
	subject=$(git -C "$SRC" log -1 --format=%s "$c")
	step "build patch $i/$n: $subject"
	git -C "$SRC" checkout -q "$c"
	t=$(date +%s)
	# A patch that changes nothing the kernel is built from (selftests,
	# documentation) leaves the previous patch's kernel as it was.
	kfiles=$(git -C "$SRC" diff --name-only "$c~1" "$c" |
		grep -vE '^(tools|Documentation)/' || true)
	if [ -z "$kfiles" ] && [ "$i" -ne "$n" ]; then
		hygiene "build $(printf %04d "$i") $subject" pass 0 "no kernel source changed"
		done_step
		continue
	fi
	if build_kernel rig; then
		cp "$(build_log rig)" "$LOGS/build-patch-$i.log"
		warn=$(grep -c 'warning:' "$LOGS/build-patch-$i.log" || true)
		[ "$i" -ne "$n" ] || tip_ok=yes
		if [ "$warn" -eq 0 ]; then
			hygiene "build $(printf %04d "$i") $subject" pass $(($(date +%s) - t)) ""
		else
			hygiene "build $(printf %04d "$i") $subject" fail $(($(date +%s) - t)) \
				"$warn compiler warnings (build/logs/build-patch-$i.log)"
		fi
	else
		hygiene "build $(printf %04d "$i") $subject" fail $(($(date +%s) - t)) \
			"does not build (build/logs/build-patch-$i.log)"
		cp "$(build_log rig)" "$LOGS/build-patch-$i.log"
	fi
	done_step
done
git -C "$SRC" checkout -q series
if [ "$n" -eq 0 ]; then
	step "kernel build (rig)"
	build_kernel rig
	done_step
fi
if [ "$n" -gt 0 ] && [ -n "$touched" ]; then
	step "sparse (tip)"
	# shellcheck disable=SC2086
	"$TOP/rig/kbuild.sh" sparse rig "$SRC" $touched | warning_keys >"$LOGS/sparse-tip.tsv"
	new=$(new_warnings "$LOGS/sparse-base.tsv" "$LOGS/sparse-tip.tsv")
	if [ -z "$new" ]; then
		hygiene "sparse C=2 ($(echo "$touched" | wc -w) files)" pass "" ""
	else
		printf '%s\n' "$new" >"$LOGS/sparse-new.txt"
		hygiene "sparse C=2" fail "" "$(echo "$new" | wc -l) new warnings: $(echo "$new" | head -n 1)"
	fi
	done_step
fi
# The touched objects again with Debian 12's own arm64 config, plain and
# W=1, base against tip (rig/distro.sh; the full build is make distro-image).
if [ "$n" -gt 0 ] && [ -n "$touched" ]; then
	step "distro: Debian's arm64 config, touched objects, W=1"
	"$TOP/rig/distro.sh" check "$HYG" >"$LOGS/distro.log" 2>&1 ||
		say "distro check failed (build/logs/distro.log)"
	done_step
fi
# Nothing below means anything if the tip does not build.
if [ "$n" -gt 0 ] && [ "$tip_ok" != yes ]; then
	say "the tip of the series does not build: no legs run"
	reported=yes
	report "$LOGS" || true
	exit 1
fi

step "kvm selftests (static)"
t=$(date +%s)
if build_tests "$SRC" "$BUILD/tests"; then
	hygiene "kvm selftests build" pass $(($(date +%s) - t)) ""
else
	hygiene "kvm selftests build" fail $(($(date +%s) - t)) "see build/logs/selftests-rig.log"
fi
done_step

# shellcheck disable=SC2086 # $legs is a list of words
set -- $legs
if plan configs "$@" | grep -x debug >/dev/null; then
	step "kernel build (debug: KASAN, lockdep, UBSAN)"
	build_kernel debug
	done_step
fi

step initramfs
build_initramfs "$BUILD/tests" "$BUILD/initramfs.cpio.gz"
done_step
if for l in "$@"; do plan get "$l" kind; done | grep -vx cpu >/dev/null; then
	# The real-VMM legs: the guest's kernel (PV stolen time), Debian's
	# QEMU 7.2 and 10.0, the host's initramfs.  If that fails, the vmm
	# legs are reported as not run.
	step "real-VMM legs: guest kernel, Debian's QEMU"
	t=$(date +%s)
	rm -f "$BUILD/vmm/initramfs.cpio"
	if build_kernel guest && "$TOP/rig/vmm.sh" prepare "$(image_path guest)"; then
		hygiene "real-VMM legs prepared" pass $(($(date +%s) - t)) ""
	else
		hygiene "real-VMM legs prepared" fail $(($(date +%s) - t)) "see build/logs/build-guest.log and build/vmm/*.log"
	fi
	done_step
fi

step "legs: $* ($(nproc) at a time, icount)"
boot_legs "$@"
done_step

say "total: $(($(date +%s) - T0))s (step times: build/logs/timings.tsv)"
reported=yes
report "$LOGS" "$@"
