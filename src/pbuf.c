/* SPDX-License-Identifier: Apache-2.0 */
/* pbuf.c - protocol buffer encoding: varints and length-delimited fields. */
#include "compat.h"

#include "pbuf.h"

void pbuf_varint(struct strbuf *out, uint64_t v)
{
	char buf[10];
	size_t n = 0;

	while (v >= 0x80) {
		buf[n++] = (char)(0x80 | (v & 0x7f));
		v >>= 7;
	}
	buf[n++] = (char)v;
	strbuf_add(out, buf, n);
}

void pbuf_tag(struct strbuf *out, uint32_t field, enum pbuf_wire wire)
{
	pbuf_varint(out, ((uint64_t)field << 3) | (uint64_t)wire);
}

void pbuf_uint(struct strbuf *out, uint32_t field, uint64_t v)
{
	if (!v)
		return;
	pbuf_tag(out, field, PBUF_VARINT);
	pbuf_varint(out, v);
}

void pbuf_int(struct strbuf *out, uint32_t field, int64_t v)
{
	pbuf_uint(out, field, (uint64_t)v);
}

void pbuf_bytes(struct strbuf *out, uint32_t field, const void *data, size_t len)
{
	pbuf_tag(out, field, PBUF_LEN);
	pbuf_varint(out, len);
	strbuf_add(out, data, len);
}

/* The encoded size of v as a varint. */
static size_t varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

void pbuf_packed(struct strbuf *out, uint32_t field, const uint64_t *v, size_t n)
{
	size_t len = 0;

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		len += varint_size(v[i]);
	pbuf_tag(out, field, PBUF_LEN);
	pbuf_varint(out, len);
	for (size_t i = 0; i < n; i++)
		pbuf_varint(out, v[i]);
}
