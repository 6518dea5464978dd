/* SPDX-License-Identifier: Apache-2.0 */
/*
 * toptable.h - what the --top view counts and shows, apart from the
 * terminal: for each function, the samples in which it was running (own)
 * and those in which it was anywhere on the stack (total, once per stack
 * however deep the recursion), in the interval being counted, in the last
 * one closed, and since the start; the sampling rate reached, the share of
 * samples with the GIL held, idle or failed, the threads and processes
 * seen; and the text of the table, sorted by own or total. Pure: no
 * target, no terminal, no clock (times are passed in).
 *
 * A function is a frame id of a borrowed struct stacks (file, function,
 * line), or, without line numbers, a file and function. Percentages are of
 * samples, as top's are of one CPU: a function running in two threads in
 * every sample shows 200 %. With exclude_idle, idle samples count in
 * no denominator. Adding a stack costs O(depth) with no allocation once
 * the function is known.
 */
#ifndef PF_TOPTABLE_H
#define PF_TOPTABLE_H

#include "compat.h"
#include "stacks.h"
#include "strbuf.h"

enum top_sort { TOP_SORT_OWN, TOP_SORT_TOTAL };
enum top_span { TOP_SPAN_LAST, TOP_SPAN_ALL };	/* the last interval closed, or since the start */
enum top_outcome { TOP_SAMPLE_STACKS, TOP_SAMPLE_IDLE, TOP_SAMPLE_FAILED };

/* Samples of a span and what they were. */
struct top_counts {
	uint64_t samples, idle, failed, gil;
	uint64_t ns;		/* wall time the span covers */
	uint32_t threads, processes;	/* distinct ones seen */
};

/* Own and total samples of one function: in the interval being counted,
 * in the last one closed, since the start. */
struct top_entry {
	uint32_t frame;		/* the frame id that names it */
	uint32_t stamp;		/* the stack that last counted it in total */
	uint64_t own[3], total[3];	/* [counting, last, all] */
};

struct top_row {
	uint32_t entry;
	uint64_t own, total;
};

struct toptable {
	const struct stacks *st;	/* borrowed */
	bool line_numbers;
	bool exclude_idle;
	uint32_t *entry_of;	/* frame id -> entry + 1, 0 = not met yet */
	size_t entry_of_cap;
	struct top_entry *entries;
	size_t nentries, entries_cap;
	uint32_t *group;	/* without line numbers: (file, name) hash index */
	size_t group_mask;
	uint32_t stamp;
	bool sample_gil;	/* a stack of the sample being added held the GIL */
	struct top_counts counts[3];	/* [counting, last, all] */
	uint32_t *seen;		/* origin id -> interval it was last seen in + 1 */
	size_t seen_cap;
	int32_t *seen_pids;	/* processes of the counting interval */
	size_t npids, pids_cap;
	uint32_t interval;	/* intervals closed */
	uint64_t interval_start_ns, start_ns;
};

void toptable_init(struct toptable *t, const struct stacks *st, bool line_numbers,
		   bool exclude_idle, uint64_t now_ns);
void toptable_release(struct toptable *t);

/*
 * toptable_add_stack - one thread's stack of a sample, frames[0..depth)
 * leaf first (frame ids of the table's stacks), sampled in `origin` (an
 * origin id of the same stacks), with the GIL or not.
 */
void toptable_add_stack(struct toptable *t, const uint32_t *frames, size_t depth, uint32_t origin,
			bool holds_gil);

/* toptable_add_sample - count one sample (after its stacks, if any). */
void toptable_add_sample(struct toptable *t, enum top_outcome outcome);

/* toptable_roll - close the interval being counted at `now_ns`: it becomes
 * the last one, and a new one starts. */
void toptable_roll(struct toptable *t, uint64_t now_ns);

/* The counts of a span. */
const struct top_counts *toptable_counts(const struct toptable *t, enum top_span span);

/*
 * toptable_rows - the functions with samples in `span`, most first by
 * `sort` (ties: the other count, then frame id), at most `max` of them
 * into rows[]; their number.
 */
size_t toptable_rows(const struct toptable *t, enum top_span span, enum top_sort sort,
		     struct top_row *rows, size_t max);

/* Text, one line each, no newline, cut to `width` columns (UTF-8 aware). */

/* "samples 99.8/s (asked 100/s)  GIL 97.0%  idle 2.0%  failed 0.0%  threads 32" */
void toptable_summary(const struct toptable *t, enum top_span span, uint64_t interval_ns,
		      size_t width, struct strbuf *out);
/* The column titles. */
void toptable_heading(size_t width, struct strbuf *out);
/* One row: own %, total %, own time, total time, "function (file:line)". */
void toptable_row(const struct toptable *t, enum top_span span, const struct top_row *row,
		  size_t width, struct strbuf *out);

#endif
