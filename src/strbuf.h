/* SPDX-License-Identifier: Apache-2.0 */
/*
 * strbuf.h - growable byte strings.
 *
 * Invariant: after strbuf_init(), `buf` is never NULL and buf[len] == '\0',
 * so `buf` can be used as a C string (it may also hold NUL bytes before len).
 * `buf` belongs to the strbuf; strbuf_release() frees it and re-initialises.
 */
#ifndef PF_STRBUF_H
#define PF_STRBUF_H

#include "compat.h"

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;	/* 0 while buf points at the shared empty string */
};

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);	/* len = 0, keeps the memory */
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) PF_PRINTF(2, 3);
/* strbuf_addu - `v` in decimal, as "%" PRIu64 would write it, faster. */
void strbuf_addu(struct strbuf *sb, uint64_t v);

/*
 * For writers that fill the buffer themselves: strbuf_grow() for the most
 * they will write, then write at buf + len, then strbuf_setlen() to the
 * new length (at most cap - 1). put_u64 - `v` in decimal at `dst` (room
 * for 20 digits), no NUL; returns the end of what it wrote.
 */
void strbuf_setlen(struct strbuf *sb, size_t len);
char *put_u64(char *dst, uint64_t v);

/* One byte; inline, for writers that go a byte at a time. */
static inline void strbuf_addch(struct strbuf *sb, char c)
{
	if (sb->len + 1 >= sb->cap)
		strbuf_grow(sb, 1);
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = '\0';
}

#endif
