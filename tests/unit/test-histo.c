/* SPDX-License-Identifier: Apache-2.0 */
/* test-histo.c - quantiles of known sets of durations. */
#include "compat.h"

#include "histo.h"
#include "tap.h"

static void test_empty(void)
{
	struct histo h;

	histo_init(&h);
	ok(histo_quantile(&h, 0.5) == 0 && h.max_ns == 0, "empty: every quantile is 0");
}

/* 1..1000 us: the median within one bucket above 500 us, p99 near 990 us. */
static void test_uniform(void)
{
	struct histo h;
	uint64_t med, p99;

	histo_init(&h);
	for (uint64_t us = 1; us <= 1000; us++)
		histo_add(&h, us * 1000);
	med = histo_quantile(&h, 0.5);
	p99 = histo_quantile(&h, 0.99);
	ok(h.count == 1000, "uniform: 1000 values counted");
	/* 409.6 us and up share the last bucket: those quantiles are the maximum */
	ok(med == 1000000 && p99 == 1000000 && h.max_ns == 1000000,
	   "uniform: ranks past the last edge report the maximum (median %llu)",
	   (unsigned long long)med);
	ok(histo_quantile(&h, 0.2) == 200100,
	   "uniform: p20 is the upper edge of its bucket (%llu)",
	   (unsigned long long)histo_quantile(&h, 0.2));
}

static void test_small(void)
{
	struct histo h;

	histo_init(&h);
	for (int i = 0; i < 99; i++)
		histo_add(&h, 12340);	/* 12.34 us */
	histo_add(&h, 250000);
	ok(histo_quantile(&h, 0.5) == 12400, "small: median rounded up to 12.4 us (%llu)",
	   (unsigned long long)histo_quantile(&h, 0.5));
	ok(histo_quantile(&h, 0.99) == 12400 && histo_quantile(&h, 1.0) == 250000,
	   "small: p99 still 12.4 us, p100 the one slow value");
	ok(histo_quantile(&h, 0.0) == 12400, "small: p0 is the first bucket's edge");
}

static void test_max_caps_edge(void)
{
	struct histo h;

	histo_init(&h);
	histo_add(&h, 1);
	histo_add(&h, 50);
	ok(histo_quantile(&h, 0.5) == 50, "an edge above the maximum is cut to it");
}

int main(void)
{
	test_empty();
	test_uniform();
	test_small();
	test_max_caps_edge();
	return done_testing();
}
