/* SPDX-License-Identifier: Apache-2.0 */
/*
 * output.h - writers of the aggregated profile. Each takes a FILE * and the
 * data and returns 0, or -PF_ESYS when a write failed (detail recorded,
 * with errno's text, whatever errno was). Each writer flushes `f` at the
 * end and stops at the first failed write; it never closes `f`.
 *
 * Names are written as UTF-8 bytes as interned. In the collapsed and
 * flamechart formats, characters that would break a line for flamegraph.pl
 * are replaced: ';' becomes ':', and control characters (< 0x20, 0x7f)
 * become '?'. The dump format replaces control characters only.
 */
#ifndef PF_OUTPUT_H
#define PF_OUTPUT_H

#include <stdio.h>

#include "compat.h"
#include "stacks.h"

struct out_opts {
	bool line_numbers;	/* file:function:line, else file:function */
	bool include_idle;	/* write (idle) (false with -x) */
};

/*
 * out_collapsed - one line per distinct rendered stack, root first:
 * "file:func:line;...;file:func:line COUNT\n". Stacks that render the same
 * (as with -n, or names equal once sanitised) are merged, and stacks counted
 * 0 times are left out. Lines are sorted by descending count, then by the
 * bytes of the whole line (memcmp order). "(idle) N" (only if include_idle)
 * and then "(failed) M" come last, each only when N/M > 0. Nothing at all is
 * written when there is nothing to report.
 */
int out_collapsed(FILE *f, const struct stacks *st, const struct out_opts *o);

/*
 * out_flamechart - for each chart event in time order: the timestamp line,
 * then the stack root first with every frame followed by ';', or "(idle)" /
 * "(failed)". Idle events are skipped unless include_idle.
 */
int out_flamechart(FILE *f, const struct stacks *st, const struct out_opts *o);

struct dump_thread {
	uint64_t thread_id;	/* PyThreadState.thread_id (pthread_t) */
	bool holds_gil;
	uint32_t stack;		/* stack id; threads without frames are left out */
};

/*
 * out_dump - for each thread: "THREADID[*]:\n", then one frame per line,
 * innermost first, always with line numbers; an empty line between threads,
 * none after the last.
 */
int out_dump(FILE *f, const struct stacks *st, const struct dump_thread *threads, size_t n);

#endif
