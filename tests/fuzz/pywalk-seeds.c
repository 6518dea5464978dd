/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pywalk-seeds.c - write fuzz-pywalk seeds: for every offset table, a small
 * interpreter (two threads, four frames, the GIL held) laid out in the fake
 * memory of fake-target.h. Usage: pywalk-seeds OUTDIR
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake-target.h"
#include "linetable.h"
#include "pyoffsets.h"
#include "pyops.h"

#define IMG_MAX 16384

/* The fake memory; objects are placed where their bytes are free. */
struct img {
	const struct pyoffsets *o;
	uint8_t mem[IMG_MAX];
	bool used[IMG_MAX];
	size_t len;
};

struct span {			/* the bytes of an object the walker reads */
	uint32_t off, len;
};

static bool spans_free(const struct img *m, int64_t at, const struct span *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < s[i].len; j++) {
			int64_t b = at + s[i].off + j;

			if (b < 0 || b >= IMG_MAX || m->used[b])
				return false;
		}
	return true;
}

/* The lowest 16-aligned address where spans `s` all fall on free bytes. */
static uint64_t place(struct img *m, const struct span *s, size_t n)
{
	uint32_t lo = UINT32_MAX;

	for (size_t i = 0; i < n; i++)
		lo = s[i].off < lo ? s[i].off : lo;
	for (int64_t at = -(int64_t)lo; at < IMG_MAX; at += 16) {
		if (!spans_free(m, at, s, n))
			continue;
		for (size_t i = 0; i < n; i++) {
			memset(m->used + (at + s[i].off), 1, s[i].len);
			if ((size_t)(at + s[i].off + s[i].len) > m->len)
				m->len = (size_t)(at + s[i].off + s[i].len);
		}
		return FAKE_BASE + (uint64_t)at;
	}
	fprintf(stderr, "pywalk-seeds: %s does not fit\n", m->o->name);
	exit(1);
}

static uint64_t place_block(struct img *m, uint32_t len)
{
	struct span s = { 0, len };

	return place(m, &s, 1);
}

static void put(struct img *m, uint64_t addr, uint32_t off, const void *v, size_t n)
{
	memcpy(m->mem + (addr - FAKE_BASE) + off, v, n);
}

static void put_ptr(struct img *m, uint64_t addr, uint32_t off, uint64_t v)
{
	put(m, addr, off, &v, 8);
}

/* A bytes object (a str in 2.7). */
static uint64_t make_bytes(struct img *m, const void *b, uint32_t n)
{
	const struct pyoffsets *o = m->o;
	uint64_t a = place_block(m, o->bytes_data + n);

	put_ptr(m, a, o->bytes_size, n);
	put(m, a, o->bytes_data, b, n);
	return a;
}

/* A compact ASCII str (PEP 393), or a 2.7 str. */
static uint64_t make_str(struct img *m, const char *s)
{
	const struct pyoffsets *o = m->o;
	uint32_t n = (uint32_t)strlen(s), state;
	uint64_t a;

	if (o->str_model == STR_BYTES27) {
		a = make_bytes(m, s, n);
	} else {
		state = 1u << o->str_kind_shift | 1u << o->str_compact_shift | 1u << o->str_ascii_shift;
		a = place_block(m, o->str_ascii_data + n);
		put_ptr(m, a, o->str_length, n);
		put(m, a, o->str_state, &state, 4);
		put(m, a, o->str_ascii_data, s, n);
	}
	put_ptr(m, a, o->ob_type, FAKE_STR_TYPE);
	return a;
}

/* Byte offsets 0-7 on the first line, 8-15 on the next, in each format. */
static uint64_t make_table(struct img *m)
{
	static const uint8_t lnotab[] = { 8, 1 };
	static const uint8_t pep626[] = { 8, 0, 8, 1 };	/* (length, line delta) */
	static const uint8_t locations[] = { 0xeb, 0x00, 0xeb, 0x02 };	/* 4 units, no column */

	switch (m->o->lt_format) {
	case LT_LNOTAB:
	case LT_LNOTAB_SIGNED:
		return make_bytes(m, lnotab, sizeof lnotab);
	case LT_LINETABLE_310:
		return make_bytes(m, pep626, sizeof pep626);
	default:
		return make_bytes(m, locations, sizeof locations);
	}
}

#define CODE_BYTES 16	/* each code object's bytecode */
#define CALL_AT 8	/* the offset callers wait at */

static void first_op(const struct pyop *op, unsigned back, void *arg)
{
	uint8_t *code = arg;

	if (!code[0]) {
		code[0] = op->code;
		code[1] = (uint8_t)back;
	}
}

/* Bytecode whose offset CALL_AT is where a calling frame waits (pyops.h). */
static void fill_bytecode(const struct pyoffsets *o, uint8_t code[CODE_BYTES])
{
	uint8_t op[2] = { 0, 0 };

	memset(code, 0, CODE_BYTES);
	pyops_each(o->ops, first_op, op);
	if (op[0])
		code[CALL_AT - 2 * op[1]] = op[0];
}

static uint64_t make_code(struct img *m, const char *name, int32_t first)
{
	const struct pyoffsets *o = m->o;
	uint8_t bytecode[CODE_BYTES];
	uint64_t c;

	fill_bytecode(o, bytecode);
	if (o->co_code != PYOFF_NONE) {
		c = place_block(m, o->co_size);
		put_ptr(m, c, o->co_code, make_bytes(m, bytecode, CODE_BYTES));
	} else {
		c = place_block(m, o->co_code_adaptive + CODE_BYTES);
		put_ptr(m, c, o->co_units, CODE_BYTES / 2);
		put(m, c, o->co_code_adaptive, bytecode, CODE_BYTES);
	}
	put_ptr(m, c, o->ob_type, FAKE_CODE_TYPE);
	put_ptr(m, c, o->co_filename, make_str(m, "app.py"));
	put_ptr(m, c, o->co_name, make_str(m, name));
	if (o->co_qualname != PYOFF_NONE)
		put_ptr(m, c, o->co_qualname, make_str(m, name));
	put_ptr(m, c, o->co_linetable, make_table(m));
	put(m, c, o->co_firstlineno, &first, 4);
	return c;
}

/*
 * A frame of `code` called by `back`, at byte offset CALL_AT (its second
 * line): where a calling frame waits, so `back` is a caller (for <= 3.10,
 * with the reference a callee holds).
 */
static uint64_t make_frame(struct img *m, uint64_t code, uint64_t back)
{
	const struct pyoffsets *o = m->o;
	uint64_t f = place_block(m, o->fr_size);
	int32_t lasti = CALL_AT / (int32_t)o->lasti_scale;

	put_ptr(m, f, o->fr_back, back);
	if (o->frame_model == FRAME_OBJECT) {
		put_ptr(m, f, o->ob_refcnt, 1);
		put_ptr(m, f, o->ob_type, FAKE_FRAME_TYPE);
		if (back)
			put_ptr(m, back, o->ob_refcnt, 2);
		put_ptr(m, f, o->fr_code, code);
		put(m, f, o->fr_lasti, &lasti, 4);
	} else {
		put_ptr(m, f, o->fr_code, code | (o->exe_tag_mask ? 1 : 0));
		put_ptr(m, f, o->fr_instr, code + o->co_code_adaptive + CALL_AT);
	}
	return f;
}

static uint64_t make_thread(struct img *m, uint64_t interp, uint64_t top, uint64_t next)
{
	const struct pyoffsets *o = m->o;
	uint32_t at_frame = o->frame_model == FRAME_OBJECT ? o->ts_frame :
			    o->frame_model == FRAME_CFRAME ? o->ts_cframe : o->ts_current_frame;
	struct span s[5] = { { o->ts_next, 8 }, { o->ts_interp, 8 }, { o->ts_thread_id, 8 },
			     { at_frame, 8 }, { o->ts_native_thread_id, 8 } };
	uint64_t ts = place(m, s, o->ts_native_thread_id == PYOFF_NONE ? 4 : 5);

	if (o->frame_model == FRAME_CFRAME) {
		struct span cf = { o->cframe_current_frame, 8 };
		uint64_t c = place(m, &cf, 1);

		put_ptr(m, c, o->cframe_current_frame, top);
		top = c;
	}
	put_ptr(m, ts, o->ts_next, next);
	put_ptr(m, ts, o->ts_interp, interp);
	put_ptr(m, ts, o->ts_thread_id, 0x7f00aa000000ull + (ts & 0xffff));
	put_ptr(m, ts, at_frame, top);
	return ts;
}

/* The runtime's fields (or interp_head and the current thread) at FAKE_BASE. */
static void claim_runtime(struct img *m)
{
	const struct pyoffsets *o = m->o;

	if (o->rt_interp_head == PYOFF_NONE) {
		memset(m->used, 1, 16);
		m->len = 16;
		return;
	}
	memset(m->used + o->rt_interp_head, 1, 8);
	if (o->gil_model == GIL_RUNTIME)
		memset(m->used + o->rt_tstate_current, 1, 8);
	m->len = o->rt_tstate_current != PYOFF_NONE && o->gil_model == GIL_RUNTIME ?
		 o->rt_tstate_current + 8 : o->rt_interp_head + 8;
}

/* Point the runtime at `interp`, and the GIL at thread `holder`. */
static void set_runtime(struct img *m, uint64_t interp, uint64_t holder)
{
	const struct pyoffsets *o = m->o;
	struct span g[2] = { { o->gil_locked, 4 }, { o->gil_holder, 8 } };
	uint32_t one = 1;
	uint64_t gil;

	put_ptr(m, FAKE_RUNTIME, o->rt_interp_head == PYOFF_NONE ? 0 : o->rt_interp_head, interp);
	if (o->gil_model == GIL_TSTATE_CURRENT) {
		put_ptr(m, FAKE_TSTATE_CURRENT, 0, holder);
	} else if (o->gil_model == GIL_RUNTIME) {
		put_ptr(m, FAKE_RUNTIME, o->rt_tstate_current, holder);
	} else {
		gil = place(m, g, 2);
		put(m, gil, o->gil_locked, &one, 4);
		put_ptr(m, gil, o->gil_holder, holder);
		put_ptr(m, interp, o->is_ceval_gil, gil);
	}
}

static void layout(struct img *m)
{
	const struct pyoffsets *o = m->o;
	struct span is[3] = { { o->is_next, 8 }, { o->is_tstate_head, 8 }, { o->is_ceval_gil, 8 } };
	uint64_t interp, top, ts_a, ts_b;

	claim_runtime(m);
	interp = place(m, is, o->gil_model == GIL_INTERP ? 3 : 2);
	top = make_frame(m, make_code(m, "<module>", 1), 0);
	top = make_frame(m, make_code(m, "main", 10), top);
	top = make_frame(m, make_code(m, "work", 20), top);
	ts_a = make_thread(m, interp, top, 0);
	ts_b = make_thread(m, interp, make_frame(m, make_code(m, "run", 30), 0), ts_a);
	put_ptr(m, interp, o->is_tstate_head, ts_b);
	set_runtime(m, interp, ts_a);
}

static void write_seed(const char *dir, const struct img *m, uint8_t first, const char *tag)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/image-%u%s", dir, m->o->abi, tag);
	if (!(f = fopen(path, "wb")) || fwrite(&first, 1, 1, f) != 1 ||
	    fwrite(m->mem, 1, m->len, f) != m->len || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const struct pyoffsets *const *all = pyoffsets_all();
	static struct img m;

	if (argc != 2) {
		fprintf(stderr, "usage: pywalk-seeds OUTDIR\n");
		return 2;
	}
	for (uint8_t i = 0; all[i]; i++) {
		memset(&m, 0, sizeof m);
		m.o = all[i];
		layout(&m);
		write_seed(argv[1], &m, i, "");
		if (m.o->co_qualname != PYOFF_NONE)
			write_seed(argv[1], &m, i | 0x80, "-qualname");
	}
	return 0;
}
