#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Write seed inputs for the fuzz harnesses into OUTDIR/<harness>, taken at
# run time from this machine and the committed text fixtures (no binary is
# kept in the repository). Usage: make-seeds.sh OUTDIR [BUILDDIR]
#   elf        the test ELF fixtures (BUILDDIR/tests/unit), small real ELF
#              files of the installed interpreters, and the first 64 KiB of
#              the large ones (a truncated file must fail cleanly)
#   maps       /proc/self/maps of a shell tool and of live interpreters
#   linetable  every table of tests/fixtures/linetable-*.txt, as the harness
#              reads its input: format byte, firstlineno, addr, table
#   pystr      strings of each kind, lone surrogates, invalid UTF-8
#   pywalk     an interpreter laid out for each offset table by
#              BUILDDIR/tests/fuzz/pywalk-seeds, and a null one
#   pyrepr     ints (both size encodings), floats, str of each kind, bytes,
#              container items, type names, for each offset table
#   pylocals   the frames BUILDDIR/tests/unit/test-pylocals lays out for
#              every offset table (its PYLOCALS_SEEDS)
#   json       flags, then names, control characters, markup, malformed UTF-8
#   threadname the objects of tests/fixtures/threadnames-*.txt (names,
#              idents, threading._active's entries), each after the index
#              of its version's table
#   symbols    the symbol fixtures (BUILDDIR/tests/unit/sym-fixture*: whole,
#              stripped, MiniDebugInfo, debug link and debug file), each
#              after a selector byte (0: ELF only, 1: also a bare
#              .eh_frame_hdr), and this machine's libz
# Interpreters that are absent are skipped; seeds are rewritten each run.
set -e
me=make-seeds.sh
out=${1:?usage: $me OUTDIR [BUILDDIR]}
build=${2:-.}
src=$(cd "$(dirname "$0")/../.." && pwd)

root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
pythons=
for py in "$root"/versions/*/bin/python[23].[0-9]* /usr/bin/python[23].[0-9]*; do
	case $py in
	*-config | *-gdb.py) ;;
	*) [ -x "$py" ] && pythons="$pythons $py" ;;
	esac
done

for h in elf maps linetable pystr pywalk pyrepr pylocals json threadname symbols; do
	rm -rf "${out:?}/$h"
	mkdir -p "$out/$h"
done

# ---------------------------------------------------------------- elf
for f in "$build"/tests/unit/elf-fixture-pie "$build"/tests/unit/elf-fixture-nopie; do
	[ -f "$f" ] && cp "$f" "$out/elf/${f##*/}"
done
n=0
for py in $pythons; do
	n=$((n + 1))
	dir=${py%/bin/*}
	size=$(stat -c %s "$py")
	if [ "$size" -le 262144 ]; then
		cp "$py" "$out/elf/exe-$n"		# pyenv: a small program on libpython
	else
		head -c 65536 "$py" >"$out/elf/exe-head-$n"
	fi
	for lib in "$dir"/lib/libpython[23].[0-9]*.so.1.0; do
		[ -f "$lib" ] && head -c 65536 "$lib" >"$out/elf/lib-head-$n"
	done
	[ -f "$dir/lib/libpython3.so" ] && cp "$dir/lib/libpython3.so" "$out/elf/libpython3.so"
done

# ---------------------------------------------------------------- symbols
for f in "$build"/tests/unit/sym-fixture "$build"/tests/unit/sym-fixture-* \
	/usr/lib/x86_64-linux-gnu/libz.so.1; do
	[ -f "$f" ] || continue
	name=${f##*/}
	{ printf '\000'; cat "$f"; } >"$out/symbols/$name"
done
printf '\001\001\033\003\073\000\001\000\000\001\000\000\000\000\000\000\000\000\000\000\000' \
	>"$out/symbols/ehhdr"

# ---------------------------------------------------------------- maps
cat /proc/self/maps >"$out/maps/cat"
n=0
for py in $pythons; do
	n=$((n + 1))
	"$py" -c 'import sys; sys.stdout.write(open("/proc/self/maps").read())' \
		>"$out/maps/python-$n" 2>/dev/null || rm -f "$out/maps/python-$n"
done

# -------------------------------------- linetable, pystr, pywalk, threadname
python3 - "$out" "$src"/tests/fixtures/linetable-*.txt "$src"/tests/fixtures/threadnames-*.txt <<'PY'
import codecs, glob, os, struct, sys

out = sys.argv[1]
fixtures = [p for p in sys.argv[2:] if "/linetable-" in p]
names = [p for p in sys.argv[2:] if "/threadnames-" in p]
FORMATS = {"lnotab": 0, "lnotab-signed": 1, "linetable-310": 2, "locations": 3}


def write(harness, name, data):
    with open(os.path.join(out, harness, name), "wb") as f:
        f.write(data)


for path in fixtures:
    tag = os.path.basename(path)[len("linetable-"):-len(".txt")]
    fmt, n = None, 0
    for line in open(path):
        word = line.split()
        if word[:1] == ["format"]:
            fmt = FORMATS[word[1]]
        elif word[:1] == ["code"]:
            first, length = int(word[1]), int(word[2])
        elif word[:1] == ["table"]:
            table = b"" if word[1] == "-" else codecs.decode(word[1], "hex")
            addr = length // 2 & ~1
            n += 1
            write("linetable", "%s-%d" % (tag, n),
                  struct.pack("<Bii", fmt, first, addr) + table)

strings = [u"", u"main", u"caf\xe9", u"\u03a9mega \u4e2d", u"\U0001d11e clef"]
for i, s in enumerate(strings):
    for kind, codec in ((1, "latin-1"), (2, "utf-16-le"), (4, "utf-32-le")):
        try:
            write("pystr", "s%d-kind%d" % (i, kind), bytes([kind]) + s.encode(codec))
        except UnicodeEncodeError:
            pass
    write("pystr", "s%d-bytes" % i, b"\0" + s.encode("utf-8"))
write("pystr", "lone-surrogate", b"\2" + b"a\0\0\xd8b\0")
write("pystr", "past-unicode", b"\4" + struct.pack("<II", 0x41, 0x110000))
write("pystr", "bad-utf8", b"\0" + b"\xc0\x80 \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82")
write("pystr", "odd-length", b"\2abc")

# pyoffsets_all() order: 2.7, 3.6 ... 3.15
for path in names:
    table, n = None, 0
    for line in open(path):
        word = line.split()
        if word[:1] == ["version"]:
            v = int(word[1], 16)
            table = 0 if v >> 24 == 2 else (v >> 16 & 0xff) - 5
        elif word[:1] in (["str"], ["int"], ["keys"], ["table"]) and table is not None:
            n += 1
            data = word[2] if word[0] == "table" else word[1]
            write("threadname", "%s-%d" % (os.path.basename(path)[:-4], n),
                  bytes([table]) + codecs.decode(data, "hex"))

# The walker's input starts with the table index; zeros give each table a
# null interpreter list, the shortest valid sample.
for i in range(16):
    write("pywalk", "null-%d" % i, bytes([i]) + bytes(64))

# pyrepr: table, decoder (and kind bits), width, object bytes
head = bytes(16)
for t in range(11):
    two = head + struct.pack("<q", 2) + struct.pack("<II", 123456789, 7)
    tag = head + struct.pack("<Q", 2 << 3 | 2) + struct.pack("<II", 123456789, 7)
    write("pyrepr", "int-%d" % t, bytes([t, 0, 60]) + two)
    write("pyrepr", "int-tag-%d" % t, bytes([t, 0, 5]) + tag)
    write("pyrepr", "int27-%d" % t, bytes([t, 1, 60]) + head + struct.pack("<q", -42))
    write("pyrepr", "float-%d" % t, bytes([t, 2, 60]) + head + struct.pack("<d", 0.1))
for i, s in enumerate(strings):
    write("pyrepr", "str1-%d" % i, bytes([9, 3, 60]) + s.encode("utf-8"))
    write("pyrepr", "str2-%d" % i, bytes([9, 3 | 1 << 6, 3]) + s.encode("utf-16-le"))
write("pyrepr", "bytes", bytes([9, 4, 60]) + b"it's\0\xff\"")
write("pyrepr", "list", bytes([9, 6 | 1 << 3 | 4, 60]) + b"1\0'a'\0None")
write("pyrepr", "dict", bytes([9, 6 | 2 << 3 | 4, 60]) + b"'k'\x001")
write("pyrepr", "other", bytes([9, 7, 60]) + b"collections.deque\0")

for i, s in enumerate([b"", b"main", b"caf\xc3\xa9 \"q\" \\", b"\x00\x01\x1f\x7f",
                       b"\xc0\x80 \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82"]):
    write("json", "s%d" % i, b"\0" + s)
    write("json", "m%d" % i, b"\1<a>&" + s)
PY
if [ -x "$build/tests/unit/test-pylocals" ]; then
	PYLOCALS_SEEDS="$out/pylocals" "$build/tests/unit/test-pylocals" >/dev/null || true
fi
if [ -x "$build/tests/fuzz/pywalk-seeds" ]; then
	"$build/tests/fuzz/pywalk-seeds" "$out/pywalk"
fi
echo "$me: $(find "$out" -type f | wc -l) seeds in $out"
