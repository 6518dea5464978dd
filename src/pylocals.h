/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pylocals.h - the arguments and local variables of a frame, with short
 * reprs of their values, read from the target's memory. Nothing runs in
 * the target.
 *
 * Fetch only: every read goes through a `struct remote` (so fake
 * interpreters in buffers serve as tests and fuzzing input) and is bounded
 * and type-checked as the walker's are; the text comes from pyrepr.h.
 * Slots: <= 3.10 f_localsplus of the frame object, named by co_varnames,
 * then co_cellvars, then co_freevars; 3.11+ the interpreter frame's
 * localsplus, named by co_localsplusnames with co_localspluskinds (3.14+:
 * _PyStackRef words, tag bits cleared). A cell or free variable shows what
 * its cell holds. Unbound variables are left out, as the frame's own
 * f_locals leaves them out; so are the hidden variables of inlined
 * comprehensions (3.12+). A value whose memory cannot be read, or is not
 * what it claims, is shown as "<unreadable at 0xADDR>", never guessed.
 */
#ifndef PF_PYLOCALS_H
#define PF_PYLOCALS_H

#include "compat.h"
#include "pylocate.h"
#include "pyrepr.h"
#include "pagesnap.h"
#include "remote.h"
#include "strbuf.h"

#define PYLOCALS_SLOTS 512	/* slots of one frame looked at; the rest counted */
#define PYLOCALS_NAME 256	/* characters of a name kept */
#define PYLOCALS_SCAN 64	/* table entries of a dict or set looked at for items */
#define PYLOCALS_WIDTH 60	/* default width of a str, bytes or int shown */
#define PYLOCALS_CODES 64	/* code objects whose names are kept per capture */
#define PYLOCALS_TYPES 64	/* types whose names are kept per capture */

enum pylocal_kind {
	PYLOCAL_ARG,		/* an argument (a cell one too) */
	PYLOCAL_LOCAL,
	PYLOCAL_CELL,		/* a local that inner functions share */
	PYLOCAL_FREE,		/* a variable of an enclosing function */
};

/* One variable: name and repr as spans of the list's text (UTF-8). */
struct pylocal {
	uint32_t name, name_len;
	uint32_t repr, repr_len;
	uint8_t kind;		/* enum pylocal_kind */
};

struct pylocals_list {
	struct pylocal *v;
	size_t n, cap;
	struct strbuf text;
	uint32_t more;		/* slots past PYLOCALS_SLOTS, not looked at */
};

void pylocals_list_init(struct pylocals_list *l);
void pylocals_list_clear(struct pylocals_list *l);
void pylocals_list_release(struct pylocals_list *l);

/* The name or repr text of variable `v` of `l` (NUL-terminated in place is
 * not guaranteed: use the length). */
const char *pylocals_name(const struct pylocals_list *l, const struct pylocal *v);
const char *pylocals_repr(const struct pylocals_list *l, const struct pylocal *v);

struct code_names;		/* pylocals.c: the names of one code object's slots */
struct type_name;		/* pylocals.c: the name of one type */

struct pylocals {
	struct remote *r;	/* borrowed */
	const struct pyloc *loc;	/* borrowed */
	struct pyrepr_style style;
	struct pagesnap snap;	/* pages read since the last pylocals_reset() */
	bool fetching;		/* reading only: no text made */
	struct code_names *codes;	/* PYLOCALS_CODES entries */
	struct type_name *types;	/* PYLOCALS_TYPES entries */
	uint8_t *spill;		/* a span across pages, copied */
	size_t spill_cap;
	struct pylocals_list fetched;	/* a fetch's scratch: its text only, dropped */
	struct strbuf items;		/* the reprs of a container's first items */
};

/* Prepare to read through `r` with layout `loc` (both borrowed, outliving
 * `pl`), showing at most `width` characters of a payload (0: the default). */
void pylocals_init(struct pylocals *pl, struct remote *r, const struct pyloc *loc,
		   unsigned width);
void pylocals_release(struct pylocals *pl);

/*
 * Every read goes through a copy of the target's pages (pagesnap.h), so a
 * look can be split around the target's stop: pylocals_fetch() each frame
 * while the target is held (reads only, no text: quick), then
 * pylocals_freeze(), let the target go, and pylocals_read() each frame
 * again: the same reads, served from the copy, now turned into text.
 * pylocals_read() without that split reads the target as it is.
 */

/* Make room ahead for the variables of about `nframes` frames, so that a
 * fetch while the target is held spends no time on it. */
void pylocals_expect(struct pylocals *pl, size_t nframes);

/* Forget every page and name read: call it each time the target may have
 * run since the last reads (each capture). Reads go to the target again. */
void pylocals_reset(struct pylocals *pl);

/*
 * pylocals_fetch_frames - pylocals_fetch() of n frames (frames[i] running
 * codes[i]; a code of 0 is skipped, rcs[i] = -PF_ENOENT), each result in
 * rcs[i]; first the pages they will need, level by level (code objects,
 * slots, values), each level in one batched read where the backend allows,
 * so a look at many frames reads the target a few times rather than once
 * a page. Returns 0, or -PF_EGONE as soon as the process is gone.
 */
int pylocals_fetch_frames(struct pylocals *pl, const uint64_t *frames, const uint64_t *codes,
			  size_t n, int *rcs);

/* pylocals_freeze - from now on, read from what was copied since the last
 * reset alone. */
void pylocals_freeze(struct pylocals *pl);

/*
 * pylocals_fetch - every read pylocals_read() would make of the frame at
 * `frame` running `code`, copying the pages, and nothing else. Returns as
 * pylocals_read() does.
 */
int pylocals_fetch(struct pylocals *pl, uint64_t frame, uint64_t code);

/*
 * pylocals_read - append the variables of the frame at `frame` running code
 * `code` (as the walker read them: struct pyframe.addr and .code) to `out`,
 * in slot order (arguments first). Reads the target, nothing else.
 * Returns 0; -PF_ETORN if the code object or the slots cannot be read or
 * are not consistent (not a code object, counts out of range), leaving
 * `out` as it was; -PF_EGONE if the process is gone. A single value that
 * cannot be read does not fail the call.
 */
int pylocals_read(struct pylocals *pl, uint64_t frame, uint64_t code, struct pylocals_list *out);

/*
 * pylocals_text - append the text of the str object at `addr` (2.7: a str,
 * bytes taken as UTF-8 where valid) as UTF-8, at most `max` characters.
 * 0, or -PF_ETORN if it cannot be read or is not a str.
 */
int pylocals_text(struct pylocals *pl, uint64_t addr, size_t max, struct strbuf *out);

/*
 * pylocals_qualname - append the qualified name (co_qualname, 3.11+) of
 * code object `code`, at most PYLOCALS_NAME characters, read through the
 * same page cache. 0; -PF_ENOENT before 3.11; -PF_ETORN if it cannot be read.
 */
int pylocals_qualname(struct pylocals *pl, uint64_t code, struct strbuf *out);

#endif
