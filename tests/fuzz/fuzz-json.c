/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-json.c - JSON string escapes over arbitrary bytes: the literal must
 * be quoted, hold no raw control character, escape every '"' and '\', and
 * be well-formed UTF-8 whatever came in.
 */
#include "compat.h"

#include <string.h>

#include "err.h"
#include "json.h"
#include "pystr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct strbuf *sb)
{
	struct strbuf again;
	bool escaped = false;

	if (sb->len < 2 || sb->buf[0] != '"' || sb->buf[sb->len - 1] != '"')
		PF_BUG("json_escape: not a quoted literal");
	for (size_t i = 1; i + 1 < sb->len; i++) {
		unsigned char c = (unsigned char)sb->buf[i];

		if (c < 0x20 || (c == '"' && !escaped))
			PF_BUG("json_escape: a raw control character or quote");
		escaped = c == '\\' && !escaped;
	}
	if (escaped)
		PF_BUG("json_escape: a dangling backslash");
	strbuf_init(&again);
	pystr_bytes_to_utf8((const uint8_t *)sb->buf, sb->len, &again);
	if (again.len != sb->len || memcmp(again.buf, sb->buf, sb->len) != 0)
		PF_BUG("json_escape: output is not UTF-8");
	strbuf_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf sb;

	strbuf_init(&sb);
	json_escape(&sb, (const char *)data, size);
	check(&sb);
	strbuf_release(&sb);
	return 0;
}
