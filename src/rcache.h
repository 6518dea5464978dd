/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rcache.h - a cache of the target's pages, valid for one sample.
 *
 * The walker's reads are small (a pointer, a frame, a code object's header)
 * and cluster on a few pages: frames on the thread's data stack, thread
 * states and code objects of one module side by side. A read loads its
 * whole page once, turning dozens of system calls per sample into a
 * handful; rcache_prefetch() reads spans known in advance in one call.
 * A system call costs by the page touched more than by the byte, so a slot
 * may hold only a span of its page: a prefetched span is read alone, and
 * the rest of its page only when a read needs it. Nothing is kept across
 * samples: rcache_reset() forgets every page. Up to RCACHE_SLOTS pages are
 * held at once; past that, pages are evicted.
 */
#ifndef PF_RCACHE_H
#define PF_RCACHE_H

#include "compat.h"
#include "remote.h"

#define RCACHE_PAGE 4096u
#define RCACHE_BITS 7
#define RCACHE_SLOTS (1u << RCACHE_BITS)	/* pages held at once */

/* `len` bytes at `addr` of the target. */
struct rcache_span {
	uint64_t addr;
	uint32_t len;
};

struct rcache {
	struct remote *r;
	uint64_t gen;			/* a slot is valid when its gen is this */
	uint64_t page[RCACHE_SLOTS];	/* page address held by each slot */
	uint64_t slot_gen[RCACHE_SLOTS];
	uint16_t lo[RCACHE_SLOTS], hi[RCACHE_SLOTS];	/* bytes held: [lo, hi) */
	uint64_t used_gen[RCACHE_SLOTS];	/* slot read from, so in `order` */
	uint16_t used_lo[RCACHE_SLOTS], used_hi[RCACHE_SLOTS];	/* bytes read */
	uint8_t order[RCACHE_SLOTS];	/* slots in the order first read from */
	size_t norder;
	size_t last;			/* the slot read last: reads come in runs */
	uint32_t reads;			/* reads of the target that returned data
					 * since the last reset (a batch counts once) */
	uint8_t *data;			/* RCACHE_SLOTS pages, then a spare */
	bool enabled;			/* false: every read goes to r */
};

/* Cache over `r` (borrowed). Page reads are pointless where each word costs
 * a system call (REMOTE_PEEK): reads then go straight to `r`. */
void rcache_init(struct rcache *c, struct remote *r);
void rcache_release(struct rcache *c);

/* Forget every page: the next read sees the target as it is now. */
void rcache_reset(struct rcache *c);

/* Forget every page, and until the next rcache_reset() read only the bytes
 * asked for, straight from the target: for a few words on pages the running
 * target writes all the time, whose whole copies would cost more. */
void rcache_reset_direct(struct rcache *c);

/*
 * rcache_read - as remote_read(): `len` bytes at `addr` into `buf`, all or
 * nothing. From cached pages when the range spans at most two; bytes
 * already held are not read again within the sample. A page that cannot be
 * read whole (the range may still be mapped: an image's regions need not be
 * page-aligned) leaves the range to an exact read.
 */
int rcache_read(struct rcache *c, uint64_t addr, void *buf, size_t len);

int rcache_read_ptr(struct rcache *c, uint64_t addr, uint64_t *out);

/*
 * rcache_prefetch - load the spans of pages not cached yet, in one batched
 * read where the backend allows; spans on one page are read as the one span
 * that covers them. Only a hint: if the batch fails, later reads load the
 * pages one by one. Returns whether the batch was read (true for an empty
 * one).
 */
bool rcache_prefetch(struct rcache *c, const struct rcache_span *sp, size_t n);

/*
 * rcache_used - per page read from since the last reset, in the order first
 * read from, the span that covers the bytes read, into `sp` (room for
 * RCACHE_SLOTS): what the next sample will most likely need again
 * (readplan.h). Pages loaded but not read from are left out, so a page the
 * target stopped using drops out.
 */
size_t rcache_used(const struct rcache *c, struct rcache_span *sp);

#endif
