/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_flamechart.c - the --flamechart writer: per chart event, in time order,
 * a timestamp line and a stack line with a ';' after every frame.
 */
#include "compat.h"

#include <inttypes.h>

#include "output.h"
#include "render.h"

/* Append the second line of one event, without its newline. */
static void event_text(const struct render *r, uint32_t stack, struct strbuf *out)
{
	if (stack == STACK_IDLE)
		strbuf_addstr(out, "(idle)");
	else if (stack == STACK_FAILED)
		strbuf_addstr(out, "(failed)");
	else
		render_stack(r, stack, true, out);
}

int out_flamechart(FILE *f, const struct profile *p)
{
	const struct stacks *st = p->st;
	unsigned flags = RENDER_NO_SEMICOLON;
	struct render r;
	struct strbuf sb;
	int rc = 0;

	if (p->line_numbers)
		flags |= RENDER_LINE_NUMBERS;
	render_build(&r, st, flags);
	strbuf_init(&sb);
	for (size_t i = 0; i < st->nevents && !rc; i++) {
		const struct chart_event *e = &st->events[i];

		if (e->stack == STACK_IDLE && !p->include_idle)
			continue;
		strbuf_reset(&sb);
		strbuf_addf(&sb, "%" PRIu64 "\n", e->ts_us);
		event_text(&r, e->stack, &sb);
		strbuf_addch(&sb, '\n');
		rc = render_put(f, sb.buf, sb.len);
	}
	if (!rc)
		rc = render_flush(f);
	strbuf_release(&sb);
	render_release(&r);
	return rc;
}
