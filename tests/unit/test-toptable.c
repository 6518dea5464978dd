/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-toptable.c - the counts of the --top view and their text: own and
 * total (once per stack, recursion or not), intervals, the two sorts,
 * grouping without line numbers, the summary and rows to the byte.
 */
#include "compat.h"

#include <string.h>

#include "stacks.h"
#include "tap.h"
#include "toptable.h"

#define SEC 1000000000ull

struct world {
	struct stacks st;
	uint32_t main_, work, leaf, leaf2, origin[3];
};

static uint32_t frame(struct stacks *st, const char *file, const char *name, int line)
{
	return stacks_intern_pyframe(st, stacks_intern_str(st, file, strlen(file)),
				     stacks_intern_str(st, name, strlen(name)), line);
}

static void world_init(struct world *w)
{
	static const struct origin o[3] = { { 10, 10, 1, 0 }, { 10, 11, 2, 0 }, { 20, 20, 3, 0 } };

	stacks_init(&w->st, false);
	w->main_ = frame(&w->st, "app.py", "main", 3);
	w->work = frame(&w->st, "app.py", "work", 10);
	w->leaf = frame(&w->st, "lib.py", "leaf", 5);
	w->leaf2 = frame(&w->st, "lib.py", "leaf", 6);	/* same function, another line */
	for (int i = 0; i < 3; i++)
		w->origin[i] = stacks_intern_origin(&w->st, &o[i]);
}

/*
 * 10 samples in one second: 6 in leaf <- work <- work <- main (recursion),
 * 2 in work <- main, 1 idle, 1 failed; the GIL held in the first 8.
 */
static void feed(struct world *w, struct toptable *t)
{
	uint32_t deep[] = { w->leaf, w->work, w->work, w->main_ };

	for (int i = 0; i < 6; i++) {
		toptable_add_stack(t, deep, 4, w->origin[0], true);
		toptable_add_sample(t, TOP_SAMPLE_STACKS);
	}
	for (int i = 0; i < 2; i++) {
		toptable_add_stack(t, deep + 2, 2, w->origin[1], true);
		toptable_add_sample(t, TOP_SAMPLE_STACKS);
	}
	toptable_add_sample(t, TOP_SAMPLE_IDLE);
	toptable_add_sample(t, TOP_SAMPLE_FAILED);
}

/* Whether the text made is `want`; the buffer is emptied for the next. */
static bool text_is(struct strbuf *sb, const char *want)
{
	bool same = same_text(sb->buf, want);

	strbuf_reset(sb);
	return same;
}

static void test_counts(void)
{
	struct world w;
	struct toptable t;
	struct top_row rows[8];
	size_t n;

	world_init(&w);
	toptable_init(&t, &w.st, true, false, 0);
	feed(&w, &t);
	ok(toptable_rows(&t, TOP_SPAN_LAST, TOP_SORT_OWN, rows, 8) == 0,
	   "nothing shown before the first interval closes");
	toptable_roll(&t, SEC);
	n = toptable_rows(&t, TOP_SPAN_LAST, TOP_SORT_OWN, rows, 8);
	ok(n == 3 && t.entries[rows[0].entry].frame == w.leaf && rows[0].own == 6 &&
	   rows[0].total == 6 && t.entries[rows[1].entry].frame == w.work && rows[1].own == 2 &&
	   rows[1].total == 8 && t.entries[rows[2].entry].frame == w.main_ && rows[2].own == 0 &&
	   rows[2].total == 8, "own and total, a recursion counted once per stack");
	n = toptable_rows(&t, TOP_SPAN_LAST, TOP_SORT_TOTAL, rows, 8);
	ok(n == 3 && t.entries[rows[0].entry].frame == w.work &&
	   t.entries[rows[1].entry].frame == w.main_ && t.entries[rows[2].entry].frame == w.leaf,
	   "by total: work and main first (ties: own decides)");
	ok(toptable_rows(&t, TOP_SPAN_LAST, TOP_SORT_OWN, rows, 1) == 1, "at most `max` rows");
	feed(&w, &t);
	toptable_roll(&t, 3 * SEC);
	n = toptable_rows(&t, TOP_SPAN_ALL, TOP_SORT_OWN, rows, 8);
	ok(n == 3 && rows[0].own == 12 && toptable_counts(&t, TOP_SPAN_ALL)->samples == 20 &&
	   toptable_counts(&t, TOP_SPAN_LAST)->samples == 10 &&
	   toptable_counts(&t, TOP_SPAN_LAST)->ns == 2 * SEC && toptable_counts(&t, TOP_SPAN_ALL)->ns == 3 * SEC,
	   "since the start: both intervals; the last: the last alone");
	toptable_roll(&t, 4 * SEC);
	ok(toptable_rows(&t, TOP_SPAN_LAST, TOP_SORT_OWN, rows, 8) == 0 &&
	   toptable_rows(&t, TOP_SPAN_ALL, TOP_SORT_OWN, rows, 8) == 3,
	   "an empty interval: nothing in the last one, all since the start");
	toptable_release(&t);
	stacks_release(&w.st);
}

static void test_grouping(void)
{
	struct world w;
	struct toptable t;
	struct top_row rows[8];

	world_init(&w);
	toptable_init(&t, &w.st, false, false, 0);
	toptable_add_stack(&t, &w.leaf, 1, w.origin[0], false);
	toptable_add_sample(&t, TOP_SAMPLE_STACKS);
	toptable_add_stack(&t, &w.leaf2, 1, w.origin[0], false);
	toptable_add_sample(&t, TOP_SAMPLE_STACKS);
	toptable_roll(&t, SEC);
	ok(toptable_rows(&t, TOP_SPAN_LAST, TOP_SORT_OWN, rows, 8) == 1 && rows[0].own == 2,
	   "without line numbers, two lines of one function are one row");
	toptable_release(&t);
	stacks_release(&w.st);
}

static void test_text(void)
{
	struct world w;
	struct toptable t;
	struct top_row rows[8];
	struct strbuf sb;

	world_init(&w);
	strbuf_init(&sb);
	toptable_init(&t, &w.st, true, false, 0);
	feed(&w, &t);
	toptable_add_stack(&t, &w.main_, 1, w.origin[2], false);	/* another process */
	toptable_add_sample(&t, TOP_SAMPLE_STACKS);
	toptable_roll(&t, SEC);
	toptable_summary(&t, TOP_SPAN_LAST, SEC / 100, 200, &sb);
	ok(text_is(&sb, "samples 11.0/s (asked 100/s)  GIL 72.7%  idle 9.1%  failed 9.1%  threads 3"
			"  processes 2"), "the summary: rate reached and asked, shares, threads, processes");
	toptable_heading(200, &sb);
	ok(text_is(&sb, "  %Own  %Total   OwnTime  TotalTime  Function (file:line)"), "the heading");
	toptable_rows(&t, TOP_SPAN_LAST, TOP_SORT_OWN, rows, 8);
	toptable_row(&t, TOP_SPAN_LAST, &rows[0], 200, &sb);
	ok(text_is(&sb, "  54.5    54.5     0.55s     0.55s   leaf (lib.py:5)"),
	   "a row: percentages of samples, times, function (file:line)");
	toptable_row(&t, TOP_SPAN_LAST, &rows[0], 20, &sb);
	ok(text_is(&sb, "  54.5    54.5     0"), "cut to the width");
	toptable_release(&t);
	toptable_init(&t, &w.st, true, true, 0);
	feed(&w, &t);
	toptable_roll(&t, SEC);
	toptable_rows(&t, TOP_SPAN_LAST, TOP_SORT_OWN, rows, 8);
	toptable_row(&t, TOP_SPAN_LAST, &rows[0], 200, &sb);
	ok(text_is(&sb, "  66.7    66.7     0.60s     0.60s   leaf (lib.py:5)"),
	   "with -x, idle samples are in no percentage");
	toptable_release(&t);
	strbuf_release(&sb);
	stacks_release(&w.st);
}

/* The row of a one-sample profile of frame (file, name, line), `width`
 * columns wide, compared with `want`. */
static bool row_is(const char *file, const char *name, int line, size_t width,
		   const char *want)
{
	struct stacks st;
	struct toptable t;
	struct top_row row;
	struct strbuf sb;
	uint32_t f;
	bool same;
	static const struct origin o = { 1, 1, 1, 0 };

	stacks_init(&st, false);
	f = frame(&st, file, name, line);
	strbuf_init(&sb);
	toptable_init(&t, &st, true, false, 0);
	toptable_add_stack(&t, &f, 1, stacks_intern_origin(&st, &o), false);
	toptable_add_sample(&t, TOP_SAMPLE_STACKS);
	toptable_roll(&t, SEC);
	toptable_rows(&t, TOP_SPAN_LAST, TOP_SORT_OWN, &row, 1);
	toptable_row(&t, TOP_SPAN_LAST, &row, width, &sb);
	same = text_is(&sb, want);
	toptable_release(&t);
	strbuf_release(&sb);
	stacks_release(&st);
	return same;
}

static void test_cut_utf8(void)
{
	ok(row_is("\xe5\x87\xbd.py", "fun\xc3\xa7\xc3\xa3o\x01", 1, 44,
		  " 100.0   100.0     1.00s     1.00s   fun\xc3\xa7\xc3\xa3o?"),
	   "a UTF-8 character is one column; control characters become '?'");
}

/* A long path loses its start, so that the function and the line stay. */
static void test_cut_path(void)
{
	static const char path[] = "/srv/app/releases/2026-12-03/tests/e2e/targets/threads32.py";

	ok(row_is(path, "spin", 30, 200, " 100.0   100.0     1.00s     1.00s   spin "
		  "(/srv/app/releases/2026-12-03/tests/e2e/targets/threads32.py:30)"),
	   "a path that fits is whole");
	ok(row_is(path, "spin", 30, 80, " 100.0   100.0     1.00s     1.00s   spin "
		  "(...tests/e2e/targets/threads32.py:30)"),
	   "a long path loses its start: 80 columns, the line number kept");
	ok(row_is(path, "spin", 30, 50, " 100.0   100.0     1.00s     1.00s   spin (/srv/ap"),
	   "too narrow for 12 columns of the path: cut at the width");
}

int main(void)
{
	test_counts();
	test_grouping();
	test_text();
	test_cut_utf8();
	test_cut_path();
	return done_testing();
}
