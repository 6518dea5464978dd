/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linetable.c - bytecode offset -> source line, for every line-table format
 * from the 2.7 lnotab to the 3.11+ location table. Pure and bounds-checked.
 */
#include "compat.h"

#include <limits.h>
#include <stdlib.h>

#include "err.h"
#include "linetable.h"
#include "xalloc.h"

/* A bounded view of bytes; every read checks the end first. */
struct span {
	const uint8_t *at;
	const uint8_t *stop;
};

static bool span_empty(const struct span *s)
{
	return s->at >= s->stop;
}

static int span_byte(struct span *s, uint8_t *out)
{
	if (span_empty(s)) {
		*out = 0;	/* unused, but flow analysis cannot tell */
		return pf_fail(PF_EFORMAT, "line table ends early");
	}
	*out = *s->at++;
	return 0;
}

/*
 * Walks a table one address range at a time. `line` is the running line
 * accumulator, `pc` the byte offset where the next range starts.
 */
struct lt_iter {
	struct span s;
	enum linetable_format fmt;
	int64_t line;
	uint64_t pc;
	uint8_t step;		/* lnotab: the address step of a half-read pair */
	bool pending;		/* lnotab: that pair's line step is still unread */
	bool done;		/* lnotab: the open last range was returned */
};

static void iter_init(struct lt_iter *it, enum linetable_format fmt,
		      const uint8_t *table, size_t len, int firstlineno)
{
	it->s.at = table;
	it->s.stop = len ? table + len : table;	/* no arithmetic on NULL */
	it->fmt = fmt;
	it->line = firstlineno;
	it->pc = 0;
	it->step = 0;
	it->pending = false;
	it->done = false;
}

/* Deltas are at most 42 bits (see uvarint), so the sum cannot overflow. */
static int add_line(struct lt_iter *it, int64_t delta)
{
	int64_t line = it->line + delta;

	if (line < INT_MIN || line > INT_MAX)
		return pf_fail(PF_EFORMAT, "line table: line number out of range");
	it->line = line;
	return 0;
}

static int signed_byte(uint8_t b)
{
	return b < 128 ? b : (int)b - 256;
}

/* Apply the line step of the pair whose address step was already read. */
static int lnotab_finish_pair(struct lt_iter *it)
{
	uint8_t l;
	int rc;

	if ((rc = span_byte(&it->s, &l)) < 0)
		return rc;
	it->pending = false;
	it->pc += it->step;
	/* 2.7 line steps are unsigned; signed from 3.6 on */
	return add_line(it, it->fmt == LT_LNOTAB ? l : signed_byte(l));
}

/*
 * lnotab (2.7 - 3.9): pair i moves the address by a_i and then, for every
 * offset from there on, the line by l_i. So the range before pair i is
 * [pc, pc + a_i) with the line so far; it is known before l_i is read, and
 * past the last pair the last line holds for ever.
 */
static int lnotab_next(struct lt_iter *it, struct linetable_range *r)
{
	int rc;

	if (it->pending && (rc = lnotab_finish_pair(it)) < 0)
		return rc;
	r->start = it->pc;
	r->line = (int)it->line;
	if (span_empty(&it->s)) {
		if (it->done)
			return 0;
		it->done = true;
		r->end = UINT64_MAX;
		return 1;
	}
	if ((rc = span_byte(&it->s, &it->step)) < 0)
		return rc;
	it->pending = true;
	r->end = it->pc + it->step;
	return 1;
}

/*
 * 3.10 (PEP 626): (byte length, signed line delta) pairs. A delta of -128
 * marks a range without a line and leaves the accumulator alone; zero-length
 * pairs still carry line changes too large for one byte.
 */
static int pep626_next(struct lt_iter *it, struct linetable_range *r)
{
	uint8_t n, d;
	int rc;

	if (span_empty(&it->s))
		return 0;
	if ((rc = span_byte(&it->s, &n)) < 0 || (rc = span_byte(&it->s, &d)) < 0)
		return rc;
	r->start = it->pc;
	it->pc += n;
	r->end = it->pc;
	if (d == 0x80) {
		r->line = LINETABLE_NO_LINE;
		return 1;
	}
	if ((rc = add_line(it, signed_byte(d))) < 0)
		return rc;
	r->line = (int)it->line;
	return 1;
}

/* A byte after a location entry's header: bit 7 is never set in one. */
static int extra_byte(struct span *s, uint8_t *out)
{
	int rc;

	if ((rc = span_byte(s, out)) < 0)
		return rc;
	if (*out & 0x80)
		return pf_fail(PF_EFORMAT, "location table entry cut short");
	return 0;
}

/* 6-bit chunks, least significant first, 0x40 = more follow. */
static int uvarint(struct span *s, uint64_t *out)
{
	uint64_t val = 0;
	unsigned shift = 0;
	uint8_t b;
	int rc;

	do {
		if ((rc = extra_byte(s, &b)) < 0)
			return rc;
		if (shift > 36)
			return pf_fail(PF_EFORMAT, "location table: varint too long");
		val |= (uint64_t)(b & 0x3f) << shift;
		shift += 6;
	} while (b & 0x40);
	*out = val;
	return 0;
}

/* The sign is the lowest bit of the unsigned value. */
static int svarint(struct span *s, int64_t *out)
{
	uint64_t u;
	int rc;

	if ((rc = uvarint(s, &u)) < 0)
		return rc;
	*out = (u & 1) ? -(int64_t)(u >> 1) : (int64_t)(u >> 1);
	return 0;
}

static int skip_extra(struct span *s, unsigned n)
{
	uint8_t b;
	int rc;

	while (n--)
		if ((rc = extra_byte(s, &b)) < 0)
			return rc;
	return 0;
}

/*
 * The bytes that follow a header with this code (pycore_code.h, 3.11 to 3.15:
 * enum _PyCodeLocationInfoKind), read or skipped, giving the line delta.
 */
static int location_extras(struct span *s, unsigned code, int64_t *delta)
{
	uint64_t skip;
	int rc;

	*delta = 0;
	switch (code) {
	case 15:		/* no location */
		return 0;
	case 14:		/* long: line, end line, column + 1, end column + 1 */
		if ((rc = svarint(s, delta)) < 0)
			return rc;
		for (int i = 0; i < 3; i++)
			if ((rc = uvarint(s, &skip)) < 0)
				return rc;
		return 0;
	case 13:		/* no columns */
		return svarint(s, delta);
	case 10: case 11: case 12:	/* one line, two column bytes */
		*delta = code - 10;
		return skip_extra(s, 2);
	default:		/* short forms: one column byte, same line */
		return skip_extra(s, 1);
	}
}

/* 3.11+: header 1|code:4|units-1:3, then extras; units are 2 bytes each. */
static int locations_next(struct lt_iter *it, struct linetable_range *r)
{
	int64_t delta;
	unsigned code;
	uint8_t h;
	int rc;

	if (span_empty(&it->s))
		return 0;
	if ((rc = span_byte(&it->s, &h)) < 0)
		return rc;
	if (!(h & 0x80))
		return pf_fail(PF_EFORMAT, "location table: entry without a header byte");
	code = (h >> 3) & 15;
	if ((rc = location_extras(&it->s, code, &delta)) < 0 ||
	    (rc = add_line(it, delta)) < 0)
		return rc;
	r->start = it->pc;
	it->pc += 2 * ((h & 7) + 1);
	r->end = it->pc;
	r->line = code == 15 ? LINETABLE_NO_LINE : (int)it->line;
	return 1;
}

/* The next range: 1 with *r filled, 0 past the end, or -PF_EFORMAT. */
static int lt_next(struct lt_iter *it, struct linetable_range *r)
{
	switch (it->fmt) {
	case LT_LNOTAB:
	case LT_LNOTAB_SIGNED:
		return lnotab_next(it, r);
	case LT_LINETABLE_310:
		return pep626_next(it, r);
	case LT_LOCATIONS:
		return locations_next(it, r);
	}
	PF_BUG("unknown line table format");
}

int linetable_line(enum linetable_format fmt, const uint8_t *table, size_t len,
		   int firstlineno, int64_t addr, int *line)
{
	struct linetable_range r;
	struct lt_iter it;
	int rc;

	if (addr < 0) {
		*line = firstlineno;
		return 0;
	}
	iter_init(&it, fmt, table, len, firstlineno);
	while ((rc = lt_next(&it, &r)) > 0) {
		if ((uint64_t)addr >= r.start && (uint64_t)addr < r.end) {
			*line = r.line;
			return 0;
		}
	}
	if (rc < 0)
		return rc;
	*line = LINETABLE_NO_LINE;
	return 0;
}

void linetable_init(struct linetable *lt)
{
	lt->ranges = NULL;
	lt->count = 0;
	lt->firstlineno = 0;
}

void linetable_release(struct linetable *lt)
{
	free(lt->ranges);
	lt->ranges = NULL;
	lt->count = 0;
}

/* Append a range, dropping empty ones and merging equal neighbours. */
static void push_range(struct linetable *lt, size_t *cap,
		       const struct linetable_range *r)
{
	struct linetable_range *last;

	if (r->start == r->end)
		return;
	last = lt->count ? &lt->ranges[lt->count - 1] : NULL;
	if (last && last->line == r->line && last->end == r->start) {
		last->end = r->end;
		return;
	}
	XGROW(lt->ranges, *cap, lt->count + 1);
	lt->ranges[lt->count++] = *r;
}

int linetable_decode(struct linetable *lt, enum linetable_format fmt,
		     const uint8_t *table, size_t len, int firstlineno)
{
	struct linetable_range r;
	struct lt_iter it;
	size_t cap = 0;
	int rc;

	linetable_release(lt);
	lt->firstlineno = firstlineno;
	iter_init(&it, fmt, table, len, firstlineno);
	while ((rc = lt_next(&it, &r)) > 0)
		push_range(lt, &cap, &r);
	if (rc < 0)
		linetable_release(lt);
	return rc;
}

int linetable_lookup(const struct linetable *lt, int64_t addr)
{
	size_t lo = 0, hi = lt->count;

	if (addr < 0)
		return lt->firstlineno;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct linetable_range *r = &lt->ranges[mid];

		if ((uint64_t)addr < r->start)
			hi = mid;
		else if ((uint64_t)addr >= r->end)
			lo = mid + 1;
		else
			return r->line;
	}
	return LINETABLE_NO_LINE;
}
