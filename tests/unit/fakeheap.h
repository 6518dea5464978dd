/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fakeheap.h - the memory of a fake target for unit tests: one zeroed
 * buffer that an in-memory remote (remote_open_image) serves at
 * FAKEHEAP_BASE, handed out from the bottom up in 16-byte steps.
 * Header-only: each test program includes it once.
 */
#ifndef PF_FAKEHEAP_H
#define PF_FAKEHEAP_H

#include <stdlib.h>
#include <string.h>

#define FAKEHEAP_BASE 0x7f0000100000ull
#define FAKEHEAP_SIZE (1u << 20)

struct fakeheap {
	uint8_t *mem;
	size_t top;	/* bytes handed out, the first `reserved` ones included */
};

static inline void fakeheap_init(struct fakeheap *h, size_t reserved)
{
	h->mem = calloc(1, FAKEHEAP_SIZE);
	h->top = reserved;
}

/* `n` bytes of the heap, by their address in the fake target. */
static inline uint64_t fakeheap_alloc(struct fakeheap *h, size_t n)
{
	uint64_t at = FAKEHEAP_BASE + h->top;

	h->top += (n + 15) & ~(size_t)15;
	if (h->top > FAKEHEAP_SIZE)
		abort();
	return at;
}

static inline void fakeheap_put(struct fakeheap *h, uint64_t addr, uint32_t off, const void *v,
				size_t n)
{
	memcpy(h->mem + (addr - FAKEHEAP_BASE) + off, v, n);
}

static inline void fakeheap_put_ptr(struct fakeheap *h, uint64_t addr, uint32_t off, uint64_t v)
{
	fakeheap_put(h, addr, off, &v, sizeof v);
}

static inline void fakeheap_put_i32(struct fakeheap *h, uint64_t addr, uint32_t off, int32_t v)
{
	fakeheap_put(h, addr, off, &v, sizeof v);
}

static inline uint64_t fakeheap_get_ptr(const struct fakeheap *h, uint64_t addr, uint32_t off)
{
	uint64_t v;

	memcpy(&v, h->mem + (addr - FAKEHEAP_BASE) + off, sizeof v);
	return v;
}

#endif
