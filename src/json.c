/* SPDX-License-Identifier: Apache-2.0 */
/* json.c - JSON text: containers, members, values and string escapes. */
#include "compat.h"

#include <inttypes.h>
#include <string.h>

#include "err.h"
#include "json.h"

/* The length of the well-formed UTF-8 sequence at s[0..len), or 0. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
	size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
	uint32_t cp;

	if (n == 0 || s[0] > 0xf4 || n > len)
		return 0;
	cp = s[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and values past U+10FFFF are not UTF-8 */
	if (cp < (n == 2 ? 0x80u : n == 3 ? 0x800u : 0x10000u) || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp > 0x10ffff)
		return 0;
	return n;
}

void json_escape(struct strbuf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	strbuf_addch(out, '"');
	for (size_t i = 0; i < len;) {
		size_t n;

		if (p[i] == '"' || p[i] == '\\') {
			strbuf_addch(out, '\\');
			strbuf_addch(out, (char)p[i++]);
		} else if (p[i] < 0x20) {
			strbuf_addf(out, "\\u%04x", p[i++]);
		} else if (p[i] < 0x80) {
			strbuf_addch(out, (char)p[i++]);
		} else if ((n = utf8_len(p + i, len - i))) {
			strbuf_add(out, p + i, n);
			i += n;
		} else {
			strbuf_addstr(out, "\xef\xbf\xbd");	/* U+FFFD */
			i++;
		}
	}
	strbuf_addch(out, '"');
}

void json_init(struct json *j, struct strbuf *out)
{
	memset(j, 0, sizeof *j);
	j->out = out;
}

static void newline(struct json *j)
{
	strbuf_addch(j->out, '\n');
	for (unsigned i = 0; i < j->depth; i++)
		strbuf_addstr(j->out, "  ");
}

/* Before a value or a member name: the comma and line break it needs. */
static void before_item(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->depth == 0)
		return;
	if (j->has_item[j->depth - 1])
		strbuf_addch(j->out, ',');
	j->has_item[j->depth - 1] = true;
	newline(j);
}

static void open_container(struct json *j, char bracket)
{
	before_item(j);
	if (j->depth == JSON_MAX_DEPTH)
		PF_BUG("JSON nested too deep");
	strbuf_addch(j->out, bracket);
	j->has_item[j->depth++] = false;
}

static void close_container(struct json *j, char bracket)
{
	if (j->depth == 0)
		PF_BUG("JSON closed more than opened");
	if (j->has_item[--j->depth])
		newline(j);
	strbuf_addch(j->out, bracket);
}

void json_object(struct json *j)
{
	open_container(j, '{');
}

void json_array(struct json *j)
{
	open_container(j, '[');
}

void json_end_object(struct json *j)
{
	close_container(j, '}');
}

void json_end_array(struct json *j)
{
	close_container(j, ']');
}

void json_key(struct json *j, const char *key)
{
	before_item(j);
	json_escape(j->out, key, strlen(key));
	strbuf_addstr(j->out, ": ");
	j->after_key = true;
}

void json_str(struct json *j, const char *s, size_t len)
{
	before_item(j);
	json_escape(j->out, s, len);
}

void json_cstr(struct json *j, const char *s)
{
	if (s)
		json_str(j, s, strlen(s));
	else
		json_null(j);
}

void json_u64(struct json *j, uint64_t v)
{
	before_item(j);
	strbuf_addf(j->out, "%" PRIu64, v);
}

void json_i64(struct json *j, int64_t v)
{
	before_item(j);
	strbuf_addf(j->out, "%" PRId64, v);
}

void json_bool(struct json *j, bool v)
{
	before_item(j);
	strbuf_addstr(j->out, v ? "true" : "false");
}

void json_null(struct json *j)
{
	before_item(j);
	strbuf_addstr(j->out, "null");
}
