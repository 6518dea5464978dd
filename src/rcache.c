/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rcache.c - whole pages of the target, read once per sample, direct-mapped.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "rcache.h"
#include "xalloc.h"

#define PAGE_MASK ((uint64_t)RCACHE_PAGE - 1)

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
	/* a backend may fall back to PEEK during the run */
	c->enabled = c->data && c->r->kind != REMOTE_PEEK;
}

static size_t slot_of(uint64_t page)
{
	return (size_t)(page / RCACHE_PAGE) & (RCACHE_SLOTS - 1);
}

static uint8_t *slot_data(const struct rcache *c, size_t slot)
{
	return c->data + slot * RCACHE_PAGE;
}

static bool cached(const struct rcache *c, uint64_t page)
{
	size_t s = slot_of(page);

	return c->slot_gen[s] == c->gen && c->page[s] == page;
}

static void mark(struct rcache *c, uint64_t page)
{
	size_t s = slot_of(page);

	c->page[s] = page;
	c->slot_gen[s] = c->gen;
}

/* The cached bytes of `page`, loading it first; NULL if it cannot be read. */
static const uint8_t *page_get(struct rcache *c, uint64_t page)
{
	size_t s = slot_of(page);

	if (!cached(c, page)) {
		if (remote_read(c->r, page, slot_data(c, s), RCACHE_PAGE) < 0) {
			c->slot_gen[s] = 0;	/* its old page may be half overwritten */
			return NULL;
		}
		mark(c, page);
	}
	return slot_data(c, s);
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
	/* two pages: both must stay cached, so not the same slot */
	if (slot_of(page) == slot_of(page + RCACHE_PAGE) ||
	    !(q = page_get(c, page + RCACHE_PAGE)) || !cached(c, page))
		return remote_read(c->r, addr, buf, len);
	memcpy(buf, p + (addr & PAGE_MASK), first);
	memcpy((uint8_t *)buf + first, q, len - first);
	return 0;
}

int rcache_read_ptr(struct rcache *c, uint64_t addr, uint64_t *out)
{
	return rcache_read(c, addr, out, sizeof *out);
}

/* Add `page` to the batch unless cached, batched already, or its slot taken. */
static void batch_add(const struct rcache *c, struct remote_iov *iov, size_t *n,
		      bool *taken, uint64_t page)
{
	size_t s = slot_of(page);

	if (cached(c, page) || taken[s])
		return;
	taken[s] = true;
	iov[*n].addr = page;
	iov[*n].buf = slot_data(c, s);
	iov[*n].len = RCACHE_PAGE;
	(*n)++;
}

void rcache_prefetch(struct rcache *c, const uint64_t *addr, size_t n, size_t len)
{
	struct remote_iov iov[RCACHE_SLOTS];
	bool taken[RCACHE_SLOTS] = { false };
	size_t count = 0;
	bool ok;

	if (!c->enabled || len == 0 || len > RCACHE_PAGE)
		return;
	for (size_t i = 0; i < n; i++) {
		if (addr[i] + len < addr[i])
			continue;
		batch_add(c, iov, &count, taken, addr[i] & ~PAGE_MASK);
		batch_add(c, iov, &count, taken, (addr[i] + len - 1) & ~PAGE_MASK);
	}
	if (count == 0)
		return;
	ok = remote_readv(c->r, iov, count) == 0;
	for (size_t i = 0; i < count; i++) {
		if (ok)
			mark(c, iov[i].addr);
		else
			c->slot_gen[slot_of(iov[i].addr)] = 0;
	}
}
