/* SPDX-License-Identifier: Apache-2.0 */
/* pagesnap.c - pages of the target copied while it is held, read again later. */
#include "compat.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "err.h"
#include "pagesnap.h"
#include "xalloc.h"

#define INITIAL_SLOTS 256u
#define BATCH 256	/* pages per batched read */
#define PAGE_OF(a) ((a) & ~(uint64_t)(PAGESNAP_PAGE - 1))

void pagesnap_init(struct pagesnap *s, struct remote *r)
{
	memset(s, 0, sizeof *s);
	s->r = r;
	s->keys = xcalloc(INITIAL_SLOTS, sizeof *s->keys);
	s->index = xcalloc(INITIAL_SLOTS, sizeof *s->index);
	s->mask = INITIAL_SLOTS - 1;
}

void pagesnap_release(struct pagesnap *s)
{
	for (size_t i = 0; i < s->nchunks; i++)
		munmap(s->chunks[i], (size_t)PAGESNAP_CHUNK * PAGESNAP_PAGE);
	free(s->chunks);
	free(s->keys);
	free(s->index);
	free(s->exact);
	free(s->spans);
	memset(s, 0, sizeof *s);
}

void pagesnap_reset(struct pagesnap *s)
{
	memset(s->keys, 0, (s->mask + 1) * sizeof *s->keys);
	s->npages = s->nexact = s->spans_len = 0;
	s->last = 0;
	s->frozen = false;
}

void pagesnap_freeze(struct pagesnap *s)
{
	s->frozen = true;
}

static size_t slot_of(const struct pagesnap *s, uint64_t page)
{
	size_t h = (size_t)((page / PAGESNAP_PAGE) * 0x9e3779b97f4a7c15ull >> 32) & s->mask;

	while (s->keys[h] && s->keys[h] != page + 1)
		h = (h + 1) & s->mask;
	return h;
}

static void grow_table(struct pagesnap *s)
{
	uint64_t *keys = s->keys;
	uint32_t *index = s->index;
	size_t n = s->mask + 1;

	s->mask = 2 * n - 1;
	s->keys = xcalloc(2 * n, sizeof *s->keys);
	s->index = xcalloc(2 * n, sizeof *s->index);
	for (size_t i = 0; i < n; i++) {
		size_t h;

		if (!keys[i])
			continue;
		h = slot_of(s, keys[i] - 1);
		s->keys[h] = keys[i];
		s->index[h] = index[i];
	}
	free(keys);
	free(index);
}

static uint8_t *page_data(const struct pagesnap *s, size_t number)
{
	return s->chunks[number / PAGESNAP_CHUNK] + (number % PAGESNAP_CHUNK) * PAGESNAP_PAGE;
}

/*
 * Room for page number s->npages: its number, or -1 past PAGESNAP_MAX_PAGES
 * (or if no memory can be mapped). Chunks are mapped populated: the kernel
 * copies the target's pages into memory that faults no more.
 */
static long new_page(struct pagesnap *s)
{
	size_t n = s->npages;

	if (n == PAGESNAP_MAX_PAGES)
		return -1;
	if (2 * (n + 1) > s->mask + 1)
		grow_table(s);
	if (n / PAGESNAP_CHUNK == s->nchunks) {
		void *p = mmap(NULL, (size_t)PAGESNAP_CHUNK * PAGESNAP_PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

		if (p == MAP_FAILED)
			return -1;
		s->chunks = xreallocarray(s->chunks, s->nchunks + 1, sizeof *s->chunks);
		s->chunks[s->nchunks++] = p;
	}
	return (long)n;
}

void pagesnap_reserve(struct pagesnap *s, size_t pages)
{
	size_t npages = s->npages;

	pages = pages < PAGESNAP_MAX_PAGES ? pages : PAGESNAP_MAX_PAGES;
	for (s->npages = s->nchunks * PAGESNAP_CHUNK; s->npages < pages; s->npages += PAGESNAP_CHUNK)
		if (new_page(s) < 0)
			break;
	s->npages = npages;
}

static void keep_page(struct pagesnap *s, uint64_t page, size_t number)
{
	size_t h = slot_of(s, page);

	s->keys[h] = page + 1;
	s->index[h] = (uint32_t)number;
	s->npages = number + 1 > s->npages ? number + 1 : s->npages;
}

/* The copy of `page`, copying it first if allowed; NULL if it cannot be had. */
static const uint8_t *page_get(struct pagesnap *s, uint64_t page)
{
	size_t h;
	long n;

	if (s->last == page + 1)
		return page_data(s, s->last_index);
	h = slot_of(s, page);
	if (!s->keys[h]) {
		if (s->frozen || (n = new_page(s)) < 0 ||
		    remote_read(s->r, page, page_data(s, (size_t)n), PAGESNAP_PAGE) < 0)
			return NULL;
		s->reads++;
		keep_page(s, page, (size_t)n);
		h = slot_of(s, page);
	}
	s->last = page + 1;
	s->last_index = s->index[h];
	return page_data(s, s->index[h]);
}

/* A span whose pages cannot be had whole: read (and kept) as it is, or,
 * frozen, found among those kept. */
static int read_exact(struct pagesnap *s, uint64_t addr, void *buf, size_t len)
{
	int rc;

	for (size_t i = 0; i < s->nexact; i++)
		if (s->exact[i].addr == addr && s->exact[i].len == len) {
			memcpy(buf, s->spans + s->exact[i].at, len);
			return 0;
		}
	if (s->frozen)
		return pf_fail(PF_ETORN, "%#llx was not read while the target was held",
			       (unsigned long long)addr);
	if ((rc = remote_read(s->r, addr, buf, len)) < 0)
		return rc;
	s->reads++;
	XGROW(s->exact, s->exact_cap, s->nexact + 1);
	XGROW(s->spans, s->spans_cap, s->spans_len + len);
	s->exact[s->nexact++] = (struct pagesnap_exact){ addr, len, s->spans_len };
	memcpy(s->spans + s->spans_len, buf, len);
	s->spans_len += len;
	return 0;
}

int pagesnap_read(struct pagesnap *s, uint64_t addr, void *buf, size_t len)
{
	uint8_t *out = buf;
	uint64_t at = addr;
	size_t left = len;

	if (len == 0)
		return 0;
	if (addr + len < addr || len > 64 * PAGESNAP_PAGE)
		return pf_fail(PF_ETORN, "read of %zu bytes at %#llx", len, (unsigned long long)addr);
	while (left) {
		size_t off = (size_t)(at - PAGE_OF(at));
		size_t n = PAGESNAP_PAGE - off < left ? PAGESNAP_PAGE - off : left;
		const uint8_t *p = page_get(s, PAGE_OF(at));

		if (!p)
			return read_exact(s, addr, buf, len);
		memcpy(out, p + off, n);
		out += n;
		at += n;
		left -= n;
	}
	return 0;
}

int pagesnap_view(struct pagesnap *s, uint64_t addr, size_t len, void *buf, const uint8_t **out)
{
	size_t got = 0;

	if (len && pagesnap_peek(s, addr, len, out, &got) == 0 && got == len)
		return 0;
	*out = buf;
	return pagesnap_read(s, addr, buf, len);
}

int pagesnap_peek(struct pagesnap *s, uint64_t addr, size_t max, const uint8_t **out, size_t *got)
{
	size_t off = (size_t)(addr - PAGE_OF(addr));
	const uint8_t *p = addr ? page_get(s, PAGE_OF(addr)) : NULL;

	if (!p)
		return pf_fail(PF_ETORN, "page of %#llx not copied", (unsigned long long)addr);
	*out = p + off;
	*got = PAGESNAP_PAGE - off < max ? PAGESNAP_PAGE - off : max;
	return 0;
}

/* Read the batch of pages pages[0..n) into new page numbers; keep those read. */
static void read_batch(struct pagesnap *s, const uint64_t *pages, size_t n)
{
	struct remote_iov iov[BATCH];
	size_t first = s->npages, k = 0;

	for (; k < n; k++) {
		long num = new_page(s);

		if (num < 0)
			break;
		iov[k] = (struct remote_iov){ pages[k], page_data(s, (size_t)num), PAGESNAP_PAGE };
		s->npages++;	/* reserved while the batch is planned */
	}
	s->npages = first;
	if (k && remote_readv(s->r, iov, k) == 0) {
		s->reads++;
		for (size_t i = 0; i < k; i++)
			keep_page(s, pages[i], first + i);
	}
}

/* Whether `page` is queued in the batch, queueing it if not: `set` holds
 * 2 * BATCH slots of page + 1 (0 = empty), for a batch of at most BATCH. */
static bool queued(uint64_t *set, uint64_t page)
{
	size_t h = (size_t)((page / PAGESNAP_PAGE) * 0x9e3779b97f4a7c15ull >> 40) % (2 * BATCH);

	while (set[h] && set[h] != page + 1)
		h = (h + 1) % (2 * BATCH);
	if (set[h])
		return true;
	set[h] = page + 1;
	return false;
}

void pagesnap_prefetch(struct pagesnap *s, const uint64_t *addrs, const size_t *lens, size_t n)
{
	uint64_t pages[BATCH], set[2 * BATCH], seen = 1;	/* the page looked at last */
	size_t k = 0;

	memset(set, 0, sizeof set);
	for (size_t i = 0; i < n && !s->frozen; i++) {
		for (uint64_t p = PAGE_OF(addrs[i]); lens[i] && p < addrs[i] + lens[i] &&
		     p >= PAGE_OF(addrs[i]); p += PAGESNAP_PAGE) {
			if (p == seen)
				continue;
			seen = p;
			if (s->keys[slot_of(s, p)] || queued(set, p))
				continue;
			pages[k++] = p;
			if (k == BATCH) {
				read_batch(s, pages, k);
				k = 0;
				memset(set, 0, sizeof set);
			}
		}
	}
	if (k)
		read_batch(s, pages, k);
}
