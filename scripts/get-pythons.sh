#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Fetch Debian's CPython 3.13.5 (trixie), 3.14 and 3.15 (sid) as .deb files
# through a private apt configuration and unpack them, without installing,
# into one tree per version under the cache directory ($PYFLAME_PYTHONS_CACHE,
# default /var/cache/pyflame-pythons). Trees already present are kept, so a
# second run needs no network; remove a tree to fetch that version again.
# Ends by writing $cache/extra-pythons.env, which sets PYFLAME_EXTRA_PYTHONS
# for the end-to-end suite. Run as root (apt-get download drops to _apt).
set -e
cache=${PYFLAME_PYTHONS_CACHE:-/var/cache/pyflame-pythons}
me=get-pythons.sh
libdir=usr/lib/x86_64-linux-gnu
loader=ld-linux-x86-64.so.2
work=

die() {
	echo "$me: $*" >&2
	exit 1
}

cleanup() {
	if [ -n "$work" ]; then
		rm -rf "$work"
	fi
}

# minor -> suite and the packages of its tree (sid's C library goes in all)
suite_of() {
	case $1 in
	3.13) echo trixie ;;
	*) echo sid ;;
	esac
}

packages_of() {
	s=$(suite_of "$1")
	for p in python$1-minimal libpython$1-minimal libpython$1-stdlib \
		libpython$1-dev libpython$1; do
		printf '%s/%s ' "$p" "$s"
	done
	printf 'libc6/sid libexpat1/sid zlib1g/sid'
	if [ "$1" = 3.15 ]; then
		printf ' libzstd1/sid'
	fi
	echo
}

# The one tree of a minor version in the cache, or nothing.
tree_of() {
	for t in "$cache/python$1".*; do
		if [ -x "$t/usr/bin/python$1" ]; then
			echo "$t"
			return
		fi
	done
}

# The command prefix that runs the interpreter of tree $1, minor $2.
run_cmd() {
	echo "$1/$libdir/$loader --library-path $1/$libdir $1/usr/bin/python$2"
}

# major.minor.micro of the interpreter in tree $1, minor $2.
probe() {
	# shellcheck disable=SC2046
	PYTHONHOME=$1/usr $(run_cmd "$1" "$2") -c \
		'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null
}

# A field (URIs, Signed-By) of the base-release stanza of the system's
# deb822 sources: the first enabled "deb" stanza that is not a -security one.
source_field() {
	cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v want="$1" '
		function flush() {
			if (deb && !sec && !off && val != "" && out == "") out = val
			deb = 0; sec = 0; off = 0; val = ""
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		tolower($1) == "types:" { deb = ($0 ~ /[ \t]deb([ \t]|$)/) }
		tolower($1) == "suites:" { sec = ($0 ~ /-security/) }
		tolower($1) == "enabled:" { off = (tolower($2) == "no") }
		tolower($1) == tolower(want) ":" { val = $2 }
		END { flush(); print out }'
}

# Write the private apt configuration under $work/apt; echo its -o options.
apt_setup() {
	uri=$(source_field URIs)
	key=$(source_field Signed-By)
	[ -n "$uri" ] || die "no Debian archive URI in /etc/apt/sources.list.d/*.sources"
	[ -f "$key" ] || die "no Signed-By keyring file in /etc/apt/sources.list.d/*.sources"
	a=$work/apt
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/parts" \
		"$a/prefs" "$a/sources.d"
	: >"$a/status"
	for s in trixie sid; do
		echo "deb [signed-by=$key] $uri $s main"
	done >"$a/sources.list"
	echo "-o Dir::Etc::SourceList=$a/sources.list" \
		"-o Dir::Etc::SourceParts=$a/sources.d" \
		"-o Dir::Etc::Parts=$a/parts" \
		"-o Dir::Etc::PreferencesParts=$a/prefs" \
		"-o Dir::State::Lists=$a/lists" \
		"-o Dir::State::status=$a/status" \
		"-o Dir::Cache=$a/cache" \
		"-o APT::Update::Error-Mode=any"
}

# apt-get with the private configuration; output goes to $work/apt.log and
# a failure ends the script with apt's first error line.
apt_run() {
	# shellcheck disable=SC2086
	if ! apt-get -q $opts "$@" >>"$work/apt.log" 2>&1; then
		line=$(grep -m1 '^E:' "$work/apt.log" || tail -n1 "$work/apt.log")
		die "apt-get $1 failed: ${line:-no output}"
	fi
}

# Unpack the downloaded packages of minor $1 into a temporary tree, check
# that the interpreter runs, then move the tree into place under its version.
unpack() {
	tmp=$work/tree-$1
	mkdir -p "$tmp"
	for p in $(packages_of "$1"); do
		name=${p%/*}
		set -- "$1" "$work/debs/${name}_"*.deb
		[ -f "$2" ] || die "package $p was not downloaded"
		dpkg-deb -x "$2" "$tmp" || die "cannot unpack $2"
	done
	v=$(probe "$tmp" "$1") || true
	case $v in
	"$1".*) ;;
	*) die "the unpacked python$1 does not run" ;;
	esac
	# a concurrent run may have put the same version in place first
	mv -T "$tmp" "$cache/python$v" 2>/dev/null || [ -d "$cache/python$v" ] ||
		die "cannot move the tree of python$v into $cache"
}

fetch() {
	work=$(mktemp -d "$cache/.work.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	opts=$(apt_setup)
	mkdir "$work/debs"
	chmod 755 "$work" "$work/debs"
	if id _apt >/dev/null 2>&1; then
		chown _apt "$work/debs"
	fi
	apt_run update
	pkgs=
	for m in $missing; do
		pkgs="$pkgs $(packages_of "$m")"
	done
	# each package once: sid's C library is shared by every tree
	# shellcheck disable=SC2086
	pkgs=$(printf '%s\n' $pkgs | sort -u)
	# shellcheck disable=SC2086
	(cd "$work/debs" && apt_run download $pkgs)
	for m in $missing; do
		unpack "$m"
	done
}

# One PYFLAME_EXTRA_PYTHONS entry per tree, written atomically.
write_env() {
	spec=
	for m in 3.13 3.14 3.15; do
		t=$(tree_of "$m")
		[ -n "$t" ] || die "no python$m tree in $cache"
		v=$(probe "$t" "$m") || die "python$m in $t does not run"
		entry="py$v-debian=PYTHONHOME=$t/usr $(run_cmd "$t" "$m")"
		spec="${spec:+$spec;}$entry"
	done
	printf "PYFLAME_EXTRA_PYTHONS='%s'\n" "$spec" >"$cache/extra-pythons.env.tmp"
	mv "$cache/extra-pythons.env.tmp" "$cache/extra-pythons.env"
}

case $cache in
/*) ;;
*) die "PYFLAME_PYTHONS_CACHE must be an absolute path: $cache" ;;
esac
case $cache in
*[!A-Za-z0-9/._+-]*) die "unsupported characters in cache path: $cache" ;;
esac
mkdir -p "$cache"
# work directories left behind by an interrupted run
find "$cache" -maxdepth 1 -name '.work.*' -mmin +60 -exec rm -rf {} +
missing=
for m in 3.13 3.14 3.15; do
	if [ -z "$(tree_of "$m")" ]; then
		missing="$missing $m"
	fi
done
if [ -n "$missing" ]; then
	fetch
fi
write_env
