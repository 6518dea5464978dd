/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_dump.c - the -d writer: each thread's id, '*' for the GIL holder, its
 * label (a thread root), and its frames innermost first, threads separated
 * by an empty line.
 */
#include "compat.h"

#include <inttypes.h>

#include "output.h"
#include "render.h"

static void thread_text(const struct render *r, const struct dump_thread *t,
			struct strbuf *out)
{
	size_t depth, len;
	const uint32_t *frames = stacks_frames(r->st, t->stack, &depth);

	strbuf_addf(out, "%" PRIu64 "%s", t->thread_id, t->holds_gil ? "*" : "");
	if (depth > 1 && stacks_frame(r->st, frames[depth - 1])->kind == FRAME_THREAD) {
		const char *label = render_frame(r, frames[--depth], &len);

		strbuf_addch(out, ' ');
		strbuf_add(out, label, len);
	}
	strbuf_addstr(out, ":\n");
	for (size_t i = 0; i < depth; i++) {
		const char *s = render_frame(r, frames[i], &len);

		strbuf_add(out, s, len);
		strbuf_addch(out, '\n');
	}
}

int out_dump(FILE *f, const struct stacks *st, const struct dump_thread *threads,
	     size_t n)
{
	struct render r;
	struct strbuf sb;
	int rc = 0;

	render_build(&r, st, RENDER_LINE_NUMBERS);
	strbuf_init(&sb);
	for (size_t i = 0; i < n && !rc; i++) {
		strbuf_reset(&sb);
		if (i)
			strbuf_addch(&sb, '\n');
		thread_text(&r, &threads[i], &sb);
		rc = render_put(f, sb.buf, sb.len);
	}
	if (!rc)
		rc = render_flush(f);
	strbuf_release(&sb);
	render_release(&r);
	return rc;
}
