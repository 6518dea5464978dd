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

/* What a run knows of itself, for the writers that show it. */
struct profile_meta {
	const char *target;	/* "PID 4242", or the command line of -t */
	char python[32];	/* the interpreter's version, "" if not known */
	uint64_t start_us;	/* wall clock at the start, us since the epoch */
	uint64_t duration_us;
	uint64_t interval_us;	/* the sampling interval asked for */
	uint64_t samples;	/* every sample taken: counted, idle and failed */
};

/* One profile, as the writers read it. */
struct profile {
	const struct stacks *st;	/* borrowed; events kept if a writer needs them */
	bool line_numbers;	/* file:function:line, else file:function */
	bool include_idle;	/* write (idle) (false with -x) */
	struct profile_meta meta;
};

/*
 * A writer: how a profile is written in one format. Each returns 0, or
 * -PF_ESYS as above.
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

/* The writer an -o path asks for by its ending; collapsed for any other
 * path and for standard output (NULL). */
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

struct dumpmodel;

/*
 * out_dump_text - the -d text of a dump model (dumpmodel.h): exactly what
 * out_dump writes for the same threads and frames (threads without frames
 * left out), and, when the model holds variables (with_locals), each
 * frame's under it: "    name = repr" a line, "    (variables not
 * readable)" when they could not be read, "    ... N more variables not
 * shown" when some were not looked at. Control characters become '?'.
 */
int out_dump_text(FILE *f, const struct dumpmodel *m);

/*
 * out_dump_json - a dump model as one JSON document, schema version 1
 * (docs/dump-json.md): the process, every thread (those without Python
 * frames too), frames innermost first, variables when the model holds
 * them. Always valid JSON and UTF-8, whatever bytes the names hold.
 */
int out_dump_json(FILE *f, const struct dumpmodel *m);

#endif
