/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-pyrepr.c - the repr decoders over arbitrary object bytes. Byte 0
 * picks the offset table, byte 1 the decoder and (its high bits) the
 * kind of a str; byte 2 the width; the rest is the object's bytes (for a
 * container, NUL-separated item texts). Each decoder must succeed or fail
 * with its contract's codes, never read past its input, and write UTF-8.
 */
#include "compat.h"

#include <string.h>

#include "err.h"
#include "pick-layout.h"
#include "pyrepr.h"
#include "pystr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_utf8(const struct strbuf *sb)
{
	struct strbuf again;

	strbuf_init(&again);
	pystr_bytes_to_utf8((const uint8_t *)sb->buf, sb->len, &again);
	if (again.len != sb->len || memcmp(again.buf, sb->buf, sb->len) != 0)
		PF_BUG("pyrepr: output is not UTF-8");
	strbuf_release(&again);
}

static void expect(int rc, bool elimit)
{
	if (rc != 0 && rc != -PF_EFORMAT && !(elimit && rc == -PF_ELIMIT))
		PF_BUG("pyrepr: unexpected code");
}

/* Up to 10 items, NUL-separated, in a container of the kind byte `k` picks.
 * Items come as reprs, UTF-8: the input's bytes are made so first. */
static void container(const struct pyrepr_style *st, uint8_t k, const uint8_t *p, size_t len,
		      struct strbuf *out)
{
	struct strbuf text;
	const char *items[10];
	size_t ilen[10], start[11], n = 0, at = 0;
	enum pyrepr_container kind = (enum pyrepr_container)(k % 5);

	strbuf_init(&text);
	while (at <= len && n < 10) {
		const uint8_t *nul = memchr(p + at, 0, len - at);
		size_t end = nul ? (size_t)(nul - p) : len;

		start[n++] = text.len;
		pystr_bytes_to_utf8(p + at, end - at, &text);
		at = end + 1;
	}
	start[n] = text.len;
	for (size_t i = 0; i < n; i++) {
		items[i] = text.buf + start[i];
		ilen[i] = start[i + 1] - start[i];
	}
	if (kind == PYREPR_DICT)
		n &= ~(size_t)1;
	pyrepr_container(st, kind, (k >> 3) * 3 + n / (kind == PYREPR_DICT ? 2 : 1), items, ilen,
			 n / (kind == PYREPR_DICT ? 2 : 1), k & 4, out);
	strbuf_release(&text);
}

static void decode(const struct pyoffsets *o, const struct pyrepr_style *st, uint8_t which,
		   const uint8_t *p, size_t len, struct strbuf *out)
{
	uint64_t length, nd = 0;
	uint32_t at;
	unsigned kind;
	bool flag = false;

	switch (which % 9) {
	case 0: expect(pyrepr_long(o, st, p, len, out), true); break;
	case 1: expect(pyrepr_int27(o, p, len, out), false); break;
	case 2: expect(pyrepr_float(o, p, len, out), false); break;
	case 3: expect(pyrepr_str(st, 1u << (which >> 6 & 3), p, len, len * (which >> 4 & 1 ? 3 : 1),
				  out), false); break;
	case 4: pyrepr_bytes(st, p, len, len + (which >> 4), out); break;
	case 5: expect(pyrepr_str_head(o, p, len, &length, &kind, &at, &flag), false); break;
	case 6: container(st, which >> 3, p, len, out); break;
	case 7: pyrepr_other((const char *)p, len, len, out); break;
	default: expect(pyrepr_long_size(o, p, len, &nd, &flag), false);
		 if (len >= 4)
			 pyrepr_long_bits(nd % 100000 + 1, *p, o->long_shift, flag, out);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pyoffsets *o;
	struct pyrepr_style st;
	struct strbuf out;

	if (size < 3)
		return 0;
	o = pick_layout(data[0]);
	st.version = o->version;
	st.width = 1 + data[2];
	strbuf_init(&out);
	decode(o, &st, data[1], data + 3, size - 3, &out);
	check_utf8(&out);
	strbuf_release(&out);
	return 0;
}
