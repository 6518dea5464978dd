/* SPDX-License-Identifier: Apache-2.0 */
/*
 * readplan.c - the spans recent samples read, kept per page, in the order
 * the next batch should copy them.
 */
#include "compat.h"

#include <string.h>

#include "readplan.h"

#define EMPTY_LO RCACHE_PAGE

void readplan_init(struct readplan *p)
{
	memset(p, 0, sizeof *p);
}

static bool is_fresh(const struct readplan *p, const struct readplan_entry *e)
{
	return p->sample - e->last < 2 * READPLAN_WINDOW;
}

/* A new window: what this one read becomes the previous window. */
static void roll(struct readplan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		struct readplan_entry *e = &p->e[i];

		e->plo = e->lo;
		e->phi = e->hi;
		e->lo = EMPTY_LO;
		e->hi = 0;
	}
}

static struct readplan_entry *find(struct readplan_entry *v, size_t n, uint64_t page)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].page == page)
			return &v[i];
	return NULL;
}

/* Widen (or start) the entry of span `sp` in `old`, stamped with `now`. */
static struct readplan_entry merged(const struct readplan_entry *old,
				    const struct rcache_span *sp, uint32_t now)
{
	uint64_t page = sp->addr & ~(uint64_t)(RCACHE_PAGE - 1);
	uint16_t lo = (uint16_t)(sp->addr - page), hi = (uint16_t)(lo + sp->len);
	struct readplan_entry e = { page, lo, hi, EMPTY_LO, 0, now };

	if (old) {
		e.lo = old->lo < lo ? old->lo : lo;
		e.hi = old->hi > hi ? old->hi : hi;
		e.plo = old->plo;
		e.phi = old->phi;
	}
	return e;
}

static bool was_read(const struct rcache_span *used, size_t n, uint64_t page)
{
	for (size_t i = 0; i < n; i++)
		if ((used[i].addr & ~(uint64_t)(RCACHE_PAGE - 1)) == page)
			return true;
	return false;
}

/* The fresh pages this sample did not read, in plan order, the newest
 * `room` of them, into `out`; how many. */
static size_t keep_unread(const struct readplan *p, const struct rcache_span *used, size_t n,
			  size_t room, struct readplan_entry *out)
{
	size_t k = 0, skip = 0;

	for (size_t i = 0; i < p->n; i++)
		skip += is_fresh(p, &p->e[i]) && !was_read(used, n, p->e[i].page);
	skip = skip > room ? skip - room : 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct readplan_entry *e = &p->e[i];

		if (!is_fresh(p, e) || was_read(used, n, e->page))
			continue;
		if (skip)
			skip--;
		else
			out[k++] = *e;
	}
	return k;
}

/* Widen the entries of `used`; pages not planned yet go first. */
static void add(struct readplan *p, const struct rcache_span *used, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t page = used[i].addr & ~(uint64_t)(RCACHE_PAGE - 1);
		struct readplan_entry *e = find(p->e, p->n, page);

		if (e) {
			*e = merged(e, &used[i], p->sample);
			continue;
		}
		if (p->n == RCACHE_SLOTS)
			p->n--;
		memmove(p->e + 1, p->e, p->n * sizeof *p->e);
		p->e[0] = merged(NULL, &used[i], p->sample);
		p->n++;
	}
}

void readplan_learn(struct readplan *p, const struct rcache_span *used, size_t n,
		    bool batch_ok, bool walk_ok)
{
	struct readplan_entry next[RCACHE_SLOTS];
	size_t k;

	if (++p->sample % READPLAN_WINDOW == 0)
		roll(p);
	if (n > RCACHE_SLOTS)
		n = RCACHE_SLOTS;
	if (batch_ok && !walk_ok) {
		add(p, used, n);
		return;
	}
	/* pages not read this time go first while fresh (unless the batch
	 * failed: one of them may be gone), then the pages read, last needed
	 * first */
	k = batch_ok ? keep_unread(p, used, n, RCACHE_SLOTS - n, next) : 0;
	for (size_t i = n; i-- > 0;)
		next[k++] = merged(find(p->e, p->n, used[i].addr & ~(uint64_t)(RCACHE_PAGE - 1)),
				   &used[i], p->sample);
	memcpy(p->e, next, k * sizeof *next);
	p->n = k;
}

size_t readplan_spans(const struct readplan *p, struct rcache_span *sp)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct readplan_entry *e = &p->e[i];
		uint16_t lo = e->lo < e->plo ? e->lo : e->plo;
		uint16_t hi = e->hi > e->phi ? e->hi : e->phi;

		sp[i].addr = e->page + lo;
		sp[i].len = hi > lo ? (uint32_t)(hi - lo) : 0;
	}
	return p->n;
}
