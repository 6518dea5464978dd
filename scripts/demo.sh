#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# From a fresh Debian machine (as root): install, build, profile the bundled
# demo program, write collapsed stacks, and say how to view them.
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
sh scripts/build.sh
out=demo/demo.samp
./src/pyflame -r 0.005 -o "$out" -t "$(command -v python3)" demo/demo.py 3
echo
echo "pyflame: wrote $(wc -l < "$out") distinct stacks to $out; the heaviest:"
head -n 3 "$out" | cut -c 1-200
cat <<MSG

View it as a flame graph with flamegraph.pl (https://github.com/brendangregg/FlameGraph):
    flamegraph.pl $out > demo/demo.svg    # then open demo/demo.svg in a browser
MSG
