/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-threadname.c - the --thread-names decoders over arbitrary bytes.
 * Input: a version selector (1 byte: one of 2.7, 3.6 - 3.15), then the
 * bytes of an object. They are decoded as a str, an int, a dict keys
 * object (each entry then read) and a 2.7 table, and made into a label:
 * none may read past the input, and a label must be one collapsed frame.
 */
#include "compat.h"

#include <string.h>

#include "err.h"
#include "pick-layout.h"
#include "pyoffsets.h"
#include "strbuf.h"
#include "threadname.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_label(const struct strbuf *name)
{
	struct strbuf label;

	strbuf_init(&label);
	threadname_label(1, 2, name->buf, name->len, &label);
	for (size_t i = 0; i < label.len; i++)
		if (label.buf[i] == ';' || (unsigned char)label.buf[i] < 0x20)
			PF_BUG("threadname: a label with ';' or a control character");
	strbuf_release(&label);
}

static void decode_entries(const struct pyoffsets *o, const uint8_t *obj, size_t len)
{
	struct threadname_keys k;
	uint64_t key, value, mask;

	if (threadname_keys(o, obj, len, &k) == 0)
		for (size_t i = 0; i <= k.nentries; i++)
			threadname_entry(&k, obj, len, i, &key, &value);
	if (len >= 8) {
		memcpy(&mask, obj, 8);
		if (threadname_table27(o, mask, &k) == 0)
			for (size_t i = 0; i < k.nentries && i < 64; i++)
				threadname_entry(&k, obj + 8, len - 8, i, &key, &value);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct pyoffsets *o;
	struct threadname_layout l;
	struct strbuf name;
	uint64_t v;
	bool cut;

	if (size < 1)
		return 0;
	o = pick_layout(data[0]);
	data++, size--;
	strbuf_init(&name);
	if (threadname_str(o, data, size, 1 + size % 300, &name, &cut) == 0)
		check_label(&name);
	threadname_int(o, data, size, o->str_model == STR_BYTES27, &v);
	decode_entries(o, data, size);
	if (threadname_layout(o->version, &l) == 0)
		threadname_import_debug(&l, data, size);
	strbuf_release(&name);
	return 0;
}
