#!/bin/sh
# make bench: what the series costs, as ratios of the patched kernel to the
# unpatched base, both built with the rig's config and measured in one run.
# Each leg boots each kernel in alternating order for ROUNDS rounds under a
# fixed icount (guest time follows executed instructions, so figures repeat
# on a loaded host), running tests/bench/rig-bench.c; then each leg boots
# the patched kernel once more for the timer_user_irq and stolen_time
# selftests' figures, and each leg boots each kernel once in the counting
# QEMU for figure 7 (counts per operation).  rig/bench.py turns the logs into
# build/bench/bench.{txt,json,png}.
# Knobs: ROUNDS (default 5), LEGS (default the four CPU legs).
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"
# shellcheck source=rig/steps.sh
. "$TOP/rig/steps.sh"

rounds=${ROUNDS:-5}
number ROUNDS "$rounds" 5
number JOBS "$JOBS" 3
bench=$BUILD/bench
base_src=$BUILD/bench-base-src

plan_ready
# shellcheck disable=SC2086 # one leg a word
legs=$(plan select ${LEGS:-max-vhe max-nvhe n1-vhe n1-nvhe}) ||
	die "LEGS=\"${LEGS:-}\": name CPU legs of tests/legs, e.g. LEGS=\"max-vhe n1-nvhe\""
for leg in $legs; do
	[ "$(plan get "$leg" kind)" = cpu ] || die "LEGS: $leg is not a CPU leg (make bench boots the CPU legs)"
done
legs=$(printf '%s\n' "$legs" | tr '\n' ' ')
legs=${legs% }

prepare gnuplot-nox gcc pkg-config libglib2.0-dev
step "qemu (counting)"; "$TOP/rig/qemu.sh" count; done_step

step "kernel build (patched)"
build_kernel rig
done_step

# The base in a worktree of its own git tree, built with the same config.
step "kernel build (base)"
if [ ! -e "$base_src/.git" ]; then
	git -C "$BASE_GIT" worktree prune
	git -C "$BASE_GIT" worktree add -q --detach "$base_src" base
fi
git -C "$base_src" checkout -q --detach base
build_kernel bench-base "$base_src"
done_step

step "kvm selftests and rig-bench"
build_tests "$SRC" "$BUILD/tests"
build_initramfs "$BUILD/tests" "$BUILD/initramfs.cpio.gz"
done_step

# shellcheck source=/dev/null
. "$BUILD/qemu/env"
rm -rf "$bench"
mkdir -p "$bench/logs"
# boot ROUND LEG KERNEL [TESTS [LEG.PY ARGUMENTS...]]: KERNEL is base or
# patched, TESTS rig.bench by default; QEMU is the one $QEMU_ROOT names.
boot() {
	case $3 in
	base) _image=$(image_path bench-base) ;;
	*) _image=$(image_path rig) ;;
	esac
	_b=$2 _blog=$bench/logs/$1-$2-$3.log _tests=${4:-rig.bench}
	shift 3
	[ $# -eq 0 ] || shift
	boot_leg "$_b" "$_image" "$BUILD/initramfs.cpio.gz" "$_blog" \
		--append "rig.only=$_tests" --wall 900 "$@" >/dev/null ||
		say "bench: a boot failed (see $_blog)"
}
step "bench: $rounds rounds x ($legs) x (base, patched)"
r=1
while [ "$r" -le "$rounds" ]; do
	for leg in $legs; do
		say "bench: round $r/$rounds, $leg"
		# Both kernels at once: under a fixed icount neither disturbs
		# the other's figures; which one starts first alternates.
		if [ $((r % 2)) -eq 1 ]; then
			boot "$r" "$leg" base & boot "$r" "$leg" patched & wait
		else
			boot "$r" "$leg" patched & boot "$r" "$leg" base & wait
		fi
	done
	r=$((r + 1))
done
done_step
# Figures 5 and 6 are counts and errors of the patched kernel alone, from
# the selftests that measure them: one boot per leg, two legs at a time.
step "bench: user irqchip exits and stolen time ($legs)"
n=0
for leg in $legs; do
	boot extra "$leg" patched kvm.timer_user_irq,kvm.stolen_time &
	n=$((n + 1))
	[ $((n % 2)) -ne 0 ] || wait
done
wait
done_step
# Figure 7: instructions, system-register writes, ISBs and ERETs per
# operation, counted by the rig-count plugin in its own QEMU (see
# rig/qemu.sh), one boot of each kernel per leg.  Counts do not depend on
# time, so these boots run without -icount (10.0's inline plugin counters
# crash under it).
legs_qemu=$QEMU_VERSION
# QEMU_ROOT, QEMU_VERSION and PLUGIN of the counting QEMU from here on
# shellcheck source=/dev/null
. "$BUILD/qemu-count/env"
step "bench: counts per operation ($legs)"
for leg in $legs; do
	for k in base patched; do
		boot count "$leg" "$k" rig.bench-count --plugin "$PLUGIN" --icount off &
	done
	wait
done
done_step
# shellcheck disable=SC2086 # $legs is a list of words
python3 "$TOP/rig/bench.py" --dir "$bench" --rounds "$rounds" \
	--qemu "$legs_qemu" --count-qemu "$QEMU_VERSION" $legs
