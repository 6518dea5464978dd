#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install what building and testing pyflame needs (Debian 12, as root).
set -e
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
	ca-certificates gcc make autoconf automake pkg-config python3 python3-pytest \
	libxml2-utils procps util-linux libpython3.11-dev
