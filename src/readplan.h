/* SPDX-License-Identifier: Apache-2.0 */
/*
 * readplan.h - what a sample reads first, in one batch, and in what order.
 *
 * A sample reads a few spans of a few pages: the thread list, thread
 * states, frames, code objects. The plan holds, per page, the bytes that
 * the recent samples read from it (the union over the current and the
 * previous window of READPLAN_WINDOW samples, so a stack that changes depth
 * stays covered), and forgets a page after two windows unused.
 *
 * Its order is the reverse of the order in which the last walk first needed
 * each page. A walk starts from the thread list and the pointer to each
 * thread's innermost frame, then follows frames outwards: read in reverse,
 * the outer frames are copied first, the inner ones next, and the pointer
 * that says which of them are live last of all, so a stack that changes
 * while the batch is copied shows up as frames that do not fit, rather than
 * as frames copied before the change under a pointer read after it.
 *
 * Pure: no target access.
 */
#ifndef PF_READPLAN_H
#define PF_READPLAN_H

#include "compat.h"
#include "rcache.h"

#define READPLAN_WINDOW 16	/* samples */

struct readplan_entry {
	uint64_t page;
	uint16_t lo, hi;	/* bytes read in this window; lo >= hi if none */
	uint16_t plo, phi;	/* in the previous window */
	uint32_t last;		/* the sample that last read it */
};

struct readplan {
	struct readplan_entry e[RCACHE_SLOTS];
	size_t n;
	uint32_t sample;	/* samples learnt from */
};

void readplan_init(struct readplan *p);

/*
 * readplan_learn - add what one sample read: `used`, its spans in the order
 * first read (as rcache_used() lists them; each within one page). With
 * `batch_ok` false the batch read of the plan failed (a page it named is no
 * longer mapped, say): the pages this sample did not read are dropped.
 * With `walk_ok` false the walk gave up (it met a stack that changed while
 * copied): the order it read in is no guide, so its pages are only added,
 * before the others.
 */
void readplan_learn(struct readplan *p, const struct rcache_span *used, size_t n,
		    bool batch_ok, bool walk_ok);

/* The spans to read, in order, into `sp` (room for RCACHE_SLOTS). */
size_t readplan_spans(const struct readplan *p, struct rcache_span *sp);

#endif
