/* SPDX-License-Identifier: Apache-2.0 */
/* test-stacks.c - string and frame interning, stack counting, chart events. */
#include "compat.h"

#include <stdio.h>
#include <string.h>

#include "stacks.h"
#include "tap.h"

/* Every stack here comes from one thread of one process. */
static uint32_t one_origin(struct stacks *st)
{
	static const struct origin o = { 100, 101, 0x7f00, 0 };

	return stacks_intern_origin(st, &o);
}

static uint32_t str(struct stacks *st, const char *s)
{
	return stacks_intern_str(st, s, strlen(s));
}

static bool str_is(const struct stacks *st, uint32_t id, const char *want)
{
	size_t len;
	const char *s = stacks_str(st, id, &len);

	return len == strlen(want) && memcmp(s, want, len) == 0 && s[len] == '\0';
}

static void test_strings(void)
{
	struct stacks st;
	uint32_t abc, ab, abcd, empty, utf8, nul;

	stacks_init(&st, false);
	abc = str(&st, "abc");
	ab = str(&st, "ab");
	abcd = str(&st, "abcd");
	empty = stacks_intern_str(&st, "", 0);
	utf8 = str(&st, "caf\xc3\xa9");
	ok(str(&st, "abc") == abc && str(&st, "ab") == ab &&
	   str(&st, "abcd") == abcd, "same string, same id");
	ok(abc != ab && abc != abcd && ab != abcd, "common prefixes get distinct ids");
	ok(stacks_intern_str(&st, "", 0) == empty && empty != abc && empty != ab,
	   "empty string is interned once, apart from the others");
	ok(stacks_intern_str(&st, NULL, 0) == empty, "NULL with length 0 is the empty string");
	ok(stacks_intern_str(&st, "abcdef", 3) == abc, "only len bytes count");
	ok(str_is(&st, abc, "abc") && str_is(&st, ab, "ab") && str_is(&st, abcd, "abcd")
	   && str_is(&st, empty, "") && str_is(&st, utf8, "caf\xc3\xa9"),
	   "contents read back NUL-terminated with their lengths");
	ok(stacks_str(&st, abc, NULL)[0] == 'a', "length pointer may be NULL");
	nul = stacks_intern_str(&st, "a\0b", 3);
	ok(nul != str(&st, "a") && stacks_intern_str(&st, "a\0b", 3) == nul,
	   "bytes after an embedded NUL take part in the key");
	ok(st.nstrs == 7, "seven distinct strings stored (%zu)", st.nstrs);
	stacks_release(&st);
}

static void test_frames(void)
{
	struct stacks st;
	uint32_t f, n, g, fr, other;
	const struct frame *p;

	stacks_init(&st, false);
	f = str(&st, "app.py");
	n = str(&st, "work");
	g = str(&st, "play");
	fr = stacks_intern_pyframe(&st, f, n, 12);
	ok(stacks_intern_pyframe(&st, f, n, 12) == fr, "same frame, same id");
	ok(stacks_intern_pyframe(&st, f, n, 13) != fr, "another line, another frame");
	ok(stacks_intern_pyframe(&st, f, g, 12) != fr, "another name, another frame");
	ok(stacks_intern_pyframe(&st, n, n, 12) != fr, "another file, another frame");
	other = stacks_intern_pyframe(&st, n, f, 12);
	ok(other != stacks_intern_pyframe(&st, f, n, 12) &&
	   other != stacks_intern_pyframe(&st, n, n, 12), "file and name are not interchangeable");
	ok(stacks_intern_pyframe(&st, f, n, -1) != stacks_intern_pyframe(&st, f, n, 0),
	   "negative and unknown lines are distinct");
	p = stacks_frame(&st, fr);
	ok(p->file == f && p->name == n && p->line == 12, "frame fields read back");
	ok(st.nframes == 7, "seven distinct frames (%zu)", st.nframes);
	stacks_release(&st);
}

/* Three frames a, b, c in one file, for the stack tests. */
static void three_frames(struct stacks *st, uint32_t *ids)
{
	uint32_t file = str(st, "m.py");

	ids[0] = stacks_intern_pyframe(st, file, str(st, "a"), 1);
	ids[1] = stacks_intern_pyframe(st, file, str(st, "b"), 2);
	ids[2] = stacks_intern_pyframe(st, file, str(st, "c"), 3);
}

/* Kinds, native offsets and origins tell frames and stacks apart. */
static void test_kinds_and_origins(void)
{
	struct stacks st;
	struct frame py = { .kind = FRAME_PYTHON }, nat;
	struct origin a = { 1, 2, 3, 0 }, b = { 1, 4, 5, 0 };
	uint32_t f, g, oa, ob, ids[1];

	stacks_init(&st, false);
	py.file = str(&st, "lib.so");
	py.name = str(&st, "fn");
	nat = py;
	nat.kind = FRAME_NATIVE;
	nat.offset = 16;
	f = stacks_intern_frame(&st, &py);
	g = stacks_intern_frame(&st, &nat);
	ok(f != g, "same names, another kind: another frame");
	nat.offset = 17;
	ok(stacks_intern_frame(&st, &nat) != g, "another native offset: another frame");
	py.offset = 99;
	ok(stacks_intern_frame(&st, &py) == f, "a Python frame has no offset");
	oa = stacks_intern_origin(&st, &a);
	ob = stacks_intern_origin(&st, &b);
	ok(oa != ob && stacks_intern_origin(&st, &a) == oa && stacks_origin(&st, ob)->tid == 4,
	   "origins interned");
	ids[0] = f;
	ok(stacks_add(&st, ids, 1, oa, 1, 0) != stacks_add(&st, ids, 1, ob, 1, 0) &&
	   stacks_add(&st, ids, 1, oa, 1, 0) == stacks_add(&st, ids, 1, oa, 1, 0),
	   "the same frames in two threads are two stacks");
	stacks_release(&st);
}

static void test_stacks(void)
{
	struct stacks st;
	uint32_t f[3], ab[2], ba[2], aa[2], aaa[3], s1, s2;
	const uint32_t *got;
	size_t depth;

	stacks_init(&st, false);
	three_frames(&st, f);
	ab[0] = f[0], ab[1] = f[1];
	ba[0] = f[1], ba[1] = f[0];
	aa[0] = aa[1] = aaa[0] = aaa[1] = aaa[2] = f[0];
	s1 = stacks_add(&st, ab, 2, one_origin(&st), 1, 0);
	s2 = stacks_add(&st, ab, 2, one_origin(&st), 4, 0);
	ok(s1 == s2 && st.stacks[s1].count == 5, "counts accumulate (%llu)",
	   (unsigned long long)st.stacks[s1].count);
	ok(stacks_add(&st, ba, 2, one_origin(&st), 1, 0) != s1, "order matters");
	ok(stacks_add(&st, ab, 1, one_origin(&st), 1, 0) != s1, "a prefix is another stack");
	ok(stacks_add(&st, aa, 2, one_origin(&st), 1, 0) != stacks_add(&st, aaa, 3, one_origin(&st), 1, 0) &&
	   stacks_add(&st, aa, 1, one_origin(&st), 1, 0) != stacks_add(&st, aa, 2, one_origin(&st), 1, 0),
	   "repeated frames: depth is part of the key");
	got = stacks_frames(&st, s1, &depth);
	ok(depth == 2 && got[0] == f[0] && got[1] == f[1], "stored leaf first, as given");
	ab[0] = f[2];
	ok(stacks_frames(&st, s1, &depth)[0] == f[0], "caller's array is copied");
	ok(st.nstacks == 5, "five distinct stacks (%zu)", st.nstacks);
	ok(stacks_add(&st, aaa, 3, one_origin(&st), 0, 0) == stacks_add(&st, aaa, 3, one_origin(&st), 2, 0) &&
	   st.stacks[stacks_add(&st, aaa, 3, one_origin(&st), 0, 0)].count == 3,
	   "count 0 finds the stack and adds nothing");
	stacks_release(&st);
}

/* Re-adding known stacks must not grow or move anything. */
static void test_steady_state(void)
{
	struct stacks st;
	uint32_t f[3], s[2];
	const uint32_t *ids, *slots;
	const struct stack *stk;
	size_t caps;

	stacks_init(&st, false);
	three_frames(&st, f);
	stacks_add(&st, f, 3, one_origin(&st), 1, 0);
	stacks_add(&st, f + 1, 2, one_origin(&st), 1, 0);
	ids = st.frame_ids, slots = st.stack_idx.slots, stk = st.stacks;
	caps = st.frame_ids_cap + st.stacks_cap + st.stack_idx.mask;
	for (int i = 0; i < 1000; i++) {
		s[0] = stacks_add(&st, f, 3, one_origin(&st), 1, 0);
		s[1] = stacks_add(&st, f + 1, 2, one_origin(&st), 1, 0);
	}
	ok(st.frame_ids == ids && st.stack_idx.slots == slots && st.stacks == stk &&
	   st.frame_ids_cap + st.stacks_cap + st.stack_idx.mask == caps &&
	   st.frame_ids_len == 5 && st.nstacks == 2, "known stacks cause no growth");
	ok(st.stacks[s[0]].count == 1001 && st.stacks[s[1]].count == 1001,
	   "and are still counted");
	stacks_release(&st);
}

#define MANY 100000

/* Stack i: leaf frame i, under frame i / 10, under frame 0 for odd i. */
static size_t many_stack(const uint32_t *fr, size_t i, uint32_t *out)
{
	size_t depth = 0;

	out[depth++] = fr[i];
	out[depth++] = fr[i / 10];
	if (i % 2)
		out[depth++] = fr[0];
	return depth;
}

static bool many_strings_ok(struct stacks *st, uint32_t *sid)
{
	char buf[32];

	for (size_t i = 0; i < MANY; i++) {
		snprintf(buf, sizeof buf, "fn_%zu", i);
		if (str(st, buf) != sid[i] || !str_is(st, sid[i], buf))
			return false;
	}
	return true;
}

static void test_many(void)
{
	static uint32_t sid[MANY], fr[MANY], stk[MANY];
	struct stacks st;
	uint32_t file, ids[3];
	size_t i, depth;
	bool same = true, counts = true;
	char buf[32];

	stacks_init(&st, false);
	file = str(&st, "many.py");
	for (i = 0; i < MANY; i++) {
		snprintf(buf, sizeof buf, "fn_%zu", i);
		sid[i] = str(&st, buf);
		fr[i] = stacks_intern_pyframe(&st, file, sid[i], (int32_t)(i % 1000));
	}
	for (i = 0; i < MANY; i++) {
		depth = many_stack(fr, i, ids);
		stk[i] = stacks_add(&st, ids, depth, one_origin(&st), i % 7 + 1, 0);
	}
	for (i = 0; i < MANY; i++) {
		depth = many_stack(fr, i, ids);
		same &= stacks_add(&st, ids, depth, one_origin(&st), 1, 0) == stk[i];
		same &= stacks_intern_pyframe(&st, file, sid[i], (int32_t)(i % 1000)) == fr[i];
	}
	for (i = 0; i < MANY; i++)
		counts &= st.stacks[stk[i]].count == i % 7 + 2;
	ok(st.nstrs == MANY + 1 && st.nframes == MANY, "%d strings and frames", MANY);
	ok(many_strings_ok(&st, sid), "strings keep their ids and text through growth");
	ok(st.nstacks == MANY && same, "%d stacks keep their ids through growth", MANY);
	ok(counts, "and their counts");
	stacks_release(&st);
}

/*
 * Keys that share slots of the index often: strings that are prefixes of
 * one another, frames that differ only by line. Probing must compare them
 * whole.
 */
static void test_near_keys(void)
{
	static char xs[4096];
	static uint32_t sid[sizeof(xs)], fr[5000];
	struct stacks st;
	uint32_t file, name;
	bool strs = true, frames = true;

	memset(xs, 'x', sizeof(xs));
	stacks_init(&st, false);
	for (size_t k = sizeof(xs); k-- > 0;)	/* longest first */
		sid[k] = stacks_intern_str(&st, xs, k);
	for (size_t k = 0; k < sizeof(xs); k++) {
		size_t len;

		strs &= stacks_intern_str(&st, xs, k) == sid[k];
		strs &= stacks_str(&st, sid[k], &len) != NULL && len == k;
	}
	ok(strs && st.nstrs == sizeof(xs), "%zu strings, each a prefix of the next",
	   sizeof(xs));
	file = str(&st, "f.py");
	name = str(&st, "loop");
	for (int32_t line = 0; line < 5000; line++)
		fr[line] = stacks_intern_pyframe(&st, file, name, line);
	for (int32_t line = 0; line < 5000; line++)
		frames &= stacks_intern_pyframe(&st, file, name, line) == fr[line] &&
			  stacks_frame(&st, fr[line])->line == line;
	ok(frames && st.nframes == 5000, "5000 frames differing only by line");
	stacks_release(&st);
}

static void test_events(void)
{
	struct stacks st;
	uint32_t f[3], s;

	stacks_init(&st, false);
	three_frames(&st, f);
	stacks_add(&st, f, 3, one_origin(&st), 1, 10);
	stacks_add_idle(&st, 20);
	stacks_add_failed(&st, 30);
	ok(st.nevents == 0 && st.events == NULL, "no events without keep_events");
	ok(st.idle == 1 && st.failed == 1, "idle and failed still counted");
	stacks_release(&st);

	stacks_init(&st, true);
	three_frames(&st, f);
	s = stacks_add(&st, f, 3, one_origin(&st), 1, 10);
	stacks_add_idle(&st, 20);
	stacks_add_idle(&st, 25);
	stacks_add(&st, f, 3, one_origin(&st), 1, 30);
	stacks_add_failed(&st, 40);
	ok(st.nevents == 5, "one event per call (%zu)", st.nevents);
	ok(st.nevents == 5 &&
	   st.events[0].ts_us == 10 && st.events[0].stack == s &&
	   st.events[1].ts_us == 20 && st.events[1].stack == STACK_IDLE &&
	   st.events[2].ts_us == 25 && st.events[2].stack == STACK_IDLE &&
	   st.events[3].ts_us == 30 && st.events[3].stack == s &&
	   st.events[4].ts_us == 40 && st.events[4].stack == STACK_FAILED,
	   "events in call order with their stacks and times");
	ok(st.idle == 2 && st.failed == 1 && st.stacks[s].count == 2,
	   "counters follow the events");
	stacks_release(&st);
	ok(st.keep_events && st.nevents == 0 && st.nstacks == 0 && st.nstrs == 0,
	   "release leaves an empty table with the same setting");
	three_frames(&st, f);
	ok(st.nstrs == 4 && stacks_add(&st, f, 1, one_origin(&st), 1, 50) == 0 && st.nevents == 1,
	   "and it can be used again");
	stacks_release(&st);
}

int main(void)
{
	test_strings();
	test_frames();
	test_stacks();
	test_kinds_and_origins();
	test_steady_state();
	test_many();
	test_near_keys();
	test_events();
	return done_testing();
}
