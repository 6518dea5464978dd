#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Run the end-to-end suite (pytest) against the freshly built pyflame.
# Exit 77 (skip) only when pytest itself is missing.
: "${PYTEST:=pytest-3}"
command -v "$PYTEST" >/dev/null 2>&1 || { echo "pytest not found: skipping e2e"; exit 77; }
exec "$PYTEST" -q -rs --junitxml="${top_builddir:-.}/tests/e2e/junit.xml" "${top_srcdir:-.}/tests/e2e"
