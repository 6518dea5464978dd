/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-json.c - JSON string escapes over arbitrary bytes (byte 0: the
 * flags): the literal must be quoted, hold no raw control character,
 * escape every '"' and '\\' (and, markup-safe, hold no '<', '>' or '&'),
 * and be well-formed UTF-8 whatever came in.
 */
#include "compat.h"

#include <string.h>

#include "err.h"
#include "json.h"
#include "pystr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct strbuf *sb, unsigned flags)
{
	struct strbuf again;
	bool escaped = false;

	if (sb->len < 2 || sb->buf[0] != '"' || sb->buf[sb->len - 1] != '"')
		PF_BUG("json_add_str: not a quoted literal");
	for (size_t i = 1; i + 1 < sb->len; i++) {
		unsigned char c = (unsigned char)sb->buf[i];

		if (c < 0x20 || c == 0x7f || (c == '"' && !escaped))
			PF_BUG("json_add_str: a raw control character or quote");
		if ((flags & JSON_MARKUP_SAFE) && (c == '<' || c == '>' || c == '&'))
			PF_BUG("json_add_str: markup left in a markup-safe string");
		escaped = c == '\\' && !escaped;
	}
	if (escaped)
		PF_BUG("json_add_str: a dangling backslash");
	strbuf_init(&again);
	pystr_bytes_to_utf8((const uint8_t *)sb->buf, sb->len, &again);
	if (again.len != sb->len || memcmp(again.buf, sb->buf, sb->len) != 0)
		PF_BUG("json_add_str: output is not UTF-8");
	strbuf_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf sb;
	unsigned flags;

	if (size < 1)
		return 0;
	flags = data[0] & 1 ? JSON_MARKUP_SAFE : 0;
	strbuf_init(&sb);
	json_add_str(&sb, (const char *)data + 1, size - 1, flags);
	check(&sb, flags);
	strbuf_release(&sb);
	return 0;
}
