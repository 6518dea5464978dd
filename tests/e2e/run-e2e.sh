#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run the end-to-end suite (pytest) against the freshly built pyflame.
# Exit 77 (skip) when pytest itself is missing; the suite also exits 77 when
# ptrace is not permitted and nothing failed (see conftest.py).
: "${PYTEST:=pytest-3}"
command -v "$PYTEST" >/dev/null 2>&1 || { echo "pytest not found: skipping e2e"; exit 77; }
# No cache or bytecode in the source tree, which may be read-only.
PYTHONDONTWRITEBYTECODE=1; export PYTHONDONTWRITEBYTECODE
exec "$PYTEST" -q -rs -p no:cacheprovider \
	--junitxml="${top_builddir:-.}/tests/e2e/junit.xml" "${top_srcdir:-.}/tests/e2e"
