/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pyrepr.c - repr() of ints, floats, strings, bytes and short containers,
 * from bytes copied out of the target (see pyrepr.h for the text).
 */
#include "compat.h"

#include <inttypes.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "le.h"
#include "pyrepr.h"

#define DECIMAL_CHUNK 1000000000u	/* 10^9: nine decimal digits */
#define CHUNKS_MAX (PYREPR_INT_DIGITS * 30 / 29 + 2)
#define DIGITS_MAX (1ull << 40)		/* more digits than any memory holds */

static bool py2(const struct pyrepr_style *st)
{
	return (st->version >> 24) == 2;
}

static unsigned minor_of(const struct pyrepr_style *st)
{
	return (st->version >> 16) & 0xff;
}

static bool has(size_t len, uint32_t off, size_t width)
{
	return off != PYOFF_NONE && (uint64_t)off + width <= len;
}

/* ---------------------------------------------------------------- ints */

int pyrepr_long_size(const struct pyoffsets *o, const uint8_t *obj, size_t len,
		     uint64_t *ndigits, bool *negative)
{
	int64_t v;

	if (!has(len, o->long_size, 8) || !has(len, o->long_digits, 0))
		return pf_fail(PF_EFORMAT, "int object too short");
	v = (int64_t)le_load(obj, o->long_size, 8);
	if (o->long_model == LONG_TAG) {
		unsigned sign = (unsigned)v & 3;	/* bit 2 marks immortal small ints (3.14) */

		*ndigits = (uint64_t)v >> 3;
		*negative = sign == 2;
		if (sign == 3 || (sign == 1) != (*ndigits == 0))
			return pf_fail(PF_EFORMAT, "impossible int tag %#llx", (unsigned long long)v);
	} else {
		if (v == INT64_MIN)
			return pf_fail(PF_EFORMAT, "impossible int size");
		*negative = v < 0;
		*ndigits = (uint64_t)(v < 0 ? -v : v);
	}
	if (*ndigits >= DIGITS_MAX)
		return pf_fail(PF_EFORMAT, "impossible int size %llu", (unsigned long long)*ndigits);
	return 0;
}

/* Divide the little-endian base-2^shift number d[0..*n) by 10^9 in place;
 * the remainder is returned and leading zero digits dropped. */
static uint32_t divide_chunk(uint32_t *d, size_t *n, unsigned shift)
{
	uint64_t rem = 0;

	for (size_t i = *n; i-- > 0;) {
		uint64_t cur = rem << shift | d[i];

		d[i] = (uint32_t)(cur / DECIMAL_CHUNK);
		rem = cur % DECIMAL_CHUNK;
	}
	while (*n && !d[*n - 1])
		(*n)--;
	return (uint32_t)rem;
}

/* The decimal digits of d[0..n) (n <= PYREPR_INT_DIGITS), most significant
 * first, into out (9 * CHUNKS_MAX bytes); their count. */
static size_t long_decimal(uint32_t *d, size_t n, unsigned shift, char *out)
{
	uint32_t chunks[CHUNKS_MAX];
	size_t nc = 0;
	char *p;

	while (n && !d[n - 1])
		n--;
	do
		chunks[nc++] = divide_chunk(d, &n, shift);
	while (n && nc < CHUNKS_MAX);
	p = put_u64(out, chunks[nc - 1]);
	while (nc-- > 1) {
		for (int i = 8; i >= 0; i--, chunks[nc - 1] /= 10)
			p[i] = (char)('0' + chunks[nc - 1] % 10);
		p += 9;
	}
	return (size_t)(p - out);
}

/* The sign, then `len` decimal digits cut to the width. */
static void add_digits(const struct pyrepr_style *st, bool negative, const char *digits,
		       size_t len, const char *suffix, struct strbuf *out)
{
	if (negative)
		strbuf_addch(out, '-');
	if (len <= st->width) {
		strbuf_add(out, digits, len);
		strbuf_addstr(out, suffix);
		return;
	}
	strbuf_add(out, digits, st->width);
	strbuf_addf(out, "... (%zu digits)", len);
}

void pyrepr_long_bits(uint64_t ndigits, uint32_t top, unsigned shift, bool negative,
		      struct strbuf *out)
{
	uint64_t bits = ndigits ? (ndigits - 1) * shift : 0;

	for (; top; top >>= 1)
		bits++;
	strbuf_addf(out, "<%sint of %llu bits>", negative ? "negative " : "", (unsigned long long)bits);
}

int pyrepr_long(const struct pyoffsets *o, const struct pyrepr_style *st, const uint8_t *obj,
		size_t len, struct strbuf *out)
{
	uint32_t d[PYREPR_INT_DIGITS];
	char text[9 * CHUNKS_MAX];
	uint64_t n;
	bool negative;
	int rc;

	if ((rc = pyrepr_long_size(o, obj, len, &n, &negative)) < 0)
		return rc;
	if (n > PYREPR_INT_DIGITS)
		return pf_fail(PF_ELIMIT, "int of %llu digits", (unsigned long long)n);
	if (!has(len, o->long_digits, 4 * n))
		return pf_fail(PF_EFORMAT, "int digits past the copy");
	for (uint64_t i = 0; i < n; i++) {
		memcpy(&d[i], obj + o->long_digits + 4 * i, 4);
		if (d[i] >> o->long_shift)
			return pf_fail(PF_EFORMAT, "int digit %#x too wide", d[i]);
	}
	add_digits(st, negative, text, long_decimal(d, (size_t)n, o->long_shift, text),
		   py2(st) ? "L" : "", out);
	return 0;
}

int pyrepr_int27(const struct pyoffsets *o, const uint8_t *obj, size_t len, struct strbuf *out)
{
	int64_t v;

	if (!has(len, o->int27_value, 8))
		return pf_fail(PF_EFORMAT, "int object too short");
	v = (int64_t)le_load(obj, o->int27_value, 8);
	if (v < 0)
		strbuf_addch(out, '-');
	strbuf_addu(out, v < 0 ? -(uint64_t)v : (uint64_t)v);
	return 0;
}

/* -------------------------------------------------------------- floats */

/* The significant digits of "%.*e" text and its decimal exponent. */
static size_t sci_parts(const char *sci, char *digits, int *exp10)
{
	size_t n = 0;
	const char *p = sci;

	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9')
			digits[n++] = *p;
	*exp10 = *p ? atoi(p + 1) : 0;
	digits[n] = '\0';
	return n;
}

/* Whether digits[0..n) x 10^(exp10 - n + 1) reads back as v. */
static bool reads_back(const char *digits, size_t n, int exp10, double v)
{
	char buf[48], *p = buf;
	int e = exp10 - (int)n + 1;

	memcpy(p, digits, n);
	p += n;
	*p++ = 'e';
	if (e < 0)
		*p++ = '-';
	p = put_u64(p, (uint64_t)(e < 0 ? -e : e));
	*p = '\0';
	return strtod(buf, NULL) == v;
}

/* Step the n-digit decimal digits (x 10^exp10) by one unit in its last place. */
static bool step_digits(char *digits, size_t n, int *exp10, int dir)
{
	size_t i = n;

	while (i-- > 0) {
		if (dir > 0 && digits[i] < '9') {
			digits[i]++;
			return true;
		}
		if (dir < 0 && digits[i] > '0') {
			digits[i]--;
			return digits[0] != '0';	/* a leading zero: fewer digits */
		}
		digits[i] = dir > 0 ? '0' : '9';
	}
	if (dir < 0)
		return false;
	memmove(digits + 1, digits, n);	/* 999 + 1: 1000, one more in the exponent */
	digits[0] = '1';
	digits[n] = '\0';
	(*exp10)++;
	return true;
}

/*
 * v's p (< 17) significant digits correctly rounded, from d17, its 17
 * correctly rounded ones (exponent e17); from printf when those end on the
 * tie ("5", then zeros) that rounding twice cannot settle.
 */
static size_t rounded(double v, size_t p, const char *d17, int e17, char *digits, int *exp10)
{
	char sci[64];
	bool tie = d17[p] == '5';

	for (size_t i = p + 1; i < 17 && tie; i++)
		tie = d17[i] == '0';
	if (tie) {
		snprintf(sci, sizeof sci, "%.*e", (int)p - 1, v);
		return sci_parts(sci, digits, exp10);
	}
	memcpy(digits, d17, p);
	digits[p] = '\0';
	*exp10 = e17;
	if (d17[p] >= '5')
		step_digits(digits, p, exp10, 1);
	return p;
}

/*
 * The p significant digits (correctly rounded, else their neighbour below
 * or above: the interval that reads back as v is not centred on v at powers
 * of two) that read back as v, if any; their count, or 0.
 */
static size_t digits_of(double v, size_t p, const char *d17, int e17, char *digits, int *exp10)
{
	char alt[32];
	size_t n = rounded(v, p, d17, e17, digits, exp10);

	if (reads_back(digits, n, *exp10, v))
		return n;
	for (int dir = -1; dir <= 1; dir += 2) {
		int e = *exp10;

		memcpy(alt, digits, n + 1);
		if (step_digits(alt, n, &e, dir) && reads_back(alt, n, e, v)) {
			memcpy(digits, alt, n + 1);
			*exp10 = e;
			return n;
		}
	}
	return 0;
}

/*
 * The shortest digits that read back as v (finite, > 0), from its 17
 * correctly rounded digits, which always do. If at most 15 digits do, they
 * are the 15 correctly rounded ones without their trailing zeros: a normal
 * double's neighbours lie closer than half a unit of the 15th digit, so no
 * other 15-digit decimal reads back. Otherwise 16 digits (rounded, or a
 * neighbour) or the 17. A subnormal has fewer significant bits: its digits
 * are sought one count at a time.
 */
static size_t shortest(double v, char *digits, int *exp10)
{
	char sci[64], d17[32];
	int e17;
	size_t n = 0;

	snprintf(sci, sizeof sci, "%.16e", v);
	if (sci_parts(sci, d17, &e17) != 17)
		PF_BUG("%%.16e gave other than 17 digits");
	for (size_t p = 1; v < DBL_MIN && p < 17 && !n; p++)
		n = digits_of(v, p, d17, e17, digits, exp10);
	if (!n && v >= DBL_MIN) {
		n = rounded(v, 15, d17, e17, digits, exp10);
		if (reads_back(digits, n, *exp10, v)) {
			while (n > 1 && digits[n - 1] == '0')
				digits[--n] = '\0';
			return n;
		}
		n = digits_of(v, 16, d17, e17, digits, exp10);
	}
	if (n)
		return n;
	memcpy(digits, d17, 18);
	*exp10 = e17;
	return 17;
}

/* repr's layout: positional while the point lies within -4 < decpt <= 16. */
static void place_point(const char *digits, size_t n, int exp10, struct strbuf *out)
{
	int decpt = exp10 + 1;

	if (decpt <= -4 || decpt > 16) {
		strbuf_addch(out, digits[0]);
		if (n > 1) {
			strbuf_addch(out, '.');
			strbuf_add(out, digits + 1, n - 1);
		}
		strbuf_addf(out, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
	} else if (decpt <= 0) {
		strbuf_addstr(out, "0.");
		for (int i = decpt; i < 0; i++)
			strbuf_addch(out, '0');
		strbuf_add(out, digits, n);
	} else if ((size_t)decpt >= n) {
		strbuf_add(out, digits, n);
		for (size_t i = n; i < (size_t)decpt; i++)
			strbuf_addch(out, '0');
		strbuf_addstr(out, ".0");
	} else {
		strbuf_add(out, digits, (size_t)decpt);
		strbuf_addch(out, '.');
		strbuf_add(out, digits + decpt, n - (size_t)decpt);
	}
}

void pyrepr_double(double v, struct strbuf *out)
{
	char digits[32];
	int exp10;
	size_t n;

	if (isnan(v)) {
		strbuf_addstr(out, "nan");
		return;
	}
	if (signbit(v))
		strbuf_addch(out, '-');
	v = fabs(v);
	if (isinf(v)) {
		strbuf_addstr(out, "inf");
		return;
	}
	if (v == 0) {
		strbuf_addstr(out, "0.0");
		return;
	}
	n = shortest(v, digits, &exp10);
	place_point(digits, n, exp10, out);
}

int pyrepr_float(const struct pyoffsets *o, const uint8_t *obj, size_t len, struct strbuf *out)
{
	double v;

	if (!has(len, o->float_value, sizeof v))
		return pf_fail(PF_EFORMAT, "float object too short");
	memcpy(&v, obj + o->float_value, sizeof v);
	pyrepr_double(v, out);
	return 0;
}

/* ------------------------------------------------------ str and bytes */

static void add_utf8(uint32_t c, struct strbuf *out)
{
	char b[4];

	if (c < 0x80) {
		strbuf_addch(out, (char)c);
		return;
	}
	if (c < 0x800) {
		b[0] = (char)(0xc0 | c >> 6);
		b[1] = (char)(0x80 | (c & 0x3f));
		strbuf_add(out, b, 2);
	} else if (c < 0x10000) {
		b[0] = (char)(0xe0 | c >> 12);
		b[1] = (char)(0x80 | (c >> 6 & 0x3f));
		b[2] = (char)(0x80 | (c & 0x3f));
		strbuf_add(out, b, 3);
	} else {
		b[0] = (char)(0xf0 | c >> 18);
		b[1] = (char)(0x80 | (c >> 12 & 0x3f));
		b[2] = (char)(0x80 | (c >> 6 & 0x3f));
		b[3] = (char)(0x80 | (c & 0x3f));
		strbuf_add(out, b, 4);
	}
}

/* The escape repr() gives a character outside printable ASCII. */
static void add_escape(uint32_t c, struct strbuf *out)
{
	if (c <= 0xff)
		strbuf_addf(out, "\\x%02" PRIx32, c);
	else if (c <= 0xffff)
		strbuf_addf(out, "\\u%04" PRIx32, c);
	else
		strbuf_addf(out, "\\U%08" PRIx32, c);
}

/* One character of a quoted repr; `wide`: a str (not bytes) of Python 3,
 * whose printable non-ASCII characters stay as they are. */
static void add_char(uint32_t c, char quote, bool wide, unsigned minor, struct strbuf *out)
{
	if (c == (uint32_t)quote || c == '\\') {
		strbuf_addch(out, '\\');
		strbuf_addch(out, (char)c);
	} else if (c == '\t') {
		strbuf_addstr(out, "\\t");
	} else if (c == '\n') {
		strbuf_addstr(out, "\\n");
	} else if (c == '\r') {
		strbuf_addstr(out, "\\r");
	} else if (c >= ' ' && c < 0x7f) {
		strbuf_addch(out, (char)c);
	} else if (wide && c > 0x7f && c <= 0x10ffff && pyrepr_printable(c, minor)) {
		add_utf8(c, out);
	} else {
		add_escape(c, out);
	}
}

static uint32_t code_point(const uint8_t *data, unsigned kind, size_t i)
{
	uint32_t c = 0;

	memcpy(&c, data + i * kind, kind);	/* little-endian */
	return c;
}

/* repr's quote: ' unless the text has ' and no ". */
static char choose_quote(const uint8_t *data, unsigned kind, size_t n)
{
	bool squote = false, dquote = false;

	if (kind == 1)
		return memchr(data, '\'', n) && !memchr(data, '"', n) ? '"' : '\'';
	for (size_t i = 0; i < n; i++) {
		uint32_t c = code_point(data, kind, i);

		squote |= c == '\'';
		dquote |= c == '"';
	}
	return squote && !dquote ? '"' : '\'';
}

/* How many of the bytes data[0..n) from the first are printable ASCII that
 * repr() leaves as they are (no quote, no backslash). */
static size_t plain_run(const uint8_t *data, size_t n, char quote)
{
	size_t i = 0;

	while (i < n && data[i] >= ' ' && data[i] < 0x7f && data[i] != (uint8_t)quote &&
	       data[i] != '\\')
		i++;
	return i;
}

/* Quoted characters data[0..n) (kind bytes each), then the cut marker. */
static void add_quoted(const char *prefix, const uint8_t *data, unsigned kind, size_t n,
		       uint64_t total, bool wide, unsigned minor, const char *unit,
		       struct strbuf *out)
{
	char quote = choose_quote(data, kind, n);

	strbuf_addstr(out, prefix);
	strbuf_addch(out, quote);
	for (size_t i = 0; i < n; i++) {
		size_t run = kind == 1 ? plain_run(data + i, n - i, quote) : 0;

		if (run) {
			strbuf_add(out, data + i, run);
			i += run - 1;
		} else {
			add_char(code_point(data, kind, i), quote, wide, minor, out);
		}
	}
	strbuf_addch(out, quote);
	if (total > n)
		strbuf_addf(out, "... (%llu %s)", (unsigned long long)total, unit);
}

int pyrepr_str(const struct pyrepr_style *st, unsigned kind, const uint8_t *data, size_t len,
	       uint64_t total, struct strbuf *out)
{
	size_t n;

	if ((kind != 1 && kind != 2 && kind != 4) || len % kind)
		return pf_fail(PF_EFORMAT, "bad str payload (kind %u, %zu bytes)", kind, len);
	n = len / kind;
	if (n > st->width)
		n = st->width;
	if (total < n)
		total = n;
	add_quoted(py2(st) ? "u" : "", data, kind, n, total, !py2(st), minor_of(st), "chars", out);
	return 0;
}

int pyrepr_str_head(const struct pyoffsets *o, const uint8_t *obj, size_t len, uint64_t *length,
		    unsigned *kind, uint32_t *at, bool *indirect)
{
	uint32_t state;
	int64_t n;

	if (!has(len, o->str_length, 8) || !has(len, o->str_state, 4) ||
	    !has(len, o->str_ascii_data, 0))
		return pf_fail(PF_EFORMAT, "str object too short");
	n = (int64_t)le_load(obj, o->str_length, 8);
	memcpy(&state, obj + o->str_state, 4);
	*kind = state >> o->str_kind_shift & 7;
	if (n < 0 || (*kind != 1 && *kind != 2 && *kind != 4))
		return pf_fail(PF_EFORMAT, "impossible str header");
	*length = (uint64_t)n;
	*indirect = !(state >> o->str_compact_shift & 1);
	if (*indirect)
		*at = o->str_legacy_data;
	else
		*at = state >> o->str_ascii_shift & 1 ? o->str_ascii_data : o->str_compact_data;
	return 0;
}

void pyrepr_bytes(const struct pyrepr_style *st, const uint8_t *data, size_t len, uint64_t total,
		  struct strbuf *out)
{
	size_t n = len < st->width ? len : st->width;

	if (total < n)
		total = n;
	add_quoted(py2(st) ? "" : "b", data, 1, n, total, false, 0, "bytes", out);
}

/* --------------------------------------------------------- containers */

static const char *const container_names[] = {
	[PYREPR_TUPLE] = "tuple", [PYREPR_LIST] = "list", [PYREPR_DICT] = "dict",
	[PYREPR_SET] = "set", [PYREPR_FROZENSET] = "frozenset",
};

/* The items between the brackets: "a, b" or "k: v, k: v". */
static void add_items(enum pyrepr_container kind, const char *const *items, const size_t *ilen,
		      size_t nshown, struct strbuf *out)
{
	size_t step = kind == PYREPR_DICT ? 2 : 1;

	for (size_t i = 0; i < nshown; i++) {
		if (i)
			strbuf_addstr(out, ", ");
		strbuf_add(out, items[step * i], ilen[step * i]);
		if (step == 2) {
			strbuf_addstr(out, ": ");
			strbuf_add(out, items[2 * i + 1], ilen[2 * i + 1]);
		}
	}
}

/* The opening and closing brackets of a whole one, as repr() writes them. */
static void add_bracket(const struct pyrepr_style *st, enum pyrepr_container kind, bool empty,
			bool open, struct strbuf *out)
{
	const char *name = container_names[kind];

	switch (kind) {
	case PYREPR_TUPLE:
		strbuf_addstr(out, open ? "(" : ")");
		return;
	case PYREPR_LIST:
		strbuf_addstr(out, open ? "[" : "]");
		return;
	case PYREPR_DICT:
		strbuf_addstr(out, open ? "{" : "}");
		return;
	default:
		break;
	}
	if (py2(st))		/* set([1, 2]), frozenset([]) */
		strbuf_addf(out, open ? "%s([" : "])", name);
	else if (empty)		/* set(), frozenset() */
		strbuf_addf(out, open ? "%s(" : ")", name);
	else if (kind == PYREPR_SET)	/* {1, 2} */
		strbuf_addstr(out, open ? "{" : "}");
	else			/* frozenset({1, 2}) */
		strbuf_addf(out, open ? "%s({" : "})", name);
}

void pyrepr_container(const struct pyrepr_style *st, enum pyrepr_container kind, uint64_t len,
		      const char *const *items, const size_t *ilen, size_t nshown, bool complete,
		      struct strbuf *out)
{
	const char *open, *close;

	if (complete && nshown == len) {
		add_bracket(st, kind, len == 0, true, out);
		add_items(kind, items, ilen, nshown, out);
		if (kind == PYREPR_TUPLE && len == 1)
			strbuf_addch(out, ',');
		add_bracket(st, kind, len == 0, false, out);
		return;
	}
	strbuf_addf(out, "<%s len=%llu>", container_names[kind], (unsigned long long)len);
	if (!nshown)
		return;
	open = kind == PYREPR_TUPLE ? " (" : kind == PYREPR_LIST ? " [" : " {";
	close = kind == PYREPR_TUPLE ? ")" : kind == PYREPR_LIST ? "]" : "}";
	strbuf_addstr(out, open);
	add_items(kind, items, ilen, nshown, out);
	if (nshown < len)
		strbuf_addstr(out, ", ...");
	strbuf_addstr(out, close);
}

/* ------------------------------------------------------------- others */

/* `v` in lowercase hexadecimal, as "%" PRIx64 writes it. */
static void add_hex(uint64_t v, struct strbuf *out)
{
	char hex[16];
	size_t n = 0;

	do {
		hex[sizeof hex - ++n] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	strbuf_add(out, hex + sizeof hex - n, n);
}

void pyrepr_other(const char *name, size_t len, uint64_t addr, struct strbuf *out)
{
	size_t n = 0;

	strbuf_addch(out, '<');
	for (; n < len && n < PYREPR_NAME_MAX && name[n]; n++) {
		char c = name[n];
		bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			     (c >= '0' && c <= '9') || c == '_' || c == '.';

		strbuf_addch(out, plain ? c : '?');
	}
	if (!n)
		strbuf_addstr(out, "object");
	strbuf_addstr(out, " at 0x");
	add_hex(addr, out);
	strbuf_addch(out, '>');
}
