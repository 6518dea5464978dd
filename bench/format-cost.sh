#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What writing each output format costs, against the CPU of the run it
# writes: one 60 s, 1 kHz run of bench/targets/mixed.py (a new stack at
# nearly every sample) recorded with --flamechart, pyflame's CPU time for
# it, then the median time of 11 writes of that profile in every format
# (tests/formats/convert -b). Run from a build directory after make check:
#   sh ../bench/format-cost.sh [PYTHON] [SECONDS] [RATE]
set -e
src=$(cd "$(dirname "$0")/.." && pwd)
py=${1:-/usr/bin/python3}
secs=${2:-60}
rate=${3:-0.001}
out=$(mktemp -d)
"$py" "$src/bench/targets/mixed.py" $((${secs%.*} + 30)) >"$out/ready" &
target=$!
while [ ! -s "$out/ready" ]; do sleep 0.1; done
/usr/bin/time -f "%U %S %e" -o "$out/time" ./src/pyflame -r "$rate" -s "$secs" --flamechart \
	-o "$out/rec" -p "$target"
kill "$target"
read -r user sys wall <"$out/time"
samples=$(($(wc -l <"$out/rec") / 2))
echo "run: $samples samples in $wall s, pyflame CPU ${user} s user + ${sys} s system"
./tests/formats/convert -b 11 -r "$(awk "BEGIN { print $rate * 1e6 }")" "$out/rec" "$out" |
	while read -r _ name ms; do
		awk -v n="$name" -v ms="$ms" -v u="$user" -v s="$sys" \
			'BEGIN { printf "%-11s %8.1f ms  %5.2f %% of the run'"'"'s CPU\n", n, ms, 100 * ms / 1000 / (u + s) }'
	done
ls -l "$out" | awk 'NR > 1 && $NF ~ /^out/ { print "  " $NF ": " $5 " bytes" }'
rm -rf "$out"
