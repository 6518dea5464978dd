#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# From a fresh Debian machine (as root): install, fetch the newer test
# interpreters, build with warnings as errors, run every test (C unit tests
# and the end-to-end suite), and end with one summary line counting them all.
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
sh scripts/get-pythons.sh
# shellcheck disable=SC1091
. "${PYFLAME_PYTHONS_CACHE:-/var/cache/pyflame-pythons}/extra-pythons.env"
export PYFLAME_EXTRA_PYTHONS
sh scripts/build.sh --enable-werror
status=0
make -k check || status=$?
sh tests/summary.sh || status=$?
exit $status
