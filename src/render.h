/* SPDX-License-Identifier: Apache-2.0 */
/*
 * render.h - frame and stack text shared by the output writers, and checked
 * writes to a FILE. Reads only a struct stacks; never touches the target.
 */
#ifndef PF_RENDER_H
#define PF_RENDER_H

#include <stdio.h>

#include "compat.h"
#include "profile.h"
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
	uint32_t *key;		/* frame id -> the first frame id with the same text */
};

/* render_build - render every frame of `st` with `flags` (enum render_flags). */
void render_build(struct render *r, const struct stacks *st, unsigned flags);
void render_release(struct render *r);

/* The text of frame `id`, length in *len; not NUL-terminated. */
const char *render_frame(const struct render *r, uint32_t id, size_t *len);

/*
 * render_key - the smallest frame id whose text is the same as frame `id`'s.
 * Writers that merge by text (as the collapsed format does, with -n or once
 * names are sanitised) key their frames by it.
 */
uint32_t render_key(const struct render *r, uint32_t id);

/*
 * render_profile - render_build() of p's stacks as the collapsed format
 * renders them: ';' replaced, line numbers as p asks.
 */
void render_profile(struct render *r, const struct profile *p);

/*
 * Keys beyond the frames: render_marker() gives STACK_IDLE and STACK_FAILED
 * the keys nframes and nframes + 1, so that writers can treat "(idle)" and
 * "(failed)" as one-frame stacks; render_nkeys() is nframes + 2, and
 * render_is_marker() tells such a key.
 */
uint32_t render_marker(const struct render *r, uint32_t stack_marker);
size_t render_nkeys(const struct render *r);
bool render_is_marker(const struct render *r, uint32_t key);
/* The text of a key: a frame's (render_frame), or "(idle)" / "(failed)". */
const char *render_key_text(const struct render *r, uint32_t key, size_t *len);

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

/*
 * render_drain - write out and empty `sb` once it holds `at_least` bytes
 * (0: always). Returns as render_put().
 */
int render_drain(FILE *f, struct strbuf *sb, size_t at_least);

/*
 * struct frame_numbers - a dense numbering, from 0 in order of first use,
 * of the keys (below `limit`) a writer meets: its frame table.
 */
struct frame_numbers {
	uint32_t *num;		/* key -> number + 1, 0 = not met yet */
	uint32_t *keys;		/* number -> key */
	size_t n, cap, limit;
};

void frame_numbers_init(struct frame_numbers *fn, size_t limit);
void frame_numbers_release(struct frame_numbers *fn);
/* The number of `key` (< limit), given it now if it has none. */
uint32_t frame_numbers_get(struct frame_numbers *fn, uint32_t key);

#endif
