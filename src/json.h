/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.h - JSON for the writers that produce it. Pure. Two layers: string
 * escapes (json_add_str) for writers that lay out their own text, and a
 * document writer (struct json) that opens objects and arrays, names members
 * and writes values; it keeps the commas, the indentation (two spaces a
 * level, one member or item a line) and the escapes, so a writer reads as
 * the shape of its document. Its strings are written as UTF-8 with '"', '\\'
 * and control characters escaped; bytes that are not well-formed UTF-8
 * become U+FFFD, so the document is valid JSON whatever the input.
 */
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

#define JSON_MAX_DEPTH 32

struct json {
	struct strbuf *out;	/* borrowed */
	unsigned depth;
	bool has_item[JSON_MAX_DEPTH];	/* the open container has an item */
	bool after_key;		/* a member's name was written: its value follows */
};

void json_init(struct json *j, struct strbuf *out);

/* Open an object or an array (as a value: after json_key, in an array, or
 * at the top); close it. Opening deeper than JSON_MAX_DEPTH is a bug. */
void json_object(struct json *j);
void json_array(struct json *j);
void json_end_object(struct json *j);
void json_end_array(struct json *j);

/* The name of the next member of the open object. */
void json_key(struct json *j, const char *key);

/* Values. */
void json_str(struct json *j, const char *s, size_t len);
void json_cstr(struct json *j, const char *s);	/* NULL writes null */
void json_u64(struct json *j, uint64_t v);
void json_i64(struct json *j, int64_t v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* json_escape - append s[0..len) as a JSON string literal, quotes included. */
void json_escape(struct strbuf *out, const char *s, size_t len);

#endif
