/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-readplan.c - the plan of a sample's first read: the spans recent
 * samples read, in reverse order of first need, covering what two windows
 * read, forgetting unused pages, and not reordered by a failed walk.
 */
#include "compat.h"

#include <string.h>

#include "readplan.h"
#include "tap.h"

#define PAGE(n) (0x7f0000000000ull + (uint64_t)(n) * RCACHE_PAGE)

static struct rcache_span sp(uint64_t addr, uint32_t len)
{
	return (struct rcache_span){ addr, len };
}

static bool plan_is(const struct readplan *p, const struct rcache_span *want, size_t n)
{
	struct rcache_span got[RCACHE_SLOTS];

	if (readplan_spans(p, got) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (got[i].addr != want[i].addr || got[i].len != want[i].len)
			return false;
	return true;
}

static void test_order(void)
{
	struct readplan p;
	struct rcache_span used[] = { sp(PAGE(1) + 8, 8), sp(PAGE(5) + 100, 200),
				      sp(PAGE(3), 64) };
	struct rcache_span want[] = { sp(PAGE(3), 64), sp(PAGE(5) + 100, 200),
				      sp(PAGE(1) + 8, 8) };

	readplan_init(&p);
	ok(plan_is(&p, NULL, 0), "a new plan reads nothing");
	readplan_learn(&p, used, 3, true, true);
	ok(plan_is(&p, want, 3), "the pages read, last needed first");
}

static void test_windows(void)
{
	struct readplan p;
	struct rcache_span deep[] = { sp(PAGE(2) + 64, 512) };
	struct rcache_span shallow[] = { sp(PAGE(2) + 64, 128) };
	struct rcache_span want = sp(PAGE(2) + 64, 512);
	int i;

	readplan_init(&p);
	readplan_learn(&p, deep, 1, true, true);
	readplan_learn(&p, shallow, 1, true, true);
	ok(plan_is(&p, &want, 1), "a page's span covers what recent samples read");
	for (i = 0; i < 2 * READPLAN_WINDOW; i++)
		readplan_learn(&p, shallow, 1, true, true);
	want.len = 128;
	ok(plan_is(&p, &want, 1), "and shrinks to what two windows read");
}

static void test_forgetting(void)
{
	struct readplan p;
	struct rcache_span a[] = { sp(PAGE(1), 8), sp(PAGE(2), 8) };
	struct rcache_span b[] = { sp(PAGE(1), 8) };
	struct rcache_span keep[] = { sp(PAGE(2), 8), sp(PAGE(1), 8) };
	int i;

	readplan_init(&p);
	readplan_learn(&p, a, 2, true, true);
	readplan_learn(&p, b, 1, true, true);
	ok(plan_is(&p, keep, 2), "a page not read this time is kept, read first");
	for (i = 0; i < 2 * READPLAN_WINDOW; i++)
		readplan_learn(&p, b, 1, true, true);
	ok(plan_is(&p, b, 1), "and dropped after two windows unused");
	readplan_learn(&p, a, 2, true, true);
	readplan_learn(&p, b, 1, false, true);
	ok(plan_is(&p, b, 1), "a failed batch drops the pages not read since");
}

static void test_failed_walk(void)
{
	struct readplan p;
	struct rcache_span good[] = { sp(PAGE(1), 8), sp(PAGE(2), 8) };
	struct rcache_span bad[] = { sp(PAGE(2), 16), sp(PAGE(7), 8), sp(PAGE(1), 8) };
	struct rcache_span want[] = { sp(PAGE(7), 8), sp(PAGE(2), 16), sp(PAGE(1), 8) };

	readplan_init(&p);
	readplan_learn(&p, good, 2, true, true);
	readplan_learn(&p, bad, 3, true, false);
	ok(plan_is(&p, want, 3), "a failed walk adds its pages first, keeps the order");
}

static void test_full(void)
{
	static struct rcache_span many[RCACHE_SLOTS + 10];
	struct readplan p;
	struct rcache_span got[RCACHE_SLOTS];

	for (size_t i = 0; i < PF_ARRAY_SIZE(many); i++)
		many[i] = sp(PAGE(i), 8);
	readplan_init(&p);
	readplan_learn(&p, many, PF_ARRAY_SIZE(many), true, true);
	ok(readplan_spans(&p, got) == RCACHE_SLOTS, "at most %u pages", RCACHE_SLOTS);
	readplan_learn(&p, many, PF_ARRAY_SIZE(many), true, false);
	ok(readplan_spans(&p, got) == RCACHE_SLOTS, "also when a failed walk adds pages");
}

int main(void)
{
	test_order();
	test_windows();
	test_forgetting();
	test_failed_walk();
	test_full();
	return done_testing();
}
