/* SPDX-License-Identifier: Apache-2.0 */
/*
 * maps.c - parse /proc/PID/maps text into entries and look addresses and
 * load bases up in them. Pure: the text comes from the caller.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "maps.h"
#include "xalloc.h"

#define DELETED_SUFFIX " (deleted)"

/* A bounded view of one line; every read checks the end first. */
struct cursor {
	const char *at;
	const char *stop;
};

void maps_init(struct maps *mp)
{
	mp->entries = NULL;
	mp->count = 0;
	mp->cap = 0;
}

static void clear_entries(struct maps *mp)
{
	for (size_t i = 0; i < mp->count; i++)
		free(mp->entries[i].path);
	mp->count = 0;
}

void maps_release(struct maps *mp)
{
	clear_entries(mp);
	free(mp->entries);
	maps_init(mp);
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 1 to 16 hex digits; stops at the first non-digit. */
static bool read_hex(struct cursor *c, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0, d;

	while (c->at < c->stop && (d = hex_digit(*c->at)) >= 0) {
		if (++n > 16)
			return false;
		v = v << 4 | (uint64_t)d;
		c->at++;
	}
	*out = v;
	return n > 0;
}

/* 1 to 20 decimal digits without overflow. */
static bool read_dec(struct cursor *c, uint64_t *out)
{
	uint64_t v = 0;
	int n = 0;

	while (c->at < c->stop && *c->at >= '0' && *c->at <= '9') {
		unsigned d = (unsigned)(*c->at - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		n++;
		c->at++;
	}
	*out = v;
	return n > 0;
}

static bool read_char(struct cursor *c, char want)
{
	if (c->at >= c->stop || *c->at != want)
		return false;
	c->at++;
	return true;
}

/* One permission position: `set` or '-'. */
static bool read_perm(struct cursor *c, char set, unsigned flag, unsigned *perms)
{
	if (read_char(c, set)) {
		*perms |= flag;
		return true;
	}
	return read_char(c, '-');
}

static bool read_perms(struct cursor *c, unsigned *perms)
{
	*perms = 0;
	if (!read_perm(c, 'r', MAP_PERM_R, perms) ||
	    !read_perm(c, 'w', MAP_PERM_W, perms) ||
	    !read_perm(c, 'x', MAP_PERM_X, perms))
		return false;
	if (read_char(c, 'p')) {
		*perms |= MAP_PERM_P;
		return true;
	}
	return read_char(c, 's');
}

/* "major:minor", each hex and at most 32 bits. */
static bool read_dev(struct cursor *c, struct map_entry *e)
{
	uint64_t major, minor;

	if (!read_hex(c, &major) || !read_char(c, ':') || !read_hex(c, &minor))
		return false;
	if (major > UINT32_MAX || minor > UINT32_MAX)
		return false;
	e->dev_major = (unsigned)major;
	e->dev_minor = (unsigned)minor;
	return true;
}

/*
 * The rest of the line after the inode: padding, then the path, which may
 * hold spaces. Leading blanks are the kernel's column padding.
 */
static void take_path(struct cursor *c, struct map_entry *e)
{
	size_t len, suffix = strlen(DELETED_SUFFIX);

	while (c->at < c->stop && *c->at == ' ')
		c->at++;
	len = (size_t)(c->stop - c->at);
	e->deleted = len > suffix &&
		memcmp(c->at + len - suffix, DELETED_SUFFIX, suffix) == 0;
	if (e->deleted)
		len -= suffix;
	e->path = xmalloc(len + 1);
	memcpy(e->path, c->at, len);
	e->path[len] = '\0';
}

/* One line without its '\n'. Returns the name of the bad field, or NULL. */
static const char *parse_line(struct cursor *c, struct map_entry *e)
{
	if (!read_hex(c, &e->start) || !read_char(c, '-') || !read_hex(c, &e->end))
		return "address range";
	if (e->end < e->start)
		return "address range (end before start)";
	if (!read_char(c, ' ') || !read_perms(c, &e->perms))
		return "permissions";
	if (!read_char(c, ' ') || !read_hex(c, &e->offset))
		return "offset";
	if (!read_char(c, ' ') || !read_dev(c, e))
		return "device";
	if (!read_char(c, ' ') || !read_dec(c, &e->inode))
		return "inode";
	if (c->at < c->stop && *c->at != ' ')
		return "inode";
	take_path(c, e);
	return NULL;
}

int maps_parse(struct maps *mp, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	size_t lineno = 0;

	clear_entries(mp);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct cursor c = { p, nl ? nl : end };
		struct map_entry e;
		const char *bad;

		lineno++;
		memset(&e, 0, sizeof e);
		bad = parse_line(&c, &e);
		if (bad) {
			clear_entries(mp);
			return pf_fail(PF_EFORMAT, "maps line %zu: bad %s", lineno, bad);
		}
		XGROW(mp->entries, mp->cap, mp->count + 1);
		mp->entries[mp->count++] = e;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

const struct map_entry *maps_find_addr(const struct maps *mp, uint64_t addr)
{
	for (size_t i = 0; i < mp->count; i++) {
		const struct map_entry *e = &mp->entries[i];

		if (addr >= e->start && addr < e->end)
			return e;
	}
	return NULL;
}

int maps_find_base(const struct maps *mp, const char *path, uint64_t *base)
{
	for (size_t i = 0; i < mp->count; i++) {
		const struct map_entry *e = &mp->entries[i];

		if (e->offset == 0 && strcmp(e->path, path) == 0) {
			*base = e->start;	// the offset-0 mapping, never "first r-x"
			return 0;
		}
	}
	return pf_fail(PF_ENOENT, "no offset-0 mapping of '%s'", path);
}

const char *maps_basename(const struct map_entry *e)
{
	const char *slash = strrchr(e->path, '/');

	return slash ? slash + 1 : e->path;
}
