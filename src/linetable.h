/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linetable.h - pure decoders from a bytecode offset to a source line.
 *
 * Every decoder takes the table as bytes already copied out of the target,
 * with an explicit length, and never reads outside table[0..len). A torn or
 * truncated table is -PF_EFORMAT, never a crash or a read past the end.
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
 * LINETABLE_NO_LINE (3.10+ ranges without a line, or addr past the table).
 * Returns 0, or -PF_EFORMAT if the table ends inside an entry that must be
 * read to reach `addr`.
 */
int linetable_line(enum linetable_format fmt, const uint8_t *table, size_t len,
		   int firstlineno, int64_t addr, int *line);

#endif
