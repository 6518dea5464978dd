/* SPDX-License-Identifier: Apache-2.0 */
/* json.c - JSON string escaping, with UTF-8 checked byte by byte. */
#include "compat.h"

#include <string.h>

#include "json.h"

static bool cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* The bounds of the second byte after lead `c` (RFC 3629, section 4). */
static void second_range(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c == 0xe0)
		*lo = 0xa0;	/* no overlong three-byte forms */
	else if (c == 0xed)
		*hi = 0x9f;	/* no surrogates */
	else if (c == 0xf0)
		*lo = 0x90;	/* no overlong four-byte forms */
	else if (c == 0xf4)
		*hi = 0x8f;	/* nothing above U+10FFFF */
}

size_t utf8_valid_len(const unsigned char *s, size_t len)
{
	unsigned char lo, hi;
	size_t n;

	if (len == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	second_range(s[0], &lo, &hi);
	if (len < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (!cont(s[i]))
			return 0;
	return n;
}

/* The escape of ASCII byte `c`, or NULL when it stands for itself. */
static const char *ascii_escape(unsigned char c, unsigned flags, char buf[8])
{
	static const char *const named[] = {
		['\b'] = "\\b", ['\f'] = "\\f", ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t",
	};

	if (c == '"')
		return "\\\"";
	if (c == '\\')
		return "\\\\";
	if (c < 0x20 && c < PF_ARRAY_SIZE(named) && named[c])
		return named[c];
	if (c < 0x20 || c == 0x7f ||
	    ((flags & JSON_MARKUP_SAFE) && (c == '<' || c == '>' || c == '&'))) {
		static const char hex[] = "0123456789abcdef";

		memcpy(buf, "\\u00", 4);
		buf[4] = hex[c >> 4];
		buf[5] = hex[c & 15];
		buf[6] = '\0';
		return buf;
	}
	return NULL;
}

/* The length of the run at p[0..len) that is written as it is. */
static size_t plain_run(const unsigned char *p, size_t len, unsigned flags)
{
	char buf[8];
	size_t i = 0, n;

	while (i < len) {
		if (p[i] < 0x80) {
			if (ascii_escape(p[i], flags, buf))
				break;
			i++;
		} else if ((n = utf8_valid_len(p + i, len - i)) > 0) {
			i += n;
		} else {
			break;
		}
	}
	return i;
}

void json_add_str(struct strbuf *out, const char *s, size_t len, unsigned flags)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	char buf[8];

	strbuf_addch(out, '"');
	while (p < end) {
		size_t n = plain_run(p, (size_t)(end - p), flags);
		const char *esc;

		strbuf_add(out, p, n);
		p += n;
		if (p == end)
			break;
		esc = *p < 0x80 ? ascii_escape(*p, flags, buf) : NULL;
		strbuf_addstr(out, esc ? esc : "\\ufffd");
		p++;
	}
	strbuf_addch(out, '"');
}

void json_add_cstr(struct strbuf *out, const char *s, unsigned flags)
{
	json_add_str(out, s, strlen(s), flags);
}
