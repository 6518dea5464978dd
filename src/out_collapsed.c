/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_collapsed.c - the collapsed-stack writer: one line per rendered stack,
 * merged by text, sorted by descending count, then (idle) and (failed).
 *
 * Two stacks render the same text exactly when their frames have the same
 * render keys in the same order (no frame's text holds a ';'), so lines are
 * merged and sorted on keys; bytes are compared only from the first frame
 * where two stacks differ, and the text is made once, as it is written.
 */
#include "compat.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "render.h"
#include "xalloc.h"

#define FLUSH_AT (1u << 16)

struct cline {
	const uint32_t *frames;	/* leaf first, as stored */
	const uint32_t *keys;	/* their render keys, root first */
	size_t depth;
	uint64_t count;
	uint64_t hash;
};

/* Stacks of one line: those whose keys are the same are one line. */
struct clines {
	const struct render *r;
	struct cline *v;
	size_t n;
	uint32_t *keys;		/* every counted stack's keys, back to back */
	uint32_t *slots;	/* line index + 1, 0 = empty */
	size_t mask;
};

static uint64_t keys_hash(const struct cline *l)
{
	uint64_t h = 1469598103934665603ull ^ l->depth;

	for (size_t i = 0; i < l->depth; i++)
		h = (h ^ l->keys[i]) * 1099511628211ull;
	return h;
}

static bool same_keys(const struct cline *a, const struct cline *b)
{
	return a->hash == b->hash && a->depth == b->depth &&
	       memcmp(a->keys, b->keys, a->depth * sizeof *a->keys) == 0;
}

/* Count line `l` into its slot: a new line, or added to the one it renders as. */
static void add_line(struct clines *cl, struct cline l)
{
	size_t i = l.hash & cl->mask;

	for (; cl->slots[i]; i = (i + 1) & cl->mask) {
		struct cline *o = &cl->v[cl->slots[i] - 1];

		if (same_keys(o, &l)) {
			o->count += l.count;
			return;
		}
	}
	cl->v[cl->n++] = l;
	cl->slots[i] = (uint32_t)cl->n;
}

static void collect(struct clines *cl, const struct stacks *st)
{
	size_t counted = 0, nkeys = 0;

	for (size_t id = 0; id < st->nstacks; id++)
		if (st->stacks[id].count) {
			counted++;
			nkeys += st->stacks[id].depth;
		}
	cl->mask = 1;
	while (cl->mask < 2 * counted)
		cl->mask <<= 1;
	cl->slots = xcalloc(cl->mask, sizeof(*cl->slots));
	cl->mask--;
	cl->v = xreallocarray(NULL, counted ? counted : 1, sizeof(*cl->v));
	cl->keys = xreallocarray(NULL, nkeys ? nkeys : 1, sizeof(*cl->keys));
	nkeys = 0;
	for (size_t id = 0; id < st->nstacks; id++) {
		struct cline l = { .count = st->stacks[id].count };
		uint32_t *k = cl->keys + nkeys;

		if (!l.count)
			continue;
		l.frames = stacks_frames(st, (uint32_t)id, &l.depth);
		for (size_t i = 0; i < l.depth; i++)
			k[i] = render_key(cl->r, l.frames[l.depth - 1 - i]);
		l.keys = k;
		l.hash = keys_hash(&l);
		nkeys += l.depth;
		add_line(cl, l);
	}
}

/* A reader of the bytes of a whole line "TEXT COUNT\n", from a frame on. */
struct cursor {
	const struct render *r;
	const struct cline *l;
	size_t next;		/* frames still to come after the current piece */
	const char *s;		/* the current piece: a frame's text, ";" or the tail */
	size_t len, pos;
	const char *tail;
	size_t tail_len;
	int stage;		/* 0: frame, 1: its separator, 2: the tail, 3: end */
};

/* Start at frame `root` (0 = the root; frames are stored leaf first). */
static void cursor_at(struct cursor *c, const struct cline *l, size_t root)
{
	size_t len;

	c->l = l;
	c->next = l->depth - root - 1;
	c->s = render_frame(c->r, l->frames[c->next], &len);
	c->len = len;
	c->pos = 0;
	c->stage = 0;
}

static void cursor_piece(struct cursor *c)
{
	size_t len;

	c->pos = 0;
	if (c->stage == 0 && c->next) {
		c->stage = 1;
		c->s = ";";
		c->len = 1;
	} else if (c->stage == 1) {
		c->stage = 0;
		c->s = render_frame(c->r, c->l->frames[--c->next], &len);
		c->len = len;
	} else if (c->stage == 0) {
		c->stage = 2;
		c->s = c->tail;
		c->len = c->tail_len;
	} else {
		c->stage = 3;
		c->len = 0;
	}
}

/* The next byte, or -1 at the end of the line. */
static int cursor_byte(struct cursor *c)
{
	while (c->pos == c->len) {
		if (c->stage == 3)
			return -1;
		cursor_piece(c);
	}
	return (unsigned char)c->s[c->pos++];
}

/* The lines' bytes compared from frame `root` on (the frames before it are
 * the same); both lines have the same count, hence the same tail. */
static int bytes_from(const struct render *r, const struct cline *a, const struct cline *b,
		      size_t root)
{
	char tail[32];
	struct cursor ca = { .r = r, .tail = tail }, cb = { .r = r, .tail = tail };
	int x, y;

	ca.tail_len = cb.tail_len = (size_t)snprintf(tail, sizeof tail, " %" PRIu64 "\n",
						    a->count);
	cursor_at(&ca, a, root);
	cursor_at(&cb, b, root);
	do {
		x = cursor_byte(&ca);
		y = cursor_byte(&cb);
	} while (x == y && x != -1);
	return x - y;
}

static int by_count_then_line(const void *pa, const void *pb, void *ctx)
{
	const struct cline *a = pa, *b = pb;
	const struct render *r = ctx;
	size_t root = 0, la, lb;
	const char *ta, *tb;
	int c;

	if (a->count != b->count)
		return a->count > b->count ? -1 : 1;
	while (root < a->depth && root < b->depth && a->keys[root] == b->keys[root])
		root++;
	if (root == a->depth && root == b->depth)
		return 0;
	if (root == a->depth || root == b->depth)
		return bytes_from(r, a, b, root - 1);	/* a tail meets a ';' */
	ta = render_key_text(r, a->keys[root], &la);
	tb = render_key_text(r, b->keys[root], &lb);
	c = memcmp(ta, tb, la < lb ? la : lb);	/* the usual answer */
	return c ? c : bytes_from(r, a, b, root);
}

static void put_counted(struct strbuf *out, uint64_t count)
{
	strbuf_addch(out, ' ');
	strbuf_addu(out, count);
	strbuf_addch(out, '\n');
}

static void add_stack(struct strbuf *out, const struct render *r, const struct cline *l)
{
	size_t len;

	for (size_t i = l->depth; i-- > 0;) {
		const char *s = render_frame(r, l->frames[i], &len);

		strbuf_add(out, s, len);
		if (i)
			strbuf_addch(out, ';');
	}
	put_counted(out, l->count);
}

static int write_all(FILE *f, const struct clines *cl, const struct profile *p)
{
	const struct stacks *st = p->st;
	struct strbuf out;
	int rc = 0;

	strbuf_init(&out);
	for (size_t i = 0; i < cl->n && !rc; i++) {
		add_stack(&out, cl->r, &cl->v[i]);
		rc = render_drain(f, &out, FLUSH_AT);
	}
	if (p->include_idle && st->idle) {
		strbuf_addstr(&out, "(idle)");
		put_counted(&out, st->idle);
	}
	if (st->failed) {
		strbuf_addstr(&out, "(failed)");
		put_counted(&out, st->failed);
	}
	if (!rc)
		rc = render_drain(f, &out, 0);
	strbuf_release(&out);
	return rc;
}

int out_collapsed(FILE *f, const struct profile *p)
{
	unsigned flags = RENDER_NO_SEMICOLON;
	struct render r;
	struct clines cl = { .r = &r };
	int rc;

	if (p->line_numbers)
		flags |= RENDER_LINE_NUMBERS;
	render_build(&r, p->st, flags);
	collect(&cl, p->st);
	qsort_r(cl.v, cl.n, sizeof(*cl.v), by_count_then_line, &r);
	rc = write_all(f, &cl, p);
	if (!rc)
		rc = render_flush(f);
	free(cl.v);
	free(cl.keys);
	free(cl.slots);
	render_release(&r);
	return rc;
}
