/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pbuf.h - protocol buffer encoding into a strbuf, as much as the pprof
 * writer needs: varints, varint fields, length-delimited fields and packed
 * repeated varints. Pure; appends only, never fails (strbuf aborts on OOM).
 */
#ifndef PF_PBUF_H
#define PF_PBUF_H

#include "compat.h"
#include "strbuf.h"

enum pbuf_wire {
	PBUF_VARINT = 0,
	PBUF_LEN = 2,		/* length-delimited: bytes, strings, messages, packed */
};

/* pbuf_varint - `v` as a base-128 varint, low group first (1 to 10 bytes). */
void pbuf_varint(struct strbuf *out, uint64_t v);

/* pbuf_tag - the key of field `field` (>= 1) with wire type `wire`. */
void pbuf_tag(struct strbuf *out, uint32_t field, enum pbuf_wire wire);

/*
 * pbuf_uint - a varint field; nothing at all when `v` is 0, the default a
 * proto3 reader assumes for a field left out. pbuf_int - the same for a
 * signed int64 (a negative value takes ten bytes, as protobuf's int64 does).
 */
void pbuf_uint(struct strbuf *out, uint32_t field, uint64_t v);
void pbuf_int(struct strbuf *out, uint32_t field, int64_t v);

/* pbuf_bytes - a length-delimited field holding data[0..len), even if empty. */
void pbuf_bytes(struct strbuf *out, uint32_t field, const void *data, size_t len);

/* pbuf_packed - a packed repeated varint field of v[0..n); nothing if n is 0. */
void pbuf_packed(struct strbuf *out, uint32_t field, const uint64_t *v, size_t n);

#endif
