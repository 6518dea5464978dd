/* SPDX-License-Identifier: Apache-2.0 */
/* histo.c - durations counted in fixed buckets; quantiles read back. */
#include "compat.h"

#include <string.h>

#include "histo.h"

void histo_init(struct histo *h)
{
	memset(h, 0, sizeof *h);
}

void histo_add(struct histo *h, uint64_t ns)
{
	uint64_t b = ns / HISTO_STEP_NS;

	h->bucket[b < HISTO_BUCKETS ? b : HISTO_BUCKETS - 1]++;
	h->count++;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

uint64_t histo_quantile(const struct histo *h, double q)
{
	uint64_t rank, seen = 0;

	if (h->count == 0)
		return 0;
	if (q < 0)
		q = 0;
	rank = (uint64_t)(q * (double)h->count + 0.5);
	if (rank == 0)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (uint32_t b = 0; b < HISTO_BUCKETS; b++) {
		seen += h->bucket[b];
		if (seen >= rank && b == HISTO_BUCKETS - 1)
			break;	/* the open-ended last bucket */
		if (seen >= rank) {
			uint64_t edge = (uint64_t)(b + 1) * HISTO_STEP_NS;

			return edge < h->max_ns ? edge : h->max_ns;
		}
	}
	return h->max_ns;
}
