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
 * become '?'. The dump format replaces control characters only; the JSON
 * formats (svg's data, speedscope, chrome) escape them (json.h).
 *
 * Every format counts the same samples per stack: frames are merged as the
 * collapsed format merges them (by their text, render_key()), (idle) and
 * (failed) appear as one-frame stacks of those names, and idle samples are
 * left out with -x.
 */
#ifndef PF_OUTPUT_H
#define PF_OUTPUT_H

#include <stdio.h>

#include "compat.h"
#include "profile.h"
#include "stacks.h"

/*
 * A writer: how a profile is written in one format. Each returns 0, or
 * -PF_ESYS as above (-PF_ESYS too if zlib fails, for pprof).
 */
struct writer {
	const char *name;	/* as --format names it */
	const char *suffix;	/* an -o path ending so picks it; NULL: none */
	bool binary;		/* not for a terminal */
	bool timeline;		/* reads the samples in time order (stacks events) */
	int (*write)(FILE *f, const struct profile *p);
};

/* The writer named `name`, or NULL. */
const struct writer *writer_named(const char *name);

/* The writer an -o path asks for by its ending (".svg", ".speedscope.json",
 * ".pb.gz"); collapsed for any other path and for standard output (NULL). */
const struct writer *writer_for_path(const char *path);

/* Every writer, NULL-terminated, the default (collapsed) first. */
const struct writer *const *writers_all(void);

/*
 * out_collapsed - one line per distinct rendered stack, root first:
 * "file:func:line;...;file:func:line COUNT\n". Stacks that render the same
 * (as with -n, in several threads, or names equal once sanitised) are
 * merged, and stacks counted 0 times are left out. Lines are sorted by
 * descending count, then by the bytes of the whole line (memcmp order).
 * "(idle) N" (only if include_idle) and then "(failed) M" come last, each
 * only when N/M > 0. Nothing at all is written when there is nothing to
 * report.
 */
int out_collapsed(FILE *f, const struct profile *p);

/*
 * out_flamechart - for each chart event in time order: the timestamp line,
 * then the stack root first with every frame followed by ';', or "(idle)" /
 * "(failed)". Idle events are skipped unless include_idle.
 */
int out_flamechart(FILE *f, const struct profile *p);

/*
 * out_svg - a self-contained interactive flame graph (SVG with its script;
 * nothing loaded from elsewhere): the call tree of the stacks, (idle) and
 * (failed) beside them at the root, frames narrower than 1/12000 of the
 * samples merged into their parent (more when the tree is too large), a
 * title and a subtitle from the profile's meta.
 */
int out_svg(FILE *f, const struct profile *p);

/*
 * out_speedscope - speedscope's JSON file format: one "sampled" profile
 * (per thread with per_thread), samples root first in time order, weights
 * in microseconds (the sampling interval each).
 */
int out_speedscope(FILE *f, const struct profile *p);

/*
 * out_chrome - Chrome's trace event format (JSON object form): per thread a
 * track of complete ("X") events, one per run of consecutive samples that
 * share a frame at the same depth; thread and process names as metadata;
 * times in microseconds from the start of the run.
 */
int out_chrome(FILE *f, const struct profile *p);

/*
 * out_pprof - a gzip'd profile.proto: sample types samples/count and
 * wall/nanoseconds, one sample per stack and thread with a "thread" label,
 * locations and functions per frame, one mapping.
 */
int out_pprof(FILE *f, const struct profile *p);

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
