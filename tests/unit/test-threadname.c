/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-threadname.c - the decoding half of --thread-names, on objects
 * copied out of real interpreters (tests/fixtures/threadnames-*.txt, by
 * gen-threadnames.py) and on made-up bytes: names, idents, the entries of
 * threading._active, the layout table, _Py_DebugOffsets, labels.
 */
#include "compat.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "threadname.h"
#include "tap.h"

#define LINE_MAX_BYTES 65536

/* Hex text into bytes; the count, or 0 on a bad digit. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned byte;

	for (; s[0] && s[1] && s[0] != ' ' && s[0] != '\n' && n < cap; s += 2) {
		if (sscanf(s, "%2x", &byte) != 1)
			return 0;
		out[n++] = (uint8_t)byte;
	}
	return n;
}

/* Decode every prefix of obj[0..len) shorter than it, each in a buffer of
 * exactly that size (so that a read past it is one past an allocation). */
static bool prefixes_refused(const struct pyoffsets *o, const uint8_t *obj, size_t len,
			     bool is_str)
{
	bool refused = true;

	for (size_t n = 0; n + 1 < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		struct strbuf sb;
		uint64_t v;
		bool cut;
		int rc;

		memcpy(copy, obj, n);
		strbuf_init(&sb);
		rc = is_str ? threadname_str(o, copy, n, 256, &sb, &cut)
			    : threadname_int(o, copy, n, false, &v);
		/* the NUL (1 to 4 bytes) after a str's text is not needed */
		refused &= rc < 0 || (is_str && n + 4 >= len);
		strbuf_release(&sb);
		free(copy);
	}
	return refused;
}

static size_t characters(const struct strbuf *sb)
{
	size_t n = 0;

	for (size_t i = 0; i < sb->len; i++)
		n += ((uint8_t)sb->buf[i] & 0xc0) != 0x80;
	return n;
}

struct fixture {
	const struct pyoffsets *o;
	uint8_t *buf, *keys;
	size_t keys_len;
	uint64_t mask;		/* 2.7: the table's mask, else 0 */
	struct threadname_keys k;
	int entries, entries_found;
};

static void check_str(struct fixture *fx, const char *name, const char *args)
{
	uint8_t want[512];
	size_t len = unhex(args, fx->buf, LINE_MAX_BYTES), wlen;
	const char *sp = strchr(args, ' ');
	struct strbuf sb;
	bool cut;

	wlen = sp ? unhex(sp + 1, want, sizeof want) : 0;
	strbuf_init(&sb);
	ok(threadname_str(fx->o, fx->buf, len, 256, &sb, &cut) == 0 && !cut && sb.len == wlen &&
	   memcmp(sb.buf, want, wlen) == 0, "%s: name '%.*s'", name, (int)wlen, (const char *)want);
	strbuf_reset(&sb);
	ok(threadname_str(fx->o, fx->buf, len, 2, &sb, &cut) == 0 && cut && characters(&sb) == 2,
	   "%s: cut at 2 characters", name);
	ok(prefixes_refused(fx->o, fx->buf, len, true), "%s: every short copy refused", name);
	strbuf_release(&sb);
}

static void check_int(struct fixture *fx, const char *name, const char *args)
{
	size_t len = unhex(args, fx->buf, LINE_MAX_BYTES);
	const char *sp = strchr(args, ' ');
	bool int27 = fx->o->str_model == STR_BYTES27;
	uint64_t v = 0, want = sp ? strtoull(sp + 1, NULL, 10) : 1;

	ok(threadname_int(fx->o, fx->buf, len, int27, &v) == 0 && v == want,
	   "%s: ident %llu (read %llu)", name, (unsigned long long)want, (unsigned long long)v);
	if (!int27)
		ok(prefixes_refused(fx->o, fx->buf, len, false), "%s: short ints refused", name);
}

static void check_keys(struct fixture *fx, const char *name, const char *args, bool table)
{
	int rc;

	if (table) {
		fx->mask = strtoull(args, NULL, 10);
		args = strchr(args, ' ') + 1;
	}
	fx->keys_len = unhex(args, fx->keys, LINE_MAX_BYTES);
	rc = table ? threadname_table27(fx->o, fx->mask, &fx->k)
		   : threadname_keys(fx->o, fx->keys, fx->keys_len, &fx->k);
	ok(rc == 0 && threadname_keys_bytes(&fx->k) == fx->keys_len,
	   "%s: _active's entries span the copy (%zu bytes)", name, fx->keys_len);
}

/* An item of _active must be one of the entries decoded. */
static void check_entry(struct fixture *fx, const char *args)
{
	unsigned long long key, value;
	uint64_t k, v;

	if (sscanf(args, "%llx %llx", &key, &value) != 2)
		return;
	fx->entries++;
	for (size_t i = 0; i < fx->k.nentries; i++)
		if (threadname_entry(&fx->k, fx->keys, fx->keys_len, i, &k, &v) && k == key &&
		    v == value) {
			fx->entries_found++;
			return;
		}
}

static void run_line(struct fixture *fx, const char *name, char *line)
{
	char *args = strchr(line, ' ');

	if (!args || line[0] == '#')
		return;
	*args++ = '\0';
	if (strcmp(line, "version") == 0)
		fx->o = pyoffsets_for((uint32_t)strtoul(args, NULL, 16));
	else if (!fx->o)
		return;
	else if (strcmp(line, "str") == 0)
		check_str(fx, name, args);
	else if (strcmp(line, "int") == 0)
		check_int(fx, name, args);
	else if (strcmp(line, "keys") == 0 || strcmp(line, "table") == 0)
		check_keys(fx, name, args, line[0] == 't');
	else if (strcmp(line, "entry") == 0)
		check_entry(fx, args);
}

static void test_fixture(const char *path)
{
	struct fixture fx = { .buf = malloc(LINE_MAX_BYTES), .keys = malloc(LINE_MAX_BYTES) };
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *line = malloc(2 * LINE_MAX_BYTES + 64);
	FILE *f = fopen(path, "r");

	ok(f != NULL, "open %s", path);
	while (f && fgets(line, 2 * LINE_MAX_BYTES + 64, f))
		run_line(&fx, name, line);
	ok(fx.o && fx.entries > 0 && fx.entries_found == fx.entries,
	   "%s: all %d items of _active among its entries (%d found)", name, fx.entries,
	   fx.entries_found);
	if (f)
		fclose(f);
	free(line);
	free(fx.buf);
	free(fx.keys);
}

static void test_labels(void)
{
	struct strbuf sb;
	char long_name[200];

	strbuf_init(&sb);
	threadname_label(4243, 1, "worker-1", 8, &sb);
	ok(same_text(sb.buf, "thread 4243 \"worker-1\""), "a plain label");
	strbuf_reset(&sb);
	threadname_label(0, 140000000000001ull, "a;b\"c\n\x7f", 7, &sb);
	ok(same_text(sb.buf, "thread 140000000000001 \"a:b'c??\""),
	   "no TID: the ident; ';' '\"' and control characters replaced");
	strbuf_reset(&sb);
	threadname_label(7, 1, "", 0, &sb);
	ok(same_text(sb.buf, "thread 7"), "no name: no quotes");
	/* 59 ASCII bytes then a 3-byte character across the 60-byte limit */
	memset(long_name, 'x', 59);
	memcpy(long_name + 59, "\xe7\xba\xbf", 3);
	strbuf_reset(&sb);
	threadname_label(9, 1, long_name, 62, &sb);
	ok(sb.len == strlen("thread 9 \"") + 59 + strlen("...\"") &&
	   memcmp(sb.buf + sb.len - 4, "...\"", 4) == 0, "cut before a character split: %s",
	   sb.buf);
	strbuf_release(&sb);
}

static void test_ints(void)
{
	const struct pyoffsets *o11 = pyoffsets_for(0x030b00f0), *o12 = pyoffsets_for(0x030c00f0);
	uint8_t obj[48] = { 0 };
	uint64_t v;
	int64_t size = -1;

	memcpy(obj + o11->long_size, &size, 8);
	obj[o11->long_digits] = 5;
	ok(threadname_int(o11, obj, sizeof obj, false, &v) < 0, "a negative int is no ident");
	size = 3;
	memcpy(obj + o11->long_size, &size, 8);
	memset(obj + o11->long_digits, 0, 12);
	obj[o11->long_digits + 8 + 3] = 0x3f;	/* top digit 0x3f000000: 90 + bits */
	ok(threadname_int(o11, obj, sizeof obj, false, &v) < 0, "an int past 64 bits refused");
	size = 2 << 3;	/* 3.12: two digits, positive */
	memcpy(obj + o12->long_size, &size, 8);
	memset(obj + o12->long_digits, 0, 12);
	obj[o12->long_digits] = 1;
	obj[o12->long_digits + 4] = 2;
	ok(threadname_int(o12, obj, sizeof obj, false, &v) == 0 && v == (2ull << 30 | 1),
	   "3.12 tagged size");
}

static void test_layouts(const char *dir)
{
	static const struct {
		const char *file;
		uint32_t version, modules;
	} dbg[] = {
		{ "debug-offsets-3.13.0.hex", 0x030d00f0, 7656 },
		{ "debug-offsets-3.13.5.hex", 0x030d05f0, 7656 },
		{ "debug-offsets-3.14.10.hex", 0x030e0af0, 7688 },
		{ "debug-offsets-3.15.2.hex", 0x030f02f0, 7592 },
	};
	struct threadname_layout l;
	uint8_t buf[1024] = { 0 };

	ok(threadname_layout(0x020712f0, &l) == 0 && l.is_modules == 16 &&
	   strcmp(l.name_attr, "_Thread__name") == 0, "2.7: interp->modules, _Thread__name");
	ok(threadname_layout(0x030c01f0, &l) == 0 && l.attrs == ATTRS_MANAGED_312, "3.12");
	ok(threadname_layout(0x030500f0, &l) == -PF_EUNSUPPORTED, "3.5 refused");
	ok(threadname_import_debug(&l, buf, sizeof buf) == -PF_EFORMAT, "no cookie refused");
	for (size_t i = 0; i < PF_ARRAY_SIZE(dbg); i++) {
		struct threadname_layout table;
		char path[2048], line[256];
		size_t n = 0;
		FILE *f;

		snprintf(path, sizeof path, "%s/%s", dir, dbg[i].file);
		f = fopen(path, "r");
		while (f && fgets(line, sizeof line, f))
			if (line[0] != '#')
				n += unhex(line, buf + n, sizeof buf - n);
		if (f)
			fclose(f);
		threadname_layout(dbg[i].version, &table);
		l = table;
		l.is_modules = l.tp_flags = l.ht_cached_keys = 0;
		ok(threadname_import_debug(&l, buf, n) == 0 && l.is_modules == dbg[i].modules,
		   "%s: imports.modules at %u", dbg[i].file, dbg[i].modules);
		if (dbg[i].version < 0x030f0000)	/* not in the block before 3.15 */
			l.ht_cached_keys = table.ht_cached_keys;
		ok(l.tp_flags == table.tp_flags && l.tp_basicsize == table.tp_basicsize &&
		   l.tp_dictoffset == table.tp_dictoffset && l.ht_cached_keys == table.ht_cached_keys,
		   "%s: the type's fields as the table has them", dbg[i].file);
		ok(threadname_import_debug(&l, buf, 90) < 0, "%s: a short block refused",
		   dbg[i].file);
	}
}

int main(void)
{
	const char *top = getenv("top_srcdir");
	char dir[1024], pattern[1100];
	glob_t g;

	snprintf(dir, sizeof dir, "%s/tests/fixtures", top ? top : ".");
	snprintf(pattern, sizeof pattern, "%s/threadnames-*.txt", dir);
	test_labels();
	test_ints();
	test_layouts(dir);
	if (glob(pattern, 0, NULL, &g) != 0)
		g.gl_pathc = 0;
	for (size_t i = 0; i < g.gl_pathc; i++)
		test_fixture(g.gl_pathv[i]);
	ok(g.gl_pathc >= 11, "found %zu thread-name fixtures in %s", g.gl_pathc, dir);
	if (g.gl_pathc)
		globfree(&g);
	return done_testing();
}
