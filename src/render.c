/* SPDX-License-Identifier: Apache-2.0 */
/* render.c - frame and stack text for the output writers, and checked writes. */
#include "compat.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

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

static uint64_t text_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

/* key[id]: the first frame with the same text, through an open-addressing
 * table of frame id + 1 (0 = empty) sized to twice the frames. */
static void find_keys(struct render *r)
{
	size_t n = r->st->nframes, mask = 1, len, olen;
	uint32_t *slots;

	while (mask < 2 * n)
		mask <<= 1;
	slots = xcalloc(mask, sizeof(*slots));
	mask--;
	r->key = xreallocarray(NULL, n ? n : 1, sizeof(*r->key));
	for (uint32_t id = 0; id < n; id++) {
		const char *s = render_frame(r, id, &len);
		size_t i = text_hash(s, len) & mask;

		for (;; i = (i + 1) & mask) {
			const char *o;

			if (!slots[i]) {
				slots[i] = id + 1;
				r->key[id] = id;
				break;
			}
			o = render_frame(r, slots[i] - 1, &olen);
			if (olen == len && memcmp(o, s, len) == 0) {
				r->key[id] = slots[i] - 1;
				break;
			}
		}
	}
	free(slots);
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
	find_keys(r);
}

void render_release(struct render *r)
{
	strbuf_release(&r->text);
	free(r->off);
	free(r->key);
	r->off = NULL;
	r->key = NULL;
	r->st = NULL;
}

uint32_t render_key(const struct render *r, uint32_t id)
{
	if (id >= r->st->nframes)
		PF_BUG("frame id out of range");
	return r->key[id];
}

const char *render_frame(const struct render *r, uint32_t id, size_t *len)
{
	if (id >= r->st->nframes)
		PF_BUG("frame id out of range");
	*len = r->off[id + 1] - r->off[id];
	return r->text.buf + r->off[id];
}

void render_profile(struct render *r, const struct profile *p)
{
	render_build(r, p->st, RENDER_NO_SEMICOLON | (p->line_numbers ? RENDER_LINE_NUMBERS : 0));
}

uint32_t render_marker(const struct render *r, uint32_t stack_marker)
{
	if (stack_marker != STACK_IDLE && stack_marker != STACK_FAILED)
		PF_BUG("not a stack marker");
	return (uint32_t)r->st->nframes + (stack_marker == STACK_FAILED);
}

size_t render_nkeys(const struct render *r)
{
	return r->st->nframes + 2;
}

bool render_is_marker(const struct render *r, uint32_t key)
{
	return key >= r->st->nframes;
}

const char *render_key_text(const struct render *r, uint32_t key, size_t *len)
{
	if (!render_is_marker(r, key))
		return render_frame(r, key, len);
	if (key == r->st->nframes) {
		*len = 6;
		return "(idle)";
	}
	*len = 8;
	return "(failed)";
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

int render_drain(FILE *f, struct strbuf *sb, size_t at_least)
{
	int rc = 0;

	if (sb->len >= at_least && sb->len) {
		rc = render_put(f, sb->buf, sb->len);
		strbuf_reset(sb);
	}
	return rc;
}

void frame_numbers_init(struct frame_numbers *fn, size_t limit)
{
	*fn = (struct frame_numbers){ .limit = limit };
	fn->num = xcalloc(limit ? limit : 1, sizeof(*fn->num));
}

void frame_numbers_release(struct frame_numbers *fn)
{
	free(fn->num);
	free(fn->keys);
	*fn = (struct frame_numbers){ .num = NULL };
}

uint32_t frame_numbers_get(struct frame_numbers *fn, uint32_t key)
{
	if (key >= fn->limit)
		PF_BUG("frame key out of range");
	if (!fn->num[key]) {
		XGROW(fn->keys, fn->cap, fn->n + 1);
		fn->keys[fn->n++] = key;
		fn->num[key] = (uint32_t)fn->n;
	}
	return fn->num[key] - 1;
}
