/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pywalk.c - interpreter state -> threads -> frames -> interned frame ids.
 * Fetches from the target through `struct remote`; decoding is left to the
 * pure modules (linetable.c, pystr.c).
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "linetable.h"
#include "pyops.h"
#include "pystr.h"
#include "pywalk.h"
#include "xalloc.h"

#define CODE_CACHE_SLOTS 1024	/* a power of two */
#define MAX_INTERPRETERS 64
#define MAX_STEPS (4 * PYWALK_MAX_DEPTH)	/* frames visited, skipped ones too */
#define DEPTH_SLACK 8	/* frames read past the limit: some may not be shown */
#define CODE_BUF PYOFFSETS_CODE_MAX
#define FRAME_BUF PYOFFSETS_FRAME_MAX
#define STR_HEADER_BUF PYOFFSETS_OBJECT_MAX

/* A code object as last decoded; reused while its fields are unchanged. */
struct code_entry {
	uint64_t addr;		/* 0: empty slot */
	uint64_t filename, name, table_ptr;	/* what it was decoded from */
	uint64_t bytecode;	/* <= 3.10: the co_code object; 3.11+: 0 */
	int64_t size;		/* bytes of bytecode: instructions lie below */
	int32_t firstlineno;
	int32_t firsttraceable;	/* in code units; 0 before 3.11 */
	uint32_t file_id, name_id;
	struct linetable lines;
	int64_t memo_addr;	/* the last lookup: a caller's frame asks again */
	int memo_line;
};

static uint64_t get_ptr(const uint8_t *buf, uint32_t off)
{
	uint64_t v;

	memcpy(&v, buf + off, sizeof v);
	return v;
}

static int32_t get_i32(const uint8_t *buf, uint32_t off)
{
	int32_t v;

	memcpy(&v, buf + off, sizeof v);
	return v;
}

void pywalk_init(struct pywalk *w, struct remote *r, const struct pyloc *loc,
		 struct stacks *st, bool qualnames)
{
	memset(w, 0, sizeof *w);
	w->r = r;
	w->loc = loc;
	w->st = st;
	w->qualnames = qualnames && loc->off.co_qualname != PYOFF_NONE;
	rcache_init(&w->cache, r);
	readplan_init(&w->plan);
	w->codes = xcalloc(CODE_CACHE_SLOTS, sizeof *w->codes);
	w->codes_mask = CODE_CACHE_SLOTS - 1;
	strbuf_init(&w->scratch);
	w->truncated = stacks_intern_str(st, "(truncated)", 11);
}

void pywalk_release(struct pywalk *w)
{
	for (size_t i = 0; w->codes && i <= w->codes_mask; i++)
		linetable_release(&w->codes[i].lines);
	free(w->codes);
	w->codes = NULL;
	free(w->spans);
	w->spans = NULL;
	rcache_release(&w->cache);
	strbuf_release(&w->scratch);
}

void pysample_init(struct pysample *s)
{
	memset(s, 0, sizeof *s);
}

void pysample_clear(struct pysample *s)
{
	s->nthreads = 0;
	s->nraw = 0;
	s->nframes = 0;
	s->whole = true;
	s->trimmed = 0;
}

void pysample_release(struct pysample *s)
{
	free(s->threads);
	free(s->raw);
	free(s->found);
	free(s->frames);
	pysample_init(s);
}

/* Reads of small things go through the page cache. */
static int rd(struct pywalk *w, uint64_t addr, void *buf, size_t len)
{
	return rcache_read(&w->cache, addr, buf, len);
}

static int rd_ptr(struct pywalk *w, uint64_t addr, uint64_t *out)
{
	return rcache_read_ptr(&w->cache, addr, out);
}

/* Names, line tables and bytecode sizes of a code object do not change
 * while it lives: they are read once, apart from the sample's pages. */
static int rd_once(struct pywalk *w, uint64_t addr, void *buf, size_t len)
{
	return remote_read(w->r, addr, buf, len);
}

/* ------------------------------------------------------------ strings */

static int read_bytes27(struct pywalk *w, uint64_t addr, bool check_type, struct strbuf *out)
{
	const struct pyoffsets *o = &w->loc->off;
	uint8_t head[STR_HEADER_BUF];
	uint8_t data[PYWALK_MAX_STRING];
	int64_t n;
	int rc;

	if ((rc = rd_once(w, addr, head, o->bytes_data)) < 0)
		return rc;
	if (check_type && get_ptr(head, o->ob_type) != w->loc->str_type)
		return pf_fail(PF_ETORN, "not a str object at %#llx", (unsigned long long)addr);
	n = (int64_t)get_ptr(head, o->bytes_size);
	if (n < 0)
		return pf_fail(PF_ETORN, "negative string size");
	if (n > PYWALK_MAX_STRING)
		n = PYWALK_MAX_STRING;
	if ((rc = rd_once(w, addr + o->bytes_data, data, (size_t)n)) < 0)
		return rc;
	pystr_bytes_to_utf8(data, (size_t)n, out);
	return 0;
}

/* Where a PEP 393 string keeps its characters, from its state word. */
static int str_data_addr(struct pywalk *w, uint64_t addr, uint32_t state, uint64_t *data)
{
	const struct pyoffsets *o = &w->loc->off;
	bool compact = (state >> o->str_compact_shift) & 1;
	bool ascii = (state >> o->str_ascii_shift) & 1;

	if (compact) {
		*data = addr + (ascii ? o->str_ascii_data : o->str_compact_data);
		return 0;
	}
	return rd_once(w, addr + o->str_legacy_data, data, sizeof *data);
}

static int read_unicode(struct pywalk *w, uint64_t addr, struct strbuf *out)
{
	const struct pyoffsets *o = &w->loc->off;
	uint8_t head[STR_HEADER_BUF];
	uint8_t data[PYWALK_MAX_STRING * 4];
	uint64_t where;
	uint32_t state, kind;
	int64_t n;
	int rc;

	if ((rc = rd_once(w, addr, head, o->str_ascii_data)) < 0)
		return rc;
	if (get_ptr(head, o->ob_type) != w->loc->str_type)
		return pf_fail(PF_ETORN, "not a str object at %#llx", (unsigned long long)addr);
	n = (int64_t)get_ptr(head, o->str_length);
	memcpy(&state, head + o->str_state, sizeof state);
	kind = (state >> o->str_kind_shift) & 7;
	if (n < 0 || (kind != 1 && kind != 2 && kind != 4))
		return pf_fail(PF_ETORN, "implausible str header at %#llx", (unsigned long long)addr);
	if (n > PYWALK_MAX_STRING)
		n = PYWALK_MAX_STRING;
	if ((rc = str_data_addr(w, addr, state, &where)) < 0 ||
	    (rc = rd_once(w, where, data, (size_t)n * kind)) < 0)
		return rc;
	if (pystr_to_utf8(kind, data, (size_t)n * kind, out) < 0)
		return -PF_ETORN;
	return 0;
}

/* Intern the string object at `addr`; its id in *id. */
static int read_str(struct pywalk *w, uint64_t addr, uint32_t *id)
{
	int rc;

	strbuf_reset(&w->scratch);
	if (w->loc->off.str_model == STR_BYTES27)
		rc = read_bytes27(w, addr, true, &w->scratch);
	else
		rc = read_unicode(w, addr, &w->scratch);
	if (rc < 0)
		return rc;
	*id = stacks_intern_str(w->st, w->scratch.buf, w->scratch.len);
	return 0;
}

/* ------------------------------------------------------- code objects */

/* Copy out a line table (a bytes object; a str in 2.7) and decode it. */
static int read_table(struct pywalk *w, uint64_t addr, int firstlineno, struct linetable *lt)
{
	const struct pyoffsets *o = &w->loc->off;
	uint8_t head[STR_HEADER_BUF];
	uint8_t *table;
	int64_t n;
	int rc;

	if ((rc = rd_once(w, addr, head, o->bytes_data)) < 0)
		return rc;
	n = (int64_t)get_ptr(head, o->bytes_size);
	if (n < 0 || n > PYWALK_MAX_LINETABLE)
		return pf_fail(PF_ETORN, "implausible line table size %lld", (long long)n);
	table = xmalloc((size_t)n + 1);
	rc = rd_once(w, addr + o->bytes_data, table, (size_t)n);
	if (rc == 0 && linetable_decode(lt, o->lt_format, table, (size_t)n, firstlineno) < 0)
		rc = pf_fail(PF_ETORN, "malformed line table at %#llx", (unsigned long long)addr);
	free(table);
	return rc;
}

static bool entry_matches(const struct code_entry *e, uint64_t addr, const struct code_entry *seen)
{
	return e->addr == addr && e->filename == seen->filename && e->name == seen->name &&
	       e->table_ptr == seen->table_ptr && e->firstlineno == seen->firstlineno &&
	       e->bytecode == seen->bytecode && (seen->bytecode || e->size == seen->size);
}

/* <= 3.10: the size of the bytecode, a bytes object (a str in 2.7). */
static int read_code_size(struct pywalk *w, uint64_t bytecode, int64_t *size)
{
	uint64_t n;
	int rc;

	if ((rc = rd_once(w, bytecode + w->loc->off.bytes_size, &n, sizeof n)) < 0)
		return rc;
	if (n > 2 * PYWALK_MAX_CODE)
		return pf_fail(PF_ETORN, "implausible bytecode size %llu", (unsigned long long)n);
	*size = (int64_t)n;
	return 0;
}

static int entry_fill(struct pywalk *w, struct code_entry *e, const struct code_entry *seen)
{
	struct linetable lines;
	uint32_t file_id, name_id;
	int64_t size = seen->size;
	int rc;

	linetable_init(&lines);
	if ((seen->bytecode && (rc = read_code_size(w, seen->bytecode, &size)) < 0) ||
	    (rc = read_str(w, seen->filename, &file_id)) < 0 ||
	    (rc = read_str(w, seen->name, &name_id)) < 0 ||
	    (rc = read_table(w, seen->table_ptr, seen->firstlineno, &lines)) < 0)
		return rc;
	linetable_release(&e->lines);
	*e = *seen;
	e->file_id = file_id;
	e->name_id = name_id;
	e->lines = lines;
	e->size = size;
	e->memo_addr = INT64_MIN;
	return 0;
}

static size_t code_slot(const struct pywalk *w, uint64_t addr)
{
	return (size_t)((addr >> 4) * 0x9e3779b97f4a7c15ull >> 40) & w->codes_mask;
}

/*
 * The decoded code object at `addr`, from the cache when its file name,
 * name, line table and first line are those last seen at that address
 * (addresses are reused after a free). -PF_ETORN if it is not a code object.
 */
static int code_get(struct pywalk *w, uint64_t addr, struct code_entry **out)
{
	const struct pyoffsets *o = &w->loc->off;
	struct code_entry seen = { .addr = addr };
	struct code_entry *e = &w->codes[code_slot(w, addr)];
	uint8_t buf[CODE_BUF];
	int rc;

	if ((rc = rd(w, addr, buf, o->co_size)) < 0)
		return rc;
	if (get_ptr(buf, o->ob_type) != w->loc->code_type)
		return pf_fail(PF_ETORN, "not a code object at %#llx", (unsigned long long)addr);
	seen.filename = get_ptr(buf, o->co_filename);
	seen.name = get_ptr(buf, w->qualnames ? o->co_qualname : o->co_name);
	seen.table_ptr = get_ptr(buf, o->co_linetable);
	seen.firstlineno = get_i32(buf, o->co_firstlineno);
	if (o->co_firsttraceable != PYOFF_NONE)
		seen.firsttraceable = get_i32(buf, o->co_firsttraceable);
	if (o->co_code != PYOFF_NONE)
		seen.bytecode = get_ptr(buf, o->co_code);
	else if (get_ptr(buf, o->co_units) > PYWALK_MAX_CODE)
		return pf_fail(PF_ETORN, "implausible code size at %#llx", (unsigned long long)addr);
	else
		seen.size = 2 * (int64_t)get_ptr(buf, o->co_units);
	if (!entry_matches(e, addr, &seen) && (rc = entry_fill(w, e, &seen)) < 0)
		return rc;
	*out = e;
	return 0;
}

/* ------------------------------------------------------------- frames */

/* A thread's newest data-stack chunk [lo, hi), filled up to `top`. */
struct stackview {
	uint64_t lo, hi, top;
};

#define CHUNK_SIZE_AT 8		/* _PyStackChunk: previous, size, top, data[] */
#define CHUNK_SIZE_MAX (1ull << 30)

/* Brent's cycle detector over the frame chain: no memory, <= 2x steps. */
struct cycle {
	uint64_t tortoise;
	size_t power, lam;
};

static bool cycle_seen(struct cycle *c, uint64_t f)
{
	if (f == c->tortoise)
		return true;
	if (++c->lam == c->power) {
		c->tortoise = f;
		c->power *= 2;
		c->lam = 0;
	}
	return false;
}

/* Whether an interpreter frame belongs to C or to the interpreter itself. */
static bool owner_skipped(const struct pyoffsets *o, uint8_t owner)
{
	switch (o->owner_model) {
	case OWNER_312:
		return owner == 3;
	case OWNER_314:
		return owner >= 3;
	default:
		return false;
	}
}

#define OWNED_BY_THREAD 0	/* 3.11+: on the thread's data stack */
#define OWNED_BY_GENERATOR 1

/* What the walk needs of the frame in `buf`; code 0 if it is never shown. */
static void frame_fields(const struct pyoffsets *o, const uint8_t *buf, struct rawframe *f)
{
	if (o->frame_model == FRAME_OBJECT) {
		f->code = get_ptr(buf, o->fr_code);
		f->instr = get_i32(buf, o->fr_lasti);
		f->held = (int64_t)get_ptr(buf, o->ob_refcnt);
		f->owner = OWNED_BY_THREAD;
		f->entry = false;
		f->shim = false;
		f->stale = f->held <= 0 ||
			   (o->fr_valuestop != PYOFF_NONE && get_ptr(buf, o->fr_valuestop)) ||
			   (o->fr_state != PYOFF_NONE && buf[o->fr_state]);
		return;
	}
	f->code = get_ptr(buf, o->fr_code) & ~o->exe_tag_mask;
	f->instr = (int64_t)get_ptr(buf, o->fr_instr);
	f->held = get_i32(buf, o->fr_stacktop);
	f->owner = buf[o->fr_owner];
	f->entry = o->fr_is_entry != PYOFF_NONE && buf[o->fr_is_entry];
	f->stale = false;
	f->shim = owner_skipped(o, f->owner);
	if (f->shim)
		f->code = 0;
	else if (!f->code)
		f->stale = true;	/* 3.14+ clear it when the frame is popped */
}

/*
 * What frame `r` (in `buf`; `inner` is the frame read just before it, NULL
 * for the first) must be, whatever the moment it was copied: of its type
 * (<= 3.10); on the thread's data stack (3.11+), inside the newest chunk
 * `sv` above the frame it called there. -PF_ETORN if not.
 */
static int check_frame(const struct pywalk *w, const uint8_t *buf, const struct rawframe *r,
		       const struct rawframe *inner, const struct stackview *sv)
{
	const struct pyoffsets *o = &w->loc->off;

	if (o->frame_model == FRAME_OBJECT) {
		if (get_ptr(buf, o->ob_type) != w->loc->frame_type)
			return pf_fail(PF_ETORN, "no frame object at %#llx", (unsigned long long)r->addr);
		return 0;
	}
	if (r->owner == OWNED_BY_THREAD && r->addr >= sv->lo && r->addr < sv->hi &&
	    (r->addr + o->fr_size > sv->hi ||
	     (inner && inner->owner == OWNED_BY_THREAD && inner->addr <= r->addr)))
		return pf_fail(PF_ETORN, "frame %#llx is not where its stack says",
			       (unsigned long long)r->addr);
	return 0;
}

static struct rawframe *push_raw(struct rawframe **v, size_t *n, size_t *cap)
{
	XGROW(*v, *cap, *n + 1);
	return &(*v)[(*n)++];
}

/*
 * Read the chain from frame `f` into v[*n..], every frame visited, each
 * checked (check_frame). Stops after PYWALK_MAX_DEPTH + slack frames that
 * may be shown, setting *cut. -PF_ETORN on a loop, a bad read or a frame
 * that fails its check.
 */
static int read_chain(struct pywalk *w, uint64_t f, const struct stackview *sv,
		      struct rawframe **v, size_t *n, size_t *cap, bool *cut)
{
	const struct pyoffsets *o = &w->loc->off;
	struct cycle cyc = { .tortoise = 0, .power = 1, .lam = 0 };
	uint8_t buf[FRAME_BUF];
	size_t shown = 0, first = *n;
	int rc;

	*cut = false;
	for (size_t steps = 0; f; steps++) {
		struct rawframe *r;

		if (steps == MAX_STEPS || cycle_seen(&cyc, f))
			return pf_fail(PF_ETORN, "frame chain loops");
		if (shown == PYWALK_MAX_DEPTH + DEPTH_SLACK) {
			*cut = true;
			break;
		}
		if ((rc = rd(w, f, buf, o->fr_size)) < 0)
			return rc;
		r = push_raw(v, n, cap);
		r->addr = f;
		frame_fields(o, buf, r);
		if ((rc = check_frame(w, buf, r, *n - 1 > first ? r - 1 : NULL, sv)) < 0)
			return rc;
		shown += r->code != 0;
		f = get_ptr(buf, o->fr_back);
	}
	return 0;
}

/* Whether frame `f`'s instruction is one a frame calls from (pyops.h). */
static int at_call(struct pywalk *w, const struct rawframe *f, bool *yes)
{
	const struct pyoffsets *o = &w->loc->off;
	uint64_t lo = f->code + o->co_code_adaptive;
	uint8_t win[PYOPS_WINDOW] = { 0 };
	struct code_entry *e;
	int64_t at = f->instr - (int64_t)lo, from;
	int rc;

	if ((rc = code_get(w, f->code, &e)) < 0)
		return rc;
	if (at < 0 || at + 2 > e->size)
		return pf_fail(PF_ETORN, "instruction %lld outside its code", (long long)at);
	if (at < 2 * (int64_t)e->firsttraceable) {
		*yes = true;	/* a trampoline that has not started (3.13's init shim) */
		return 0;
	}
	from = at >= PYOPS_BACK ? at - PYOPS_BACK : 0;
	if ((rc = rd(w, lo + (uint64_t)from, win + (from - (at - PYOPS_BACK)),
		     (size_t)(at + 2 - from))) < 0)
		return rc;
	*yes = pyops_calling(o->ops, win);
	return 0;
}

/*
 * Whether frame `f` was suspended in a call to `g`, the frame just inside
 * it, when it was copied (see enum py_caller_model). Always so for an
 * entry or shim frame, and where `g` was called through C: C code may call
 * Python from any instruction.
 */
static int is_caller(struct pywalk *w, const struct rawframe *f, const struct rawframe *g,
		     bool *yes)
{
	const struct pyoffsets *o = &w->loc->off;

	*yes = true;
	if (!f->code)
		return 0;
	if (o->caller_model == CALLER_REFCNT) {
		*yes = f->held >= 2;
		return 0;
	}
	if (!g->code || g->entry)
		return 0;
	if (o->caller_model == CALLER_STACKTOP && f->held < 0) {
		*yes = false;
		return 0;
	}
	return at_call(w, f, yes);
}

/*
 * Whether thread state `ts`'s stack ends at the frame it ended at before
 * (true the first time). A frame copied while it was pushed can end a chain
 * early; a thread's real outermost frame changes only when it returns, and
 * is taken as the new one once PYWALK_ANCHOR_MOVES captures in a row agree.
 */
static bool same_bottom(struct pywalk *w, uint64_t ts, uint64_t bottom)
{
	struct pyanchor *a = &w->anchors[(ts >> 6) % PYWALK_ANCHORS];

	if (a->tstate != ts || a->bottom == bottom) {
		*a = (struct pyanchor){ ts, bottom, a->tstate == ts ? a->top : 0, 0, 0 };
		return true;
	}
	if (a->moved != bottom) {
		a->moved = bottom;
		a->times = 0;
	}
	if (++a->times < PYWALK_ANCHOR_MOVES)
		return false;
	*a = (struct pyanchor){ ts, bottom, 0, 0, 0 };
	return true;
}

static struct pyanchor *anchor_of(struct pywalk *w, uint64_t ts)
{
	struct pyanchor *a = &w->anchors[(ts >> 6) % PYWALK_ANCHORS];

	return a->tstate == ts ? a : NULL;
}

/*
 * Whether every calling frame of v[0..n) (v[1] outwards) is at the
 * instruction the last capture found it at, if it found it (CALLER_REFCNT:
 * see pywalk_capture). The instructions are remembered either way, so a
 * frame that really moved passes the next time.
 */
static bool callers_held_still(struct pywalk *w, const struct rawframe *v, uint32_t n)
{
	bool still = true;

	for (uint32_t j = 1; j < n; j++) {
		struct pycaller *c = &w->callers[(v[j].addr >> 4) % PYWALK_CALLERS];

		if (c->frame == v[j].addr && c->code == v[j].code && c->instr != v[j].instr)
			still = false;
		*c = (struct pycaller){ v[j].addr, v[j].code, v[j].instr };
	}
	return still;
}

/*
 * settle - the stack thread `t` had when its frames were copied. The batch
 * copies the outer frames first and the pointer to the innermost one last
 * (readplan.h); when the stack changed in between, that pointer leads to
 * frames pushed after the copy of their callers, whose copies show them
 * running, or to frames copied before they were pushed (freed, <= 3.10).
 * From the outermost frame in, the first frame that was not suspended in a
 * call to the next one was the innermost when it was copied: the frames
 * inside it are dropped. Every frame kept must be alive.
 */
static int settle(struct pywalk *w, struct pythread *t, struct pysample *s)
{
	const struct rawframe *v;
	struct pyanchor *a;
	uint32_t n = t->nraw, first = 0;	/* keep v[first..n) */
	int rc;

	if (!n)
		return 0;	/* s->raw may be NULL: no pointer arithmetic */
	v = s->raw + t->raw_first;
	for (uint32_t j = n; j-- > 1;) {
		bool yes;

		if (v[j].stale)
			return pf_fail(PF_ETORN, "a caller frame is stale");
		if ((rc = is_caller(w, &v[j], &v[j - 1], &yes)) < 0)
			return rc;
		if (!yes || v[j - 1].stale) {
			first = j;
			break;
		}
	}
	if (v[first].stale)
		return pf_fail(PF_ETORN, "the innermost frame is stale");
	if (!t->cut && !same_bottom(w, t->tstate, v[n - 1].addr))
		s->whole = false;
	if (w->loc->off.caller_model == CALLER_REFCNT && !callers_held_still(w, v + first, n - first))
		s->whole = false;
	if ((a = anchor_of(w, t->tstate)))
		a->top = v[first].addr;
	s->trimmed += first;
	t->raw_first += first;
	t->nraw = n - first;
	return 0;
}

static void push_found(struct pysample *s, uint32_t file, uint32_t name, int line,
		       const struct rawframe *r)
{
	XGROW(s->found, s->found_cap, s->nframes + 1);
	s->found[s->nframes] = (struct pyframe){ file, name, line, r ? r->addr : 0,
						 r ? r->code : 0, false };
	s->nframes++;
}

/* The line of byte offset `addr` in code `e`; the last answer is kept, as
 * a calling frame asks for the same offset sample after sample. */
static int code_line(struct code_entry *e, int64_t addr)
{
	int line;

	if (addr == e->memo_addr)
		return e->memo_line;
	line = linetable_lookup(&e->lines, addr);
	if (line == LINETABLE_NO_LINE)
		line = 0;
	e->memo_addr = addr;
	e->memo_line = line;
	return line;
}

/*
 * Add the frame read as `r` to s->found, or nothing for a 3.11+ frame that
 * was pushed but has not started (incomplete). 1 if added.
 */
static int show_frame(struct pywalk *w, const struct rawframe *r, struct pysample *s)
{
	const struct pyoffsets *o = &w->loc->off;
	struct code_entry *e;
	int64_t addr;
	int rc;

	if ((rc = code_get(w, r->code, &e)) < 0)
		return rc;
	if (o->frame_model == FRAME_OBJECT)
		addr = r->instr < 0 ? -1 : r->instr * o->lasti_scale;
	else
		addr = (int64_t)((uint64_t)r->instr - (r->code + o->co_code_adaptive));
	/* -1 (<= 3.10) or one code unit before the first (3.11, 3.12): not started */
	if (addr < -2 || addr >= e->size)
		return pf_fail(PF_ETORN, "instruction %lld outside its code %#llx",
			       (long long)addr, (unsigned long long)r->code);
	if (o->frame_model != FRAME_OBJECT && r->owner != OWNED_BY_GENERATOR &&
	    addr < 2 * (int64_t)e->firsttraceable)
		return 0;
	push_found(s, e->file_id, e->name_id, code_line(e, addr), r);
	return 1;
}

/*
 * Whether frame `r`, shown, is the first its call of the eval loop ran:
 * every frame up to 3.10; from 3.11 one marked as an entry (3.11) or
 * called from an entry frame (3.12+). `outer` is r's caller, NULL for the
 * outermost.
 */
static bool call_start(const struct pyoffsets *o, const struct rawframe *r,
		       const struct rawframe *outer)
{
	return o->frame_model == FRAME_OBJECT || r->entry || (outer && outer->shim);
}

/* The frames of thread `t` to show, leaf first, cut at PYWALK_MAX_DEPTH. */
static int show_thread(struct pywalk *w, struct pythread *t, struct pysample *s)
{
	uint32_t end = t->raw_first + t->nraw;
	bool more = t->cut;
	int rc;

	t->first = (uint32_t)s->nframes;
	/* indexed, not a pointer: s->raw is NULL while no frame was read */
	for (uint32_t i = t->raw_first; i < end; i++) {
		if (!s->raw[i].code)
			continue;
		if (s->nframes - t->first == PYWALK_MAX_DEPTH - 1) {
			more = true;
			break;
		}
		if ((rc = show_frame(w, &s->raw[i], s)) < 0)
			return rc;
		if (rc > 0)
			s->found[s->nframes - 1].call_start = call_start(
				&w->loc->off, &s->raw[i], i + 1 < end ? &s->raw[i + 1] : NULL);
	}
	if (more)
		push_found(s, w->truncated, w->truncated, 0, NULL);
	t->depth = (uint32_t)(s->nframes - t->first);
	return 0;
}

/* Read the code objects of every frame, those not cached in one batch first. */
static int show_all(struct pywalk *w, struct pysample *s)
{
	size_t n = 0;
	int rc;

	XGROW(w->spans, w->spans_cap, s->nraw + 1);
	for (size_t i = 0; i < s->nraw; i++)
		if (s->raw[i].code)
			w->spans[n++] = (struct rcache_span){ s->raw[i].code, w->loc->off.co_size };
	rcache_prefetch(&w->cache, w->spans, n);
	for (size_t i = 0; i < s->nthreads; i++)
		if ((rc = show_thread(w, &s->threads[i], s)) < 0)
			return rc;
	return 0;
}

/* Find thread state ts's innermost frame: t->top. */
static int thread_top_frame(struct pywalk *w, uint64_t ts, struct pythread *t)
{
	const struct pyoffsets *o = &w->loc->off;
	uint64_t cframe;
	int rc;

	t->top = 0;
	switch (o->frame_model) {
	case FRAME_OBJECT:
		return rd_ptr(w, ts + o->ts_frame, &t->top);
	case FRAME_CFRAME:
		if ((rc = rd_ptr(w, ts + o->ts_cframe, &cframe)) < 0 || !cframe)
			return rc;
		return rd_ptr(w, cframe + o->cframe_current_frame, &t->top);
	case FRAME_CURRENT:
		return rd_ptr(w, ts + o->ts_current_frame, &t->top);
	}
	PF_BUG("unknown frame model");
}

/*
 * Where thread state ts's newest data-stack chunk lies (3.11+): a struct
 * of a pointer to the previous chunk, its size and its saved top, then the
 * frames; tstate.datastack_top is the top of the newest one. Before 3.11
 * (and for a thread without a data stack yet) an empty view.
 */
static int thread_stack(struct pywalk *w, uint64_t ts, struct stackview *sv)
{
	const struct pyoffsets *o = &w->loc->off;
	uint64_t chunk, size;
	int rc;

	*sv = (struct stackview){ 0, 0, 0 };
	if (o->ts_datastack_chunk == PYOFF_NONE)
		return 0;
	if ((rc = rd_ptr(w, ts + o->ts_datastack_chunk, &chunk)) < 0 || !chunk ||
	    (rc = rd_ptr(w, chunk + CHUNK_SIZE_AT, &size)) < 0 ||
	    (rc = rd_ptr(w, ts + o->ts_datastack_top, &sv->top)) < 0)
		return rc;
	if (size > CHUNK_SIZE_MAX || sv->top < chunk || sv->top > chunk + size)
		return pf_fail(PF_ETORN, "implausible data stack at %#llx", (unsigned long long)chunk);
	sv->lo = chunk;
	sv->hi = chunk + size;
	return 0;
}

/* ------------------------------------------------------------ threads */

/* The thread state holding the GIL of `interp`, or 0 when the GIL is free. */
static int gil_holder(struct pywalk *w, uint64_t interp, uint64_t *holder)
{
	const struct pyoffsets *o = &w->loc->off;
	uint64_t gil;
	uint32_t locked;
	int rc;

	switch (o->gil_model) {
	case GIL_TSTATE_CURRENT:
		return rd_ptr(w, w->loc->tstate_current, holder);
	case GIL_RUNTIME:
		return rd_ptr(w, w->loc->runtime + o->rt_tstate_current, holder);
	case GIL_INTERP:
		*holder = 0;
		if ((rc = rd_ptr(w, interp + o->is_ceval_gil, &gil)) < 0 || !gil ||
		    (rc = rd(w, gil + o->gil_locked, &locked, sizeof locked)) < 0 || !locked)
			return rc;
		return rd_ptr(w, gil + o->gil_holder, holder);
	}
	PF_BUG("unknown GIL model");
}

/* Thread t's frames from `top`, checked and settled. */
static int walk_stack(struct pywalk *w, struct pythread *t, uint64_t top,
		      const struct stackview *sv, struct pysample *s)
{
	int rc;

	s->nraw = t->raw_first;
	if ((rc = read_chain(w, top, sv, &s->raw, &s->nraw, &s->raw_cap, &t->cut)) < 0)
		return rc;
	t->nraw = (uint32_t)(s->nraw - t->raw_first);
	return settle(w, t, s);
}

/*
 * <= 3.10: the walk from the innermost frame failed. If the frame that was
 * the thread's innermost last time is, in this copy, alive with no frame
 * calling into it (one reference: its own call), it was the innermost
 * when copied: walk from it.
 */
static int walk_from_last_top(struct pywalk *w, struct pythread *t, const struct stackview *sv,
			      struct pysample *s)
{
	struct pyanchor *a = anchor_of(w, t->tstate);
	uint64_t top = a ? a->top : 0;
	uint32_t first = t->raw_first;
	int rc;

	if (!top || top == t->top)
		return pf_fail(PF_ETORN, "no innermost frame to walk from");
	if ((rc = walk_stack(w, t, top, sv, s)) < 0)
		return rc;
	if (!t->nraw || t->raw_first != first || s->raw[first].held != 1)
		return pf_fail(PF_ETORN, "the last innermost frame is no longer so");
	return 0;
}

static int walk_thread(struct pywalk *w, uint64_t interp, uint64_t ts, uint64_t holder,
		       struct pysample *s)
{
	const struct pyoffsets *o = &w->loc->off;
	struct stackview sv;
	struct pythread *t;
	uint64_t owner;
	int rc;

	if ((rc = rd_ptr(w, ts + o->ts_interp, &owner)) < 0)
		return rc;
	if (owner != interp)
		return pf_fail(PF_ETORN, "thread state %#llx is not in its interpreter",
			       (unsigned long long)ts);
	XGROW(s->threads, s->threads_cap, s->nthreads + 1);
	t = &s->threads[s->nthreads++];
	memset(t, 0, sizeof *t);
	t->tstate = ts;
	t->holds_gil = ts == holder;
	t->raw_first = (uint32_t)s->nraw;
	if ((rc = rd_ptr(w, ts + o->ts_thread_id, &t->thread_id)) < 0 ||
	    (o->ts_native_thread_id != PYOFF_NONE &&
	     (rc = rd_ptr(w, ts + o->ts_native_thread_id, &t->native_id)) < 0) ||
	    (rc = thread_top_frame(w, ts, t)) < 0 || (rc = thread_stack(w, ts, &sv)) < 0)
		return rc;
	rc = walk_stack(w, t, t->top, &sv, s);
	if (rc == -PF_ETORN && o->caller_model == CALLER_REFCNT)
		rc = walk_from_last_top(w, t, &sv, s);
	return rc;
}

static int walk_interp(struct pywalk *w, uint64_t interp, bool all_threads, struct pysample *s)
{
	const struct pyoffsets *o = &w->loc->off;
	uint64_t holder, ts;
	int rc;

	if ((rc = gil_holder(w, interp, &holder)) < 0)
		return rc;
	if (!all_threads) {
		uint64_t owner;

		if (!holder)
			return 0;
		if ((rc = rd_ptr(w, holder + o->ts_interp, &owner)) < 0)
			return rc;
		/* 3.12+: interpreters sharing a GIL all name its holder */
		if (o->gil_model == GIL_INTERP && owner != interp)
			return 0;
		return walk_thread(w, owner, holder, holder, s);
	}
	if ((rc = rd_ptr(w, interp + o->is_tstate_head, &ts)) < 0)
		return rc;
	for (size_t n = 0; ts; n++) {
		if (n == PYWALK_MAX_THREADS)
			return pf_fail(PF_ETORN, "thread list too long or looping");
		if ((rc = walk_thread(w, interp, ts, holder, s)) < 0 ||
		    (rc = rd_ptr(w, ts + o->ts_next, &ts)) < 0)
			return rc;
	}
	return 0;
}

static int interp_head(struct pywalk *w, uint64_t *interp)
{
	const struct pyoffsets *o = &w->loc->off;

	if (o->rt_interp_head != PYOFF_NONE)
		return rd_ptr(w, w->loc->runtime + o->rt_interp_head, interp);
	return rd_ptr(w, w->loc->interp_head, interp);
}

static int walk_interps(struct pywalk *w, bool all_threads, struct pysample *s)
{
	uint64_t interp;
	int rc;

	if ((rc = interp_head(w, &interp)) < 0)
		return rc;
	/* Without --threads only the GIL holder counts; in 2.7 - 3.11 that is
	 * one global, so the first interpreter's answer is everyone's. */
	if (!all_threads && w->loc->off.gil_model != GIL_INTERP)
		return interp ? walk_interp(w, interp, false, s) : 0;
	for (size_t n = 0; interp; n++) {
		if (n == MAX_INTERPRETERS)
			return pf_fail(PF_ETORN, "interpreter list too long or looping");
		if ((rc = walk_interp(w, interp, all_threads, s)) < 0 ||
		    (rc = rd_ptr(w, interp + w->loc->off.is_next, &interp)) < 0)
			return rc;
	}
	return 0;
}

/* The GIL holder of the only interpreter, or -1 if there are several. */
static int sole_gil_holder(struct pywalk *w, uint64_t *holder)
{
	uint64_t interp, next;

	if (interp_head(w, &interp) < 0 || !interp ||
	    rd_ptr(w, interp + w->loc->off.is_next, &next) < 0 || next ||
	    gil_holder(w, interp, holder) < 0)
		return -1;
	return 0;
}

/*
 * The words that say who holds the GIL are read one by one, not through
 * the page cache (rcache_reset_direct): while the target runs, the holder
 * writes their pages all the time, and copying those whole pages from
 * another CPU's cache cost a third of a 100 Hz sampler's time on a
 * 32-thread target.
 */
int pywalk_gil_owner(struct pywalk *w, uint64_t *ts, pid_t *tid)
{
	uint64_t native;

	*ts = 0;
	*tid = 0;
	rcache_reset_direct(&w->cache);
	if (w->loc->off.ts_native_thread_id == PYOFF_NONE || sole_gil_holder(w, ts) < 0)
		return -1;
	if (!*ts)
		return 0;
	if (rd_ptr(w, *ts + w->loc->off.ts_native_thread_id, &native) < 0 ||
	    native == 0 || native > INT32_MAX)
		return -1;
	*tid = (pid_t)native;
	return 1;
}

bool pywalk_gil_still_owned(struct pywalk *w, uint64_t ts)
{
	uint64_t holder;

	rcache_reset_direct(&w->cache);
	return sole_gil_holder(w, &holder) == 0 && holder == ts;
}

int pywalk_capture(struct pywalk *w, bool all_threads, struct pysample *s)
{
	size_t n = readplan_spans(&w->plan, w->batch);
	bool batch_ok;
	int rc;

	rcache_reset(&w->cache);
	batch_ok = rcache_prefetch(&w->cache, w->batch, n);
	pysample_clear(s);
	rc = walk_interps(w, all_threads, s);
	if (rc == 0)
		rc = show_all(w, s);
	s->whole = s->whole && w->cache.reads <= 1;
	n = rcache_used(&w->cache, w->batch);
	readplan_learn(&w->plan, w->batch, n, batch_ok, rc == 0 && s->whole);
	return rc;
}

/* ----------------------------------------------------------- resolving */

void pywalk_resolve(struct pywalk *w, struct pysample *s)
{
	XGROW(s->frames, s->frames_cap, s->nframes + 1);
	for (size_t i = 0; i < s->nframes; i++) {
		const struct pyframe *f = &s->found[i];

		s->frames[i] = stacks_intern_pyframe(w->st, f->file, f->name, f->line);
	}
}

int pywalk_sample(struct pywalk *w, bool all_threads, struct pysample *s)
{
	int rc = pywalk_capture(w, all_threads, s);

	if (rc == 0)
		pywalk_resolve(w, s);
	return rc;
}
