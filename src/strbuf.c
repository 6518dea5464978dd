/* SPDX-License-Identifier: Apache-2.0 */
/* strbuf.c - growable byte strings. */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "strbuf.h"
#include "xalloc.h"

static char empty[1];

void strbuf_init(struct strbuf *sb)
{
	sb->buf = empty;
	sb->len = 0;
	sb->cap = 0;
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->cap)
		free(sb->buf);
	strbuf_init(sb);
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->cap)
		sb->buf[0] = '\0';
}

void strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	size_t cap = sb->cap ? sb->cap : 64;

	if (need < sb->len)
		PF_BUG("strbuf size overflow");
	if (sb->cap >= need)
		return;
	while (cap < need)
		cap *= 2;
	sb->buf = sb->cap ? xrealloc(sb->buf, cap) : xmalloc(cap);
	if (!sb->cap)
		sb->buf[0] = '\0';
	sb->cap = cap;
}

void strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	strbuf_grow(sb, len);
	memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void strbuf_addstr(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, sb->cap ? sb->cap - sb->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		PF_BUG("vsnprintf failed");
	if (sb->cap && (size_t)n < sb->cap - sb->len) {
		sb->len += (size_t)n;
		return;
	}
	strbuf_grow(sb, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

char *put_u64(char *dst, uint64_t v)
{
	char buf[24];
	size_t n = sizeof buf;

	do {
		buf[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	memcpy(dst, buf + n, sizeof buf - n);
	return dst + (sizeof buf - n);
}

void strbuf_addu(struct strbuf *sb, uint64_t v)
{
	strbuf_grow(sb, 20);
	strbuf_setlen(sb, (size_t)(put_u64(sb->buf + sb->len, v) - sb->buf));
}

void strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (len >= (sb->cap ? sb->cap : 1))
		PF_BUG("strbuf_setlen beyond the buffer");
	sb->len = len;
	if (sb->cap)
		sb->buf[len] = '\0';
}
