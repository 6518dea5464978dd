#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Median CPU of one native unwind of a thread about 50 frames deep: a
# Python target eight levels of Python -> C -> Python deep, then zlib
# (tests/e2e/targets/native_work.py deep 8), unwound ROUNDS times by
# tests/native/native-stack --bench (stop, unwind every thread, resume).
# Usage: native-unwind.sh BUILDDIR [PYTHON] [ROUNDS]
#   PYTHON defaults to the first python3.12 found (pyenv, then PATH).
set -e
build=${1:?usage: native-unwind.sh BUILDDIR [PYTHON] [ROUNDS]}
src=$(cd "$(dirname "$0")/.." && pwd)
python=${2:-}
rounds=${3:-1000}
if [ -z "$python" ]; then
	root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
	for p in "$root"/versions/3.12.*/bin/python3.12 "$(command -v python3.12 || true)"; do
		[ -x "$p" ] && python=$p && break
	done
fi
[ -n "$python" ] || { echo "native-unwind.sh: no python3.12 found; give one" >&2; exit 77; }
tool=$build/tests/native/native-stack
[ -x "$tool" ] || { echo "native-unwind.sh: build $tool first (make check)" >&2; exit 1; }
fifo=$(mktemp -u)
mkfifo "$fifo"
"$python" "$src/tests/e2e/targets/native_work.py" deep 8 >"$fifo" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$fifo"' EXIT
read -r line <"$fifo"
[ "$line" = ready ] || { echo "native-unwind.sh: the target did not start" >&2; exit 1; }
sleep 1
echo "$python, $rounds rounds:"
"$tool" --bench "$rounds" "$pid"
