# KVM/arm64 time virtualization for Linux 6.1: the series in patches/ and
# the rig that builds, boots and tests it.  See README.md.
SHELL := /bin/sh
.DEFAULT_GOAL := help

help:
	@echo "make run            build the patched kernel, boot it, show the series at work"
	@echo "make check          full verification; last line 'N passed, N failed, N skipped'"
	@echo "make bench          patched/base cost ratios on the four legs (build/bench/)"
	@echo "make deps           install what the rig needs (Debian packages)"
	@echo "make base           install linux-source-6.1 as a git tree (build/base)"
	@echo "make tree           developers' kernel tree linux/ = base + patches/"
	@echo "make export         linux/ -> patches/ (format-patch, cover letter)"
	@echo "make series-status  'clean' when linux/ and patches/ agree"
	@echo "make tested-on      series/tested-on.txt (cover letter's 'Tested on') from the last make check"
	@echo "make portability    the series on other 6.1.y sources (tests/portability): applies, builds, tests"
	@echo "make lint           the rig's own checks: shellcheck, pyflakes, mypy, its tests"
	@echo "make distro-check   base and tip with Debian's arm64 config: touched objects, W=1, new warnings"
	@echo "make deb            .deb packages of the patched kernel, Debian's config (hours; DEB_CONFIG=rig: minutes)"
	@echo "make distro-image   the whole Debian-config kernel, Image + modules (hours; not part of check)"
	@echo "make distro-legs    the packaged Debian-config kernel (make deb) on the CPU legs with the test plan"
	@echo "make vmm-table      README's 'Tested with real VMMs' table from the last make check"
	@echo "make clean          remove build/ (keeps linux/)"

deps:
	@rig/deps.sh

base: deps
	@rig/base.sh

tree: base
	@rig/series.sh tree

export:
	@rig/series.sh export

series-status:
	@rig/series.sh status

tested-on:
	@rig/series.sh tested-on

check:
	@rig/check.sh

run:
	@rig/run.sh

bench:
	@rig/bench.sh

portability:
	@rig/portability.sh

lint: deps
	shellcheck -x -P rig rig/*.sh tests/init tests/vmm/run tests/vmm/guest-init .ci/run
	pyflakes3 rig/*.py rig/testdata/*.py
	mypy --strict --cache-dir=/dev/null rig/*.py rig/testdata/*.py
	python3 -m unittest discover -s rig -p 'test_*.py'

vmm-table:
	python3 rig/vmm_table.py --readme README.md

clean:
	rm -rf build

distro-check: base
	@rig/series.sh apply
	@rig/distro.sh check

deb: base
	@rig/series.sh apply
	@rig/distro.sh deb

distro-image: base
	@rig/series.sh apply
	@rig/distro.sh image

distro-legs: base
	@rig/series.sh apply
	@rig/distro.sh legs

.PHONY: help deps base tree export series-status tested-on check run bench portability lint clean vmm-table
.PHONY: distro-check deb distro-image distro-legs
