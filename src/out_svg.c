/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_svg.c - a self-contained interactive flame graph. The call tree goes
 * into the SVG as data (JSON in a script), and the script (src/svg.js,
 * built into svg_script.h) draws the frames that are wide enough for the
 * window, so that the file stays small and opens fast on large profiles.
 */
#include "compat.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "calltree.h"
#include "json.h"
#include "output.h"
#include "render.h"
#include "xalloc.h"

#define FLUSH_AT (1u << 16)
#define MIN_SHARE 12000		/* keep frames of at least 1/12000 of the samples */
#define MAX_NODES 80000		/* ... and no more than this many */
#define CLASS_IDLE 5
#define CLASS_FAILED 6

static const char script[] =
#include "svg_script.h"
	;

struct vctx {
	const struct profile *p;
	struct render r;
	struct calltree t;
	struct frame_numbers frames;	/* key -> D.frames index */
	struct frame_numbers files;	/* string id -> D.files index */
	uint64_t min_total;	/* nodes below this are merged into their parent */
	uint32_t max_depth;
};

static int by_text(uint32_t a, uint32_t b, void *arg)
{
	const struct render *r = arg;
	size_t la, lb;
	const char *sa = render_key_text(r, a, &la), *sb = render_key_text(r, b, &lb);
	int c = memcmp(sa, sb, la < lb ? la : lb);

	return c ? c : (la > lb) - (la < lb);
}

/* Every counted stack as render keys (in one array), (idle) and (failed) too. */
struct svg_stacks {
	struct calltree_stack *v;
	size_t n;
	uint32_t *keys;
	uint64_t total;
};

static void add_marker(struct svg_stacks *s, size_t *at, uint32_t key, uint64_t count)
{
	if (!count)
		return;
	s->keys[*at] = key;
	s->v[s->n++] = (struct calltree_stack){ NULL, 1, count };
	s->total += count;
	(*at)++;
}

static void collect(struct vctx *c, struct svg_stacks *s)
{
	const struct profile *p = c->p;
	size_t nkeys = 2, at = 0, depth;

	for (uint32_t id = 0; id < profile_nstacks(p); id++) {
		profile_frames(p, id, &depth);
		nkeys += profile_count(p, id) ? depth : 0;
	}
	s->keys = xreallocarray(NULL, nkeys, sizeof(*s->keys));
	s->v = xreallocarray(NULL, profile_nstacks(p) + 2, sizeof(*s->v));
	for (uint32_t id = 0; id < profile_nstacks(p); id++) {
		const uint32_t *frames = profile_frames(p, id, &depth);

		if (!profile_count(p, id))
			continue;
		for (size_t i = 0; i < depth; i++)
			s->keys[at + i] = render_key(&c->r, frames[i]);
		s->v[s->n++] = (struct calltree_stack){ NULL, depth, profile_count(p, id) };
		s->total += profile_count(p, id);
		at += depth;
	}
	add_marker(s, &at, render_marker(&c->r, STACK_IDLE), profile_idle(p));
	add_marker(s, &at, render_marker(&c->r, STACK_FAILED), profile_failed(p));
	at = 0;
	for (size_t i = 0; i < s->n; i++) {	/* the array has its final place now */
		s->v[i].keys = s->keys + at;
		at += s->v[i].depth;
	}
}

/*
 * The call tree of the frames kept: those of at least 1/MIN_SHARE of the
 * samples, or wider if that would make more than MAX_NODES boxes.
 */
static void build_tree(struct vctx *c)
{
	struct svg_stacks s = { NULL, 0, NULL, 0 };

	collect(c, &s);
	c->min_total = s.total / MIN_SHARE + (s.total % MIN_SHARE != 0);	/* rounded up */
	if (!c->min_total)
		c->min_total = 1;
	for (;;) {
		calltree_init(&c->t);
		if (calltree_build(&c->t, s.v, s.n, c->min_total) <= MAX_NODES)
			break;
		calltree_release(&c->t);
		c->min_total *= 2;
	}
	for (size_t id = 1; id < c->t.n; id++)
		if (c->t.nodes[id].depth > c->max_depth)
			c->max_depth = c->t.nodes[id].depth;
	free(s.v);
	free(s.keys);
}

/* The class of a key, as svg.js numbers them. */
static unsigned key_class(const struct vctx *c, uint32_t key)
{
	if (render_is_marker(&c->r, key))
		return key == render_marker(&c->r, STACK_IDLE) ? CLASS_IDLE : CLASS_FAILED;
	return profile_frame_class(c->p, key);
}

/* Nodes by their frame's text, last first: the stack pops them in order. */
static int by_text_desc(const void *a, const void *b, void *arg)
{
	const struct vctx *c = arg;

	return by_text(c->t.nodes[*(const uint32_t *)b].key, c->t.nodes[*(const uint32_t *)a].key,
		       (void *)&c->r);
}

/* Push the kept children of `node`, sorted so that the first pops first
 * (only kept nodes are ever sorted: most of a large tree is merged away). */
static void push_children(const struct vctx *c, uint32_t node, uint32_t *stack, size_t *top)
{
	size_t first = *top;

	for (uint32_t k = c->t.nodes[node].child; k != CALLTREE_NONE; k = c->t.nodes[k].next)
		if (c->t.nodes[k].total >= c->min_total)
			stack[(*top)++] = k;
	if (*top - first > 1)
		qsort_r(stack + first, *top - first, sizeof(*stack), by_text_desc, (void *)c);
}

/* Depth-first, children in order: "frame,depth,total" per kept node. */
static int put_nodes(FILE *f, struct vctx *c, struct strbuf *sb)
{
	uint32_t *stack = xmalloc(sizeof(*stack) * (c->t.n + 1));
	size_t top = 0, written = 0;
	int rc = 0;

	push_children(c, 0, stack, &top);
	while (top && !rc) {
		uint32_t id = stack[--top];
		const struct calltree_node *nd = &c->t.nodes[id];

		if (written++)
			strbuf_addch(sb, ',');
		strbuf_addu(sb, frame_numbers_get(&c->frames, nd->key));
		strbuf_addch(sb, ',');
		strbuf_addu(sb, nd->depth);
		strbuf_addch(sb, ',');
		strbuf_addu(sb, nd->total);
		push_children(c, id, stack, &top);
		rc = render_drain(f, sb, FLUSH_AT);
	}
	free(stack);
	return rc;
}

/* One D.frames entry: [name, file index, line, class]. */
static void add_frame(struct vctx *c, uint32_t key, struct strbuf *out)
{
	const struct frame *fr;
	struct strbuf name;
	size_t len;
	const char *s;
	int64_t file = -1;

	strbuf_addch(out, '[');
	if (render_is_marker(&c->r, key)) {
		s = render_key_text(&c->r, key, &len);
		json_add_str(out, s, len, JSON_MARKUP_SAFE);
		strbuf_addf(out, ",-1,0,%u]", key_class(c, key));
		return;
	}
	fr = profile_frame(c->p, key);
	strbuf_init(&name);
	if (fr->kind == FRAME_NATIVE && !profile_str(c->p, fr->name, NULL)[0])
		strbuf_addf(&name, "+0x%" PRIx64, fr->offset);
	else
		profile_frame_name(c->p, key, &name);
	json_add_str(out, name.buf, name.len, JSON_MARKUP_SAFE);
	strbuf_release(&name);
	if (fr->kind == FRAME_PYTHON || fr->kind == FRAME_NATIVE)
		file = frame_numbers_get(&c->files, fr->file);
	strbuf_addf(out, ",%" PRId64 ",%" PRId32 ",%u]", file,
		    fr->kind == FRAME_PYTHON && c->p->line_numbers ? fr->line : 0, key_class(c, key));
}

static void add_tables(struct vctx *c, struct strbuf *out)
{
	bool seen[7] = { false };
	bool first = true;

	strbuf_addstr(out, "],\n\"frames\":[");
	for (size_t i = 0; i < c->frames.n; i++) {
		if (i)
			strbuf_addch(out, ',');
		add_frame(c, c->frames.keys[i], out);
		seen[key_class(c, c->frames.keys[i])] = true;
	}
	strbuf_addstr(out, "],\n\"files\":[");
	for (size_t i = 0; i < c->files.n; i++) {
		size_t len;
		const char *s = profile_str(c->p, c->files.keys[i], &len);

		json_add_str(out, s, len, JSON_MARKUP_SAFE);
		strbuf_addch(out, i + 1 < c->files.n ? ',' : ']');
	}
	if (!c->files.n)
		strbuf_addch(out, ']');
	strbuf_addstr(out, ",\n\"fshort\":[");
	for (size_t i = 0; i < c->files.n; i++) {
		size_t len;
		const char *s = profile_str(c->p, c->files.keys[i], &len);

		strbuf_addf(out, "%s%zu", i ? "," : "", profile_path_short(s, len));
	}
	strbuf_addstr(out, "],\n\"classes\":[");
	for (unsigned k = 0; k < PF_ARRAY_SIZE(seen); k++) {
		if (!seen[k])
			continue;
		strbuf_addf(out, "%s%u", first ? "" : ",", k);
		first = false;
	}
	strbuf_addstr(out, "]};\n");
}

/* Text for XML: markup escaped, control characters as '?', bytes that are
 * not UTF-8 as U+FFFD. */
static void add_xml(struct strbuf *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s);

	while (len) {
		size_t n = utf8_valid_len(p, len);

		if (n == 0)
			strbuf_addstr(out, "\xef\xbf\xbd");
		else if (*p == '&')
			strbuf_addstr(out, "&amp;");
		else if (*p == '<')
			strbuf_addstr(out, "&lt;");
		else if (*p == '>')
			strbuf_addstr(out, "&gt;");
		else if (*p < 0x20 || *p == 0x7f)
			strbuf_addch(out, '?');
		else
			strbuf_add(out, p, n);
		n = n ? n : 1;
		p += n;
		len -= n;
	}
}

/* "Python 3.11.4 · 10.0 s · 1,000 samples (3 idle, 1 failed) · 100/s" */
static void subtitle(const struct profile *p, struct strbuf *out)
{
	const struct profile_meta *m = &p->meta;
	double secs = (double)m->duration_us / 1e6;

	if (m->python[0])
		strbuf_addf(out, "Python %s \xc2\xb7 ", m->python);
	strbuf_addf(out, "%.1f s \xc2\xb7 %" PRIu64 " samples (", secs, m->samples);
	if (p->include_idle)
		strbuf_addf(out, "%" PRIu64 " idle", profile_idle(p));
	else
		strbuf_addstr(out, "idle left out");
	strbuf_addf(out, ", %" PRIu64 " failed)", profile_failed(p));
	if (secs > 0)
		strbuf_addf(out, " \xc2\xb7 %.0f samples/s", (double)m->samples / secs);
	if (m->interval_us)
		strbuf_addf(out, " (every %.3g ms)", (double)m->interval_us / 1000.0);
}

static void add_head(const struct vctx *c, struct strbuf *out)
{
	unsigned height = 60 + (c->max_depth + 1) * 16 + 50;

	strbuf_addf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		    "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" width=\"100%%\" "
		    "height=\"%u\">\n"
		    "<style>text{font-family:\"DejaVu Sans Mono\",Menlo,Consolas,monospace;font-size:12px;"
		    "fill:#000}#frames text{pointer-events:none}"
		    ".frame:hover{stroke:#000;stroke-width:0.5;cursor:pointer}.parent{opacity:0.5}.button{cursor:pointer;fill:#036}"
		    "#title{font-size:17px}#subtitle{fill:#555}</style>\n"
		    "<rect width=\"100%%\" height=\"100%%\" fill=\"#f8f8f4\"/>\n"
		    "<text id=\"title\" x=\"50%%\" y=\"24\" text-anchor=\"middle\">", height);
	add_xml(out, c->p->meta.target ? c->p->meta.target : "pyflame");
	strbuf_addstr(out, "</text>\n<text id=\"subtitle\" x=\"50%\" y=\"44\" text-anchor=\"middle\">");
	subtitle(c->p, out);
	strbuf_addstr(out, "</text>\n"
		      "<text id=\"unzoom\" class=\"button\" x=\"10\" y=\"24\" style=\"display:none\">"
		      "Reset zoom</text>\n"
		      "<text id=\"search\" class=\"button\" x=\"1190\" y=\"24\" text-anchor=\"end\">"
		      "Search</text>\n"
		      "<text id=\"matched\" x=\"1190\" y=\"0\" text-anchor=\"end\"> </text>\n"
		      "<text id=\"details\" x=\"10\" y=\"0\"> </text>\n"
		      "<g id=\"legend\"></g>\n<g id=\"frames\"></g>\n"
		      "<script type=\"text/ecmascript\"><![CDATA[\nvar D = {\"unit\":\"samples\",");
	strbuf_addf(out, "\"total\":%" PRIu64 ",\"min\":%" PRIu64 ",\n\"nodes\":[",
		    c->t.nodes[0].total, c->min_total);
}

static int put_svg(FILE *f, struct vctx *c)
{
	struct strbuf sb;
	int rc;

	strbuf_init(&sb);
	add_head(c, &sb);
	rc = put_nodes(f, c, &sb);
	if (!rc) {
		add_tables(c, &sb);
		strbuf_addstr(&sb, script);
		strbuf_addstr(&sb, "]]></script>\n</svg>\n");
		rc = render_drain(f, &sb, 0);
	}
	strbuf_release(&sb);
	return rc;
}

int out_svg(FILE *f, const struct profile *p)
{
	struct vctx c = { .p = p };
	int rc;

	render_profile(&c.r, p);
	frame_numbers_init(&c.frames, render_nkeys(&c.r));
	frame_numbers_init(&c.files, profile_nstrs(p));
	build_tree(&c);
	rc = put_svg(f, &c);
	if (!rc)
		rc = render_flush(f);
	calltree_release(&c.t);
	frame_numbers_release(&c.files);
	frame_numbers_release(&c.frames);
	render_release(&c.r);
	return rc;
}
