/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linetable.h - pure decoders from a bytecode offset to a source line.
 *
 * Every decoder takes the table as bytes already copied out of the target,
 * with an explicit length, and never reads outside table[0..len). A torn or
 * truncated table is -PF_EFORMAT, never a crash or a read past the end.
 * Nothing here touches the target process.
 */
#ifndef PF_LINETABLE_H
#define PF_LINETABLE_H

#include "compat.h"

enum linetable_format {
	LT_LNOTAB,		/* 2.7: (addr step, unsigned line step) pairs */
	LT_LNOTAB_SIGNED,	/* 3.6 - 3.9: line steps signed */
	LT_LINETABLE_310,	/* 3.10: PEP 626 (length, signed delta) pairs */
	LT_LOCATIONS,		/* 3.11+: the location table */
};

#define LINETABLE_NO_LINE (-1)	/* the instruction has no line number */

/*
 * linetable_line - the line of the instruction at byte offset `addr` of the
 * bytecode, for a code object whose first line is `firstlineno`.
 * `addr` < 0 (a frame not started yet) gives firstlineno. The result may be
 * LINETABLE_NO_LINE: 3.10+ ranges without a line, or (3.10+) `addr` past the
 * end of the table. An lnotab does not know where the bytecode ends, so past
 * its last entry the last line holds.
 * Returns 0, or -PF_EFORMAT if the table ends inside an entry that must be
 * read to reach `addr`, if a 3.11+ entry is malformed (a header byte without
 * bit 7, an extra byte with it, an oversized varint), or if the line leaves
 * the range of an int.
 */
int linetable_line(enum linetable_format fmt, const uint8_t *table, size_t len,
		   int firstlineno, int64_t addr, int *line);

/*
 * The whole table decoded once, for code objects seen again and again:
 * sorted, disjoint, non-empty byte ranges [start, end), adjacent ranges with
 * equal lines merged. The last range of an lnotab ends at UINT64_MAX.
 */
struct linetable_range {
	uint64_t start;
	uint64_t end;
	int line;		/* or LINETABLE_NO_LINE */
};

struct linetable {
	struct linetable_range *ranges;	/* owned; NULL when count == 0 */
	size_t count;
	int firstlineno;
};

/* Prepare an empty table; never allocates. */
void linetable_init(struct linetable *lt);

/*
 * linetable_decode - decode all of `table` into `lt` (released first).
 * Returns 0, or -PF_EFORMAT for any malformation linetable_line() reports,
 * anywhere in the table; then `lt` is left empty.
 */
int linetable_decode(struct linetable *lt, enum linetable_format fmt,
		     const uint8_t *table, size_t len, int firstlineno);

/*
 * linetable_lookup - the line at `addr` in a decoded table, by binary search:
 * the same answer linetable_line() gives for a table it decodes in full.
 */
int linetable_lookup(const struct linetable *lt, int64_t addr);

/* Free the ranges and leave `lt` empty and re-usable. */
void linetable_release(struct linetable *lt);

#endif
