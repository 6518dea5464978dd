#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Generate, configure and build pyflame in the source tree. Extra arguments go to configure.
set -e
cd "$(dirname "$0")/.."
./autogen.sh >/dev/null
./configure -q "$@"
make -j"$(nproc)"
