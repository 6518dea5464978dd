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
 */
#ifndef PF_RCACHE_H
#define PF_RCACHE_H

#include "compat.h"
#include "remote.h"

#define RCACHE_PAGE 4096u
#define RCACHE_SLOTS 64u	/* pages held at once, a power of two */

struct rcache {
	struct remote *r;
	uint64_t gen;			/* a slot is valid when its gen is this */
	uint64_t page[RCACHE_SLOTS];	/* page address held by each slot */
	uint64_t slot_gen[RCACHE_SLOTS];
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

#endif
