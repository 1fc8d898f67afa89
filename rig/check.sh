#!/bin/sh
# make check: series hygiene, kernel and test builds, every leg, one report.
# Knobs: LEGS="max-vhe n1-nvhe" runs a subset of tests/legs.
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"

HYG=$LOGS/hygiene.tsv

# hygiene NAME STATUS SECONDS DETAIL
hygiene() {
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$HYG"
	[ "$2" = pass ] || say "FAIL $1: $4"
}

# The legs, each once, checked before anything is built.  The upgrade
# legs hand VMs to each other: all of them or none.
all_legs=$(awk '!/^#/ && NF { printf "%s ", $1 }' "$TOP/tests/legs")
upgrade_legs=$(awk '!/^#/ && $1 ~ /^vmm-upgrade-/ { printf "%s ", $1 }' "$TOP/tests/legs")
legs=
for leg in ${LEGS:-$all_legs}; do
	case " $all_legs " in
	*" $leg "*) ;;
	*) die "unknown leg $leg in LEGS (tests/legs has: $all_legs)" ;;
	esac
	case " $legs " in
	*" $leg "*) ;;
	*) legs="$legs $leg" ;;
	esac
done
upgrade=no
for leg in $upgrade_legs; do
	case " $legs " in
	*" $leg "*) upgrade=yes ;;
	esac
done
if [ "$upgrade" = yes ]; then
	for leg in $upgrade_legs; do
		case " $legs " in
		*" $leg "*) ;;
		*) die "the upgrade legs run together: LEGS needs all of $upgrade_legs" ;;
		esac
	done
fi

rm -rf "$LOGS"
mkdir -p "$LOGS/legs"
: >"$HYG"
T0=$(date +%s)

step deps; "$TOP/rig/deps.sh"; done_step
step base; "$TOP/rig/base.sh"; done_step
step qemu; "$TOP/rig/qemu.sh"; done_step
step "series: apply patches/"; "$TOP/rig/series.sh" apply; done_step

commits=$(git -C "$SRC" rev-list --reverse base..series)
n=$(printf '%s\n' "$commits" | grep -c . || true)
touched=$(git -C "$SRC" diff --name-only base series -- '*.c' | grep -v '^tools/' || true)
# At the base, only the files that exist there (make stops at a missing one).
touched_base=$(git -C "$SRC" diff --name-only --diff-filter=M base series -- '*.c' |
	grep -v '^tools/' || true)

step "series: checkpatch --strict"
for p in "$TOP"/patches/[0-9][0-9][0-9][0-9]-*.patch; do
	[ -e "$p" ] || continue
	case $p in */0000-cover-letter.patch) continue ;; esac
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
"$TOP/rig/kbuild.sh" config rig "$SRC"
if [ "$n" -gt 0 ] && [ -n "$touched" ]; then
	step "sparse (base)"
	git -C "$SRC" checkout -q base
	# shellcheck disable=SC2086
	"$TOP/rig/kbuild.sh" sparse rig "$SRC" $touched_base | sed 's/:[0-9]*:[0-9]*:/:/' |
		LC_ALL=C sort >"$LOGS/sparse-base.txt"
	done_step
fi
# The upgrade legs also boot unpatched 6.1: the rig's config at the base,
# built in the walk's own folder, which the walk then goes on from.
rm -rf "$OUT/base"
if [ "$n" -gt 0 ] && [ "$upgrade" = yes ]; then
	step "kernel build (base: unpatched 6.1 for the upgrade legs)"
	git -C "$SRC" checkout -q base
	t=$(date +%s)
	if "$TOP/rig/kbuild.sh" config rig "$SRC" && "$TOP/rig/kbuild.sh" image rig "$SRC"; then
		mkdir -p "$OUT/base/arch/arm64/boot"
		cp "$OUT/rig/arch/arm64/boot/Image" "$OUT/base/arch/arm64/boot/Image"
		hygiene "base kernel build (upgrade legs)" pass $(($(date +%s) - t)) ""
	else
		cp "$LOGS/build-rig.log" "$LOGS/build-base.log" 2>/dev/null || true
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
	if "$TOP/rig/kbuild.sh" config rig "$SRC" && "$TOP/rig/kbuild.sh" image rig "$SRC"; then
		cp "$LOGS/build-rig.log" "$LOGS/build-patch-$i.log"
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
			"does not build (build/logs/build-rig.log)"
		cp "$LOGS/build-rig.log" "$LOGS/build-patch-$i.log"
	fi
	done_step
done
git -C "$SRC" checkout -q series
if [ "$n" -eq 0 ]; then
	step "kernel build (rig)"
	"$TOP/rig/kbuild.sh" image rig "$SRC"
	done_step
fi
if [ "$n" -gt 0 ] && [ -n "$touched" ]; then
	step "sparse (tip)"
	# shellcheck disable=SC2086
	"$TOP/rig/kbuild.sh" sparse rig "$SRC" $touched | sed 's/:[0-9]*:[0-9]*:/:/' |
		LC_ALL=C sort >"$LOGS/sparse-tip.txt"
	new=$(LC_ALL=C comm -13 "$LOGS/sparse-base.txt" "$LOGS/sparse-tip.txt")
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
	python3 "$TOP/rig/report.py" --logs "$LOGS" --legs \
		--kunit-py "$SRC/tools/testing/kunit/kunit.py" || true
	exit 1
fi

step "kvm selftests (static)"
t=$(date +%s)
if "$TOP/rig/kbuild.sh" selftests rig "$SRC" "$BUILD/tests"; then
	hygiene "kvm selftests build" pass $(($(date +%s) - t)) ""
else
	hygiene "kvm selftests build" fail $(($(date +%s) - t)) "see build/logs/selftests-rig.log"
fi
done_step

# shellcheck disable=SC2086 # $legs is a list of words
set -- $legs
if printf '%s\n' "$@" | grep -qx debug; then
	step "kernel build (debug: KASAN, lockdep, UBSAN)"
	"$TOP/rig/kbuild.sh" config debug "$SRC"
	"$TOP/rig/kbuild.sh" image debug "$SRC"
	done_step
fi

step initramfs
"$TOP/rig/initramfs.sh" "$BUILD/tests" "$BUILD/initramfs.cpio.gz"
done_step
if printf '%s\n' "$@" | grep -q '^vmm-'; then
	# The real-VMM legs: the guest's kernel (PV stolen time), Debian's
	# QEMU 7.2 and 10.0, the host's initramfs.  If that fails, the vmm
	# legs are reported as not run.
	step "real-VMM legs: guest kernel, Debian's QEMU"
	t=$(date +%s)
	rm -f "$BUILD/vmm/initramfs.cpio"
	if "$TOP/rig/kbuild.sh" config guest "$SRC" && "$TOP/rig/kbuild.sh" image guest "$SRC" &&
		"$TOP/rig/vmm.sh" prepare "$OUT/guest/arch/arm64/boot/Image"; then
		hygiene "real-VMM legs prepared" pass $(($(date +%s) - t)) ""
	else
		hygiene "real-VMM legs prepared" fail $(($(date +%s) - t)) "see build/logs/build-guest.log and build/vmm/*.log"
	fi
	done_step
fi

# shellcheck source=/dev/null
. "$BUILD/qemu/env"
step "legs: $* ($(nproc) at a time, icount)"
"$TOP/rig/legs.sh" "$@"
done_step

say "total: $(($(date +%s) - T0))s (step times: build/logs/timings.tsv)"
exec python3 "$TOP/rig/report.py" --logs "$LOGS" --legs "$@" \
	--kunit-py "$SRC/tools/testing/kunit/kunit.py"
