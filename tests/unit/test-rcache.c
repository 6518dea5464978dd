/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-rcache.c - the page cache returns what a direct read would, reads
 * each page once per sample, reads prefetched spans alone, forgets
 * everything on reset (reads only what is asked until the next reset after
 * rcache_reset_direct), lists the spans a sample read from, and falls back
 * to exact reads where a whole page cannot be read.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "rcache.h"
#include "tap.h"

#define BASE 0x7f0000000000ull
#define PAGES 8

static uint8_t mem[PAGES * RCACHE_PAGE];

static void fill(uint8_t seed)
{
	for (size_t i = 0; i < sizeof mem; i++)
		mem[i] = (uint8_t)(i * 31 + seed);
}

/* A cache over `n` regions of mem, filled from `seed`. */
static void open_cache(struct remote *r, struct rcache *c, const struct remote_region *regions,
		       size_t n, uint8_t seed)
{
	fill(seed);
	remote_open_image(r, regions, n);
	rcache_init(c, r);
}

static bool read_is(struct rcache *c, uint64_t addr, size_t len)
{
	uint8_t buf[2 * RCACHE_PAGE];

	return rcache_read(c, addr, buf, len) == 0 && memcmp(buf, mem + (addr - BASE), len) == 0;
}

static void test_reads(void)
{
	struct remote_region region = { BASE, mem, sizeof mem };
	struct remote r;
	struct rcache c;
	uint64_t before;

	open_cache(&r, &c, &region, 1, 1);
	ok(read_is(&c, BASE + 100, 8) && r.reads == 1, "a small read loads its page");
	before = r.reads;
	ok(read_is(&c, BASE + 200, 64) && read_is(&c, BASE + 4000, 96) && r.reads == before,
	   "more reads in the page cost nothing");
	ok(read_is(&c, BASE + RCACHE_PAGE - 4, 8) && r.reads == before + 1,
	   "a read across a page edge loads the next page only");
	ok(read_is(&c, BASE + 3 * RCACHE_PAGE + 8, RCACHE_PAGE) &&
	   read_is(&c, BASE + 5 * RCACHE_PAGE, 2 * RCACHE_PAGE),
	   "a page-sized read and a larger one (straight to the target) are right");
	fill(2);
	ok(!read_is(&c, BASE + 100, 8), "within a sample the first read holds");
	rcache_reset(&c);
	ok(read_is(&c, BASE + 100, 8), "after a reset the target is read again");
	rcache_release(&c);
}

/* After rcache_reset_direct, until the next reset: each read its own. */
static void test_direct(void)
{
	struct remote_region region = { BASE, mem, sizeof mem };
	struct remote r;
	struct rcache c;
	uint64_t before;

	open_cache(&r, &c, &region, 1, 6);
	ok(read_is(&c, BASE + 100, 8), "a page cached");
	rcache_reset_direct(&c);
	before = r.reads;
	ok(read_is(&c, BASE + 100, 8) && read_is(&c, BASE + 108, 8) && r.reads == before + 2,
	   "direct: two reads in one page are two reads of the target");
	fill(7);
	ok(read_is(&c, BASE + 100, 8), "direct: nothing is kept, the target is read as it is now");
	rcache_reset(&c);
	before = r.reads;
	ok(read_is(&c, BASE + 100, 8) && read_is(&c, BASE + 108, 8) && r.reads == before + 1,
	   "a reset caches pages again");
	rcache_release(&c);
}

static void test_prefetch(void)
{
	struct remote_region region = { BASE, mem, sizeof mem };
	struct rcache_span sp[] = { { BASE + 10, 16 }, { BASE + 2 * RCACHE_PAGE + 5, 16 },
				    { BASE + 7 * RCACHE_PAGE - 2, 16 }, { BASE + 20, 16 } };
	struct remote r;
	struct rcache c;
	uint64_t before;

	open_cache(&r, &c, &region, 1, 3);
	rcache_prefetch(&c, sp, 4);
	ok(r.reads == 1, "one batched read for every span of a prefetch");
	before = r.reads;
	ok(read_is(&c, sp[0].addr, 16) && read_is(&c, sp[1].addr, 16) && read_is(&c, sp[2].addr, 16) &&
	   read_is(&c, sp[3].addr, 16) && read_is(&c, BASE + 7 * RCACHE_PAGE, 14) &&
	   r.reads == before,
	   "the prefetched spans (two on a page, one across an edge) are cached");
	fill(5);
	ok(read_is(&c, BASE + 2 * RCACHE_PAGE + 4000, 96) && r.reads == before + 1,
	   "a read outside a span loads the rest of its page, as it is now");
	ok(!read_is(&c, sp[1].addr, 16) && read_is(&c, BASE + 2 * RCACHE_PAGE, 5) &&
	   read_is(&c, sp[1].addr + 16, 64) && r.reads == before + 1,
	   "the span keeps what was first read, the rest of the page is cached");
	rcache_release(&c);
}

/* rcache_used: the span read of each page, in the order first read. */
static void test_used(void)
{
	struct remote_region region = { BASE, mem, sizeof mem };
	struct rcache_span sp[] = { { BASE + 10, 8 }, { BASE + 2 * RCACHE_PAGE, 8 },
				    { BASE + 5 * RCACHE_PAGE, 8 } };
	struct rcache_span used[RCACHE_SLOTS];
	struct remote r;
	struct rcache c;
	size_t n;

	open_cache(&r, &c, &region, 1, 4);
	rcache_prefetch(&c, sp, 3);
	ok(read_is(&c, BASE + 5 * RCACHE_PAGE + 8, 8) && read_is(&c, BASE + 3 * RCACHE_PAGE + 40, 8) &&
	   read_is(&c, BASE + 16, 8) && read_is(&c, BASE + 5 * RCACHE_PAGE, 8), "reads are right");
	n = rcache_used(&c, used);
	ok(n == 3 && used[0].addr == BASE + 5 * RCACHE_PAGE && used[0].len == 16 &&
	   used[1].addr == BASE + 3 * RCACHE_PAGE + 40 && used[1].len == 8 &&
	   used[2].addr == BASE + 16 && used[2].len == 8,
	   "the span read of each page read from, in the order first read (%zu listed)", n);
	rcache_reset(&c);
	ok(rcache_used(&c, used) == 0, "a reset forgets them");
	n = r.reads;
	rcache_prefetch(&c, sp, 3);
	ok(r.reads == n + 1 && read_is(&c, BASE + 10, 8) && r.reads == n + 1,
	   "after a reset, spans are read again in one batch");
	rcache_release(&c);
}

/* rcache.reads: the batch counts once, each read it did not cover once. */
static void test_read_count(void)
{
	struct remote_region region = { BASE, mem, sizeof mem };
	struct rcache_span sp[] = { { BASE + 10, 64 }, { BASE + 3 * RCACHE_PAGE, 128 } };
	struct remote r;
	struct rcache c;

	open_cache(&r, &c, &region, 1, 5);
	ok(rcache_prefetch(&c, sp, 2) && c.reads == 1, "a batch is one read");
	ok(read_is(&c, BASE + 20, 8) && read_is(&c, BASE + 3 * RCACHE_PAGE + 64, 64) &&
	   c.reads == 1, "reads inside it cost none");
	ok(read_is(&c, BASE + 6 * RCACHE_PAGE, 8) && c.reads == 2, "a read outside it counts");
	ok(rcache_prefetch(&c, sp, 2) && c.reads == 2, "a batch of what is held reads nothing");
	rcache_reset(&c);
	ok(c.reads == 0, "a reset starts the count again");
	rcache_release(&c);
}

/* Regions that are not whole pages: every read must still succeed. */
static void test_unaligned_regions(void)
{
	struct remote_region regions[] = {
		{ BASE + 100, mem + 100, 300 },
		{ BASE + 2 * RCACHE_PAGE + 50, mem + 2 * RCACHE_PAGE + 50, 20 },
	};
	struct rcache_span sp[] = { { BASE + 150, 8 }, { BASE + 2 * RCACHE_PAGE + 60, 8 } };
	struct remote r;
	struct rcache c;
	uint8_t b[8];

	open_cache(&r, &c, regions, 2, 4);
	rcache_prefetch(&c, sp, 2);
	ok(read_is(&c, BASE + 150, 8) && read_is(&c, BASE + 100, 300) &&
	   read_is(&c, BASE + 2 * RCACHE_PAGE + 60, 10),
	   "partial pages: reads fall back to exact ranges");
	ok(rcache_read(&c, BASE + 99, b, 8) == -PF_ETORN &&
	   rcache_read(&c, BASE + 2 * RCACHE_PAGE + 65, b, 8) == -PF_ETORN,
	   "outside the regions: torn, as a direct read");
	rcache_release(&c);
}

int main(void)
{
	test_reads();
	test_direct();
	test_prefetch();
	test_used();
	test_read_count();
	test_unaligned_regions();
	return done_testing();
}
