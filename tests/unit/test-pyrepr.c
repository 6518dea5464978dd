/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-pyrepr.c - repr() text of values laid out as each version lays them
 * out. Floats and ints are checked against the reprs a real interpreter
 * gave (tests/fixtures/reprs.txt, gen-reprs.py); strings, bytes and
 * containers against the rules of both Python 2 and 3, case by case.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pyrepr.h"
#include "tap.h"

static const struct pyrepr_style py311 = { 0x030b07f0, 100000 };
static const struct pyrepr_style py27 = { 0x020712f0, 100000 };

/* Whether the text made is `want`; the buffer is emptied for the next. */
static bool text_is(struct strbuf *sb, const char *want)
{
	bool same = same_text(sb->buf, want);

	strbuf_reset(sb);
	return same;
}

/* ------------------------------------------------------------ fixture */

/* The magnitude in hex as little-endian 30-bit digits; their count. */
static size_t hex_digits(const char *hex, uint32_t *d, size_t cap)
{
	size_t len = strlen(hex), n = 0, bit = 0;

	memset(d, 0, cap * sizeof *d);
	for (size_t i = len; i-- > 0;) {
		unsigned v = (unsigned)strtoul((char[]){ hex[i], 0 }, NULL, 16);

		for (int b = 0; b < 4; b++, bit++)
			if (v >> b & 1 && bit / 30 < cap)
				d[bit / 30] |= 1u << (bit % 30);
	}
	for (size_t i = 0; i < cap; i++)
		if (d[i])
			n = i + 1;
	return n;
}

/* An int object of `o`'s layout in `obj`: magnitude d[0..n), its sign. */
static size_t make_long(const struct pyoffsets *o, uint8_t *obj, const uint32_t *d, size_t n,
			bool negative)
{
	int64_t size = negative ? -(int64_t)n : (int64_t)n;

	if (o->long_model == LONG_TAG)
		size = (int64_t)((uint64_t)n << 3 | (n == 0 ? 1u : negative ? 2u : 0u));
	memset(obj, 0, o->long_digits);
	memcpy(obj + o->long_size, &size, 8);
	memcpy(obj + o->long_digits, d, 4 * n);
	return o->long_digits + 4 * n;
}

static bool check_int(const char *hex, const char *want, struct strbuf *sb)
{
	static const unsigned abis[] = { 27, 311, 312, 314 };
	uint32_t d[PYREPR_INT_DIGITS];
	uint8_t obj[64 + 4 * PYREPR_INT_DIGITS];
	size_t n = hex_digits(hex, d, PYREPR_INT_DIGITS);
	bool good = true;

	for (size_t i = 0; i < PF_ARRAY_SIZE(abis); i++) {
		const struct pyoffsets *o = pyoffsets_for_abi(abis[i]);
		const struct pyrepr_style *st = abis[i] == 27 ? &py27 : &py311;
		size_t len = make_long(o, obj, d, n, want[0] == '-');
		char expect[2100];

		snprintf(expect, sizeof expect, "%s%s", want, abis[i] == 27 ? "L" : "");
		good = good && pyrepr_long(o, st, obj, len, sb) == 0 && text_is(sb, expect);
	}
	return good;
}

static void test_fixture(void)
{
	const char *top = getenv("top_srcdir");
	char path[1024], line[4096], hex[2048], want[2048];
	struct strbuf sb;
	size_t floats = 0, ints = 0, bad = 0;
	FILE *f;

	snprintf(path, sizeof path, "%s/tests/fixtures/reprs.txt", top ? top : ".");
	f = fopen(path, "r");
	ok(f != NULL, "fixture %s", path);
	if (!f)
		return;
	strbuf_init(&sb);
	while (fgets(line, sizeof line, f)) {
		char kind;

		if (sscanf(line, "%c %2047s %2047s", &kind, hex, want) != 3 || line[0] == '#')
			continue;
		if (kind == 'f') {
			uint64_t bits = strtoull(hex, NULL, 16);
			double v;

			memcpy(&v, &bits, 8);
			pyrepr_double(v, &sb);
			bad += !text_is(&sb, want);
			floats++;
		} else if (kind == 'i') {
			bad += !check_int(hex, want, &sb);
			ints++;
		}
	}
	fclose(f);
	strbuf_release(&sb);
	ok(floats > 3000 && ints > 200 && bad == 0,
	   "%zu floats and %zu ints as the interpreter wrote them (%zu differ)", floats, ints, bad);
}

/* ---------------------------------------------------------------- ints */

static void test_int_limits(void)
{
	const struct pyoffsets *o = pyoffsets_for_abi(312);
	const struct pyrepr_style narrow = { 0x030c01f0, 5 };
	uint8_t obj[64 + 4 * (PYREPR_INT_DIGITS + 1)];
	uint32_t d[PYREPR_INT_DIGITS + 1] = { 0 };
	struct strbuf sb;
	uint64_t n;
	bool neg;
	int64_t tag;

	strbuf_init(&sb);
	d[0] = 123456789;	/* + 7 * 2^30 = 7639649557 */
	d[1] = 7;
	ok(pyrepr_long(o, &narrow, obj, make_long(o, obj, d, 2, false), &sb) == 0 &&
	   text_is(&sb, "76396... (10 digits)"), "an int wider than the width is cut, digits counted");
	ok(pyrepr_long(o, &py311, obj, make_long(o, obj, d, 0, false), &sb) == 0 && text_is(&sb, "0"),
	   "zero (3.12 tag: sign 1, no digit)");
	d[1] = 1u << 30;
	ok(pyrepr_long(o, &py311, obj, make_long(o, obj, d, 2, false), &sb) == -PF_EFORMAT,
	   "a digit wider than 30 bits is refused");
	d[1] = 7;
	ok(pyrepr_long(o, &py311, obj, o->long_digits + 4, &sb) == -PF_EFORMAT &&
	   pyrepr_long(o, &py311, obj, o->long_size + 4, &sb) == -PF_EFORMAT,
	   "digits or header past the copy are refused");
	tag = 1 << 3 | 1;	/* "zero" with a digit */
	memcpy(obj + o->long_size, &tag, 8);
	ok(pyrepr_long_size(o, obj, sizeof obj, &n, &neg) == -PF_EFORMAT, "an impossible tag is refused");
	tag = 1 << 3 | 3;
	memcpy(obj + o->long_size, &tag, 8);
	ok(pyrepr_long_size(o, obj, sizeof obj, &n, &neg) == -PF_EFORMAT, "an unknown sign is refused");
	tag = 2 << 3 | 2 | 4;	/* 3.14's immortal bit set */
	memcpy(obj + o->long_size, &tag, 8);
	ok(pyrepr_long_size(o, obj, sizeof obj, &n, &neg) == 0 && n == 2 && neg,
	   "the immortality bit is not part of the sign");
	make_long(o, obj, d, PYREPR_INT_DIGITS + 1, true);
	ok(pyrepr_long(o, &py311, obj, sizeof obj, &sb) == -PF_ELIMIT, "too many digits to convert");
	pyrepr_long_bits(PYREPR_INT_DIGITS + 1, 7, 30, true, &sb);
	ok(text_is(&sb, "<negative int of 18003 bits>"), "a huge int by its bit length");
	{
		const struct pyoffsets *o27 = pyoffsets_for_abi(27);
		uint8_t i27[32] = { 0 };
		int64_t v = -42;

		memcpy(i27 + o27->int27_value, &v, 8);
		ok(pyrepr_int27(o27, i27, sizeof i27, &sb) == 0 && text_is(&sb, "-42") &&
		   pyrepr_int27(o27, i27, 20, &sb) == -PF_EFORMAT, "a 2.7 int, no suffix; short refused");
	}
	strbuf_release(&sb);
}

/* ---------------------------------------------------- strings, bytes */

static bool str_is(const struct pyrepr_style *st, unsigned kind, const void *data, size_t len,
		   uint64_t total, const char *want, struct strbuf *sb)
{
	return pyrepr_str(st, kind, data, len, total, sb) == 0 && text_is(sb, want);
}

static void test_strings(void)
{
	static const uint16_t ucs2[] = { 0x51fd, 0x6570, 0x00a0, 0x2028, 0xd800 };
	static const uint32_t ucs4[] = { 0x1f40d, 0x0e01, 0x10ffff, 0x1f6dc };
	const struct pyrepr_style narrow = { 0x030b07f0, 3 };
	const struct pyrepr_style py312 = { 0x030c01f0, 100 };
	struct strbuf sb;

	strbuf_init(&sb);
	ok(str_is(&py311, 1, "it's", 4, 4, "\"it's\"", &sb) && str_is(&py311, 1, "a'\"b", 4, 4, "'a\\'\"b'", &sb),
	   "the quote repr() picks, and the escaped one");
	ok(str_is(&py311, 1, "\t\n\r\\\x01\x7f", 6, 6, "'\\t\\n\\r\\\\\\x01\\x7f'", &sb),
	   "control characters and the backslash escaped");
	ok(str_is(&py311, 1, "caf\xe9\xa0", 5, 5, "'caf\xc3\xa9\\xa0'", &sb),
	   "Latin-1: printable kept as UTF-8, no-break space escaped");
	ok(str_is(&py311, 2, ucs2, sizeof ucs2, 5, "'\xe5\x87\xbd\xe6\x95\xb0\\xa0\\u2028\\ud800'", &sb),
	   "UCS-2: CJK kept; separators and a lone surrogate escaped");
	ok(str_is(&py311, 4, ucs4, sizeof ucs4, 4,
		  "'\xf0\x9f\x90\x8d\xe0\xb8\x81\\U0010ffff\\U0001f6dc'", &sb) &&
	   str_is(&py312, 4, ucs4 + 3, 4, 1, "'\xf0\x9f\x9b\x9c'", &sb),
	   "UCS-4: a character of Unicode 15 is escaped by 3.11, kept by 3.12");
	ok(str_is(&py27, 2, ucs2, 4, 2, "u'\\u51fd\\u6570'", &sb) &&
	   str_is(&py27, 1, "caf\xe9", 4, 4, "u'caf\\xe9'", &sb),
	   "2.7 unicode: 'u', every non-ASCII character escaped");
	ok(str_is(&narrow, 1, "abcdef", 6, 10485760, "'abc'... (10485760 chars)", &sb),
	   "a long str cut to the width, its length said");
	ok(pyrepr_str(&py311, 3, (const uint8_t *)"abc", 3, 1, &sb) == -PF_EFORMAT &&
	   pyrepr_str(&py311, 2, (const uint8_t *)"abc", 3, 1, &sb) == -PF_EFORMAT,
	   "a bad kind or length is refused");
	pyrepr_bytes(&py311, (const uint8_t *)"a'\x00\xff\"", 5, 5, &sb);
	ok(text_is(&sb, "b'a\\'\\x00\\xff\"'"), "bytes: b prefix, every non-ASCII byte escaped");
	pyrepr_bytes(&py27, (const uint8_t *)"it's", 4, 4, &sb);
	ok(text_is(&sb, "\"it's\""), "a 2.7 str: no prefix, smart quotes");
	pyrepr_bytes(&narrow, (const uint8_t *)"abcdef", 6, 6, &sb);
	ok(text_is(&sb, "b'abc'... (6 bytes)"), "long bytes cut, length said");
	strbuf_release(&sb);
}

/* ---------------------------------------------------------- containers */

static bool container_is(const struct pyrepr_style *st, enum pyrepr_container kind, uint64_t len,
			 size_t nshown, bool complete, const char *want, struct strbuf *sb)
{
	static const char *const items[] = { "1", "'a'", "None", "2.5", "True", "b''", "3", "4",
					     "5", "6" };
	static const size_t ilen[] = { 1, 3, 4, 3, 4, 3, 1, 1, 1, 1 };

	pyrepr_container(st, kind, len, items, ilen, nshown, complete, sb);
	return text_is(sb, want);
}

static void test_containers(void)
{
	struct strbuf sb;

	strbuf_init(&sb);
	ok(container_is(&py311, PYREPR_TUPLE, 1, 1, true, "(1,)", &sb) &&
	   container_is(&py311, PYREPR_TUPLE, 0, 0, true, "()", &sb) &&
	   container_is(&py311, PYREPR_TUPLE, 2, 2, true, "(1, 'a')", &sb),
	   "tuples: one item has its comma");
	ok(container_is(&py311, PYREPR_LIST, 3, 3, true, "[1, 'a', None]", &sb) &&
	   container_is(&py311, PYREPR_DICT, 2, 2, true, "{1: 'a', None: 2.5}", &sb) &&
	   container_is(&py311, PYREPR_DICT, 0, 0, true, "{}", &sb), "lists and dicts");
	ok(container_is(&py311, PYREPR_SET, 2, 2, true, "{1, 'a'}", &sb) &&
	   container_is(&py311, PYREPR_SET, 0, 0, true, "set()", &sb) &&
	   container_is(&py311, PYREPR_FROZENSET, 1, 1, true, "frozenset({1})", &sb) &&
	   container_is(&py311, PYREPR_FROZENSET, 0, 0, true, "frozenset()", &sb), "sets as 3.x writes them");
	ok(container_is(&py27, PYREPR_SET, 2, 2, true, "set([1, 'a'])", &sb) &&
	   container_is(&py27, PYREPR_SET, 0, 0, true, "set([])", &sb) &&
	   container_is(&py27, PYREPR_FROZENSET, 1, 1, true, "frozenset([1])", &sb), "and as 2.7 does");
	ok(container_is(&py311, PYREPR_LIST, 100000, 5, true, "<list len=100000> [1, 'a', None, 2.5, True, ...]", &sb) &&
	   container_is(&py311, PYREPR_DICT, 100000, 2, true, "<dict len=100000> {1: 'a', None: 2.5, ...}", &sb),
	   "more items than shown: type, length, the first ones");
	ok(container_is(&py311, PYREPR_LIST, 2, 0, false, "<list len=2>", &sb) &&
	   container_is(&py311, PYREPR_TUPLE, 2, 2, false, "<tuple len=2> (1, 'a')", &sb),
	   "an item that is not simple: type and length, no items; one cut: marked form");
	strbuf_release(&sb);
}

static void test_other(void)
{
	struct strbuf sb;

	strbuf_init(&sb);
	pyrepr_other("Foo", 3, 0x7f00deadbeef, &sb);
	ok(text_is(&sb, "<Foo at 0x7f00deadbeef>"), "another object: its type name and address");
	pyrepr_other("collections.deque\0junk", 22, 0x10, &sb);
	ok(text_is(&sb, "<collections.deque at 0x10>"), "the name ends at its NUL");
	pyrepr_other("a b>\n\xff", 6, 0x10, &sb);
	ok(text_is(&sb, "<a?b??? at 0x10>"), "odd bytes in a name become '?'");
	pyrepr_other("", 0, 0x10, &sb);
	ok(text_is(&sb, "<object at 0x10>"), "an empty name");
	strbuf_release(&sb);
	ok(!pyrepr_printable(0xa0, 11) && pyrepr_printable(0xe9, 6) && pyrepr_printable(0x1f40d, 15) &&
	   !pyrepr_printable(0x1f6dc, 11) && pyrepr_printable(0x1f6dc, 12) &&
	   !pyrepr_printable(0x110000, 12) && pyrepr_printable(0x1f6dc, 99),
	   "printable as each version's Unicode data says; later versions as the newest");
}

int main(void)
{
	test_fixture();
	test_int_limits();
	test_strings();
	test_containers();
	test_other();
	return done_testing();
}
