#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install the programs that read pyflame's output formats, for the
# end-to-end tests (tests/e2e/test_consumers.py), outside the source tree:
# - the npm tools of tests/consumers (speedscope, puppeteer-core, DevTools'
#   trace engine), exactly as its package-lock.json says (npm ci);
# - Google's pprof command, built offline from Debian's source package
#   golang-github-google-pprof-dev with Debian's Go (scripts/deps.sh
#   installs both, and chromium).
# Everything goes into $PYFLAME_CONSUMERS (default
# /var/cache/pyflame-consumers); the tests read it from that variable.
# Prints the consumers' versions; exits non-zero if one cannot be had.
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
dest=${PYFLAME_CONSUMERS:-/var/cache/pyflame-consumers}
mkdir -p "$dest/npm" "$dest/bin" "$dest/gocache"

# npm ci wipes node_modules: skip it when the lock installed is this one.
if ! cmp -s "$here/tests/consumers/package-lock.json" "$dest/npm/package-lock.json" ||
	[ ! -d "$dest/npm/node_modules" ]; then
	cp "$here/tests/consumers/package.json" "$here/tests/consumers/package-lock.json" "$dest/npm/"
	(cd "$dest/npm" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

if [ ! -x "$dest/bin/pprof" ]; then
	GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= \
		GOCACHE="$dest/gocache" go build -o "$dest/bin/pprof" github.com/google/pprof
fi

echo "consumers in $dest: speedscope $(node -p "require('$dest/npm/node_modules/speedscope/package.json').version")," \
	"puppeteer-core $(node -p "require('$dest/npm/node_modules/puppeteer-core/package.json').version")," \
	"trace_engine $(node -p "require('$dest/npm/node_modules/@paulirish/trace_engine/package.json').version")," \
	"pprof $(go version | cut -d' ' -f3) build, $(chromium --version 2>/dev/null || echo 'no chromium')"
