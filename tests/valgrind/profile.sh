#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Profile a busy Python target for one second with pyflame under valgrind
# (memcheck, full leak check), once per interpreter given (default python3),
# and fail on any valgrind error or leak, or if the profile lacks the target's
# hot stack. Runs $PYFLAME, else src/pyflame of the current directory; exits 77
# (skipped) only when ptrace is not permitted here, even without valgrind.
# valgrind 3.19 (Debian 12) has no openat2: pyflame's user-space walk inside
# the target's root is then the path taken, and checked here too.
set -e
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
pyflame=${PYFLAME:-src/pyflame}
work=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

# Start busy.py under interpreter $1; its pid in $pid once it is ready.
start_target() {
	"$1" "$top_srcdir/tests/e2e/targets/busy.py" --seconds 60 >"$work/ready" &
	pid=$!
	for _ in $(seq 100); do
		grep -q ready "$work/ready" && return 0
		sleep 0.1
	done
	echo "valgrind: $1 did not start busy.py"
	return 1
}

stop_target() {
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	pid=
}

[ $# -gt 0 ] || set -- python3
if [ ! -x "$pyflame" ]; then
	echo "valgrind: no pyflame at $pyflame"
	exit 1
fi
for py in "$@"; do
	start_target "$py"
	if ! "$pyflame" -s 0.1 -p "$pid" >/dev/null 2>"$work/plain.log"; then
		if grep -q 'not permitted' "$work/plain.log"; then
			echo "valgrind: skipped, ptrace is not permitted: $(cat "$work/plain.log")"
			exit 77
		fi
		echo "valgrind: pyflame cannot profile $py: $(cat "$work/plain.log")"
		exit 1
	fi
	if ! valgrind -q --error-exitcode=1 --leak-check=full \
		"$pyflame" -s 1 -p "$pid" >"$work/profile" 2>"$work/valgrind.log"; then
		cat "$work/valgrind.log"
		echo "valgrind: $py: errors (above)"
		exit 1
	fi
	if ! grep -q 'busy.py:inner:' "$work/profile"; then
		echo "valgrind: $py: the profile lacks the busy loop:"
		head -n 5 "$work/profile"
		exit 1
	fi
	echo "valgrind: $py: clean, $(wc -l <"$work/profile") stacks"
	stop_target
done
