/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pyrepr.h - Python's repr() of values whose bytes were already copied out
 * of the target. Pure: no target access; every function takes the bytes
 * and their length and never reads past them, so it can be fuzzed.
 *
 * The text is the target's own repr() for None, bool, int, float, str and
 * bytes (2.7: int, long with its 'L', str and unicode with its 'u'), and
 * for tuples, lists, dicts, sets and frozensets that are short and hold
 * only such values. What is cut is marked:
 *   a str or bytes payload longer than the width: its first `width`
 *     characters (bytes) quoted, then "... (N chars)" ("... (N bytes)");
 *   an int of more than `width` decimal digits: its first `width` digits,
 *     then "... (N digits)"; one of more than PYREPR_INT_DIGITS digits of
 *     30 bits is not converted at all: "<int of N bits>";
 *   a container with more items than shown, or with an item that is not
 *     simple or was cut: "<list len=N>", followed by " [a, b, ...]" with
 *     its first items when those are simple ("{k: v, ...}" for a dict);
 *   any other object: "<TypeName at 0xADDR>".
 * Output is UTF-8: characters repr() leaves as they are (Python 3's
 * printable ones, which depend on the version's Unicode data) are encoded,
 * the others escaped as repr() escapes them.
 */
#ifndef PF_PYREPR_H
#define PF_PYREPR_H

#include "compat.h"
#include "pyoffsets.h"
#include "strbuf.h"

#define PYREPR_INT_DIGITS 600	/* 30-bit digits converted: ~5400 decimal digits */
#define PYREPR_ITEMS 5		/* first items of a container shown */
#define PYREPR_NAME_MAX 64	/* bytes of a type name kept */

/* How the target spells things: its version (2.x reprs, Unicode data), and
 * how many characters of a payload are shown. */
struct pyrepr_style {
	uint32_t version;	/* PY_VERSION_HEX */
	unsigned width;		/* >= 1 */
};

/*
 * pyrepr_long_size - the digit count and sign of the int whose first `len`
 * bytes (at least through o->long_digits) are `obj`, as o->long_model
 * keeps them. -PF_EFORMAT if `obj` is too short or the header impossible
 * (3.12+: a zero with digits, an unknown sign).
 */
int pyrepr_long_size(const struct pyoffsets *o, const uint8_t *obj, size_t len,
		     uint64_t *ndigits, bool *negative);

/*
 * pyrepr_long - append the repr of the int (2.7: long, with its 'L') in
 * obj[0..len), header and digits. -PF_ELIMIT for more than
 * PYREPR_INT_DIGITS digits (see pyrepr_long_bits); -PF_EFORMAT if a digit
 * lies past `len` or does not fit o->long_shift bits.
 */
int pyrepr_long(const struct pyoffsets *o, const struct pyrepr_style *st, const uint8_t *obj,
		size_t len, struct strbuf *out);

/* pyrepr_long_bits - "<int of N bits>" ("<negative int of N bits>") for an
 * int of `ndigits` digits of `shift` bits, the most significant `top`. */
void pyrepr_long_bits(uint64_t ndigits, uint32_t top, unsigned shift, bool negative,
		      struct strbuf *out);

/* pyrepr_int27 - a 2.7 int: its C long at o->int27_value. -PF_EFORMAT if short. */
int pyrepr_int27(const struct pyoffsets *o, const uint8_t *obj, size_t len, struct strbuf *out);

/* pyrepr_double - the shortest text that reads back as `v`, formatted as
 * repr(float) does: "1.0", "1e+16", "1e-05", "-0.0", "inf", "nan". */
void pyrepr_double(double v, struct strbuf *out);

/* pyrepr_float - the float whose ob_fval is at o->float_value. -PF_EFORMAT if short. */
int pyrepr_float(const struct pyoffsets *o, const uint8_t *obj, size_t len, struct strbuf *out);

/*
 * pyrepr_str - a str (2.7: unicode, with its 'u'): `data` holds its first
 * len / kind code points, little-endian, `kind` bytes each (1, 2 or 4);
 * `total` is its length in code points. At most st->width are shown.
 * -PF_EFORMAT for a bad kind or a length not a multiple of it.
 */
int pyrepr_str(const struct pyrepr_style *st, unsigned kind, const uint8_t *data, size_t len,
	       uint64_t total, struct strbuf *out);

/*
 * pyrepr_str_head - where the PEP 393 str whose first `len` bytes are `obj`
 * keeps its characters: its length in code points, its kind, and either
 * their offset in the object (compact strings) or, with *indirect, the
 * offset of the pointer to them. -PF_EFORMAT if `obj` is shorter than
 * o->str_ascii_data or the header impossible (a bad kind, a negative
 * length).
 */
int pyrepr_str_head(const struct pyoffsets *o, const uint8_t *obj, size_t len, uint64_t *length,
		    unsigned *kind, uint32_t *at, bool *indirect);

/* pyrepr_bytes - bytes (2.7: str, without the 'b'): its first `len` bytes of
 * `total`, at most st->width shown. Never fails. */
void pyrepr_bytes(const struct pyrepr_style *st, const uint8_t *data, size_t len, uint64_t total,
		  struct strbuf *out);

enum pyrepr_container { PYREPR_TUPLE, PYREPR_LIST, PYREPR_DICT, PYREPR_SET, PYREPR_FROZENSET };

/*
 * pyrepr_container - a container of `len` items whose first `nshown` are
 * given as reprs in `items` (for a dict, 2 * nshown: key, value, key, ...),
 * each items[i] of ilen[i] bytes. `complete`: every item is shown, simple
 * and uncut, so the exact repr is written; else the "<list len=N>" form.
 */
void pyrepr_container(const struct pyrepr_style *st, enum pyrepr_container kind, uint64_t len,
		      const char *const *items, const size_t *ilen, size_t nshown, bool complete,
		      struct strbuf *out);

/* pyrepr_other - "<Name at 0xADDR>": the type's name (bytes up to the
 * first NUL of name[0..len), at most PYREPR_NAME_MAX; characters other than
 * letters, digits, '_' and '.' become '?'; "object" if it is empty). */
void pyrepr_other(const char *name, size_t len, uint64_t addr, struct strbuf *out);

/* Whether repr() of Python 3.`minor` shows code point `cp` as it is
 * (str.isprintable(); pyprintable.c, generated). */
bool pyrepr_printable(uint32_t cp, unsigned minor);

#endif
