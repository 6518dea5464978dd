/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_collapsed.c - the collapsed-stack writer: one line per rendered stack,
 * merged by text, sorted by descending count, then (idle) and (failed).
 */
#include "compat.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "render.h"
#include "xalloc.h"

struct cline {
	size_t off;		/* start of the stack text in clines.arena */
	size_t len;
	const char *text;	/* arena.buf + off, set once the arena is complete */
	uint64_t count;
};

struct clines {
	struct strbuf arena;	/* every stack's text, back to back */
	struct cline *v;
	size_t n, cap;
};

/* Render every counted stack; the texts still contain duplicates. */
static void collect(struct clines *cl, const struct render *r,
		    const struct stacks *st)
{
	for (size_t id = 0; id < st->nstacks; id++) {
		struct cline *c;

		if (!st->stacks[id].count)
			continue;
		XGROW(cl->v, cl->cap, cl->n + 1);
		c = &cl->v[cl->n++];
		c->off = cl->arena.len;
		render_stack(r, (uint32_t)id, false, &cl->arena);
		c->len = cl->arena.len - c->off;
		c->count = st->stacks[id].count;
	}
	for (size_t i = 0; i < cl->n; i++)
		cl->v[i].text = cl->arena.buf + cl->v[i].off;
}

static int by_text(const void *pa, const void *pb)
{
	const struct cline *a = pa, *b = pb;
	size_t m = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->text, b->text, m);

	if (c)
		return c;
	return (a->len > b->len) - (a->len < b->len);
}

/* Sum the counts of lines whose text is the same (-n, or sanitised names). */
static void merge(struct clines *cl)
{
	size_t w = 0;

	qsort(cl->v, cl->n, sizeof(*cl->v), by_text);
	for (size_t i = 0; i < cl->n; i++) {
		if (w && by_text(&cl->v[w - 1], &cl->v[i]) == 0)
			cl->v[w - 1].count += cl->v[i].count;
		else
			cl->v[w++] = cl->v[i];
	}
	cl->n = w;
}

static unsigned char line_byte(const struct cline *l, const char *tail, size_t i)
{
	return (unsigned char)(i < l->len ? l->text[i] : tail[i - l->len]);
}

/*
 * Compare the whole output lines "TEXT COUNT\n" of two lines with the same
 * count. Only when one text is a prefix of the other does the tail matter.
 */
static int by_line(const struct cline *a, const struct cline *b)
{
	size_t m = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->text, b->text, m);
	char tail[32];
	size_t n, end_a, end_b;

	if (c || a->len == b->len)
		return c;
	n = (size_t)snprintf(tail, sizeof tail, " %" PRIu64 "\n", a->count);
	end_a = a->len + n;
	end_b = b->len + n;
	for (size_t i = m; i < end_a && i < end_b; i++) {
		c = line_byte(a, tail, i) - line_byte(b, tail, i);
		if (c)
			return c;
	}
	return (end_a > end_b) - (end_a < end_b);
}

static int by_count_then_line(const void *pa, const void *pb)
{
	const struct cline *a = pa, *b = pb;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	return by_line(a, b);
}

static int put_counted(FILE *f, const char *text, size_t len, uint64_t count)
{
	char tail[32];
	int n = snprintf(tail, sizeof tail, " %" PRIu64 "\n", count);
	int rc = render_put(f, text, len);

	return rc ? rc : render_put(f, tail, (size_t)n);
}

static int write_all(FILE *f, const struct clines *cl, const struct profile *p)
{
	const struct stacks *st = p->st;
	int rc = 0;

	for (size_t i = 0; i < cl->n && !rc; i++)
		rc = put_counted(f, cl->v[i].text, cl->v[i].len, cl->v[i].count);
	if (!rc && p->include_idle && st->idle)
		rc = put_counted(f, "(idle)", 6, st->idle);
	if (!rc && st->failed)
		rc = put_counted(f, "(failed)", 8, st->failed);
	return rc;
}

int out_collapsed(FILE *f, const struct profile *p)
{
	const struct stacks *st = p->st;
	unsigned flags = RENDER_NO_SEMICOLON;
	struct clines cl = { .v = NULL };
	struct render r;
	int rc;

	if (p->line_numbers)
		flags |= RENDER_LINE_NUMBERS;
	render_build(&r, st, flags);
	strbuf_init(&cl.arena);
	collect(&cl, &r, st);
	if (cl.n) {
		merge(&cl);
		qsort(cl.v, cl.n, sizeof(*cl.v), by_count_then_line);
	}
	rc = write_all(f, &cl, p);
	if (!rc)
		rc = render_flush(f);
	free(cl.v);
	strbuf_release(&cl.arena);
	render_release(&r);
	return rc;
}
