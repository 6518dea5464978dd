/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pagesnap.h - a copy of the target's pages, made while it is held, to be
 * read again once it runs on.
 *
 * A look inside a process holds the target for as long as it reads, and
 * no longer: reading is fast, turning what was read into text is not
 * (floats, big ints). So the reader goes through its reads twice: first
 * with the target held, each page it touches copied here whole (one read
 * of the target per page, and pages that cannot be read whole as the exact
 * spans asked for); then, the target let go and the copy frozen, again,
 * every read served from the copy: the same reads, the same bytes, as at
 * the moment the target was held. Unbounded in time, bounded in size
 * (PAGESNAP_MAX_PAGES).
 */
#ifndef PF_PAGESNAP_H
#define PF_PAGESNAP_H

#include "compat.h"
#include "remote.h"

#define PAGESNAP_PAGE 4096u
#define PAGESNAP_CHUNK 64u		/* pages allocated at once, mapped ready */
#define PAGESNAP_MAX_PAGES 16384u	/* 64 MiB; past that, reads fail */

struct pagesnap_exact {		/* a span read on its own */
	uint64_t addr;
	size_t len, at;		/* its bytes: spans + at */
};

struct pagesnap {
	struct remote *r;	/* borrowed */
	bool frozen;		/* reads come from the copy alone */
	uint64_t *keys;		/* hash slots: page address + 1, 0 = empty */
	uint32_t *index;	/* page number of each slot's page in data */
	size_t mask;		/* slots - 1 */
	uint8_t **chunks;	/* the pages copied, PAGESNAP_CHUNK to a chunk */
	size_t npages, nchunks;
	struct pagesnap_exact *exact;
	size_t nexact, exact_cap;
	uint8_t *spans;
	size_t spans_len, spans_cap;
	uint64_t last;		/* the page read last, + 1; its number: */
	size_t last_index;
	uint64_t reads;		/* reads of the target that returned data */
};

/* A copy of nothing yet, reading through `r` (borrowed). */
void pagesnap_init(struct pagesnap *s, struct remote *r);
void pagesnap_release(struct pagesnap *s);

/* Map room for `pages` pages ahead (at most PAGESNAP_MAX_PAGES), so that
 * copying them later faults nothing in. */
void pagesnap_reserve(struct pagesnap *s, size_t pages);

/* Forget every page: reads go to the target again (not frozen). */
void pagesnap_reset(struct pagesnap *s);

/* From now on, reads come from what was copied alone. */
void pagesnap_freeze(struct pagesnap *s);

/*
 * pagesnap_read - as remote_read(): `len` bytes at `addr`, all or nothing.
 * Not frozen: from the copy, copying the pages it needs first. Frozen: from
 * the copy alone; -PF_ETORN for bytes never copied. Otherwise the codes of
 * remote_read().
 */
int pagesnap_read(struct pagesnap *s, uint64_t addr, void *buf, size_t len);

/*
 * pagesnap_view - as pagesnap_read(), without a copy when the span lies in
 * one page: *out then points into the copy (valid until the next reset);
 * otherwise the bytes are read into `buf` (`len` bytes) and *out is `buf`.
 */
int pagesnap_view(struct pagesnap *s, uint64_t addr, size_t len, void *buf, const uint8_t **out);

/*
 * pagesnap_peek - the bytes from `addr` to the end of its page, at most
 * `max`, in the copy: *out and their count *got (copying the page first if
 * not frozen). -PF_ETORN when the page cannot be had whole: then only
 * pagesnap_read() of an exact span can tell.
 */
int pagesnap_peek(struct pagesnap *s, uint64_t addr, size_t max, const uint8_t **out, size_t *got);

/*
 * pagesnap_prefetch - copy the pages holding the `n` spans (addresses and
 * lengths) not copied yet, in as few reads of the target as the backend
 * allows. Only a hint: pages the batch could not read are read one by one
 * when asked for. Does nothing once frozen.
 */
void pagesnap_prefetch(struct pagesnap *s, const uint64_t *addrs, const size_t *lens, size_t n);

#endif
