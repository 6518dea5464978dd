/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rcache.c - whole pages of the target, read once per sample, in an
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

void rcache_init(struct rcache *c, struct remote *r)
{
	memset(c, 0, sizeof *c);
	c->r = r;
	c->gen = 1;
	c->enabled = r->kind != REMOTE_PEEK;
	if (c->enabled)
		c->data = xmalloc((size_t)RCACHE_SLOTS * RCACHE_PAGE);
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
	/* a backend may fall back to PEEK during the run */
	c->enabled = c->data && c->r->kind != REMOTE_PEEK;
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

static void mark(struct rcache *c, size_t s, uint64_t page)
{
	c->page[s] = page;
	c->slot_gen[s] = c->gen;
}

/* Slot s was read from: list it, once, for rcache_pages(). A page loaded
 * but never read from (a prefetched page the target no longer uses) is
 * not listed, so it is not read again next sample. */
static const uint8_t *use(struct rcache *c, size_t s)
{
	if (c->used_gen[s] != c->gen) {
		c->used_gen[s] = c->gen;
		c->order[c->norder++] = (uint8_t)s;
	}
	return slot_data(c, s);
}

/* The cached bytes of `page`, loading it first; NULL if it cannot be read. */
static const uint8_t *page_get(struct rcache *c, uint64_t page)
{
	size_t s = find(c, page);

	if (s != NO_SLOT)
		return use(c, s);
	s = claim(c, page, NULL);
	if (remote_read(c->r, page, slot_data(c, s), RCACHE_PAGE) < 0) {
		c->slot_gen[s] = 0;	/* its old page may be half overwritten */
		return NULL;
	}
	mark(c, s, page);
	return use(c, s);
}

int rcache_read(struct rcache *c, uint64_t addr, void *buf, size_t len)
{
	uint64_t page = addr & ~PAGE_MASK;
	size_t first = RCACHE_PAGE - (size_t)(addr & PAGE_MASK);
	const uint8_t *p, *q;

	if (!c->enabled || len > RCACHE_PAGE || addr + len < addr)
		return remote_read(c->r, addr, buf, len);
	if (!(p = page_get(c, page)))
		return remote_read(c->r, addr, buf, len);
	if (len <= first) {
		memcpy(buf, p + (addr & PAGE_MASK), len);
		return 0;
	}
	/* two pages: loading the second must not have evicted the first */
	if (!(q = page_get(c, page + RCACHE_PAGE)) || find(c, page) == NO_SLOT)
		return remote_read(c->r, addr, buf, len);
	memcpy(buf, p + (addr & PAGE_MASK), first);
	memcpy((uint8_t *)buf + first, q, len - first);
	return 0;
}

int rcache_read_ptr(struct rcache *c, uint64_t addr, uint64_t *out)
{
	return rcache_read(c, addr, out, sizeof *out);
}

/* Add `page` to the batch unless cached or batched already. */
static void batch_add(const struct rcache *c, struct remote_iov *iov, size_t *n,
		      bool *taken, uint64_t page)
{
	size_t s;

	if (*n == RCACHE_SLOTS || find(c, page) != NO_SLOT)
		return;
	for (size_t i = 0; i < *n; i++)
		if (iov[i].addr == page)
			return;
	s = claim(c, page, taken);
	if (taken[s])
		return;		/* the table is full */
	taken[s] = true;
	iov[*n].addr = page;
	iov[*n].buf = slot_data(c, s);
	iov[*n].len = RCACHE_PAGE;
	(*n)++;
}

size_t rcache_plan(const struct rcache *c, const uint64_t *addr, size_t n, size_t len,
		   struct remote_iov *iov)
{
	bool taken[RCACHE_SLOTS] = { false };
	size_t count = 0;

	if (!c->enabled || len == 0 || len > RCACHE_PAGE)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (addr[i] + len < addr[i])
			continue;
		batch_add(c, iov, &count, taken, addr[i] & ~PAGE_MASK);
		batch_add(c, iov, &count, taken, (addr[i] + len - 1) & ~PAGE_MASK);
	}
	return count;
}

/* The slot an iovec of rcache_plan() reads into. */
static size_t slot_of_iov(const struct rcache *c, const struct remote_iov *iov)
{
	return (size_t)((const uint8_t *)iov->buf - c->data) / RCACHE_PAGE;
}

void rcache_commit(struct rcache *c, const struct remote_iov *iov, size_t n, bool ok)
{
	for (size_t i = 0; i < n; i++) {
		size_t s = slot_of_iov(c, &iov[i]);

		if (ok)
			mark(c, s, iov[i].addr);
		else
			c->slot_gen[s] = 0;	/* maybe half overwritten */
	}
}

void rcache_prefetch(struct rcache *c, const uint64_t *addr, size_t n, size_t len)
{
	struct remote_iov iov[RCACHE_SLOTS];
	size_t count = rcache_plan(c, addr, n, len, iov);

	if (count)
		rcache_commit(c, iov, count, remote_readv(c->r, iov, count) == 0);
}

size_t rcache_pages(const struct rcache *c, uint64_t *pages)
{
	size_t n = 0;

	for (size_t i = 0; i < c->norder; i++)
		if (valid(c, c->order[i]))
			pages[n++] = c->page[c->order[i]];
	return n;
}
