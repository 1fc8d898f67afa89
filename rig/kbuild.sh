#!/bin/sh
# Kernel and test builds (arm64 cross, ccache, out of tree under build/out).
#   kbuild.sh config   NAME SRC      .config from allnoconfig + config fragments
#   kbuild.sh image    NAME SRC      arch/arm64/boot/Image (log: build/logs)
#   kbuild.sh sparse   NAME SRC FILE...   C=2 on the given .c files
#   kbuild.sh selftests NAME SRC DEST     static kvm selftests into DEST
# NAME "rig" uses config/rig.config; "debug" adds config/debug.config.
set -eu
# shellcheck source=rig/common.sh
. "$(dirname -- "$0")/common.sh"
need "${CROSS_COMPILE}gcc" ccache make

cmd=$1 name=$2 src=$3
shift 3
out=$OUT/$name
mkdir -p "$out" "$LOGS"
# config/NAME.config is added when it exists (debug); other names (dev, a
# developer's build of linux/) get the rig's config in their own out dir.
fragments() {
	echo "$TOP/config/rig.config"
	[ "$name" = rig ] || [ ! -e "$TOP/config/$name.config" ] ||
		echo "$TOP/config/$name.config"
}

case $cmd in
config)
	frag=$out/fragment.config
	# shellcheck disable=SC2046 # one file name per line, no spaces
	cat $(fragments) >"$frag"
	kmake "$src" "$out" -s KCONFIG_ALLCONFIG="$frag" allnoconfig >"$LOGS/config-$name.log" 2>&1 ||
		die "configuring $name failed (see $LOGS/config-$name.log)"
	# A symbol no Kconfig file defines yet is one a later patch of the
	# series adds: not an error while building the patches in order.
	bad=$(grep '^CONFIG_' "$frag" | while read -r line; do
		grep -qx "$line" "$out/.config" && continue
		sym=${line%%=*}
		grep -rqx --include='Kconfig*' "config ${sym#CONFIG_}" "$src" ||
			{ say "config $name: $sym not in this tree yet, skipped" >&2; continue; }
		echo "$sym"
	done)
	# shellcheck disable=SC2086 # one symbol a word
	[ -z "$bad" ] || die "config $name: not set as asked (missing dependency?): $(printf "%s " $bad)"
	;;
image)
	need_space 3 "the $name kernel build"
	with_progress "kernel build ($name)" "$(build_log "$name")" kmake "$src" "$out" Image
	;;
sparse)
	need sparse
	objs=""
	for f in "$@"; do objs="$objs ${f%.c}.o"; done
	# Force the files through the checker even when their objects are fresh.
	# shellcheck disable=SC2086
	kmake "$src" "$out" C=2 $objs 2>&1 | grep -E "$WARNING_RE" |
		sed "s|^$src/||; s|^\\.\\./||" || true
	;;
selftests)
	dest=$1
	kmake "$src" "$out" -s headers_install >"$LOGS/headers-$name.log" 2>&1 ||
		die "headers_install failed (see $LOGS/headers-$name.log)"
	obj=$out/kselftest-kvm
	rm -rf "$dest" && mkdir -p "$obj" "$dest"
	# LDFLAGS from the environment, so the selftests' own "+=" still applies.
	LDFLAGS=-static with_progress "kvm selftests" "$LOGS/selftests-$name.log" \
		make -C "$src/tools/testing/selftests/kvm" -j"$JOBS" \
		ARCH=arm64 CROSS_COMPILE="$CROSS_COMPILE" OUTPUT="$obj" \
		KHDR_INCLUDES="-isystem $out/usr/include"
	(cd "$obj" && find . -type f -perm -u+x ! -name '*.o' | while read -r f; do
		mkdir -p "$dest/$(dirname "$f")"
		cp "$f" "$dest/$f"
	done)
	# make run's demo and make bench's program, built like selftests
	# against the same library.
	kst=$src/tools/testing/selftests/kvm
	for prog in demo/rig-demo bench/rig-bench; do
		# shellcheck disable=SC2046 # object file names have no spaces
		"${CROSS_COMPILE}gcc" -O2 -std=gnu99 -Wall -Werror -static -pthread \
			-fno-stack-protector \
			-I"$src/tools/include" -I"$src/tools/arch/arm64/include" \
			-I"$kst/include" -I"$kst/include/aarch64" -I"$src/tools/testing/selftests" \
			-I"$TOP/tests" -isystem "$out/usr/include" \
			-o "$dest/${prog#*/}" "$TOP/tests/$prog.c" \
			$(find "$obj/lib" -name '*.o' | LC_ALL=C sort) \
			>"$LOGS/${prog#*/}-$name.log" 2>&1 ||
			die "building tests/$prog.c failed (see $LOGS/${prog#*/}-$name.log)"
	done
	;;
*)
	die "usage: kbuild.sh config|image|sparse|selftests NAME SRC ..."
	;;
esac
