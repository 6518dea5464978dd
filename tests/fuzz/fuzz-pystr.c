/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-pystr.c - both string decoders over arbitrary bytes. Input: the kind
 * (1 byte, any value), then the payload. Their output must be UTF-8 that the
 * byte-string decoder passes through unchanged, one character per code unit.
 */
#include "compat.h"

#include <string.h>

#include "err.h"
#include "pystr.h"
#include "strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* `sb` must come back unchanged from the byte-string decoder. */
static void check_utf8(const struct strbuf *sb, struct strbuf *again)
{
	strbuf_reset(again);
	pystr_bytes_to_utf8((const uint8_t *)sb->buf, sb->len, again);
	if (again->len != sb->len || memcmp(again->buf, sb->buf, sb->len) != 0)
		PF_BUG("pystr: output is not well-formed UTF-8");
}

static size_t characters(const struct strbuf *sb)
{
	size_t n = 0;

	for (size_t i = 0; i < sb->len; i++)
		n += ((uint8_t)sb->buf[i] & 0xc0) != 0x80;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf out, again;
	unsigned kind;
	int rc;

	if (size < 1)
		return 0;
	kind = data[0];
	strbuf_init(&out);
	strbuf_init(&again);
	rc = pystr_to_utf8(kind, data + 1, size - 1, &out);
	if (rc != ((kind == 1 || kind == 2 || kind == 4) && (size - 1) % kind == 0 ? 0 : -PF_EFORMAT))
		PF_BUG("pystr_to_utf8: wrong return code");
	if (rc == 0 && characters(&out) != (size - 1) / kind)
		PF_BUG("pystr_to_utf8: not one character per code unit");
	check_utf8(&out, &again);
	strbuf_reset(&out);
	pystr_bytes_to_utf8(data + 1, size - 1, &out);
	check_utf8(&out, &again);
	strbuf_release(&out);
	strbuf_release(&again);
	return 0;
}
