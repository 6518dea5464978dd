/* SPDX-License-Identifier: Apache-2.0 */
/* render.c - frame and stack text for the output writers, and checked writes. */
#include "compat.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "err.h"
#include "render.h"
#include "xalloc.h"

/* Append a name, replacing what would break a line of the output. */
static void add_clean(struct strbuf *out, const char *s, size_t len,
		      unsigned flags)
{
	size_t start = out->len;

	strbuf_add(out, s, len);
	for (char *p = out->buf + start; p < out->buf + out->len; p++) {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20 || c == 0x7f)
			*p = '?';
		else if (c == ';' && (flags & RENDER_NO_SEMICOLON))
			*p = ':';
	}
}

static void add_str(struct strbuf *out, const struct stacks *st, uint32_t id, unsigned flags)
{
	size_t len;
	const char *s = stacks_str(st, id, &len);

	add_clean(out, s, len, flags);
}

/* "object!symbol", or "object+0xOFFSET" where no symbol covers the address. */
static void add_native(struct strbuf *out, const struct stacks *st, const struct frame *f,
		       unsigned flags)
{
	add_str(out, st, f->file, flags);
	if (stacks_str(st, f->name, NULL)[0]) {
		strbuf_addch(out, '!');
		add_str(out, st, f->name, flags);
	} else {
		strbuf_addf(out, "+0x%" PRIx64, f->offset);
	}
}

static void add_frame(struct strbuf *out, const struct stacks *st,
		      const struct frame *f, unsigned flags)
{
	switch (f->kind) {
	case FRAME_NATIVE:
		add_native(out, st, f, flags);
		return;
	case FRAME_PROCESS:
	case FRAME_THREAD:
		add_str(out, st, f->name, flags);
		return;
	default:
		add_str(out, st, f->file, flags);
		strbuf_addch(out, ':');
		add_str(out, st, f->name, flags);
		if (flags & RENDER_LINE_NUMBERS)
			strbuf_addf(out, ":%" PRId32, f->line);
	}
}

void render_build(struct render *r, const struct stacks *st, unsigned flags)
{
	r->st = st;
	strbuf_init(&r->text);
	r->off = xreallocarray(NULL, st->nframes + 1, sizeof(*r->off));
	for (size_t id = 0; id < st->nframes; id++) {
		r->off[id] = r->text.len;
		add_frame(&r->text, st, &st->frames[id], flags);
	}
	r->off[st->nframes] = r->text.len;
}

void render_release(struct render *r)
{
	strbuf_release(&r->text);
	free(r->off);
	r->off = NULL;
	r->st = NULL;
}

const char *render_frame(const struct render *r, uint32_t id, size_t *len)
{
	if (id >= r->st->nframes)
		PF_BUG("frame id out of range");
	*len = r->off[id + 1] - r->off[id];
	return r->text.buf + r->off[id];
}

void render_stack(const struct render *r, uint32_t id, bool trailing,
		  struct strbuf *out)
{
	size_t depth, len;
	const uint32_t *frames = stacks_frames(r->st, id, &depth);

	for (size_t i = depth; i-- > 0;) {
		const char *s = render_frame(r, frames[i], &len);

		strbuf_add(out, s, len);
		if (i || trailing)
			strbuf_addch(out, ';');
	}
}

/* The detail names errno's reason; the code is PF_ESYS whatever errno was. */
static int write_failed(void)
{
	if (errno == 0)
		errno = EIO;
	pf_fail_errno("cannot write the profile");
	return -PF_ESYS;
}

int render_put(FILE *f, const void *buf, size_t len)
{
	errno = 0;
	if (len && fwrite(buf, 1, len, f) != len)
		return write_failed();
	return 0;
}

int render_flush(FILE *f)
{
	errno = 0;
	if (fflush(f) != 0 || ferror(f))
		return write_failed();
	return 0;
}

int render_write(FILE *f, const void *buf, size_t len)
{
	int rc = render_put(f, buf, len);

	return rc ? rc : render_flush(f);
}
