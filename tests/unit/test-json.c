/* SPDX-License-Identifier: Apache-2.0 */
/* test-json.c - JSON string escaping and the UTF-8 check under it. */
#include "compat.h"

#include <string.h>

#include "json.h"
#include "strbuf.h"
#include "tap.h"

static void check(const char *in, size_t len, unsigned flags, const char *want, const char *what)
{
	struct strbuf sb;

	strbuf_init(&sb);
	json_add_str(&sb, in, len, flags);
	if (!ok(strcmp(sb.buf, want) == 0, "%s", what))
		printf("#   got  %s\n#   want %s\n", sb.buf, want);
	strbuf_release(&sb);
}

#define CHECK(in, flags, want, what) check(in, sizeof(in) - 1, flags, want, what)

static void test_plain(void)
{
	CHECK("", 0, "\"\"", "empty");
	CHECK("app.py:<module>", 0, "\"app.py:<module>\"", "ASCII as it is");
	CHECK("say \"hi\" \\ there", 0, "\"say \\\"hi\\\" \\\\ there\"", "quote and backslash");
	CHECK("a\nb\tc\rd\be\ff", 0, "\"a\\nb\\tc\\rd\\be\\ff\"", "named controls");
	CHECK("\x01\x1f\x7f", 0, "\"\\u0001\\u001f\\u007f\"", "other controls as \\u00XX");
	CHECK("a\0b", 0, "\"a\\u0000b\"", "a NUL inside");
	CHECK("<module> & ]]>", JSON_MARKUP_SAFE, "\"\\u003cmodule\\u003e \\u0026 ]]\\u003e\"",
	      "markup-safe: no < > & left, so no ]]> either");
	CHECK("<module>", 0, "\"<module>\"", "markup left alone by default");
}

static void test_utf8(void)
{
	CHECK("fun\xc3\xa7\xc3\xa3o \xe5\x87\xbd\xe6\x95\xb0 \xf0\x9f\x94\xa5", 0,
	      "\"fun\xc3\xa7\xc3\xa3o \xe5\x87\xbd\xe6\x95\xb0 \xf0\x9f\x94\xa5\"",
	      "two-, three- and four-byte UTF-8 pass");
	CHECK("caf\xe9!", 0, "\"caf\\ufffd!\"", "a Latin-1 byte becomes U+FFFD");
	CHECK("\x80x", 0, "\"\\ufffdx\"", "a stray continuation byte");
	CHECK("\xc0\xaf", 0, "\"\\ufffd\\ufffd\"", "an overlong two-byte form");
	CHECK("\xe0\x80\xaf", 0, "\"\\ufffd\\ufffd\\ufffd\"", "an overlong three-byte form");
	CHECK("\xed\xa0\x80", 0, "\"\\ufffd\\ufffd\\ufffd\"", "a surrogate");
	CHECK("\xf4\x90\x80\x80", 0, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"", "above U+10FFFF");
	CHECK("\xe5\x87", 0, "\"\\ufffd\\ufffd\"", "a sequence cut short at the end");
	CHECK("\xe5" "a", 0, "\"\\ufffda\"", "a sequence cut short by ASCII");
}

static void test_valid_len(void)
{
	static const unsigned char four[] = { 0xf0, 0x90, 0x80, 0x80 };

	ok(utf8_valid_len(four, 4) == 4 && utf8_valid_len(four, 3) == 0 &&
	   utf8_valid_len(four, 0) == 0, "utf8_valid_len counts and never reads past len");
	ok(utf8_valid_len((const unsigned char *)"\xef\xbf\xbd", 3) == 3 &&
	   utf8_valid_len((const unsigned char *)"\xf5\x80\x80\x80", 4) == 0,
	   "U+FFFD is valid, a 0xF5 lead is not");
}

int main(void)
{
	struct strbuf sb;

	test_plain();
	test_utf8();
	test_valid_len();
	strbuf_init(&sb);
	json_add_cstr(&sb, "x", 0);
	json_add_cstr(&sb, "y", 0);
	ok(strcmp(sb.buf, "\"x\"\"y\"") == 0, "json_add_cstr appends");
	strbuf_release(&sb);
	return done_testing();
}
