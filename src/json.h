/* SPDX-License-Identifier: Apache-2.0 */
/*
 * json.h - JSON text into a strbuf. Pure. A writer opens objects and
 * arrays, names members and writes values; the commas, the indentation
 * (two spaces a level, one member or item a line) and the escapes are
 * kept here, so a writer reads as the shape of its document.
 *
 * Strings are written as UTF-8 with '"', '\\' and control characters
 * escaped; bytes that are not well-formed UTF-8 become U+FFFD, so the
 * document is valid JSON whatever the input (names read from a target,
 * command lines).
 */
#ifndef PF_JSON_H
#define PF_JSON_H

#include "compat.h"
#include "strbuf.h"

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
