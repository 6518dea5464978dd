#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Print one line "N passed, N failed, N skipped" over every argument, each a
# build directory or a .trs file (default: the source tree):
# - a build directory counts every TAP point of the C unit tests and the
#   offset checker (automake's .trs files) plus every pytest test (its junit
#   xml; a directory without one counts as one failure);
# - a .trs file counts its own results (a CI step outside `make check`).
# Notes (among them the name of each end-to-end test that failed, on
# stderr) come before the summary, which is always the last line.
# Exits 1 if anything failed or no test ran at all.
pass=0
fail=0
skip=0

# The number of results $1 in the .trs files that follow.
count() {
	want=$1
	shift
	cat "$@" | grep -c "^:test-result: $want" || true
}

# Add the results of the .trs files given.
add_trs() {
	[ $# -gt 0 ] || return 0
	pass=$((pass + $(count PASS "$@")))
	skip=$((skip + $(count SKIP "$@")))
	fail=$((fail + $(count FAIL "$@") + $(count ERROR "$@") + $(count XPASS "$@")))
}

# Add the pytest results of junit xml $1; name each test that failed, with
# the first line of its message, on stderr.
add_junit() {
	et=0 ef=0 es=0
	eval "$(python3 - "$1" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = f = s = 0
for su in suites:
    t += int(su.get("tests", 0)); s += int(su.get("skipped", 0))
    f += int(su.get("failures", 0)) + int(su.get("errors", 0))
    for case in su.iter("testcase"):
        for bad in case.findall("failure") + case.findall("error"):
            why = (bad.get("message") or "").strip().split("\n")[0]
            sys.stderr.write("FAILED %s: %s::%s: %s\n" % (
                sys.argv[1], case.get("classname"), case.get("name"), why))
print("et=%d ef=%d es=%d" % (t, f, s))
PY
)"
	pass=$((pass + et - ef - es)); fail=$((fail + ef)); skip=$((skip + es))
}

add_dir() {
	# shellcheck disable=SC2046
	add_trs $(find "$1/tests" -name '*.trs' ! -path "$1/tests/e2e/*" 2>/dev/null)
	if [ -f "$1/tests/e2e/junit.xml" ]; then
		add_junit "$1/tests/e2e/junit.xml"
	else
		echo "no end-to-end results ($1/tests/e2e/junit.xml missing)"
		fail=$((fail + 1))
	fi
}

[ $# -gt 0 ] || set -- "$(dirname "$0")/.."
for arg in "$@"; do
	case $arg in
	*.trs)
		if [ -f "$arg" ]; then
			add_trs "$arg"
		else
			echo "no result in $arg"
			fail=$((fail + 1))
		fi ;;
	*) add_dir "$arg" ;;
	esac
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
