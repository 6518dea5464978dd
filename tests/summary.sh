#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Print "N passed, N failed, N skipped": every TAP point of the C unit tests
# and the offset checker (from automake's .trs files) plus every pytest test
# (from its junit xml).
# Reads the build directory given as $1 (default: the source tree).
# Exits 1 if anything failed or no test ran at all.
cd "${1:-$(dirname "$0")/..}"
trs=$(find tests -name '*.trs' ! -path 'tests/e2e/*' 2>/dev/null)
count() { if [ -n "$trs" ]; then cat $trs | grep -c "^:test-result: $1"; else echo 0; fi; }
pass=$(count PASS); fail=$(( $(count FAIL) + $(count ERROR) + $(count XPASS) )); skip=$(count SKIP)
xml=tests/e2e/junit.xml
if [ -f "$xml" ]; then
	eval "$(python3 - "$xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = f = s = 0
for su in suites:
    t += int(su.get("tests", 0)); s += int(su.get("skipped", 0))
    f += int(su.get("failures", 0)) + int(su.get("errors", 0))
print("et=%d ef=%d es=%d" % (t, f, s))
PY
)"
	pass=$((pass + et - ef - es)); fail=$((fail + ef)); skip=$((skip + es))
else
	echo "no end-to-end results ($xml missing)"
	fail=$((fail + 1))
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
