# shellcheck shell=sh
# The rig's shared steps, in the order a run takes them.  Sourced after
# rig/common.sh by check.sh, run.sh, bench.sh and distro.sh; each step is
# written here once.

# prepare [PACKAGES...]: everything a run needs before it builds: Debian's
# packages the rig needs (and PACKAGES), the series' source, the legs' QEMU.
prepare() {
	prepare_packages "$@"
	prepare_source
	prepare_qemu
}
prepare_packages() {
	step deps; "$TOP/rig/deps.sh" "$@"; done_step
}
# prepare_source: the base tree (build/base, Debian's linux-source-6.1;
# build/base.used says which) and build/src = base + patches/ (branch
# "series").
prepare_source() {
	step base; "$TOP/rig/base.sh"; done_step
	step "series: apply patches/"; "$TOP/rig/series.sh" apply; done_step
}
# prepare_qemu: the QEMU the legs boot under (build/qemu, see rig/qemu.sh).
prepare_qemu() {
	step qemu; "$TOP/rig/qemu.sh"; done_step
}

# build_kernel CONFIG [SRC]: the kernel of config/CONFIG.config (the rig's
# config for other names) from SRC (build/src), at $(image_path CONFIG).
build_kernel() {
	"$TOP/rig/kbuild.sh" config "$1" "${2:-$SRC}" &&
		"$TOP/rig/kbuild.sh" image "$1" "${2:-$SRC}"
}

# build_tests SRC DIR: the static kvm selftests, make run's demo and make
# bench's program from SRC (build/src) into DIR (build/tests).
build_tests() {
	"$TOP/rig/kbuild.sh" selftests rig "$1" "$2"
}

# build_initramfs DIR FILE: the legs' initramfs (tests/init, tests/plan,
# busybox) holding DIR (build/tests), as FILE (build/initramfs.cpio.gz).
build_initramfs() {
	"$TOP/rig/initramfs.sh" "$1" "$2"
}

# boot_legs LEG...: boot the legs, as many at a time as there are cores
# (rig/legs.sh; its knobs KERNEL, INITRD, LEG_LOGS, LEG_ARGS apply).
boot_legs() {
	"$TOP/rig/legs.sh" "$@"
}

# report LOGS LEG... [-- REPORT.PY OPTIONS...]: build/logs-style results
# into LOGS/report.{txt,json}; its last line is "N passed, N failed, N
# skipped" and it fails when anything failed.
report() {
	_logs=$1
	shift
	_legs=
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		_legs="$_legs $1"
		shift
	done
	[ $# -eq 0 ] || shift
	# shellcheck disable=SC2086 # one leg a word
	python3 "$TOP/rig/report.py" --logs "$_logs" --legs $_legs \
		--kunit-py "$SRC/tools/testing/kunit/kunit.py" "$@"
}
