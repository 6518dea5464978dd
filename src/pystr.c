/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pystr.c - Python string payloads (PEP 393 kinds 1/2/4, 2.7 byte strings)
 * to UTF-8. Pure: the bytes were copied out of the target by the caller.
 */
#include "compat.h"

#include "err.h"
#include "pystr.h"
#include "strbuf.h"

#define REPLACEMENT 0xfffd

static bool is_surrogate(uint32_t cp)
{
	return cp >= 0xd800 && cp <= 0xdfff;
}

/*
 * Append one code point; one that no UTF-8 may hold becomes U+FFFD, and so
 * does NUL, which no name in the output (a C string) can hold.
 */
static void put_utf8(struct strbuf *out, uint32_t cp)
{
	uint8_t b[4];
	size_t n;

	if (cp == 0 || cp > 0x10ffff || is_surrogate(cp))
		cp = REPLACEMENT;
	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | cp >> 6);
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | cp >> 12);
		b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xf0 | cp >> 18);
		b[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	strbuf_add(out, b, n);
}

/* The little-endian code unit of width `kind` at p. */
static uint32_t code_unit(unsigned kind, const uint8_t *p)
{
	switch (kind) {
	case 1:
		return p[0];
	case 2:
		return (uint32_t)p[0] | (uint32_t)p[1] << 8;
	default:
		return (uint32_t)p[0] | (uint32_t)p[1] << 8 |
		       (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
	}
}

/*
 * Kind 2 never holds surrogate pairs (a string with a character beyond the
 * BMP is kind 4), so every surrogate met here, in kind 2 or 4, is a lone one.
 */
int pystr_to_utf8(unsigned kind, const uint8_t *data, size_t len, struct strbuf *out)
{
	if (kind != 1 && kind != 2 && kind != 4)
		return pf_fail(PF_EFORMAT, "string of unknown kind %u", kind);
	if (len % kind)
		return pf_fail(PF_EFORMAT, "string of kind %u with %zu bytes", kind, len);
	strbuf_grow(out, len);	/* enough for ASCII, the usual case */
	for (size_t i = 0; i < len; i += kind)
		put_utf8(out, code_unit(kind, data + i));
	return 0;
}

static bool is_cont(uint8_t b)
{
	return (b & 0xc0) == 0x80;
}

/*
 * The length of the well-formed UTF-8 sequence at p (at most `avail` bytes),
 * or 0. The second byte's range excludes overlong forms (E0, F0), surrogates
 * (ED) and values past U+10FFFF (F4), as in Unicode's table 3-7.
 */
static size_t utf8_valid_len(const uint8_t *p, size_t avail)
{
	uint8_t lo = 0x80, hi = 0xbf;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	n = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (p[0] == 0xe0)
		lo = 0xa0;
	else if (p[0] == 0xed)
		hi = 0x9f;
	else if (p[0] == 0xf0)
		lo = 0x90;
	else if (p[0] == 0xf4)
		hi = 0x8f;
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (!is_cont(p[i]))
			return 0;
	return n;
}

void pystr_bytes_to_utf8(const uint8_t *data, size_t len, struct strbuf *out)
{
	size_t i = 0;

	strbuf_grow(out, len);
	while (i < len) {
		size_t n = data[i] ? utf8_valid_len(data + i, len - i) : 0;

		if (n) {
			strbuf_add(out, data + i, n);
			i += n;
		} else {
			put_utf8(out, REPLACEMENT);
			i++;
		}
	}
}
