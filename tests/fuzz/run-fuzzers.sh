#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run the fuzz harnesses of a build directory (the current one), one after
# the other, each on tests/fuzz/corpus/NAME (grown) and tests/fuzz/seeds/NAME
# (read only). Arguments go to libFuzzer after our defaults, e.g.
# -max_total_time=20 or -runs=10000000. FUZZ_HARNESSES picks harnesses
# (default: all of them). Prints one line of figures per
# harness; on a crash, a leak, a hang (-timeout, 10 s) or too much memory it
# shows the end of the report, keeps the input under tests/fuzz/artifacts
# and exits 1 once all have run.
dir=tests/fuzz
status=0
mkdir -p "$dir/artifacts"
for h in ${FUZZ_HARNESSES:-elf maps linetable pystr pywalk pyrepr pylocals json threadname symbols}; do
	bin=$dir/fuzz-$h
	log=$dir/fuzz-$h.log
	if [ ! -x "$bin" ]; then
		echo "fuzz-$h: $bin is missing (configure --enable-fuzz CC=clang; make)"
		status=1
		continue
	fi
	mkdir -p "$dir/corpus/$h" "$dir/seeds/$h"
	start=$(date +%s)
	if "$bin" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/$h-" "$@" \
		"$dir/corpus/$h" "$dir/seeds/$h" >"$log" 2>&1; then
		verdict="no crash"
	else
		verdict="FAILED (see $log)"
		status=1
	fi
	secs=$(($(date +%s) - start))
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, ft \2, corpus \3/p')
	echo "fuzz-$h: ${runs:-?} runs in ${secs} s (${speed:-?}/s), ${cov:-no coverage line}," \
		"peak RSS ${rss:-?} MB: $verdict"
	case $verdict in
	FAILED*) grep -E -A 30 '^==[0-9]+==ERROR|BUG at|^SUMMARY|deadly signal|Test unit written' "$log" | head -n 60 ;;
	esac
done
exit $status
