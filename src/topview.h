/* SPDX-License-Identifier: Apache-2.0 */
/*
 * topview.h - the --top view: the functions with the most samples, own %
 * and total % as top shows CPU shares, own and total time, function and
 * file:line, over the last second or since the start, redrawn in the
 * terminal about once a second (ncurses), with the keys that drive it.
 * The counting and the text are toptable.h's; this is the terminal.
 *
 * The sampling loop's part, in its order:
 *   top_open        before the first sample: takes the terminal (standard
 *                   output must be one; keys from standard input), draws
 *                   the alternate screen.
 *   top_fd          the descriptor to watch for input (POLLIN) in the wait
 *                   between samples.
 *   top_input       when top_fd is readable: handles every key waiting;
 *                   TOP_QUIT for q. Keys: o sorts by own, t by total, a
 *                   switches between the last second and since the start.
 *   top_add_stack   after a sample, each thread's stack (interned);
 *   top_end_sample  then the sample itself (stacks, idle or failed).
 *   top_tick        after each sample and each wake-up: redraws when a
 *                   second has passed since the last redraw, or at once
 *                   when the terminal was resized; otherwise no system call.
 *   top_next_tick   when the next redraw is due (for a loop that waits
 *                   longer than that between samples).
 *   top_close       on every way out (q, a signal, the target gone, an
 *                   error): gives the terminal back as it was. With a
 *                   reason, the last table is written on the normal screen
 *                   with the reason under it, and stays.
 * Ctrl-C stays a signal (SIGINT): the loop handles it as any request to
 * stop, and calls top_close().
 */
#ifndef PF_TOPVIEW_H
#define PF_TOPVIEW_H

#include <stdio.h>

#include "compat.h"
#include "toptable.h"

struct top_options {
	uint64_t interval_ns;	/* the sampling interval asked for */
	bool line_numbers;	/* function (file:line), else function (file) */
	bool exclude_idle;	/* -x: idle samples in no percentage */
	const char *title;	/* the first line, e.g. "PID 4242 (Python 3.11.7)"; borrowed */
};

enum top_action { TOP_GO_ON, TOP_QUIT };

struct top {
	struct toptable table;
	struct top_options o;
	void *screen;		/* the ncurses SCREEN */
	FILE *out, *in;		/* borrowed: the terminal, and where keys come from */
	enum top_sort sort;
	enum top_span span;
	int rows, cols;		/* the terminal's size as last seen */
	uint64_t next_draw_ns, next_size_ns;
	uint64_t draws;		/* redraws made */
	struct top_row *list;	/* scratch: the rows of a redraw */
	size_t list_cap;
	struct strbuf line;
};

/*
 * top_open - take the terminal `out` (a terminal, borrowed) with keys from
 * `in` (borrowed), count samples of `st` (borrowed, must outlive the view)
 * from `now_ns` (CLOCK_MONOTONIC). Sets the locale's character type from
 * the environment (to draw UTF-8). Returns 0; -PF_EINVAL if `out` is not a
 * terminal (nothing is touched), -PF_ESYS if the terminal cannot be set up
 * (its type unknown to terminfo). Either way, top_close() after.
 */
int top_open(struct top *t, const struct stacks *st, const struct top_options *o, FILE *out,
	     FILE *in, uint64_t now_ns);

int top_fd(const struct top *t);
enum top_action top_input(struct top *t, uint64_t now_ns);

void top_add_stack(struct top *t, const uint32_t *frames, size_t depth, uint32_t origin,
		   bool holds_gil);
void top_end_sample(struct top *t, enum top_outcome outcome);

void top_tick(struct top *t, uint64_t now_ns);
uint64_t top_next_tick(const struct top *t);

/* top_close - see above; `why` may be NULL. Safe to call twice, and after
 * a failed top_open(). */
void top_close(struct top *t, const char *why);

#endif
