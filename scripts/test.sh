#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# From a fresh Debian machine (as root): install, fetch the newer test
# interpreters and the programs that read the output formats, build with
# warnings as errors, run every test (C unit tests
# and the end-to-end suite), then again built with clang, ASan and UBSan,
# run each fuzz harness briefly and profile under valgrind; end with one
# summary line counting them all.
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
sh scripts/get-pythons.sh
sh scripts/get-consumers.sh
# shellcheck disable=SC1091
. "${PYFLAME_PYTHONS_CACHE:-/var/cache/pyflame-pythons}/extra-pythons.env"
export PYFLAME_EXTRA_PYTHONS
sh scripts/build.sh --enable-werror
status=0
make -k check || status=$?

# ------------------------------------------- sanitizers, fuzzing, valgrind
# automake builds out of tree only from an unconfigured source tree, so the
# clang builds configure a copy made by `make distdir` (build-ci/src).
# Steps outside `make check` leave their result in build-ci/*.trs.
jobs=$(nproc)
rm -rf build-ci
mkdir -p build-ci/asan build-ci/fuzz
make distdir distdir=build-ci/src >/dev/null || status=1

# Run the command that follows in a subshell and record its outcome, PASS,
# FAIL or SKIP (status 77), as build-ci/$1.trs.
step() {
	name=$1
	shift
	start=$(date +%s)
	rc=0
	("$@") || rc=$?
	case $rc in
	0) result=PASS ;;
	77) result=SKIP ;;
	*) result=FAIL; status=1 ;;
	esac
	echo ":test-result: $result" >"build-ci/$name.trs"
	echo "$name: $result ($(($(date +%s) - start)) s)"
}

# ASan+UBSan build: its unit and end-to-end tests count in the summary.
# The programs that read the formats have read this build's formats in the
# first pass already (the same code): test_consumers.py skips here. The
# end-to-end tests run on one interpreter of each layout family (2.7's and
# 3.9's frame objects, 3.11's and 3.12's data stacks, a static build,
# _Py_DebugOffsets in 3.14): the first pass ran them on all, 3.15 included.
asan() {
	start=$(date +%s)
	cd build-ci/asan &&
	../src/configure -q CC=clang --enable-asan --enable-ubsan --enable-werror &&
	make -j"$jobs" >/dev/null &&
	PYFLAME_SKIP_CONSUMERS=1 \
	PYFLAME_INTERPRETERS=py2.7,py3.9,py3.11-debian,py3.12,py3.14 make -k check
	rc=$?
	echo "asan: make check exit $rc ($(($(date +%s) - start)) s)"
	return $rc
}

# The fuzz build's pyflame links the shared C library: the valgrind step
# uses it, as valgrind checks the heap only of dynamically linked programs.
# Its debug information is DWARF 4: valgrind 3.19 gives up on clang 14's
# default, DWARF 5.
# shellcheck disable=SC2317  # run through step
fuzz_smoke() {
	cd build-ci/fuzz &&
	../src/configure -q CC=clang CFLAGS='-g -gdwarf-4 -O2' --enable-fuzz --enable-werror \
		--disable-static-binary &&
	make -j"$jobs" >/dev/null &&
	make fuzz-smoke FUZZ_SECONDS=10
}

pyenv_root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
valgrind_pythons=$(ls /usr/bin/python3 "$pyenv_root"/versions/3.12.*/bin/python3.12 2>/dev/null || true)

(asan) || status=1
step fuzz-smoke fuzz_smoke
# shellcheck disable=SC2086
step valgrind env PYFLAME=build-ci/fuzz/src/pyflame sh tests/valgrind/profile.sh $valgrind_pythons

sh tests/summary.sh . build-ci/asan build-ci/fuzz-smoke.trs build-ci/valgrind.trs ||
	status=$?
exit $status
