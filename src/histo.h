/* SPDX-License-Identifier: Apache-2.0 */
/*
 * histo.h - a fixed-size histogram of durations, for statistics that must
 * cost nothing per sample: no allocation, a counter increment.
 */
#ifndef PF_HISTO_H
#define PF_HISTO_H

#include "compat.h"

#define HISTO_STEP_NS 100u	/* bucket width */
#define HISTO_BUCKETS 4096u	/* 0 to 409.6 us in steps; longer ones in the last */

struct histo {
	uint32_t bucket[HISTO_BUCKETS];
	uint64_t count;
	uint64_t max_ns;
};

void histo_init(struct histo *h);
void histo_add(struct histo *h, uint64_t ns);

/*
 * histo_quantile - the duration (ns) under which a fraction `q` (0 to 1) of
 * the values lie: the upper edge of the bucket holding that rank, so at most
 * HISTO_STEP_NS above the truth, and never above the maximum seen; a rank
 * in the last, open-ended bucket gives the maximum. 0 when empty.
 */
uint64_t histo_quantile(const struct histo *h, double q);

#endif
