/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rcache.h - a cache of whole pages of the target, valid for one sample.
 *
 * The walker's reads are small (a pointer, a frame, a code object's header)
 * and cluster on a few pages: frames on the thread's data stack, thread
 * states and code objects of one module side by side. Reading the whole page
 * once turns dozens of system calls per sample into a handful, and
 * rcache_prefetch() reads the pages of addresses known in advance in one
 * call. Nothing is kept across samples: rcache_reset() forgets every page.
 * Up to RCACHE_SLOTS pages are held at once; past that, pages are evicted.
 */
#ifndef PF_RCACHE_H
#define PF_RCACHE_H

#include "compat.h"
#include "remote.h"

#define RCACHE_PAGE 4096u
#define RCACHE_BITS 7
#define RCACHE_SLOTS (1u << RCACHE_BITS)	/* pages held at once */

struct rcache {
	struct remote *r;
	uint64_t gen;			/* a slot is valid when its gen is this */
	uint64_t page[RCACHE_SLOTS];	/* page address held by each slot */
	uint64_t slot_gen[RCACHE_SLOTS];
	uint64_t used_gen[RCACHE_SLOTS];	/* slot read from, so in `order` */
	uint8_t order[RCACHE_SLOTS];	/* slots in the order first read from */
	size_t norder;
	uint8_t *data;			/* RCACHE_SLOTS pages */
	bool enabled;			/* false: every read goes to r */
};

/* Cache over `r` (borrowed). Page reads are pointless where each word costs
 * a system call (REMOTE_PEEK): reads then go straight to `r`. */
void rcache_init(struct rcache *c, struct remote *r);
void rcache_release(struct rcache *c);

/* Forget every page: the next read sees the target as it is now. */
void rcache_reset(struct rcache *c);

/*
 * rcache_read - as remote_read(): `len` bytes at `addr` into `buf`, all or
 * nothing. From cached pages when the range spans at most two; a page that
 * cannot be read whole (the range may still be mapped: an image's regions
 * need not be page-aligned) leaves the range to an exact read.
 */
int rcache_read(struct rcache *c, uint64_t addr, void *buf, size_t len);

int rcache_read_ptr(struct rcache *c, uint64_t addr, uint64_t *out);

/*
 * rcache_prefetch - load the pages holding addr[i]..addr[i]+len-1 that are
 * not cached yet, in one batched read where the backend allows. Only a hint:
 * if the batch fails, later reads load the pages one by one.
 */
void rcache_prefetch(struct rcache *c, const uint64_t *addr, size_t n, size_t len);

/*
 * rcache_plan - the reads rcache_prefetch() would make, for a caller that
 * puts them in a larger batch of its own: up to RCACHE_SLOTS iovecs into
 * the cache's own pages, returned in `iov`. rcache_commit() then says
 * whether that batch succeeded: the pages are cached, or forgotten.
 */
size_t rcache_plan(const struct rcache *c, const uint64_t *addr, size_t n, size_t len,
		   struct remote_iov *iov);
void rcache_commit(struct rcache *c, const struct remote_iov *iov, size_t n, bool ok);

/* The pages read from since the last reset, in the order first read from,
 * into `pages` (room for RCACHE_SLOTS): what the next sample will most
 * likely need again, for one rcache_prefetch() that reads them in the same
 * order (a pointer before what it points to). Pages loaded but not read
 * from are left out, so a page the target stopped using drops out. */
size_t rcache_pages(const struct rcache *c, uint64_t *pages);

#endif
