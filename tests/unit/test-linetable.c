/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-linetable.c - line-table decoders: hand-built tables per format, cuts
 * at every length, and the answers real interpreters gave (tests/fixtures).
 */
#include "compat.h"

#include <dirent.h>
#include <stdarg.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "linetable.h"
#include "strbuf.h"
#include "xalloc.h"
#include "tap.h"

#define NONE LINETABLE_NO_LINE

struct probe {
	int64_t addr;
	int line;
};

/* Every probe answered with rc 0, through both entry points. */
static bool probes_hold(enum linetable_format fmt, const uint8_t *tab,
			size_t len, int first, const struct probe *p, size_t n)
{
	struct linetable lt;
	bool good = true;
	int line;

	linetable_init(&lt);
	if (linetable_decode(&lt, fmt, tab, len, first) != 0)
		good = false;
	for (size_t i = 0; i < n; i++) {
		int rc = linetable_line(fmt, tab, len, first, p[i].addr, &line);

		if (rc != 0 || line != p[i].line) {
			printf("# addr %" PRId64 ": rc %d line %d, want %d\n",
			       p[i].addr, rc, line, p[i].line);
			good = false;
		}
		if (linetable_lookup(&lt, p[i].addr) != p[i].line)
			good = false;
	}
	linetable_release(&lt);
	return good;
}

static int line_rc(enum linetable_format fmt, const uint8_t *tab, size_t len,
		   int first, int64_t addr)
{
	int line;

	return linetable_line(fmt, tab, len, first, addr, &line);
}

/* -------------------------------------------------------- truncation */

/*
 * What a decoder may answer from tab[0..k): offsets below `safe_end` lie in
 * ranges wholly inside the prefix, so they must match the full table. Past
 * it, a cut on an entry boundary is a shorter valid table (answer `tail`);
 * a cut inside an entry is an error. Only the framing is modelled here.
 */
struct cut {
	uint64_t safe_end;
	bool boundary;
	int tail;
};

static struct cut cut_lnotab(enum linetable_format fmt, const uint8_t *tab,
			     size_t k, int first)
{
	struct cut c = { 0, k % 2 == 0, first };

	for (size_t i = 0; i + 1 < k; i += 2) {
		c.safe_end += tab[i];
		if (fmt == LT_LNOTAB)
			c.tail += tab[i + 1];
		else if (fmt == LT_LNOTAB_SIGNED)
			c.tail += tab[i + 1] < 128 ? tab[i + 1] : tab[i + 1] - 256;
	}
	if (fmt == LT_LINETABLE_310)
		c.tail = NONE;
	else if (k % 2)
		c.safe_end += tab[k - 1];	/* a lone address step still bounds a range */
	return c;
}

static struct cut cut_locations(const uint8_t *tab, size_t len, size_t k)
{
	struct cut c = { 0, false, NONE };
	size_t j = 0;

	while (j < k) {
		size_t next = j + 1;

		while (next < len && !(tab[next] & 0x80))
			next++;
		if (next > k)
			break;
		c.safe_end += 2 * ((tab[j] & 7) + 1);
		j = next;
	}
	c.boundary = j == k;
	return c;
}

static struct cut cut_info(enum linetable_format fmt, const uint8_t *tab,
			   size_t len, size_t k, int first)
{
	if (fmt == LT_LOCATIONS)
		return cut_locations(tab, len, k);
	return cut_lnotab(fmt, tab, k, first);
}

/* Is the prefix's answer at `addr` one the model above allows? */
static bool cut_answer_ok(const struct cut *c, int64_t addr, int rc, int line,
			  int full)
{
	if (rc != 0 && rc != -PF_EFORMAT)
		return false;
	if (addr < 0 || (uint64_t)addr < c->safe_end)
		return rc == 0 && line == full;
	if (!c->boundary)
		return rc == -PF_EFORMAT;
	return rc == 0 && line == c->tail;
}

struct sweep {
	size_t checks;
	size_t failures;
};

/* The cached decoder must agree with the prefix's framing too. */
static void sweep_decode(struct sweep *sw, enum linetable_format fmt,
			 const uint8_t *cut, size_t k, const struct cut *c,
			 int first, const int64_t *addrs, size_t n)
{
	struct linetable lt;
	int rc, line;

	linetable_init(&lt);
	rc = linetable_decode(&lt, fmt, cut, k, first);
	sw->checks++;
	if (rc != (c->boundary ? 0 : -PF_EFORMAT))
		sw->failures++;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		sw->checks++;
		if (linetable_line(fmt, cut, k, first, addrs[i], &line) != 0 ||
		    linetable_lookup(&lt, addrs[i]) != line)
			sw->failures++;
	}
	linetable_release(&lt);
}

/*
 * Cut `tab` at every length into an exactly sized heap copy (so that the
 * address sanitizer sees any read past it) and probe it at `addrs`.
 */
static void sweep_cuts(struct sweep *sw, enum linetable_format fmt,
		       const uint8_t *tab, size_t len, int first,
		       const int64_t *addrs, size_t n)
{
	int *full = xcalloc(n, sizeof *full);

	for (size_t i = 0; i < n; i++)
		if (linetable_line(fmt, tab, len, first, addrs[i], &full[i]) != 0)
			sw->failures++;
	for (size_t k = 0; k <= len; k++) {
		uint8_t *cut = k ? xmemdup(tab, k) : NULL;
		struct cut c = cut_info(fmt, tab, len, k, first);

		for (size_t i = 0; i < n; i++) {
			int line = INT_MIN;
			int rc = linetable_line(fmt, cut, k, first, addrs[i], &line);

			sw->checks++;
			if (!cut_answer_ok(&c, addrs[i], rc, line, full[i]))
				sw->failures++;
		}
		sweep_decode(sw, fmt, cut, k, &c, first, addrs, n);
		free(cut);
	}
	free(full);
}

/* Every address from -2 to a little past `end`. */
static void sweep_all_addrs(const char *what, enum linetable_format fmt,
			    const uint8_t *tab, size_t len, int first, int64_t end)
{
	struct sweep sw = { 0, 0 };
	size_t n = (size_t)(end + 8);
	int64_t *addrs = xcalloc(n, sizeof *addrs);

	for (size_t i = 0; i < n; i++)
		addrs[i] = (int64_t)i - 2;
	sweep_cuts(&sw, fmt, tab, len, first, addrs, n);
	ok(sw.failures == 0 && sw.checks > len * n,
	   "%s: cut at every length: %zu checks, %zu failures", what,
	   sw.checks, sw.failures);
	free(addrs);
}

/* -------------------------------------------------------- hand cases */

static void test_lnotab(void)
{
	/* line 10; +2 bytes +3 lines; +4 bytes, +0xff lines (-1 from 3.6 on) */
	static const uint8_t tab[] = { 2, 3, 4, 0xff };
	static const struct probe unsigned_steps[] = {
		{ -1, 10 }, { 0, 10 }, { 1, 10 }, { 2, 13 }, { 5, 13 },
		{ 6, 268 }, { 1000, 268 },
	};
	static const struct probe signed_steps[] = {
		{ -1, 10 }, { 0, 10 }, { 1, 10 }, { 2, 13 }, { 5, 13 },
		{ 6, 12 }, { 1000, 12 },
	};
	/* a 300-byte jump split as 255 + 45; a line step at address 0 */
	static const uint8_t split[] = { 0, 1, 255, 0, 45, 2 };
	static const struct probe split_p[] = {
		{ -1, 5 }, { 0, 6 }, { 299, 6 }, { 300, 8 }, { 5000, 8 },
	};

	ok(probes_hold(LT_LNOTAB, tab, sizeof tab, 10, unsigned_steps,
		       PF_ARRAY_SIZE(unsigned_steps)), "2.7 lnotab: unsigned line steps");
	ok(probes_hold(LT_LNOTAB_SIGNED, tab, sizeof tab, 10, signed_steps,
		       PF_ARRAY_SIZE(signed_steps)), "3.6 lnotab: after a negative step");
	ok(probes_hold(LT_LNOTAB_SIGNED, split, sizeof split, 5, split_p,
		       PF_ARRAY_SIZE(split_p)), "lnotab: split address jump, step at 0");
	ok(line_rc(LT_LNOTAB_SIGNED, tab, 3, 10, 5) == 0 &&
	   line_rc(LT_LNOTAB_SIGNED, tab, 3, 10, 6) == -PF_EFORMAT,
	   "lnotab cut after an address step: known below it, an error past it");
	sweep_all_addrs("2.7 lnotab", LT_LNOTAB, split, sizeof split, 5, 310);
	sweep_all_addrs("3.6 lnotab", LT_LNOTAB_SIGNED, tab, sizeof tab, 10, 8);
}

static void test_lnotab_empty(void)
{
	static const struct probe p[] = { { -5, 7 }, { 0, 7 }, { 1 << 20, 7 } };

	ok(probes_hold(LT_LNOTAB, NULL, 0, 7, p, PF_ARRAY_SIZE(p)),
	   "empty lnotab: firstlineno everywhere");
}

static const uint8_t pep626[] = {
	4, 0,		/* [0, 4) line 10 */
	2, 0x80,	/* [4, 6) no line, accumulator kept */
	0, 127,		/* empty, line 137 */
	2, 0x85,	/* [6, 8) line 137 - 123 = 14 */
	2, 1,		/* [8, 10) line 15 */
};

static void test_pep626(void)
{
	static const struct probe p[] = {
		{ -1, 10 }, { 0, 10 }, { 3, 10 }, { 4, NONE }, { 5, NONE },
		{ 6, 14 }, { 7, 14 }, { 8, 15 }, { 9, 15 }, { 10, NONE },
		{ 1 << 20, NONE }, { INT64_MAX, NONE },
	};

	ok(probes_hold(LT_LINETABLE_310, pep626, sizeof pep626, 10, p,
		       PF_ARRAY_SIZE(p)), "3.10: no-line range, empty pair, past the end");
	ok(line_rc(LT_LINETABLE_310, pep626, 5, 10, 3) == 0 &&
	   line_rc(LT_LINETABLE_310, pep626, 5, 10, 4) == 0 &&
	   line_rc(LT_LINETABLE_310, pep626, 5, 10, 6) == -PF_EFORMAT,
	   "3.10 cut inside a pair: an error only once that pair is needed");
	sweep_all_addrs("3.10 table", LT_LINETABLE_310, pep626, sizeof pep626, 10, 12);
}

static const uint8_t locations[] = {
	0xe8 | 1, 0x02,			/* 13 no columns, 2 units, +1: 11 */
	0x80 | 0 << 3 | 0, 0x05,	/* 0 short form, 1 unit: 11 */
	0x80 | 11 << 3 | 0, 0x04, 0x08,	/* 11 one line, +1: 12 */
	0x80 | 15 << 3 | 2,		/* 15 no location, 3 units */
	0x80 | 14 << 3 | 0, 0x07, 0x00, 0x01, 0x05,	/* 14 long, -3: 9 */
	0xe8 | 0, 0x50, 0x06,		/* 13, +200 in two chunks: 209 */
	0x80 | 12 << 3 | 7, 0x01, 0x02,	/* 12 one line, +2, 8 units: 211 */
};

static void test_locations(void)
{
	static const struct probe p[] = {
		{ -2, 10 }, { 0, 11 }, { 3, 11 }, { 4, 11 }, { 5, 11 },
		{ 6, 12 }, { 8, NONE }, { 13, NONE }, { 14, 9 }, { 15, 9 },
		{ 16, 209 }, { 18, 211 }, { 33, 211 }, { 34, NONE },
		{ INT64_MAX, NONE },
	};

	ok(probes_hold(LT_LOCATIONS, locations, sizeof locations, 10, p,
		       PF_ARRAY_SIZE(p)), "3.11 location table: every kind of entry");
	sweep_all_addrs("3.11 table", LT_LOCATIONS, locations, sizeof locations, 10, 36);
}

static void test_locations_malformed(void)
{
	static const uint8_t no_header[] = { 0x02, 0x80 | 15 << 3 };
	static const uint8_t high_extra[] = { 0xe8, 0x82 };
	static const uint8_t seven[] = { 0xe8, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x00 };
	static const uint8_t eight[] = { 0xe8, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x40, 0x00 };
	int line = 0;

	ok(line_rc(LT_LOCATIONS, no_header, sizeof no_header, 1, 0) == -PF_EFORMAT,
	   "3.11: an entry must start with bit 7 set");
	ok(line_rc(LT_LOCATIONS, high_extra, sizeof high_extra, 1, 0) == -PF_EFORMAT,
	   "3.11: an extra byte with bit 7 set ends the entry early");
	ok(linetable_line(LT_LOCATIONS, seven, sizeof seven, 4, 0, &line) == 0 && line == 4,
	   "3.11: a seven-chunk varint is read");
	ok(line_rc(LT_LOCATIONS, eight, sizeof eight, 4, 0) == -PF_EFORMAT,
	   "3.11: an eight-chunk varint is refused");
}

static void test_line_overflow(void)
{
	static const uint8_t up[] = { 0, 1 };
	static const uint8_t up2[] = { 0xe8, 0x04 };	/* 13, +2 */
	static const uint8_t huge[] = { 0xe8, 0x7e, 0x7f, 0x7f, 0x7f, 0x7f, 0x3f };

	ok(line_rc(LT_LNOTAB, up, sizeof up, INT_MAX, 0) == -PF_EFORMAT,
	   "lnotab: a line past INT_MAX is malformed");
	ok(line_rc(LT_LOCATIONS, up2, sizeof up2, INT_MAX - 1, 0) == -PF_EFORMAT,
	   "3.11: a line past INT_MAX is malformed");
	ok(line_rc(LT_LOCATIONS, huge, sizeof huge, 0, 0) == -PF_EFORMAT,
	   "3.11: a 35-bit delta is malformed, not undefined");
}

/* ---------------------------------------------------------- fixtures */

struct fixture {
	const char *file;
	enum linetable_format fmt;
	bool have_fmt;
	unsigned unit;
	char source[128];
	/* the code object being read */
	int first;
	int64_t codelen;
	char name[128];
	uint8_t *table;		/* exactly sized, NULL when empty */
	size_t len;
	struct linetable lt;
	/* tallies */
	size_t codes, offsets, no_line, mismatches, diags;
	struct sweep sw;
};

static const char *const format_names[] = {
	[LT_LNOTAB] = "lnotab",
	[LT_LNOTAB_SIGNED] = "lnotab-signed",
	[LT_LINETABLE_310] = "linetable-310",
	[LT_LOCATIONS] = "locations",
};

PF_PRINTF(2, 3)
static void mismatch(struct fixture *fx, const char *fmt, ...)
{
	va_list ap;

	fx->mismatches++;
	if (fx->diags++ >= 8)
		return;
	printf("# %s: %s: %s (line %d): ", fx->file, fx->source, fx->name, fx->first);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* "python X.Y.Z": the format follows from the version, and so does the file name. */
static void fixture_version(struct fixture *fx, const char *v)
{
	unsigned major, minor;
	char want[64];

	if (sscanf(v, "%u.%u", &major, &minor) != 2) {
		mismatch(fx, "bad version '%s'", v);
		return;
	}
	snprintf(want, sizeof want, "linetable-%u.%u", major, minor);
	if (strncmp(fx->file, want, strlen(want)) != 0 ||
	    (fx->file[strlen(want)] != '.' && fx->file[strlen(want)] != '-'))
		mismatch(fx, "file name does not match version %s", v);
	fx->have_fmt = true;
	if (major == 2 && minor == 7)
		fx->fmt = LT_LNOTAB;
	else if (major == 3 && minor >= 6 && minor <= 9)
		fx->fmt = LT_LNOTAB_SIGNED;
	else if (major == 3 && minor == 10)
		fx->fmt = LT_LINETABLE_310;
	else if (major == 3 && minor >= 11)
		fx->fmt = LT_LOCATIONS;
	else
		fx->have_fmt = false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void fixture_table(struct fixture *fx, const char *hex)
{
	size_t n = strlen(hex);

	free(fx->table);
	fx->table = NULL;
	fx->len = 0;
	if (strcmp(hex, "-") == 0)
		return;
	if (n % 2) {
		mismatch(fx, "odd hex length");
		return;
	}
	fx->len = n / 2;
	fx->table = xmalloc(fx->len);
	for (size_t i = 0; i < fx->len; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			mismatch(fx, "bad hex");
			return;
		}
		fx->table[i] = (uint8_t)(hi << 4 | lo);
	}
}

/* One offset: the direct decoder and the cached one against the interpreter. */
static void check_offset(struct fixture *fx, int64_t addr, int want)
{
	int line = INT_MIN;
	int rc = linetable_line(fx->fmt, fx->table, fx->len, fx->first, addr, &line);
	int cached = linetable_lookup(&fx->lt, addr);

	fx->offsets++;
	fx->no_line += want == NONE;
	if (rc != 0 || line != want || cached != want)
		mismatch(fx, "offset %" PRId64 ": rc %d, line %d, cached %d, interpreter %d",
			 addr, rc, line, cached, want);
}

/* One token: "S=L" or "S-E=L", L a number or "-" for no line. */
static void check_token(struct fixture *fx, const char *tok)
{
	char *end;
	int64_t start = strtoll(tok, &end, 10), stop;
	int want;

	stop = start + fx->unit;
	if (*end == '-')
		stop = strtoll(end + 1, &end, 10);
	if (*end != '=' || stop <= start) {
		mismatch(fx, "bad token '%s'", tok);
		return;
	}
	if (strcmp(end + 1, "-") == 0)
		want = NONE;
	else
		want = (int)strtol(end + 1, &end, 10);
	for (int64_t a = start; a < stop; a += fx->unit)
		check_offset(fx, a, want);
}

static void fixture_lines(struct fixture *fx, char *toks)
{
	int line, rc;

	if (linetable_decode(&fx->lt, fx->fmt, fx->table, fx->len, fx->first) != 0)
		mismatch(fx, "decode failed: %s", pf_last_error());
	for (char *t = strtok(toks, " "); t; t = strtok(NULL, " "))
		check_token(fx, t);
	rc = linetable_line(fx->fmt, fx->table, fx->len, fx->first, -1, &line);
	if (rc != 0 || line != fx->first)
		mismatch(fx, "addr -1 gives rc %d, line %d", rc, line);
	/* the 3.10+ tables cover the bytecode exactly */
	rc = linetable_line(fx->fmt, fx->table, fx->len, fx->first, fx->codelen, &line);
	if (fx->fmt >= LT_LINETABLE_310 && (rc != 0 || line != NONE))
		mismatch(fx, "past the end gives rc %d, line %d", rc, line);
	fx->codes++;
}

/* Every cut of this table, probed at a few offsets spread over the code. */
static void fixture_cuts(struct fixture *fx)
{
	int64_t addrs[] = {
		-1, 0, 2, fx->codelen / 4, fx->codelen / 2, fx->codelen - 2,
		fx->codelen, fx->codelen + 40,
	};

	sweep_cuts(&fx->sw, fx->fmt, fx->table, fx->len, fx->first,
		   addrs, PF_ARRAY_SIZE(addrs));
}

static void fixture_record(struct fixture *fx, char *rec)
{
	char *arg = strchr(rec, ' ');
	int used = 0;

	if (arg)
		*arg++ = '\0';
	if (rec[0] == '#' || rec[0] == '\0')
		return;
	if (!arg && strcmp(rec, "end") != 0) {
		mismatch(fx, "record '%s' without argument", rec);
		return;
	}
	if (strcmp(rec, "python") == 0)
		fixture_version(fx, arg);
	else if (strcmp(rec, "format") == 0) {
		if (strcmp(arg, format_names[fx->fmt]) != 0)
			mismatch(fx, "format '%s' does not fit the version", arg);
	} else if (strcmp(rec, "unit") == 0)
		fx->unit = (unsigned)atoi(arg);
	else if (strcmp(rec, "source") == 0)
		snprintf(fx->source, sizeof fx->source, "%s", arg);
	else if (strcmp(rec, "code") == 0) {
		if (sscanf(arg, "%d %" SCNd64 " %n", &fx->first, &fx->codelen, &used) < 2) {
			mismatch(fx, "bad code record");
			return;
		}
		snprintf(fx->name, sizeof fx->name, "%s", arg + used);
	} else if (strcmp(rec, "table") == 0)
		fixture_table(fx, arg);
	else if (strcmp(rec, "lines") == 0)
		fixture_lines(fx, arg);
	else if (strcmp(rec, "end") == 0)
		fixture_cuts(fx);
}

static void fixture_run(struct fixture *fx, FILE *f)
{
	char *rec = NULL;
	size_t cap = 0;
	ssize_t n;

	while ((n = getline(&rec, &cap, f)) > 0) {
		if (rec[n - 1] == '\n')
			rec[n - 1] = '\0';
		if (!fx->have_fmt && strncmp(rec, "python ", 7) != 0 && rec[0] != '#')
			mismatch(fx, "record before the version");
		else if (fx->unit == 0 && (strncmp(rec, "lines ", 6) == 0 ||
					   strncmp(rec, "end", 3) == 0))
			mismatch(fx, "no unit");
		else
			fixture_record(fx, rec);
	}
	free(rec);
}

static void test_fixture(const char *dir, const char *file)
{
	struct fixture fx = { .file = file };
	struct strbuf path;
	FILE *f;

	strbuf_init(&path);
	strbuf_addf(&path, "%s/%s", dir, file);
	f = fopen(path.buf, "r");
	strbuf_release(&path);
	if (!f) {
		ok(0, "%s: cannot open", file);
		return;
	}
	linetable_init(&fx.lt);
	fixture_run(&fx, f);
	fclose(f);
	ok(fx.mismatches == 0 && fx.offsets > 1000 && fx.codes > 50,
	   "%s: %zu offsets (%zu without a line) in %zu code objects, %zu mismatches",
	   file, fx.offsets, fx.no_line, fx.codes, fx.mismatches);
	ok(fx.sw.failures == 0 && fx.sw.checks > fx.codes,
	   "%s: every table cut at every length: %zu checks, %zu failures",
	   file, fx.sw.checks, fx.sw.failures);
	linetable_release(&fx.lt);
	free(fx.table);
}

static int is_fixture(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return strncmp(d->d_name, "linetable-", 10) == 0 && n > 14 &&
	       strcmp(d->d_name + n - 4, ".txt") == 0;
}

static void test_fixtures(void)
{
	const char *top = getenv("top_srcdir");
	struct dirent **list;
	char dir[4096];
	int n;

	snprintf(dir, sizeof dir, "%s/tests/fixtures", top && *top ? top : ".");
	n = scandir(dir, &list, is_fixture, alphasort);
	ok(n > 0, "line-table fixtures found in %s: %d", dir, n);
	for (int i = 0; i < n; i++) {
		test_fixture(dir, list[i]->d_name);
		free(list[i]);
	}
	if (n >= 0)
		free(list);
}

int main(void)
{
	test_lnotab();
	test_lnotab_empty();
	test_pep626();
	test_locations();
	test_locations_malformed();
	test_line_overflow();
	test_fixtures();
	return done_testing();
}
