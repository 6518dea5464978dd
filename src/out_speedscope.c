/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_speedscope.c - speedscope's file format: shared frames, and one
 * "sampled" profile per thread (or one for the run), its samples root first
 * in time order, so that speedscope's time-order view is the timeline.
 */
#include "compat.h"

#include <inttypes.h>
#include <stdlib.h>

#include "json.h"
#include "output.h"
#include "render.h"
#include "xalloc.h"

#define FLUSH_AT (1u << 16)

/* One profile of the file: a thread's samples, or the run's. */
struct track {
	uint32_t origin;	/* the first origin seen in it; UINT32_MAX: none */
	struct strbuf samples;	/* "[1,2,3],[1,2]" */
	size_t n;
};

struct sctx {
	const struct profile *p;
	struct render r;
	struct frame_numbers fn;
	struct track *tracks;	/* per_thread: origin id -> track; else one */
	size_t ntracks;		/* the last one holds (idle) and (failed) */
	uint64_t weight;	/* microseconds per sample */
};

static struct track *track_of(struct sctx *c, uint32_t stack)
{
	uint32_t origin;

	if (stack == STACK_IDLE || stack == STACK_FAILED)
		return &c->tracks[c->p->per_thread ? c->ntracks - 1 : 0];
	origin = profile_stack_origin(c->p, stack);
	if (!c->p->per_thread) {
		if (c->tracks[0].origin == UINT32_MAX)
			c->tracks[0].origin = origin;
		return &c->tracks[0];
	}
	c->tracks[origin].origin = origin;
	return &c->tracks[origin];
}

/* Append one sample's frame numbers, root first. */
static void add_sample(struct sctx *c, uint32_t stack)
{
	struct track *t = track_of(c, stack);
	size_t depth = 1;
	const uint32_t *frames = NULL;
	uint32_t marker;

	strbuf_addstr(&t->samples, t->n++ ? ",[" : "[");
	if (stack == STACK_IDLE || stack == STACK_FAILED) {
		marker = render_marker(&c->r, stack);
		frames = &marker;
	} else {
		frames = profile_frames(c->p, stack, &depth);
	}
	for (size_t i = depth; i-- > 0;) {
		uint32_t key = frames == &marker ? marker : render_key(&c->r, frames[i]);

		if (i + 1 < depth)
			strbuf_addch(&t->samples, ',');
		strbuf_addu(&t->samples, frame_numbers_get(&c->fn, key));
	}
	strbuf_addch(&t->samples, ']');
}

static void add_frame(const struct sctx *c, uint32_t key, struct strbuf *out)
{
	const struct frame *f;
	struct strbuf name;
	size_t len;
	const char *s;

	strbuf_addstr(out, "{\"name\":");
	if (render_is_marker(&c->r, key)) {
		s = render_key_text(&c->r, key, &len);
		json_add_str(out, s, len, 0);
		strbuf_addch(out, '}');
		return;
	}
	f = profile_frame(c->p, key);
	strbuf_init(&name);
	profile_frame_name(c->p, key, &name);
	json_add_str(out, name.buf, name.len, 0);
	strbuf_release(&name);
	if (f->kind == FRAME_PYTHON || f->kind == FRAME_NATIVE) {
		s = profile_str(c->p, f->file, &len);
		strbuf_addstr(out, ",\"file\":");
		json_add_str(out, s, len, 0);
	}
	if (f->kind == FRAME_PYTHON && c->p->line_numbers && f->line > 0)
		strbuf_addf(out, ",\"line\":%" PRId32, f->line);
	strbuf_addch(out, '}');
}

static void add_head(const struct sctx *c, struct strbuf *out)
{
	const struct profile_meta *m = &c->p->meta;

	strbuf_addstr(out, "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
		      "\"exporter\":\"pyflame " PACKAGE_VERSION "\",\"name\":");
	json_add_cstr(out, m->target ? m->target : "pyflame", 0);
	strbuf_addstr(out, ",\"activeProfileIndex\":0,\"shared\":{\"frames\":[");
	for (size_t i = 0; i < c->fn.n; i++) {
		if (i)
			strbuf_addch(out, ',');
		add_frame(c, c->fn.keys[i], out);
	}
	strbuf_addstr(out, "]},\"profiles\":[");
}

static void track_name(const struct sctx *c, const struct track *t, struct strbuf *out)
{
	struct strbuf sb;

	strbuf_init(&sb);
	if (!c->p->per_thread)
		strbuf_addstr(&sb, c->p->meta.target ? c->p->meta.target : "pyflame");
	else if (t == &c->tracks[c->ntracks - 1])
		strbuf_addstr(&sb, "(idle) and (failed)");
	else
		profile_thread_label(c->p, t->origin, &sb);
	json_add_str(out, sb.buf, sb.len, 0);
	strbuf_release(&sb);
}

/* One profile: its header, samples, then as many weights. */
static int put_track(FILE *f, const struct sctx *c, const struct track *t, bool first)
{
	struct strbuf sb;
	int rc;

	strbuf_init(&sb);
	strbuf_addstr(&sb, first ? "{\"type\":\"sampled\",\"name\":" : ",{\"type\":\"sampled\",\"name\":");
	track_name(c, t, &sb);
	strbuf_addf(&sb, ",\"unit\":\"microseconds\",\"startValue\":0,\"endValue\":%" PRIu64
		    ",\"samples\":[", (uint64_t)t->n * c->weight);
	rc = render_drain(f, &sb, 0);
	if (!rc)
		rc = render_put(f, t->samples.buf, t->samples.len);
	strbuf_addstr(&sb, "],\"weights\":[");
	for (size_t i = 0; i < t->n && !rc; i++) {
		if (i)
			strbuf_addch(&sb, ',');
		strbuf_addu(&sb, c->weight);
		rc = render_drain(f, &sb, FLUSH_AT);
	}
	strbuf_addstr(&sb, "]}");
	if (!rc)
		rc = render_drain(f, &sb, 0);
	strbuf_release(&sb);
	return rc;
}

static int put_all(FILE *f, struct sctx *c)
{
	struct strbuf head;
	bool first = true;
	int rc;

	strbuf_init(&head);
	add_head(c, &head);
	rc = render_drain(f, &head, 0);
	for (size_t i = 0; i < c->ntracks && !rc; i++) {
		if (!c->tracks[i].n)
			continue;
		rc = put_track(f, c, &c->tracks[i], first);
		first = false;
	}
	strbuf_addstr(&head, "]}\n");
	if (!rc)
		rc = render_drain(f, &head, 0);
	strbuf_release(&head);
	return rc;
}

int out_speedscope(FILE *f, const struct profile *p)
{
	struct sctx c = { .p = p, .weight = p->meta.interval_us ? p->meta.interval_us : 1 };
	const struct chart_event *ev;
	size_t nev;
	int rc;

	render_profile(&c.r, p);
	frame_numbers_init(&c.fn, render_nkeys(&c.r));
	c.ntracks = p->per_thread ? profile_norigins(p) + 1 : 1;
	c.tracks = xcalloc(c.ntracks, sizeof(*c.tracks));
	for (size_t i = 0; i < c.ntracks; i++) {
		c.tracks[i].origin = UINT32_MAX;
		strbuf_init(&c.tracks[i].samples);
	}
	ev = profile_events(p, &nev);
	for (size_t i = 0; i < nev; i++)
		if (ev[i].stack != STACK_IDLE || p->include_idle)
			add_sample(&c, ev[i].stack);
	rc = put_all(f, &c);
	if (!rc)
		rc = render_flush(f);
	for (size_t i = 0; i < c.ntracks; i++)
		strbuf_release(&c.tracks[i].samples);
	free(c.tracks);
	frame_numbers_release(&c.fn);
	render_release(&c.r);
	return rc;
}
