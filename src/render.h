/* SPDX-License-Identifier: Apache-2.0 */
/*
 * render.h - frame and stack text shared by the output writers, and checked
 * writes to a FILE. Reads only a struct stacks; never touches the target.
 */
#ifndef PF_RENDER_H
#define PF_RENDER_H

#include <stdio.h>

#include "compat.h"
#include "stacks.h"
#include "strbuf.h"

enum render_flags {
	RENDER_LINE_NUMBERS = 1 << 0,	/* "file:name:line", else "file:name" */
	RENDER_NO_SEMICOLON = 1 << 1,	/* ';' in a name becomes ':' */
};

/*
 * The text of every frame of one struct stacks, rendered once: a Python
 * frame as "file:function" or "file:function:line", a native frame as
 * "object!symbol" or "object+0xOFFSET" (no symbol covers it), a process or
 * thread root as its label. In names, control characters (< 0x20 and 0x7f)
 * always become '?'; other bytes, UTF-8 included, pass unchanged. `st` is borrowed and must not
 * change while the render is in use; `text` and `off` belong to the render.
 */
struct render {
	const struct stacks *st;
	struct strbuf text;	/* all frames' text back to back, no separators */
	size_t *off;		/* frame id -> start in text; nframes + 1 entries */
};

/* render_build - render every frame of `st` with `flags` (enum render_flags). */
void render_build(struct render *r, const struct stacks *st, unsigned flags);
void render_release(struct render *r);

/* The text of frame `id`, length in *len; not NUL-terminated. */
const char *render_frame(const struct render *r, uint32_t id, size_t *len);

/*
 * render_stack - append stack `id` to `out`, root first, the frames joined
 * by ';'; with `trailing`, every frame including the last is followed by ';'.
 */
void render_stack(const struct render *r, uint32_t id, bool trailing,
		  struct strbuf *out);

/*
 * render_put - write buf[0..len) to `f`. render_flush - flush `f` and check
 * its error flag. Both return 0, or -PF_ESYS with the errno text recorded.
 */
int render_put(FILE *f, const void *buf, size_t len);
int render_flush(FILE *f);

/* render_write - render_put() then render_flush(): a document written whole. */
int render_write(FILE *f, const void *buf, size_t len);

#endif
