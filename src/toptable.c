/* SPDX-License-Identifier: Apache-2.0 */
/* toptable.c - own and total samples per function, by interval, and their text. */
#include "compat.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "toptable.h"
#include "xalloc.h"

enum { NOW, LAST, ALL };	/* the counting interval, the last one closed, since the start */

#define NSEC 1000000000ull

void toptable_init(struct toptable *t, const struct stacks *st, bool line_numbers,
		   bool exclude_idle, uint64_t now_ns)
{
	memset(t, 0, sizeof *t);
	t->st = st;
	t->line_numbers = line_numbers;
	t->exclude_idle = exclude_idle;
	t->interval_start_ns = t->start_ns = now_ns;
	t->group_mask = 255;
	t->group = xcalloc(t->group_mask + 1, sizeof *t->group);
}

void toptable_release(struct toptable *t)
{
	free(t->entry_of);
	free(t->entries);
	free(t->group);
	free(t->seen);
	free(t->seen_pids);
	memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------ entries */

static uint64_t group_hash(const struct frame *f)
{
	return ((uint64_t)f->file * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)f->name * 0xc2b2ae3d27d4eb4full);
}

static bool same_group(const struct frame *a, const struct frame *b)
{
	return a->file == b->file && a->name == b->name && a->kind == b->kind;
}

static void group_grow(struct toptable *t)
{
	free(t->group);
	t->group_mask = 2 * t->group_mask + 1;
	t->group = xcalloc(t->group_mask + 1, sizeof *t->group);
	for (size_t e = 0; e < t->nentries; e++) {
		size_t h = group_hash(stacks_frame(t->st, t->entries[e].frame)) & t->group_mask;

		while (t->group[h])
			h = (h + 1) & t->group_mask;
		t->group[h] = (uint32_t)e + 1;
	}
}

/* Without line numbers, the entry of frame `f`'s file and function, if any;
 * else the slot a new one goes in (*slot). */
static uint32_t group_find(struct toptable *t, const struct frame *f, size_t *slot)
{
	size_t h = group_hash(f) & t->group_mask;

	for (; t->group[h]; h = (h + 1) & t->group_mask)
		if (same_group(stacks_frame(t->st, t->entries[t->group[h] - 1].frame), f))
			return t->group[h];
	*slot = h;
	return 0;
}

static uint32_t new_entry(struct toptable *t, uint32_t frame)
{
	XGROW(t->entries, t->entries_cap, t->nentries + 1);
	memset(&t->entries[t->nentries], 0, sizeof t->entries[0]);
	t->entries[t->nentries].frame = frame;
	return (uint32_t)++t->nentries;
}

/* The entry counting frame id `frame`, made on first sight. */
static struct top_entry *entry(struct toptable *t, uint32_t frame)
{
	uint32_t e;
	size_t slot = 0, old = t->entry_of_cap;

	if (frame < t->entry_of_cap && (e = t->entry_of[frame]))
		return &t->entries[e - 1];
	XGROW(t->entry_of, t->entry_of_cap, (size_t)frame + 1);
	memset(t->entry_of + old, 0, (t->entry_of_cap - old) * sizeof *t->entry_of);
	if (t->line_numbers) {
		e = new_entry(t, frame);
	} else if (!(e = group_find(t, stacks_frame(t->st, frame), &slot))) {
		if (2 * (t->nentries + 1) > t->group_mask + 1) {
			group_grow(t);
			group_find(t, stacks_frame(t->st, frame), &slot);
		}
		e = new_entry(t, frame);
		t->group[slot] = e;
	}
	t->entry_of[frame] = e;
	return &t->entries[e - 1];
}

/* ------------------------------------------------------------ counting */

/* Threads and processes seen in the interval and since the start. */
static void see(struct toptable *t, uint32_t origin)
{
	size_t old = t->seen_cap;
	int32_t pid;

	if (origin < t->seen_cap && t->seen[origin] == t->interval + 1)
		return;
	XGROW(t->seen, t->seen_cap, (size_t)origin + 1);
	memset(t->seen + old, 0, (t->seen_cap - old) * sizeof *t->seen);
	t->counts[ALL].threads += t->seen[origin] == 0;
	t->seen[origin] = t->interval + 1;
	t->counts[NOW].threads++;
	pid = stacks_origin(t->st, origin)->pid;
	for (size_t i = 0; i < t->npids; i++)
		if (t->seen_pids[i] == pid)
			return;
	XGROW(t->seen_pids, t->pids_cap, t->npids + 1);
	t->seen_pids[t->npids++] = pid;
	t->counts[NOW].processes++;
}

void toptable_add_stack(struct toptable *t, const uint32_t *frames, size_t depth, uint32_t origin,
			bool holds_gil)
{
	t->stamp++;
	for (size_t i = 0; i < depth; i++) {
		struct top_entry *e = entry(t, frames[i]);

		e->own[NOW] += i == 0;
		if (e->stamp != t->stamp) {
			e->stamp = t->stamp;
			e->total[NOW]++;
		}
	}
	see(t, origin);
	t->sample_gil = t->sample_gil || holds_gil;
}

void toptable_add_sample(struct toptable *t, enum top_outcome outcome)
{
	struct top_counts *c = &t->counts[NOW];

	c->samples++;
	c->gil += t->sample_gil;
	c->idle += outcome == TOP_SAMPLE_IDLE;
	c->failed += outcome == TOP_SAMPLE_FAILED;
	t->sample_gil = false;
}

void toptable_roll(struct toptable *t, uint64_t now_ns)
{
	struct top_counts *all = &t->counts[ALL], *now = &t->counts[NOW];

	now->ns = now_ns - t->interval_start_ns;
	all->samples += now->samples;
	all->idle += now->idle;
	all->failed += now->failed;
	all->gil += now->gil;
	all->ns = now_ns - t->start_ns;
	all->processes = all->processes > now->processes ? all->processes : now->processes;
	t->counts[LAST] = *now;
	memset(now, 0, sizeof *now);
	for (size_t i = 0; i < t->nentries; i++) {
		struct top_entry *e = &t->entries[i];

		e->own[ALL] += e->own[NOW];
		e->total[ALL] += e->total[NOW];
		e->own[LAST] = e->own[NOW];
		e->total[LAST] = e->total[NOW];
		e->own[NOW] = e->total[NOW] = 0;
	}
	t->npids = 0;
	t->interval++;
	t->interval_start_ns = now_ns;
}

const struct top_counts *toptable_counts(const struct toptable *t, enum top_span span)
{
	return &t->counts[span == TOP_SPAN_LAST ? LAST : ALL];
}

/* ---------------------------------------------------------------- rows */

static int by_own(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	if (x->own != y->own)
		return x->own < y->own ? 1 : -1;
	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return x->entry < y->entry ? -1 : x->entry > y->entry;
}

static int by_total(const void *a, const void *b)
{
	const struct top_row *x = a, *y = b;

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	return by_own(a, b);
}

size_t toptable_rows(const struct toptable *t, enum top_span span, enum top_sort sort,
		     struct top_row *rows, size_t max)
{
	int k = span == TOP_SPAN_LAST ? LAST : ALL;
	struct top_row *all = xcalloc(t->nentries + 1, sizeof *all);
	size_t n = 0;

	for (size_t i = 0; i < t->nentries; i++)
		if (t->entries[i].total[k])
			all[n++] = (struct top_row){ (uint32_t)i, t->entries[i].own[k],
						     t->entries[i].total[k] };
	qsort(all, n, sizeof *all, sort == TOP_SORT_OWN ? by_own : by_total);
	n = n < max ? n : max;
	memcpy(rows, all, n * sizeof *rows);
	free(all);
	return n;
}

/* ---------------------------------------------------------------- text */

/* Append s[0..len) cut to `width` more columns (a UTF-8 character is one;
 * control characters become '?'); the columns used. */
static size_t add_cut(struct strbuf *out, const char *s, size_t len, size_t width)
{
	size_t cols = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c & 0xc0) != 0x80) {
			if (cols == width)
				break;
			cols++;
		}
		strbuf_addch(out, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	return cols;
}

static void add_cut_text(struct strbuf *out, const struct strbuf *text, size_t width)
{
	add_cut(out, text->buf, text->len, width);
}

static double share(uint64_t n, uint64_t of)
{
	return of ? 100.0 * (double)n / (double)of : 0.0;
}

/* The samples a span's percentages are of. */
static uint64_t base(const struct toptable *t, const struct top_counts *c)
{
	return c->samples - (t->exclude_idle ? c->idle : 0);
}

void toptable_summary(const struct toptable *t, enum top_span span, uint64_t interval_ns,
		      size_t width, struct strbuf *out)
{
	const struct top_counts *c = toptable_counts(t, span);
	struct strbuf text;

	strbuf_init(&text);
	strbuf_addf(&text, "samples %.1f/s (asked %.0f/s)  GIL %.1f%%  idle %.1f%%  failed %.1f%%"
		    "  threads %" PRIu32, c->ns ? (double)c->samples * NSEC / (double)c->ns : 0.0,
		    interval_ns ? (double)NSEC / (double)interval_ns : 0.0, share(c->gil, c->samples),
		    share(c->idle, c->samples), share(c->failed, c->samples), c->threads);
	if (c->processes > 1)
		strbuf_addf(&text, "  processes %" PRIu32, c->processes);
	add_cut_text(out, &text, width);
	strbuf_release(&text);
}

void toptable_heading(size_t width, struct strbuf *out)
{
	static const char text[] = "  %Own  %Total   OwnTime  TotalTime  Function (file:line)";

	add_cut(out, text, sizeof text - 1, width);
}

/* A time as top shows it: 0.97s, 12.3s, 2m03s, 1h02m. */
static void add_time(struct strbuf *out, double secs)
{
	char buf[32];

	if (secs < 10)
		snprintf(buf, sizeof buf, "%.2fs", secs);
	else if (secs < 100)
		snprintf(buf, sizeof buf, "%.1fs", secs);
	else if (secs < 6000)
		snprintf(buf, sizeof buf, "%um%02us", (unsigned)(secs / 60), (unsigned)secs % 60);
	else
		snprintf(buf, sizeof buf, "%uh%02um", (unsigned)(secs / 3600),
			 (unsigned)(secs / 60) % 60);
	strbuf_addf(out, "%9s", buf);
}

/* The columns of s[0..len): its UTF-8 characters. */
static size_t columns(const char *s, size_t len)
{
	size_t cols = 0;

	for (size_t i = 0; i < len; i++)
		cols += ((unsigned char)s[i] & 0xc0) != 0x80;
	return cols;
}

/* Where the last `cols` columns of s[0..len) begin. */
static const char *last_columns(const char *s, size_t len, size_t cols)
{
	const char *p = s + len;

	while (p > s && cols) {
		p--;
		cols -= ((unsigned char)*p & 0xc0) != 0x80;
	}
	return p;
}

#define PATH_KEEP_MIN 12	/* columns of a path worth showing after "..." */

/*
 * "function (file:line)" in `room` columns; a native frame "symbol
 * (object)" or "object+0xOFF". A path too long loses its start ("...") so
 * that the function, the end of the path and the line stay in view.
 */
static void add_function(const struct toptable *t, const struct frame *f, size_t room,
			 struct strbuf *out)
{
	size_t flen, nlen, keep;
	const char *name = stacks_str(t->st, f->name, &nlen);
	const char *file = stacks_str(t->st, f->file, &flen);
	char tail[24] = ")";

	if (f->kind == FRAME_NATIVE && !name[0]) {
		strbuf_addf(out, "%s+0x%" PRIx64, file, f->offset);
		return;
	}
	if (f->kind != FRAME_NATIVE && t->line_numbers)
		snprintf(tail, sizeof tail, ":%" PRId32 ")", f->line);
	keep = columns(name, nlen) + 2 + strlen(tail) + 3;	/* and "..." */
	keep = room > keep ? room - keep : 0;
	strbuf_add(out, name, nlen);
	strbuf_addstr(out, " (");
	if (keep >= PATH_KEEP_MIN && columns(file, flen) > keep + 3) {
		const char *from = last_columns(file, flen, keep);

		strbuf_addstr(out, "...");
		file = from;
		flen = (size_t)(file + strlen(file) - from);
	}
	strbuf_add(out, file, flen);
	strbuf_addstr(out, tail);
}

void toptable_row(const struct toptable *t, enum top_span span, const struct top_row *row,
		  size_t width, struct strbuf *out)
{
	const struct top_counts *c = toptable_counts(t, span);
	double per = c->samples ? (double)c->ns / NSEC / (double)c->samples : 0.0;
	struct strbuf text;

	strbuf_init(&text);
	strbuf_addf(&text, "%6.1f %7.1f ", share(row->own, base(t, c)), share(row->total, base(t, c)));
	add_time(&text, (double)row->own * per);
	strbuf_addch(&text, ' ');
	add_time(&text, (double)row->total * per);
	strbuf_addstr(&text, "   ");
	add_function(t, stacks_frame(t->st, t->entries[row->entry].frame),
		     width > text.len ? width - text.len : 0, &text);
	add_cut_text(out, &text, width);
	strbuf_release(&text);
}
