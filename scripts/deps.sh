#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install what building and testing pyflame needs (Debian 12, as root).
# libncurses-dev for the --top view (found by pkg-config), tmux for its tests.
# clang and libclang-rt-14-dev (its ASan, UBSan and libFuzzer runtimes) for
# the sanitizer and fuzzing builds, llvm for llvm-symbolizer (readable
# sanitizer reports), valgrind for the memcheck run of scripts/test.sh.
# libunwind-dev, liblzma-dev and libiberty-dev for --native (remote
# unwinding, MiniDebugInfo, C++ names); binutils, xz-utils and g++ for its
# tests (fixtures stripped and given MiniDebugInfo, a C++ extension).
# zlib1g-dev gzips the pprof output. The programs that read the output
# formats in the end-to-end tests: chromium (and a font for its text),
# golang-go with golang-github-google-pprof-dev to build Google's pprof,
# and Node.js with npm where the machine has none (scripts/get-consumers.sh
# installs the rest).
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
	ca-certificates gcc make autoconf automake pkg-config python3 python3-pytest \
	libxml2-utils procps util-linux libpython3.11-dev zlib1g-dev libncurses-dev tmux \
	clang libclang-rt-14-dev llvm valgrind \
	libunwind-dev liblzma-dev libiberty-dev binutils xz-utils g++ \
	chromium fonts-dejavu-core golang-go golang-github-google-pprof-dev
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 ||
	apt-get install -y -q --no-install-recommends nodejs npm
