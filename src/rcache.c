/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rcache.c - spans of the target's pages, read once per sample, in an
 * open-addressed table: a sample's pages never evict one another.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "rcache.h"
#include "xalloc.h"

#define PAGE_MASK ((uint64_t)RCACHE_PAGE - 1)
#define NO_SLOT RCACHE_SLOTS

_Static_assert(RCACHE_SLOTS <= 256, "rcache.order holds slots as bytes");
_Static_assert(RCACHE_PAGE <= UINT16_MAX, "spans are kept in 16 bits");

void rcache_init(struct rcache *c, struct remote *r)
{
	memset(c, 0, sizeof *c);
	c->r = r;
	c->gen = 1;
	c->enabled = r->kind != REMOTE_PEEK;
	if (c->enabled)
		c->data = xmalloc((size_t)(RCACHE_SLOTS + 1) * RCACHE_PAGE);
}

void rcache_release(struct rcache *c)
{
	free(c->data);
	c->data = NULL;
}

void rcache_reset(struct rcache *c)
{
	c->gen++;
	c->norder = 0;
	c->reads = 0;
	/* a backend may fall back to PEEK during the run */
	c->enabled = c->data && c->r->kind != REMOTE_PEEK;
}

void rcache_reset_direct(struct rcache *c)
{
	rcache_reset(c);
	c->enabled = false;
}

static size_t home_of(uint64_t page)
{
	return (size_t)((page / RCACHE_PAGE) * 0x9e3779b97f4a7c15ull >> (64 - RCACHE_BITS));
}

static bool valid(const struct rcache *c, size_t s)
{
	return c->slot_gen[s] == c->gen;
}

static uint8_t *slot_data(const struct rcache *c, size_t s)
{
	return c->data + s * RCACHE_PAGE;
}

/* The slot holding `page`, or NO_SLOT. A probe ends at the first free slot. */
static size_t find(const struct rcache *c, uint64_t page)
{
	size_t h = home_of(page);

	for (size_t i = 0; i < RCACHE_SLOTS; i++) {
		size_t s = (h + i) & (RCACHE_SLOTS - 1);

		if (!valid(c, s))
			return NO_SLOT;
		if (c->page[s] == page)
			return s;
	}
	return NO_SLOT;
}

/* A slot to load `page` into: the first free one on its probe that is not
 * `taken` by a batch being planned; its home slot if all are in use. */
static size_t claim(const struct rcache *c, uint64_t page, const bool *taken)
{
	size_t h = home_of(page);

	for (size_t i = 0; i < RCACHE_SLOTS; i++) {
		size_t s = (h + i) & (RCACHE_SLOTS - 1);

		if (!valid(c, s) && !(taken && taken[s]))
			return s;
	}
	return h;
}

static void mark(struct rcache *c, size_t s, uint64_t page, size_t lo, size_t hi)
{
	c->page[s] = page;
	c->slot_gen[s] = c->gen;
	c->lo[s] = (uint16_t)lo;
	c->hi[s] = (uint16_t)hi;
}

/* Bytes [off, off + len) of slot s are read: note them for rcache_used().
 * A page loaded but never read from (a span prefetched that the target no
 * longer uses) is not listed, so it is not read again next sample. */
static const uint8_t *use(struct rcache *c, size_t s, size_t off, size_t len)
{
	if (c->used_gen[s] != c->gen) {
		c->used_gen[s] = c->gen;
		c->order[c->norder++] = (uint8_t)s;
		c->used_lo[s] = (uint16_t)off;
		c->used_hi[s] = (uint16_t)(off + len);
	} else {
		if (off < c->used_lo[s])
			c->used_lo[s] = (uint16_t)off;
		if (off + len > c->used_hi[s])
			c->used_hi[s] = (uint16_t)(off + len);
	}
	return slot_data(c, s);
}

/* Slot s holds a span of its page: read the whole page, keeping the bytes
 * held (what a sample has read of the target stays as first read). */
static int widen(struct rcache *c, size_t s)
{
	uint8_t *spare = slot_data(c, RCACHE_SLOTS), *d = slot_data(c, s);

	if (remote_read(c->r, c->page[s], spare, RCACHE_PAGE) < 0)
		return -1;
	c->reads++;
	memcpy(d, spare, c->lo[s]);
	memcpy(d + c->hi[s], spare + c->hi[s], RCACHE_PAGE - c->hi[s]);
	c->lo[s] = 0;
	c->hi[s] = RCACHE_PAGE;
	return 0;
}

/* The cached bytes of `page`, holding at least [off, off + len), loading
 * them first; NULL if they cannot be read. */
static const uint8_t *page_get(struct rcache *c, uint64_t page, size_t off, size_t len)
{
	size_t s = c->last;

	if (valid(c, s) && c->page[s] == page && off >= c->lo[s] && off + len <= c->hi[s])
		return use(c, s, off, len);
	s = find(c, page);
	if (s == NO_SLOT) {
		s = claim(c, page, NULL);
		if (remote_read(c->r, page, slot_data(c, s), RCACHE_PAGE) < 0) {
			c->slot_gen[s] = 0;	/* its old page may be half overwritten */
			return NULL;
		}
		c->reads++;
		mark(c, s, page, 0, RCACHE_PAGE);
	} else if ((off < c->lo[s] || off + len > c->hi[s]) && widen(c, s) < 0) {
		return NULL;
	}
	c->last = s;
	return use(c, s, off, len);
}

/* A read the cache cannot serve goes to the target as it is now. */
static int read_exact(struct rcache *c, uint64_t addr, void *buf, size_t len)
{
	int rc = remote_read(c->r, addr, buf, len);

	c->reads += rc == 0;
	return rc;
}

int rcache_read(struct rcache *c, uint64_t addr, void *buf, size_t len)
{
	uint64_t page = addr & ~PAGE_MASK;
	size_t off = (size_t)(addr & PAGE_MASK);
	size_t first = RCACHE_PAGE - off;
	const uint8_t *p, *q;

	if (len == 0)
		return 0;
	if (!c->enabled || len > RCACHE_PAGE || addr + len < addr)
		return read_exact(c, addr, buf, len);
	if (len <= first) {
		if (!(p = page_get(c, page, off, len)))
			return read_exact(c, addr, buf, len);
		memcpy(buf, p + off, len);
		return 0;
	}
	/* two pages: loading the second must not have evicted the first */
	if (!(p = page_get(c, page, off, first)) ||
	    !(q = page_get(c, page + RCACHE_PAGE, 0, len - first)) || find(c, page) == NO_SLOT)
		return read_exact(c, addr, buf, len);
	memcpy(buf, p + off, first);
	memcpy((uint8_t *)buf + first, q, len - first);
	return 0;
}

int rcache_read_ptr(struct rcache *c, uint64_t addr, uint64_t *out)
{
	return rcache_read(c, addr, out, sizeof *out);
}

/* Add bytes [lo, hi) of `page` to the batch unless the page is cached; a
 * page already in the batch grows to cover them. */
static void batch_add(const struct rcache *c, struct remote_iov *iov, size_t *n,
		      bool *taken, uint64_t page, size_t lo, size_t hi)
{
	size_t s;

	if (find(c, page) != NO_SLOT)
		return;
	for (size_t i = *n; i-- > 0;) {	/* newest first: spans come in runs */
		uint64_t at = iov[i].addr;

		if ((at & ~PAGE_MASK) != page)
			continue;
		lo = lo < (at & PAGE_MASK) ? lo : (at & PAGE_MASK);
		hi = hi > (at & PAGE_MASK) + iov[i].len ? hi : (at & PAGE_MASK) + iov[i].len;
		iov[i].buf = (uint8_t *)iov[i].buf - (at & PAGE_MASK) + lo;
		iov[i].addr = page + lo;
		iov[i].len = hi - lo;
		return;
	}
	if (*n == RCACHE_SLOTS)
		return;
	s = claim(c, page, taken);
	if (taken[s])
		return;		/* the table is full */
	taken[s] = true;
	iov[*n].addr = page + lo;
	iov[*n].buf = slot_data(c, s) + lo;
	iov[*n].len = hi - lo;
	(*n)++;
}

/* The batch of iovecs into the cache's own pages that reads `sp`. */
static size_t plan(const struct rcache *c, const struct rcache_span *sp, size_t n,
		   struct remote_iov *iov)
{
	bool taken[RCACHE_SLOTS] = { false };
	size_t count = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t addr = sp[i].addr, end = addr + sp[i].len;
		uint64_t page = addr & ~PAGE_MASK, last = (end - 1) & ~PAGE_MASK;

		if (sp[i].len == 0 || sp[i].len > RCACHE_PAGE || end < addr)
			continue;
		if (page == last) {
			batch_add(c, iov, &count, taken, page, addr - page, end - page);
			continue;
		}
		batch_add(c, iov, &count, taken, page, addr - page, RCACHE_PAGE);
		batch_add(c, iov, &count, taken, last, 0, end - last);
	}
	return count;
}

/* The slot an iovec of plan() reads into. */
static size_t slot_of_iov(const struct rcache *c, const struct remote_iov *iov)
{
	return (size_t)((const uint8_t *)iov->buf - c->data) / RCACHE_PAGE;
}

bool rcache_prefetch(struct rcache *c, const struct rcache_span *sp, size_t n)
{
	struct remote_iov iov[RCACHE_SLOTS];
	size_t count = c->enabled ? plan(c, sp, n, iov) : 0;
	bool ok = true;

	if (count) {
		ok = remote_readv(c->r, iov, count) == 0;
		c->reads += ok;
	}
	for (size_t i = 0; i < count; i++) {
		size_t s = slot_of_iov(c, &iov[i]);
		size_t lo = (size_t)(iov[i].addr & PAGE_MASK);

		if (ok)
			mark(c, s, iov[i].addr & ~PAGE_MASK, lo, lo + iov[i].len);
		else
			c->slot_gen[s] = 0;	/* maybe half overwritten */
	}
	return ok;
}

size_t rcache_used(const struct rcache *c, struct rcache_span *sp)
{
	size_t n = 0;

	for (size_t i = 0; i < c->norder; i++) {
		size_t s = c->order[i];

		if (!valid(c, s))
			continue;
		sp[n].addr = c->page[s] + c->used_lo[s];
		sp[n].len = (uint32_t)(c->used_hi[s] - c->used_lo[s]);
		n++;
	}
	return n;
}
