/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-pywalk.c - walk fake interpreters laid out in memory buffers, through
 * the in-memory remote backend: no process, no ptrace. Each layout comes
 * from the real offset tables, so the walker is tested against them.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "linetable.h"
#include "pyops.h"
#include "pywalk.h"
#include "fakeheap.h"
#include "tap.h"

#define BASE FAKEHEAP_BASE
#define HEAP FAKEHEAP_SIZE
#define CODE_TYPE 0x5001000ull
#define STR_TYPE 0x5002000ull
#define FRAME_TYPE 0x5003000ull
#define CODE_UNITS 32		/* every fake code object's bytecode */

struct fake {
	struct fakeheap heap;
	struct remote_region region;
	struct remote r;
	struct pyloc loc;
	struct stacks st;
	struct pywalk w;
	struct pysample s;
};

static void fake_init(struct fake *f, const struct pyoffsets *t)
{
	memset(f, 0, sizeof *f);
	fakeheap_init(&f->heap, 16);
	f->loc.off = *t;
	f->loc.code_type = CODE_TYPE;
	f->loc.str_type = STR_TYPE;
	f->loc.frame_type = FRAME_TYPE;
	f->region = (struct remote_region){ BASE, f->heap.mem, HEAP };
	remote_open_image(&f->r, &f->region, 1);
	stacks_init(&f->st, false);
	pysample_init(&f->s);
}

static void fake_walker(struct fake *f)
{
	pywalk_init(&f->w, &f->r, &f->loc, &f->st, false);
}

static void fake_release(struct fake *f)
{
	pywalk_release(&f->w);
	pysample_release(&f->s);
	stacks_release(&f->st);
	free(f->heap.mem);
}

/* A str: a compact ASCII PEP 393 object, or a 2.7 PyStringObject. */
static uint64_t make_str(struct fake *f, const char *s)
{
	const struct pyoffsets *o = &f->loc.off;
	size_t n = strlen(s);
	uint64_t a;

	if (o->str_model == STR_BYTES27) {
		a = fakeheap_alloc(&f->heap, o->bytes_data + n + 1);
		fakeheap_put_ptr(&f->heap, a, o->bytes_size, n);
		fakeheap_put(&f->heap, a, o->bytes_data, s, n);
	} else {
		uint32_t state = (1u << o->str_kind_shift) | (1u << o->str_compact_shift) |
				 (1u << o->str_ascii_shift);

		a = fakeheap_alloc(&f->heap, o->str_ascii_data + n + 1);
		fakeheap_put_ptr(&f->heap, a, o->str_length, n);
		fakeheap_put(&f->heap, a, o->str_state, &state, 4);
		fakeheap_put(&f->heap, a, o->str_ascii_data, s, n);
	}
	fakeheap_put_ptr(&f->heap, a, o->ob_type, STR_TYPE);
	return a;
}

static uint64_t make_bytes(struct fake *f, const uint8_t *b, size_t n)
{
	const struct pyoffsets *o = &f->loc.off;
	uint64_t a = fakeheap_alloc(&f->heap, o->bytes_data + n + 1);

	fakeheap_put_ptr(&f->heap, a, o->bytes_size, n);
	fakeheap_put(&f->heap, a, o->bytes_data, b, n);
	return a;
}

/* Every format maps byte offsets 0-15 to firstlineno and 16-31 to the next line. */
static uint64_t make_table(struct fake *f)
{
	static const uint8_t lnotab[] = { 16, 1 };
	static const uint8_t pep626[] = { 16, 0, 16, 1 };
	static const uint8_t locations[] = { 0xef, 0x00, 0xef, 0x02 };	/* 8 units each */

	switch (f->loc.off.lt_format) {
	case LT_LNOTAB:
	case LT_LNOTAB_SIGNED:
		return make_bytes(f, lnotab, sizeof lnotab);
	case LT_LINETABLE_310:
		return make_bytes(f, pep626, sizeof pep626);
	default:
		return make_bytes(f, locations, sizeof locations);
	}
}

/*
 * A call each version's frames wait on (pyops.h), and where: 3.11 and 3.12
 * point past its inline cache, later versions at the instruction.
 */
static void call_op(const struct pyoffsets *o, uint8_t *op, int *before)
{
	static const uint8_t ops[] = { [OPS_311] = 171, [OPS_312] = 171, [OPS_313] = 53,
				       [OPS_314] = 52, [OPS_315] = 50 };
	static const int8_t back[] = { [OPS_311] = 8, [OPS_312] = 6, [OPS_315] = 0 };

	*op = ops[o->ops];
	*before = back[o->ops];
}

#define NOT_CALLING_1 12	/* offsets of no call (line first) */
#define NOT_CALLING_2 28	/* (line first + 1) */

/* Put a call at every even offset a frame can wait on (3.11+), but two. */
static void fill_calls(struct fake *f, uint64_t c)
{
	const struct pyoffsets *o = &f->loc.off;
	uint8_t op;
	int before;

	if (o->ops == OPS_NONE)
		return;
	call_op(o, &op, &before);
	for (int at = 0; at < 2 * CODE_UNITS; at += 2)
		if (at - before >= 0 && at != NOT_CALLING_1 && at != NOT_CALLING_2)
			fakeheap_put(&f->heap, c, o->co_code_adaptive + (uint32_t)(at - before), &op, 1);
}

static uint64_t make_code(struct fake *f, const char *file, const char *name, int first)
{
	const struct pyoffsets *o = &f->loc.off;
	uint64_t c = fakeheap_alloc(&f->heap, o->co_size + 2 * CODE_UNITS);
	uint8_t bytecode[2 * CODE_UNITS] = { 0 };

	fakeheap_put_ptr(&f->heap, c, o->ob_type, CODE_TYPE);
	if (o->co_code != PYOFF_NONE)
		fakeheap_put_ptr(&f->heap, c, o->co_code, make_bytes(f, bytecode, sizeof bytecode));
	else
		fakeheap_put_ptr(&f->heap, c, o->co_units, CODE_UNITS);
	fill_calls(f, c);
	fakeheap_put_ptr(&f->heap, c, o->co_filename, make_str(f, file));
	fakeheap_put_ptr(&f->heap, c, o->co_name, make_str(f, name));
	if (o->co_qualname != PYOFF_NONE)
		fakeheap_put_ptr(&f->heap, c, o->co_qualname, make_str(f, name));
	fakeheap_put_ptr(&f->heap, c, o->co_linetable, make_table(f));
	fakeheap_put_i32(&f->heap, c, o->co_firstlineno, first);
	return c;
}

struct spec {			/* one frame, leaf first in arrays */
	const char *file, *name;
	int first;		/* co_firstlineno */
	int addr;		/* byte offset of the current instruction */
	uint8_t owner;		/* 3.11+ */
};

/*
 * A frame of spec `sp` called by `back`. Frames are made callers, outermost
 * first: the next frame made on top of this one makes it a caller (for
 * <= 3.10, one more reference).
 */
static uint64_t make_frame(struct fake *f, const struct spec *sp, uint64_t back)
{
	const struct pyoffsets *o = &f->loc.off;
	uint64_t code = sp->file ? make_code(f, sp->file, sp->name, sp->first) : 0;
	uint64_t fr = fakeheap_alloc(&f->heap, 512);

	fakeheap_put_ptr(&f->heap, fr, o->fr_back, back);
	if (o->frame_model == FRAME_OBJECT) {
		fakeheap_put_ptr(&f->heap, fr, o->ob_refcnt, 1);
		fakeheap_put_ptr(&f->heap, fr, o->ob_type, FRAME_TYPE);
		if (back)
			fakeheap_put_ptr(&f->heap, back, o->ob_refcnt, 2);
		fakeheap_put_ptr(&f->heap, fr, o->fr_code, code);
		fakeheap_put_i32(&f->heap, fr, o->fr_lasti, sp->addr / (int)o->lasti_scale);
		return fr;
	}
	/* 3.14+ tag the executable reference; the walker must clear the bits */
	fakeheap_put_ptr(&f->heap, fr, o->fr_code, code | (o->exe_tag_mask ? 1 : 0));
	fakeheap_put_ptr(&f->heap, fr, o->fr_instr, code + o->co_code_adaptive + (uint64_t)sp->addr);
	fakeheap_put(&f->heap, fr, o->fr_owner, &sp->owner, 1);
	return fr;
}

static uint64_t make_chain(struct fake *f, const struct spec *sp, size_t n)
{
	uint64_t back = 0;

	for (size_t i = n; i-- > 0;)
		back = make_frame(f, &sp[i], back);
	return back;
}

/* Thread state `ts` of `interp` with top frame `top`, pushed on the list. */
static uint64_t make_thread(struct fake *f, uint64_t interp, uint64_t top, uint64_t tid)
{
	const struct pyoffsets *o = &f->loc.off;
	uint64_t ts = fakeheap_alloc(&f->heap, 1024), head;

	fakeheap_put_ptr(&f->heap, ts, o->ts_interp, interp);
	fakeheap_put_ptr(&f->heap, ts, o->ts_thread_id, tid);
	if (o->frame_model == FRAME_OBJECT) {
		fakeheap_put_ptr(&f->heap, ts, o->ts_frame, top);
	} else if (o->frame_model == FRAME_CFRAME) {
		uint64_t cf = fakeheap_alloc(&f->heap, 64);

		fakeheap_put_ptr(&f->heap, cf, o->cframe_current_frame, top);
		fakeheap_put_ptr(&f->heap, ts, o->ts_cframe, cf);
	} else {
		fakeheap_put_ptr(&f->heap, ts, o->ts_current_frame, top);
	}
	memcpy(&head, f->heap.mem + (interp - BASE) + o->is_tstate_head, 8);
	fakeheap_put_ptr(&f->heap, ts, o->ts_next, head);
	fakeheap_put_ptr(&f->heap, interp, o->is_tstate_head, ts);
	return ts;
}

/* The runtime (or interp_head) and one interpreter; returns it. */
static uint64_t make_interp(struct fake *f)
{
	const struct pyoffsets *o = &f->loc.off;
	uint64_t interp = fakeheap_alloc(&f->heap, 8192);

	if (o->rt_interp_head != PYOFF_NONE) {
		f->loc.runtime = fakeheap_alloc(&f->heap, 2048);
		fakeheap_put_ptr(&f->heap, f->loc.runtime, o->rt_interp_head, interp);
	} else {
		f->loc.interp_head = fakeheap_alloc(&f->heap, 8);
		f->loc.tstate_current = fakeheap_alloc(&f->heap, 8);
		fakeheap_put_ptr(&f->heap, f->loc.interp_head, 0, interp);
	}
	if (o->gil_model == GIL_INTERP)
		fakeheap_put_ptr(&f->heap, interp, o->is_ceval_gil, fakeheap_alloc(&f->heap, 64));
	return interp;
}

static void set_holder(struct fake *f, uint64_t interp, uint64_t ts)
{
	const struct pyoffsets *o = &f->loc.off;
	uint64_t gil;

	switch (o->gil_model) {
	case GIL_TSTATE_CURRENT:
		fakeheap_put_ptr(&f->heap, f->loc.tstate_current, 0, ts);
		break;
	case GIL_RUNTIME:
		fakeheap_put_ptr(&f->heap, f->loc.runtime, o->rt_tstate_current, ts);
		break;
	case GIL_INTERP:
		memcpy(&gil, f->heap.mem + (interp - BASE) + o->is_ceval_gil, 8);
		fakeheap_put_i32(&f->heap, gil, o->gil_locked, ts != 0);
		fakeheap_put_ptr(&f->heap, gil, o->gil_holder, ts);
		break;
	}
}

static bool frame_is(struct fake *f, uint32_t id, const char *file, const char *name, int line)
{
	const struct frame *fr = stacks_frame(&f->st, id);

	return strcmp(stacks_str(&f->st, fr->file, NULL), file) == 0 &&
	       strcmp(stacks_str(&f->st, fr->name, NULL), name) == 0 && fr->line == line;
}

static const struct spec thread_a[] = {
	{ "app.py", "inner", 10, 20, 0 },	/* line 11 */
	{ "app.py", "outer", 20, 8, 0 },	/* line 20 */
	{ "app.py", "<module>", 1, 24, 0 },	/* line 2 */
};
static const struct spec thread_b[] = { { "worker.py", "run", 30, 2, 0 } };

static uint64_t back_of(struct fake *f, uint64_t fr)
{
	uint64_t back;

	memcpy(&back, f->heap.mem + (fr - BASE) + f->loc.off.fr_back, 8);
	return back;
}

/* The frame read as frames[i] of thread `th`: its address and code object. */
static bool found_at(const struct fake *f, const struct pythread *th, uint32_t i, uint64_t frame)
{
	const struct pyframe *p = &f->s.found[th->first + i];
	uint64_t code;

	memcpy(&code, f->heap.mem + (frame - BASE) + f->loc.off.fr_code, 8);
	return p->addr == frame && p->code == (code & ~f->loc.off.exe_tag_mask) && p->code != 0;
}

static void test_threads(const struct pyoffsets *t)
{
	struct fake f;
	uint64_t interp, a, top_a;
	const struct pythread *th;

	fake_init(&f, t);
	interp = make_interp(&f);
	top_a = make_chain(&f, thread_a, 3);
	a = make_thread(&f, interp, top_a, 111);
	make_thread(&f, interp, make_chain(&f, thread_b, 1), 222);
	fake_walker(&f);

	ok(pywalk_sample(&f.w, true, &f.s) == 0 && f.s.nthreads == 2, "%s: two threads walked", t->name);
	th = f.s.threads;
	ok(th[0].thread_id == 222 && th[0].depth == 1 && !th[0].holds_gil &&
	   frame_is(&f, f.s.frames[th[0].first], "worker.py", "run", 30),
	   "%s: newest thread first, its frame decoded", t->name);
	ok(th[1].thread_id == 111 && th[1].depth == 3 &&
	   frame_is(&f, f.s.frames[th[1].first], "app.py", "inner", 11) &&
	   frame_is(&f, f.s.frames[th[1].first + 1], "app.py", "outer", 20) &&
	   frame_is(&f, f.s.frames[th[1].first + 2], "app.py", "<module>", 2),
	   "%s: frames leaf first with the right lines", t->name);
	ok(found_at(&f, &th[1], 0, top_a) && found_at(&f, &th[1], 1, back_of(&f, top_a)) &&
	   found_at(&f, &th[1], 2, back_of(&f, back_of(&f, top_a))),
	   "%s: each frame shown carries its address and code object", t->name);

	ok(pywalk_sample(&f.w, false, &f.s) == 0 && f.s.nthreads == 0,
	   "%s: GIL free: no thread without --threads (idle)", t->name);
	set_holder(&f, interp, a);
	ok(pywalk_sample(&f.w, false, &f.s) == 0 && f.s.nthreads == 1 &&
	   f.s.threads[0].thread_id == 111 && f.s.threads[0].holds_gil && f.s.threads[0].depth == 3,
	   "%s: only the GIL holder without --threads", t->name);
	ok(pywalk_sample(&f.w, true, &f.s) == 0 && f.s.threads[1].holds_gil &&
	   !f.s.threads[0].holds_gil, "%s: holder marked in --threads mode", t->name);
	fake_release(&f);
}

static void test_cycle_and_type(const struct pyoffsets *t)
{
	struct fake f;
	uint64_t interp, top;

	fake_init(&f, t);
	interp = make_interp(&f);
	top = make_chain(&f, thread_a, 3);
	fakeheap_put_ptr(&f.heap, top, t->fr_back, top);	/* a frame that is its own caller */
	make_thread(&f, interp, top, 1);
	fake_walker(&f);
	ok(pywalk_sample(&f.w, true, &f.s) == -PF_ETORN, "%s: a looping chain is a torn sample", t->name);
	fakeheap_put_ptr(&f.heap, top, t->fr_back, 0);
	ok(pywalk_sample(&f.w, true, &f.s) == 0, "%s: and fine once unlooped", t->name);
	{
		uint64_t code;

		memcpy(&code, f.heap.mem + (top - BASE) + t->fr_code, 8);
		fakeheap_put_ptr(&f.heap, code & ~(uint64_t)7, t->ob_type, 0xdead000);
	}
	ok(pywalk_sample(&f.w, true, &f.s) == -PF_ETORN, "%s: a non-code object is torn, not a frame",
	   t->name);
	fake_release(&f);
}

/* Point the instruction of frame `fr` at byte offset `addr` of its code. */
static void set_instr(struct fake *f, uint64_t fr, int addr)
{
	const struct pyoffsets *o = &f->loc.off;
	uint64_t code;

	if (o->frame_model == FRAME_OBJECT) {
		fakeheap_put_i32(&f->heap, fr, o->fr_lasti, addr / (int)o->lasti_scale);
		return;
	}
	memcpy(&code, f->heap.mem + (fr - BASE) + o->fr_code, 8);
	code &= ~o->exe_tag_mask;
	fakeheap_put_ptr(&f->heap, fr, o->fr_instr, code + o->co_code_adaptive + (uint64_t)addr);
}

/* Make frame `fr` look as it does while it runs, not waiting on a call. */
static void set_running(struct fake *f, uint64_t fr)
{
	const struct pyoffsets *o = &f->loc.off;

	switch (o->caller_model) {
	case CALLER_REFCNT:
		fakeheap_put_ptr(&f->heap, fr, o->ob_refcnt, 1);
		break;
	case CALLER_STACKTOP:
		fakeheap_put_i32(&f->heap, fr, o->fr_stacktop, -1);
		break;
	case CALLER_OPCODE:
		set_instr(f, fr, NOT_CALLING_2);
		break;
	}
}

/* Make frame `fr` look as one that returned: a freed frame object (<= 3.10),
 * a 3.14+ frame without code; else the same as running. */
static void set_returned(struct fake *f, uint64_t fr)
{
	const struct pyoffsets *o = &f->loc.off;

	if (o->frame_model == FRAME_OBJECT)
		fakeheap_put_ptr(&f->heap, fr, o->ob_refcnt, 0);
	else if (o->exe_tag_mask)
		fakeheap_put_ptr(&f->heap, fr, o->fr_code, 0);
	else
		set_running(f, fr);
}

static int capture_depth(struct fake *f, bool *whole)
{
	if (pywalk_capture(&f->w, true, &f->s) != 0 || f->s.nthreads != 1)
		return -1;
	pywalk_resolve(&f->w, &f->s);
	*whole = f->s.whole;
	return (int)f->s.threads[0].depth;
}

/*
 * The capture of a running target: one batched read once the plan is
 * learnt; frames pushed after their caller was copied are dropped.
 */
static void test_snapshot(const struct pyoffsets *t)
{
	struct fake f;
	uint64_t interp, top, caller;
	bool whole;

	fake_init(&f, t);
	interp = make_interp(&f);
	top = make_chain(&f, thread_a, 3);
	caller = back_of(&f, top);
	make_thread(&f, interp, top, 7);
	fake_walker(&f);
	ok(capture_depth(&f, &whole) == 3 && !whole, "%s: the first capture reads as it goes",
	   t->name);
	ok(capture_depth(&f, &whole) == 3 && whole && f.r.reads > 0,
	   "%s: the next one is one batched read", t->name);
	set_returned(&f, top);
	set_running(&f, caller);
	ok(capture_depth(&f, &whole) == 2 && whole && f.s.trimmed == 1 &&
	   strcmp(stacks_str(&f.st, stacks_frame(&f.st, f.s.frames[f.s.threads[0].first])->name,
			     NULL), "outer") == 0,
	   "%s: a frame pushed after its caller's copy is dropped", t->name);
	fake_release(&f);
}

/* A thread's outermost frame changes only once captures agree on it. */
static void test_anchor(const struct pyoffsets *t)
{
	struct spec root = { "boot.py", "bootstrap", 1, 8, 0 };
	struct fake f;
	uint64_t interp, top, module, boot;
	bool whole;
	int depth[PYWALK_ANCHOR_MOVES];

	fake_init(&f, t);
	interp = make_interp(&f);
	top = make_chain(&f, thread_a, 3);
	module = back_of(&f, back_of(&f, top));
	make_thread(&f, interp, top, 7);
	fake_walker(&f);
	capture_depth(&f, &whole);
	ok(capture_depth(&f, &whole) == 3 && whole, "%s: anchored at its outermost frame", t->name);
	boot = make_frame(&f, &root, 0);
	fakeheap_put_ptr(&f.heap, module, t->fr_back, boot);
	if (t->frame_model == FRAME_OBJECT)
		fakeheap_put_ptr(&f.heap, boot, t->ob_refcnt, 2);
	for (int i = 0; i < PYWALK_ANCHOR_MOVES; i++) {
		depth[i] = capture_depth(&f, &whole);
		if (i < PYWALK_ANCHOR_MOVES - 1)
			ok(depth[i] == 4 && !whole, "%s: a new outermost frame, %d time(s): not whole",
			   t->name, i + 1);
	}
	ok(depth[PYWALK_ANCHOR_MOVES - 1] == 4 && whole, "%s: taken after %d captures", t->name,
	   PYWALK_ANCHOR_MOVES);
	if (t->caller_model == CALLER_REFCNT) {
		set_instr(&f, back_of(&f, top), 24);
		ok(capture_depth(&f, &whole) == 4 && !whole,
		   "%s: a caller found elsewhere than last time: not whole", t->name);
		ok(capture_depth(&f, &whole) == 4 && whole, "%s: found there again: whole", t->name);
	}
	fake_release(&f);
}

/* A running caller ends the stack, and so does a callee that returned; a
 * stack with no live frame is torn. */
static void test_running_callers(const struct pyoffsets *t)
{
	struct fake f;
	uint64_t interp, top, caller, module;
	bool whole;

	fake_init(&f, t);
	interp = make_interp(&f);
	top = make_chain(&f, thread_a, 3);
	caller = back_of(&f, top);
	module = back_of(&f, caller);
	make_thread(&f, interp, top, 7);
	fake_walker(&f);
	set_running(&f, module);
	ok(capture_depth(&f, &whole) == 1 &&
	   frame_is(&f, f.s.frames[f.s.threads[0].first], "app.py", "<module>", 2),
	   "%s: a running outermost frame: the stack it had when copied", t->name);
	if (t->frame_model == FRAME_OBJECT || t->exe_tag_mask) {
		set_returned(&f, caller);
		if (t->frame_model == FRAME_OBJECT)
			fakeheap_put_ptr(&f.heap, module, t->ob_refcnt, 2);
		else
			set_instr(&f, module, 24);
		ok(capture_depth(&f, &whole) == 1 && f.s.trimmed == 2,
		   "%s: a returned frame between live ones: the stack ends below it", t->name);
		fakeheap_put_ptr(&f.heap, module, t->frame_model == FRAME_OBJECT ? t->ob_refcnt : t->fr_code, 0);
		ok(pywalk_capture(&f.w, true, &f.s) == -PF_ETORN,
		   "%s: a returned outermost frame: torn", t->name);
	}
	fake_release(&f);
}

static void test_depth_limit(const struct pyoffsets *t)
{
	struct fake f;
	struct spec sp = { "deep.py", "recurse", 5, 16, 0 };
	uint64_t interp, back;
	const struct pythread *th;

	fake_init(&f, t);
	interp = make_interp(&f);
	back = make_frame(&f, &sp, 0);
	for (int i = 1; i < 3000; i++) {	/* frames share one code object */
		uint64_t fr = fakeheap_alloc(&f.heap, 256);

		if (t->frame_model == FRAME_OBJECT)
			fakeheap_put_ptr(&f.heap, back, t->ob_refcnt, 2);
		memcpy(f.heap.mem + (fr - BASE), f.heap.mem + (back - BASE), 256);
		fakeheap_put_ptr(&f.heap, fr, t->fr_back, back);
		if (t->frame_model == FRAME_OBJECT)
			fakeheap_put_ptr(&f.heap, fr, t->ob_refcnt, 1);
		back = fr;
	}
	make_thread(&f, interp, back, 1);
	fake_walker(&f);
	ok(pywalk_sample(&f.w, true, &f.s) == 0 && f.s.nthreads == 1, "%s: 3000 frames walked", t->name);
	th = f.s.threads;
	ok(th->depth == PYWALK_MAX_DEPTH &&
	   frame_is(&f, f.s.frames[th->first], "deep.py", "recurse", 6) &&
	   frame_is(&f, f.s.frames[th->first + th->depth - 1], "(truncated)", "(truncated)", 0),
	   "%s: cut at %d frames, innermost kept, marker at the root", t->name, PYWALK_MAX_DEPTH);
	fake_release(&f);
}

/*
 * 3.11+: entry frames (owner 3, and 4 in 3.14) are C's, skipped from 3.12;
 * a frame before its first traceable instruction is incomplete, skipped,
 * unless a generator owns it (owner 1).
 */
static void test_interp_frames(const struct pyoffsets *t)
{
	struct spec sp[] = {
		{ "app.py", "fresh", 40, 0, 0 },	/* incomplete: skipped */
		{ "app.py", "gen", 50, 8, 1 },		/* generator: kept, line 50 */
		{ "<shim>", "<trampoline>", 1, 8, 3 },	/* entry frame from 3.12 */
		{ "app.py", "main", 60, 20, 0 },	/* line 61 */
	};
	struct fake f;
	uint64_t interp, top, fr, code;
	const struct pythread *th;
	bool entry_kept = t->owner_model == OWNER_311;

	fake_init(&f, t);
	interp = make_interp(&f);
	top = make_chain(&f, sp, 4);
	for (fr = top; fr; memcpy(&fr, f.heap.mem + (fr - BASE) + t->fr_back, 8)) {
		memcpy(&code, f.heap.mem + (fr - BASE) + t->fr_code, 8);
		fakeheap_put_i32(&f.heap, code & ~(uint64_t)7, t->co_firsttraceable, 2);	/* RESUME at unit 2 */
	}
	make_thread(&f, interp, top, 7);
	fake_walker(&f);
	ok(pywalk_sample(&f.w, true, &f.s) == 0, "%s: walked", t->name);
	th = f.s.threads;
	ok(th->depth == (entry_kept ? 3u : 2u) &&
	   frame_is(&f, f.s.frames[th->first], "app.py", "gen", 50) &&
	   frame_is(&f, f.s.frames[th->first + th->depth - 1], "app.py", "main", 61),
	   "%s: incomplete frame skipped, generator kept, entry frame %s", t->name,
	   entry_kept ? "kept (3.11 has none)" : "skipped");
	/* 3.12+: the frame an entry frame called began a call of the eval
	 * loop; 3.11 marks that frame itself (is_entry), unset here */
	ok(f.s.found[th->first].call_start == !entry_kept &&
	   !f.s.found[th->first + 1].call_start,
	   "%s: the frame called by an entry frame begins an eval call", t->name);
	fake_release(&f);
}

/* Up to 3.10 every Python frame is a call of the eval loop of its own. */
static void test_call_start_per_frame(const struct pyoffsets *t)
{
	struct fake f;
	uint64_t interp;
	const struct pythread *th;
	bool all = true;

	fake_init(&f, t);
	interp = make_interp(&f);
	make_thread(&f, interp, make_chain(&f, thread_a, 3), 1);
	fake_walker(&f);
	ok(pywalk_sample(&f.w, true, &f.s) == 0 && f.s.nthreads == 1, "%s: walked", t->name);
	th = f.s.threads;
	for (uint32_t i = 0; i < th->depth; i++)
		all = all && f.s.found[th->first + i].call_start;
	ok(th->depth == 3 && all, "%s: every frame begins an eval call", t->name);
	fake_release(&f);
}

/* Random bytes everywhere the walker looks: it must fail or succeed, never crash. */
static void test_garbage(const struct pyoffsets *t)
{
	struct fake f;
	uint64_t interp, ts;
	unsigned seed = 12345;
	int survived = 0;

	fake_init(&f, t);
	interp = make_interp(&f);
	ts = make_thread(&f, interp, make_chain(&f, thread_a, 3), 1);
	set_holder(&f, interp, ts);
	fake_walker(&f);
	for (int i = 0; i < 2000; i++) {
		size_t at = (size_t)rand_r(&seed) % f.heap.top;
		uint64_t v = (uint64_t)rand_r(&seed) << 33 ^ (uint64_t)rand_r(&seed);

		if (i % 3 == 0)	/* sometimes a plausible pointer into the image */
			v = BASE + (v % f.heap.top);
		memcpy(f.heap.mem + (at & ~(size_t)7), &v, 8);
		pywalk_sample(&f.w, i & 1, &f.s);
		survived++;
	}
	ok(survived == 2000, "%s: 2000 corrupted images walked without a crash", t->name);
	fake_release(&f);
}

int main(void)
{
	const struct pyoffsets *const *all = pyoffsets_all();

	for (size_t i = 0; all[i]; i++) {
		test_threads(all[i]);
		test_cycle_and_type(all[i]);
		test_depth_limit(all[i]);
		test_snapshot(all[i]);
		test_anchor(all[i]);
		test_running_callers(all[i]);
		if (all[i]->frame_model != FRAME_OBJECT)
			test_interp_frames(all[i]);
		else
			test_call_start_per_frame(all[i]);
		test_garbage(all[i]);
	}
	return done_testing();
}
