/* SPDX-License-Identifier: Apache-2.0 */
/* json.h - JSON strings for the writers that produce JSON. Pure. */
#ifndef PF_JSON_H
#define PF_JSON_H

#include "compat.h"
#include "strbuf.h"

enum json_flags {
	/* '<', '>' and '&' as \u escapes: the text may sit in an XML script */
	JSON_MARKUP_SAFE = 1 << 0,
};

/*
 * json_add_str - append s[0..len) to `out` as a JSON string, quotes
 * included. Valid UTF-8 passes unchanged; '"' and '\' are escaped; control
 * characters (< 0x20, 0x7f) become \b \f \n \r \t or \u00XX; a byte that is
 * not part of a valid UTF-8 sequence (a stray continuation, an overlong or
 * surrogate form, a truncated sequence) becomes \ufffd. `s` may hold NULs
 * (written as \u0000). `flags`: enum json_flags.
 */
void json_add_str(struct strbuf *out, const char *s, size_t len, unsigned flags);

/* json_add_cstr - json_add_str of a NUL-terminated string. */
void json_add_cstr(struct strbuf *out, const char *s, unsigned flags);

/*
 * utf8_valid_len - the length of the valid UTF-8 sequence at s[0..len)
 * (1 to 4), or 0 if the bytes there do not start one.
 */
size_t utf8_valid_len(const unsigned char *s, size_t len);

#endif
