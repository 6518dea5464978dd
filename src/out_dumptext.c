/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_dumptext.c - the -d text of a dump model: what out_dump writes, and,
 * when the model holds variables, each frame's under it, indented.
 */
#include "compat.h"

#include <inttypes.h>

#include "dumpmodel.h"
#include "output.h"
#include "render.h"

/* Text of the target's, on one line: control characters become '?'. */
static void add_line_safe(struct strbuf *out, const char *s)
{
	for (; *s; s++)
		strbuf_addch(out, (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
}

static void frame_vars(const struct dumpmodel *m, const struct dumpmodel_frame *f,
		       struct strbuf *out)
{
	if (!f->vars_read && !f->marker) {
		strbuf_addstr(out, "    (variables not readable)\n");
		return;
	}
	for (uint32_t i = 0; i < f->nvars; i++) {
		const struct dumpmodel_var *v = &m->vars[f->first_var + i];

		strbuf_addstr(out, "    ");
		add_line_safe(out, dumpmodel_str(m, v->name));
		strbuf_addstr(out, " = ");
		add_line_safe(out, dumpmodel_str(m, v->repr));
		strbuf_addch(out, '\n');
	}
	if (f->vars_omitted)
		strbuf_addf(out, "    ... %" PRIu32 " more variables not shown\n", f->vars_omitted);
}

static void thread_text(const struct dumpmodel *m, const struct render *r,
			const struct dumpmodel_thread *t, struct strbuf *out)
{
	size_t len;

	strbuf_addf(out, "%" PRIu64 "%s:\n", t->thread_id, t->holds_gil ? "*" : "");
	for (uint32_t i = 0; i < t->nframes; i++) {
		const struct dumpmodel_frame *f = &m->frames[t->first_frame + i];
		const char *s = render_frame(r, f->frame, &len);

		strbuf_add(out, s, len);
		strbuf_addch(out, '\n');
		if (m->with_locals)
			frame_vars(m, f, out);
	}
}

int out_dump_text(FILE *f, const struct dumpmodel *m)
{
	struct render r;
	struct strbuf sb;
	bool first = true;
	int rc;

	render_build(&r, m->st, RENDER_LINE_NUMBERS);
	strbuf_init(&sb);
	for (size_t i = 0; i < m->nthreads; i++) {
		if (!m->threads[i].nframes)
			continue;	/* as -d always did: a thread without a frame is left out */
		if (!first)
			strbuf_addch(&sb, '\n');
		first = false;
		thread_text(m, &r, &m->threads[i], &sb);
	}
	rc = render_write(f, sb.buf, sb.len);
	strbuf_release(&sb);
	render_release(&r);
	return rc;
}
