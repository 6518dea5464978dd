/* SPDX-License-Identifier: Apache-2.0 */
/* test-json.c - JSON text: escapes, UTF-8 repair, commas and indentation. */
#include "compat.h"

#include <string.h>

#include "json.h"
#include "tap.h"

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
	test_escapes();
	test_document();
	return done_testing();
}
