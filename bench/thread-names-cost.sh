#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# What --thread-names costs a sample: pyflame's CPU time (user + system)
# per sample, with and without it, over RUNS alternating runs of SECONDS,
# one sample every RATE seconds (default 0.001), with --threads against tests/e2e/targets/named_threads.py (five
# threads, one renamed during each run), and the medians. Run from a build
# directory:
#   sh ../bench/thread-names-cost.sh [PYTHON] [SECONDS] [RUNS] [RATE]
set -e
src=$(cd "$(dirname "$0")/.." && pwd)
py=${1:-/usr/bin/python3}
secs=${2:-10}
runs=${3:-7}
rate=${4:-0.001}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# one run: "CPU-us-per-sample samples"
run() {
	"$py" "$src/tests/e2e/targets/named_threads.py" --report "$out/report" \
		--seconds $((secs + 30)) >"$out/ready" &
	target=$!
	while [ ! -s "$out/ready" ]; do sleep 0.1; done
	/usr/bin/time -f "%U %S" -o "$out/time" ./src/pyflame "$@" --threads -r "$rate" \
		-s "$secs" -o "$out/prof" -p "$target" 2>"$out/stats" --stats
	kill "$target"
	wait "$target" 2>/dev/null || true
	: >"$out/ready"
	read -r user sys <"$out/time"
	samples=$(sed -n 's/.*samples=\([0-9]*\).*/\1/p' "$out/stats")
	awk -v u="$user" -v s="$sys" -v n="$samples" 'BEGIN { printf "%.1f %d\n", (u + s) * 1e6 / n, n }'
}

median() {
	sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

: >"$out/without"
: >"$out/with"
i=0
while [ "$i" -lt "$runs" ]; do
	run >>"$out/without"
	run --thread-names >>"$out/with"
	i=$((i + 1))
done
a=$(cut -d' ' -f1 "$out/without" | median)
b=$(cut -d' ' -f1 "$out/with" | median)
echo "without --thread-names: $(tr '\n' ' ' <"$out/without" | sed 's/ \([0-9]*\) / (\1) /g')"
echo "with --thread-names:    $(tr '\n' ' ' <"$out/with" | sed 's/ \([0-9]*\) / (\1) /g')"
awk -v a="$a" -v b="$b" 'BEGIN { printf "median CPU per sample: %.1f us without, %.1f us with (x%.3f)\n", a, b, b / a }'
