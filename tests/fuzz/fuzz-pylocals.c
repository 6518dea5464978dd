/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-pylocals.c - a frame's variables read from a fake target made of the
 * input: byte 0 picks the offset table, bytes 1-8 and 9-16 are the frame's
 * and the code object's addresses (little-endian), the rest is memory at
 * FAKEHEAP_BASE; the types and singletons lie where fake-types.h says
 * (test-pylocals writes seeds in this form). Every read must succeed or
 * fail cleanly, never crash or hang; the text must be UTF-8; and a read
 * split around a stop (fetch, freeze, read the copy) must find exactly
 * what a direct read finds in memory that does not change.
 */
#include "compat.h"

#include <string.h>

#include "err.h"
#include "fake-types.h"
#include "pick-layout.h"
#include "pylocals.h"
#include "pystr.h"

#define BASE 0x7f0000100000ull	/* FAKEHEAP_BASE of the unit tests */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_utf8(const char *s, size_t len)
{
	struct strbuf again;

	strbuf_init(&again);
	pystr_bytes_to_utf8((const uint8_t *)s, len, &again);
	if (again.len != len || memcmp(again.buf, s, len) != 0)
		PF_BUG("pylocals: text that is not UTF-8");
	strbuf_release(&again);
}

static int read_direct(struct pylocals *pl, uint64_t frame, uint64_t code,
		       struct pylocals_list *l)
{
	int rc = pylocals_read(pl, frame, code, l);

	if (rc != 0 && rc != -PF_ETORN && rc != -PF_EGONE)
		PF_BUG("pylocals_read: unexpected code");
	for (size_t i = 0; rc == 0 && i < l->n; i++) {
		check_utf8(pylocals_name(l, &l->v[i]), l->v[i].name_len);
		check_utf8(pylocals_repr(l, &l->v[i]), l->v[i].repr_len);
	}
	return rc;
}

/* The same frame read in two passes around a (pretend) stop. */
static void read_split(struct pylocals *pl, uint64_t frame, uint64_t code, int direct_rc,
		       const struct pylocals_list *direct)
{
	struct pylocals_list l;
	int rc;

	pylocals_reset(pl);
	pylocals_list_init(&l);
	if (pylocals_fetch_frames(pl, &frame, &code, 1, &rc) != 0)
		PF_BUG("pylocals_fetch_frames: gone in memory that stays");
	pylocals_freeze(pl);
	rc = pylocals_read(pl, frame, code, &l);
	if (rc != direct_rc || (rc == 0 && (l.n != direct->n || l.text.len != direct->text.len ||
					    memcmp(l.text.buf, direct->text.buf, l.text.len) != 0)))
		PF_BUG("pylocals: the copy made while held reads otherwise");
	pylocals_list_release(&l);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pyloc loc;
	struct remote_region region;
	struct remote r;
	struct pylocals pl;
	struct pylocals_list l;
	uint64_t frame, code;
	int rc;

	if (size < 17)
		return 0;
	loc.off = *pick_layout(data[0]);
	fake_types_set(&loc, loc.off.str_model == STR_BYTES27);
	memcpy(&frame, data + 1, 8);
	memcpy(&code, data + 9, 8);
	region = (struct remote_region){ BASE, data + 17, size - 17 };
	remote_open_image(&r, &region, 1);
	pylocals_init(&pl, &r, &loc, 1 + data[0] % 97);
	pylocals_list_init(&l);
	rc = read_direct(&pl, frame, code, &l);
	read_split(&pl, frame, code, rc, &l);
	pylocals_list_release(&l);
	pylocals_release(&pl);
	return 0;
}
