/* SPDX-License-Identifier: Apache-2.0 */
/* test-json.c - JSON string escaping, the UTF-8 check under it, and documents. */
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

static bool escaped_is(const char *s, size_t len, const char *want)
{
	struct strbuf sb;
	bool same;

	strbuf_init(&sb);
	json_escape(&sb, s, len);
	same = sb.len == strlen(want) && memcmp(sb.buf, want, sb.len) == 0;
	if (!same)
		printf("#   got  %s\n#   want %s\n", sb.buf, want);
	strbuf_release(&sb);
	return same;
}

static void test_escapes(void)
{
	ok(escaped_is("a\"b\\c", 5, "\"a\\\"b\\\\c\""), "quote and backslash escaped");
	ok(escaped_is("\n\t\x01\x1f\x7f", 5, "\"\\u000a\\u0009\\u0001\\u001f\x7f\""),
	   "control characters as \\u00XX; DEL may stay");
	ok(escaped_is("a\0b", 3, "\"a\\u0000b\""), "a NUL inside is kept, escaped");
	ok(escaped_is("caf\xc3\xa9 \xe5\x87\xbd \xf0\x9f\x90\x8d", 14, "\"caf\xc3\xa9 \xe5\x87\xbd \xf0\x9f\x90\x8d\""),
	   "well-formed UTF-8 passes");
	ok(escaped_is("\xff\xc3(\xe0\x80\x80\xed\xa0\x80\xf4\x90\x80\x80", 13,
		      "\"\xef\xbf\xbd\xef\xbf\xbd(\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		      "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
		      "\xef\xbf\xbd\""),
	   "stray, truncated, overlong, surrogate and too-large bytes: U+FFFD each");
	ok(escaped_is("\xe5\x87", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\""), "a sequence cut at the end");
}

static void test_document(void)
{
	struct strbuf sb;
	struct json j;
	const char *want = "{\n  \"a\": 1,\n  \"b\": [\n    -2,\n    true,\n    null,\n    \"x\"\n  ],\n"
			   "  \"c\": {},\n  \"d\": []\n}";

	strbuf_init(&sb);
	json_init(&j, &sb);
	json_object(&j);
	json_key(&j, "a");
	json_u64(&j, 1);
	json_key(&j, "b");
	json_array(&j);
	json_i64(&j, -2);
	json_bool(&j, true);
	json_cstr(&j, NULL);
	json_str(&j, "x", 1);
	json_end_array(&j);
	json_key(&j, "c");
	json_object(&j);
	json_end_object(&j);
	json_key(&j, "d");
	json_array(&j);
	json_end_array(&j);
	json_end_object(&j);
	ok(strcmp(sb.buf, want) == 0, "members, items, commas and indentation");
	if (strcmp(sb.buf, want))
		printf("# got:\n%s\n", sb.buf);
	strbuf_release(&sb);
}

int main(void)
{
	struct strbuf sb;

	test_plain();
	test_utf8();
	test_valid_len();
	test_escapes();
	test_document();
	strbuf_init(&sb);
	json_add_cstr(&sb, "x", 0);
	json_add_cstr(&sb, "y", 0);
	ok(strcmp(sb.buf, "\"x\"\"y\"") == 0, "json_add_cstr appends");
	strbuf_release(&sb);
	return done_testing();
}
