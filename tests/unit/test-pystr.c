/* SPDX-License-Identifier: Apache-2.0 */
/* test-pystr.c - str payloads of every kind and 2.7 byte strings to UTF-8. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pystr.h"
#include "strbuf.h"
#include "xalloc.h"
#include "tap.h"

/*
 * Convert an exactly sized heap copy of `data` (so that a read past it is
 * caught by the address sanitizer); the UTF-8 must equal `want` byte for byte.
 */
static bool str_is(unsigned kind, const void *data, size_t len,
		   const char *want, size_t want_len)
{
	uint8_t *copy = len ? xmemdup(data, len) : NULL;
	struct strbuf sb;
	bool good;

	strbuf_init(&sb);
	strbuf_addstr(&sb, "<");	/* appends, never overwrites */
	good = pystr_to_utf8(kind, copy, len, &sb) == 0 &&
	       sb.len == want_len + 1 && memcmp(sb.buf + 1, want, want_len) == 0 &&
	       sb.buf[sb.len] == '\0';
	if (!good)
		printf("# kind %u, %zu bytes: got %zu bytes\n", kind, len, sb.len - 1);
	strbuf_release(&sb);
	free(copy);
	return good;
}

static bool bytes_are(const void *data, size_t len, const char *want, size_t want_len)
{
	uint8_t *copy = len ? xmemdup(data, len) : NULL;
	struct strbuf sb;
	bool good;

	strbuf_init(&sb);
	pystr_bytes_to_utf8(copy, len, &sb);
	good = sb.len == want_len && memcmp(sb.buf, want, want_len) == 0;
	if (!good) {
		printf("# %zu bytes in, got:", len);
		for (size_t i = 0; i < sb.len; i++)
			printf(" %02x", (unsigned char)sb.buf[i]);
		printf("\n");
	}
	strbuf_release(&sb);
	free(copy);
	return good;
}

#define STR_IS(kind, data, want) \
	str_is((kind), (data), sizeof(data), (want), sizeof(want) - 1)
#define BYTES_ARE(data, want) \
	bytes_are((data), sizeof(data), (want), sizeof(want) - 1)

static void test_kind1(void)
{
	static const uint8_t ascii[] = "main_loop";
	static const uint8_t latin1[] = { 'f', 'u', 'n', 0xe7, 0xe3, 'o' };
	static const uint8_t edges[] = { 0x00, 0x7f, 0x80, 0xff };

	ok(str_is(1, ascii, 9, "main_loop", 9), "kind 1: ASCII unchanged");
	ok(STR_IS(1, latin1, "fun\xc3\xa7\xc3\xa3o"), "kind 1: Latin-1 função");
	ok(STR_IS(1, edges, "\xef\xbf\xbd\x7f\xc2\x80\xc3\xbf"),
	   "kind 1: U+0000 becomes U+FFFD; 7F, 80, FF kept");
	ok(str_is(1, NULL, 0, "", 0), "kind 1: empty string");
}

static void test_kind2(void)
{
	/* 函数 is U+51FD U+6570 */
	static const uint8_t bmp[] = { 0xfd, 0x51, 0x70, 0x65 };
	static const uint8_t mixed[] = { 'a', 0, 0xe9, 0, 0xac, 0x20, 0xff, 0xff };
	/* a high and a low surrogate side by side stay two lone ones */
	static const uint8_t pair[] = { 0x3d, 0xd8, 0x00, 0xde, 'x', 0 };
	static const uint8_t lone[] = { 0x00, 0xdc, 0xff, 0xdb };

	ok(STR_IS(2, bmp, "\xe5\x87\xbd\xe6\x95\xb0"), "kind 2: 函数");
	ok(STR_IS(2, mixed, "a\xc3\xa9\xe2\x82\xac\xef\xbf\xbf"),
	   "kind 2: one-, two- and three-byte forms (a, é, €, U+FFFF)");
	ok(STR_IS(2, pair, "\xef\xbf\xbd\xef\xbf\xbdx"),
	   "kind 2: surrogates are never paired, each becomes U+FFFD");
	ok(STR_IS(2, lone, "\xef\xbf\xbd\xef\xbf\xbd"), "kind 2: lone surrogates");
	ok(str_is(2, (const uint8_t *)"a\0\0\0b\0", 6, "a\xef\xbf\xbd" "b", 5),
	   "kind 2: an embedded NUL becomes U+FFFD, the rest is kept");
}

static void test_kind4(void)
{
	static const uint8_t astral[] = { 0x00, 0xf6, 0x01, 0x00, 'z', 0, 0, 0 };
	static const uint8_t edges[] = {
		0xff, 0xff, 0x10, 0x00,		/* U+10FFFF, the last one */
		0x00, 0x00, 0x11, 0x00,		/* past it */
		0xff, 0xff, 0xff, 0xff,		/* far past it */
		0x00, 0xd8, 0x00, 0x00,		/* a surrogate */
		0x00, 0x00, 0x01, 0x00,		/* U+10000, the first astral */
		0x41, 0x00, 0x00, 0x01,		/* the top byte counts too */
	};

	ok(STR_IS(4, astral, "\xf0\x9f\x98\x80z"), "kind 4: U+1F600");
	ok(STR_IS(4, edges, "\xf4\x8f\xbf\xbf\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		  "\xf0\x90\x80\x80\xef\xbf\xbd"),
	   "kind 4: U+10FFFF kept; above it and surrogates become U+FFFD");
}

static void test_bad_shape(void)
{
	static const uint8_t data[8] = { 'a', 0, 0, 0, 'b', 0, 0, 0 };
	struct strbuf sb;

	strbuf_init(&sb);
	ok(pystr_to_utf8(3, data, 6, &sb) == -PF_EFORMAT &&
	   pystr_to_utf8(0, data, 0, &sb) == -PF_EFORMAT &&
	   pystr_to_utf8(8, data, 8, &sb) == -PF_EFORMAT, "kinds other than 1, 2, 4");
	ok(pystr_to_utf8(2, data, 7, &sb) == -PF_EFORMAT &&
	   pystr_to_utf8(4, data, 6, &sb) == -PF_EFORMAT,
	   "a length that is not a multiple of the kind");
	ok(sb.len == 0, "nothing appended on error");
	strbuf_release(&sb);
}

static void test_bytes_valid(void)
{
	static const uint8_t utf8[] = "f\xc3\xa9 \xe5\x87\xbd \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf";
	static const uint8_t edges[] = "\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80"
				       "\xf0\x90\x80\x80";

	ok(bytes_are(utf8, sizeof utf8 - 1, (const char *)utf8, sizeof utf8 - 1),
	   "bytes: valid one- to four-byte sequences pass through");
	ok(bytes_are(edges, sizeof edges - 1, (const char *)edges, sizeof edges - 1),
	   "bytes: the smallest and largest valid sequences of each shape");
	ok(bytes_are(NULL, 0, "", 0), "bytes: empty");
}

#define FFFD "\xef\xbf\xbd"

static void test_bytes_invalid(void)
{
	static const uint8_t cut2[] = { 'a', 0xc3 };
	static const uint8_t cut3[] = { 0xe5, 0x87, 'b' };
	static const uint8_t cut4[] = { 0xf0, 0x9f, 0x98 };
	static const uint8_t overlong[] = { 0xc0, 0xaf, 0xc1, 0xbf, 0xe0, 0x80, 0xaf };
	static const uint8_t overlong4[] = { 0xf0, 0x8f, 0xbf, 0xbf };
	static const uint8_t surrogate[] = { 0xed, 0xa0, 0x80 };
	static const uint8_t too_big[] = { 0xf4, 0x90, 0x80, 0x80, 0xf5, 0x80 };
	static const uint8_t f5_f7[] = { 0xf5, 0x80, 0x80, 0x80, 0xf7, 0xbf, 0xbf, 0xbf };
	static const uint8_t ff[] = { 0xff, 'x', 0xfe };
	static const uint8_t cont[] = { 0x80, 0xbf };
	/* Latin-1 "função" as 2.7 would hold it: ç ã are lead bytes without a tail */
	static const uint8_t latin1[] = { 'f', 'u', 'n', 0xe7, 0xe3, 'o' };

	ok(BYTES_ARE(cut2, "a" FFFD), "bytes: a two-byte sequence cut at the end");
	ok(BYTES_ARE(cut3, FFFD FFFD "b"), "bytes: a three-byte sequence cut short");
	ok(BYTES_ARE(cut4, FFFD FFFD FFFD), "bytes: a four-byte sequence cut at the end");
	ok(BYTES_ARE(overlong, FFFD FFFD FFFD FFFD FFFD FFFD FFFD),
	   "bytes: overlong two- and three-byte forms, one U+FFFD per byte");
	ok(BYTES_ARE(overlong4, FFFD FFFD FFFD FFFD), "bytes: overlong four-byte form");
	ok(BYTES_ARE(surrogate, FFFD FFFD FFFD), "bytes: an encoded surrogate");
	ok(BYTES_ARE(too_big, FFFD FFFD FFFD FFFD FFFD FFFD), "bytes: above U+10FFFF");
	ok(BYTES_ARE(f5_f7, FFFD FFFD FFFD FFFD FFFD FFFD FFFD FFFD),
	   "bytes: complete-looking sequences led by F5 and F7");
	ok(BYTES_ARE(ff, FFFD "x" FFFD), "bytes: 0xFF and 0xFE");
	ok(BYTES_ARE(cont, FFFD FFFD), "bytes: lone continuation bytes");
	ok(BYTES_ARE(latin1, "fun" FFFD FFFD "o"), "bytes: Latin-1 text is not UTF-8");
	ok(bytes_are((const uint8_t *)"a\0b", 3, "a" FFFD "b", 5), "bytes: an embedded NUL");
}

/* Every single byte value: ASCII as is, all others alone are invalid. */
static void test_bytes_each(void)
{
	size_t bad = 0;

	for (unsigned b = 0; b < 256; b++) {
		uint8_t one = (uint8_t)b;

		if (b > 0 && b < 0x80 ? !bytes_are(&one, 1, (const char *)&one, 1)
			     : !bytes_are(&one, 1, FFFD, 3))
			bad++;
	}
	ok(bad == 0, "bytes: each lone byte value, NUL becoming U+FFFD (%zu wrong)", bad);
}

int main(void)
{
	test_kind1();
	test_kind2();
	test_kind4();
	test_bad_shape();
	test_bytes_valid();
	test_bytes_invalid();
	test_bytes_each();
	return done_testing();
}
