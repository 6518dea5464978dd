#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# From a fresh Debian machine (as root): install, build, profile the bundled
# demo program, write an interactive flame graph and the collapsed stacks,
# and say how to view them.
set -e
cd "$(dirname "$0")/.."
sh scripts/deps.sh
sh scripts/build.sh
py=$(command -v python3)
./src/pyflame -r 0.005 -x -o demo/demo.svg -t "$py" demo/demo.py 3
./src/pyflame -r 0.005 -o demo/demo.samp -t "$py" demo/demo.py 3
echo
echo "pyflame: wrote $(wc -l < demo/demo.samp) distinct stacks to demo/demo.samp; the heaviest:"
head -n 3 demo/demo.samp | cut -c 1-200
cat <<MSG

The flame graph is demo/demo.svg: open it in a web browser
    (file://$(pwd)/demo/demo.svg)
Point at a box for its samples, click to zoom in, Search for a regular
expression. The same run in other formats:
    ./src/pyflame --format=speedscope -o demo/demo.speedscope.json -t $py demo/demo.py 3
    ./src/pyflame --format=pprof -o demo/demo.pb.gz -t $py demo/demo.py 3
MSG
