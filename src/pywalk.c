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
	free(w->check);
	free(w->iov);
	free(w->words);
	w->spans = NULL;
	w->check = NULL;
	w->iov = NULL;
	w->words = NULL;
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

/* ------------------------------------------------------------ strings */

static int read_bytes27(struct pywalk *w, uint64_t addr, bool check_type, struct strbuf *out)
{
	const struct pyoffsets *o = &w->loc->off;
	uint8_t head[STR_HEADER_BUF];
	uint8_t data[PYWALK_MAX_STRING];
	int64_t n;
	int rc;

	if ((rc = rd(w, addr, head, o->bytes_data)) < 0)
		return rc;
	if (check_type && get_ptr(head, o->ob_type) != w->loc->str_type)
		return pf_fail(PF_ETORN, "not a str object at %#llx", (unsigned long long)addr);
	n = (int64_t)get_ptr(head, o->bytes_size);
	if (n < 0)
		return pf_fail(PF_ETORN, "negative string size");
	if (n > PYWALK_MAX_STRING)
		n = PYWALK_MAX_STRING;
	if ((rc = rd(w, addr + o->bytes_data, data, (size_t)n)) < 0)
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
	return rd_ptr(w, addr + o->str_legacy_data, data);
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

	if ((rc = rd(w, addr, head, o->str_ascii_data)) < 0)
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
	    (rc = rd(w, where, data, (size_t)n * kind)) < 0)
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

	if ((rc = rd(w, addr, head, o->bytes_data)) < 0)
		return rc;
	n = (int64_t)get_ptr(head, o->bytes_size);
	if (n < 0 || n > PYWALK_MAX_LINETABLE)
		return pf_fail(PF_ETORN, "implausible line table size %lld", (long long)n);
	table = xmalloc((size_t)n + 1);
	rc = rd(w, addr + o->bytes_data, table, (size_t)n);
	if (rc == 0 && linetable_decode(lt, o->lt_format, table, (size_t)n, firstlineno) < 0)
		rc = pf_fail(PF_ETORN, "malformed line table at %#llx", (unsigned long long)addr);
	free(table);
	return rc;
}

static bool entry_matches(const struct code_entry *e, uint64_t addr, const struct code_entry *seen)
{
	return e->addr == addr && e->filename == seen->filename && e->name == seen->name &&
	       e->table_ptr == seen->table_ptr && e->firstlineno == seen->firstlineno;
}

static int entry_fill(struct pywalk *w, struct code_entry *e, const struct code_entry *seen)
{
	struct linetable lines;
	uint32_t file_id, name_id;
	int rc;

	linetable_init(&lines);
	if ((rc = read_str(w, seen->filename, &file_id)) < 0 ||
	    (rc = read_str(w, seen->name, &name_id)) < 0 ||
	    (rc = read_table(w, seen->table_ptr, seen->firstlineno, &lines)) < 0)
		return rc;
	linetable_release(&e->lines);
	*e = *seen;
	e->file_id = file_id;
	e->name_id = name_id;
	e->lines = lines;
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
	if (!entry_matches(e, addr, &seen) && (rc = entry_fill(w, e, &seen)) < 0)
		return rc;
	*out = e;
	return 0;
}

/* ------------------------------------------------------------- frames */

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

/* The code object and instruction of the frame in `buf`; code 0 if the
 * frame is never shown. Owned-by-generator frames (owner 1) always are. */
static void frame_fields(const struct pyoffsets *o, const uint8_t *buf, struct rawframe *f)
{
	if (o->frame_model == FRAME_OBJECT) {
		f->code = get_ptr(buf, o->fr_code);
		f->instr = get_i32(buf, o->fr_lasti);
		return;
	}
	f->code = get_ptr(buf, o->fr_code) & ~o->exe_tag_mask;
	f->instr = (int64_t)get_ptr(buf, o->fr_instr);
	if (owner_skipped(o, buf[o->fr_owner]))
		f->code = 0;
	else if (buf[o->fr_owner] == 1)
		f->instr |= INT64_MIN;	/* marks a generator's frame */
}

static struct rawframe *push_raw(struct rawframe **v, size_t *n, size_t *cap)
{
	XGROW(*v, *cap, *n + 1);
	return &(*v)[(*n)++];
}

/*
 * Read the chain from frame `f` into v[*n..]: every frame visited, so it can
 * be read again and compared. Stops after PYWALK_MAX_DEPTH + slack frames
 * that may be shown, setting *cut. -PF_ETORN on a loop or a bad read.
 */
static int read_chain(struct pywalk *w, uint64_t f, struct rawframe **v, size_t *n,
		      size_t *cap, bool *cut)
{
	const struct pyoffsets *o = &w->loc->off;
	struct cycle cyc = { .tortoise = 0, .power = 1, .lam = 0 };
	uint8_t buf[FRAME_BUF];
	size_t shown = 0;
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
		shown += r->code != 0;
		f = get_ptr(buf, o->fr_back);
	}
	return 0;
}

static void push_found(struct pysample *s, uint32_t file, uint32_t name, int line)
{
	XGROW(s->found, s->found_cap, s->nframes + 1);
	s->found[s->nframes].file = file;
	s->found[s->nframes].name = name;
	s->found[s->nframes].line = line;
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
	if (o->frame_model == FRAME_OBJECT) {
		addr = r->instr < 0 ? -1 : r->instr * o->lasti_scale;
	} else {
		bool gen = r->instr < 0;

		addr = (int64_t)(((uint64_t)r->instr & (uint64_t)INT64_MAX) -
				 (r->code + o->co_code_adaptive));
		if (!gen && addr < 2 * (int64_t)e->firsttraceable)
			return 0;
	}
	push_found(s, e->file_id, e->name_id, code_line(e, addr));
	return 1;
}

/* The frames of thread `t` to show, leaf first, cut at PYWALK_MAX_DEPTH. */
static int show_thread(struct pywalk *w, struct pythread *t, struct pysample *s)
{
	bool more = t->cut;
	int rc;

	t->first = (uint32_t)s->nframes;
	/* indexed, not a pointer: s->raw is NULL while no frame was read */
	for (uint32_t i = t->raw_first; i < t->raw_first + t->nraw; i++) {
		if (!s->raw[i].code)
			continue;
		if (s->nframes - t->first == PYWALK_MAX_DEPTH - 1) {
			more = true;
			break;
		}
		if ((rc = show_frame(w, &s->raw[i], s)) < 0)
			return rc;
	}
	if (more)
		push_found(s, w->truncated, w->truncated, 0);
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

/* Read a word on the way to a thread's innermost frame, and note it. */
static int top_word(struct pywalk *w, struct pythread *t, uint64_t addr, uint64_t *v)
{
	int rc = rd_ptr(w, addr, v);

	if (rc == 0 && t->ntop < 2) {
		t->top_at[t->ntop] = addr;
		t->top_was[t->ntop++] = *v;
	}
	return rc;
}

/* Find thread state ts's innermost frame: t->top, and the words read. */
static int thread_top_frame(struct pywalk *w, uint64_t ts, struct pythread *t)
{
	const struct pyoffsets *o = &w->loc->off;
	uint64_t cframe;
	int rc;

	t->top = 0;
	t->ntop = 0;
	switch (o->frame_model) {
	case FRAME_OBJECT:
		return top_word(w, t, ts + o->ts_frame, &t->top);
	case FRAME_CFRAME:
		if ((rc = top_word(w, t, ts + o->ts_cframe, &cframe)) < 0 || !cframe)
			return rc;
		return top_word(w, t, cframe + o->cframe_current_frame, &t->top);
	case FRAME_CURRENT:
		return top_word(w, t, ts + o->ts_current_frame, &t->top);
	}
	PF_BUG("unknown frame model");
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

static int walk_thread(struct pywalk *w, uint64_t interp, uint64_t ts, uint64_t holder,
		       struct pysample *s)
{
	const struct pyoffsets *o = &w->loc->off;
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
	    (rc = thread_top_frame(w, ts, t)) < 0 ||
	    (rc = read_chain(w, t->top, &s->raw, &s->nraw, &s->raw_cap, &t->cut)) < 0)
		return rc;
	t->nraw = (uint32_t)(s->nraw - t->raw_first);
	return 0;
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

	rcache_reset(&w->cache);
	if (interp_head(w, &interp) < 0 || !interp ||
	    rd_ptr(w, interp + w->loc->off.is_next, &next) < 0 || next ||
	    gil_holder(w, interp, holder) < 0)
		return -1;
	return 0;
}

int pywalk_gil_owner(struct pywalk *w, uint64_t *ts, pid_t *tid)
{
	uint64_t native;

	*ts = 0;
	*tid = 0;
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

	return sole_gil_holder(w, &holder) == 0 && holder == ts;
}

int pywalk_capture(struct pywalk *w, bool all_threads, struct pysample *s)
{
	int rc;

	rcache_reset(&w->cache);
	rcache_prefetch(&w->cache, w->replay, w->nreplay);
	pysample_clear(s);
	if ((rc = walk_interps(w, all_threads, s)) < 0 || (rc = show_all(w, s)) < 0)
		return rc;
	w->nreplay = rcache_used(&w->cache, w->replay);
	return 0;
}

/* ------------------------------------------------------- verification */

static bool same_frame(const struct rawframe *a, const struct rawframe *b, bool innermost)
{
	return a->addr == b->addr && a->code == b->code && (innermost || a->instr == b->instr);
}

/* Read thread `t`'s chain again, from the same innermost frame, and compare. */
static int verify_chain(struct pywalk *w, const struct pythread *t, const struct pysample *s)
{
	size_t n = 0;
	bool cut;
	int rc;

	if ((rc = read_chain(w, t->top, &w->check, &n, &w->check_cap, &cut)) < 0)
		return rc;
	if (n != t->nraw || cut != t->cut)
		return pf_fail(PF_ETORN, "a stack changed while read");
	for (size_t i = 0; i < n; i++)
		if (!same_frame(&w->check[i], &s->raw[t->raw_first + i], i == 0))
			return pf_fail(PF_ETORN, "a stack changed while read");
	return 0;
}

/* Add an iovec for each word that led to a thread's innermost frame. */
static size_t plan_tops(const struct pysample *s, struct remote_iov *iov, uint64_t *words)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nthreads; i++) {
		const struct pythread *t = &s->threads[i];

		for (uint32_t j = 0; j < t->ntop; j++, n++) {
			iov[n].addr = t->top_at[j];
			iov[n].buf = &words[n];
			iov[n].len = sizeof words[n];
		}
	}
	return n;
}

static bool tops_unchanged(const struct pysample *s, const uint64_t *words)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nthreads; i++)
		for (uint32_t j = 0; j < s->threads[i].ntop; j++)
			if (words[n++] != s->threads[i].top_was[j])
				return false;
	return true;
}

/*
 * One batched read, in this order: the words that lead to each thread's
 * innermost frame, every frame captured, the same words again.
 */
static int read_again(struct pywalk *w, const struct pysample *s)
{
	size_t ntop = 2 * s->nthreads, n, np;
	int rc;

	XGROW(w->iov, w->iov_cap, 2 * ntop + RCACHE_SLOTS);
	XGROW(w->words, w->words_cap, 2 * ntop + 1);
	XGROW(w->spans, w->spans_cap, s->nraw + 1);
	for (size_t i = 0; i < s->nraw; i++)
		w->spans[i] = (struct rcache_span){ s->raw[i].addr, w->loc->off.fr_size };
	rcache_reset(&w->cache);
	n = plan_tops(s, w->iov, w->words);
	np = rcache_plan(&w->cache, w->spans, s->nraw, w->iov + n);
	plan_tops(s, w->iov + n + np, w->words + n);
	rc = remote_readv(w->r, w->iov, 2 * n + np);
	rcache_commit(&w->cache, w->iov + n, np, rc == 0);
	if (rc < 0)
		return rc;
	if (!tops_unchanged(s, w->words) || !tops_unchanged(s, w->words + n))
		return pf_fail(PF_ETORN, "a thread moved on while read");
	return 0;
}

/*
 * Stale frames above a stack's real top keep their links and look real. To
 * pass, a stack that shrank under the capture would have to be back at the
 * same top just before and just after a second read of every frame (all in
 * one batched read), with every frame below its top as first read.
 */
int pywalk_verify(struct pywalk *w, const struct pysample *s)
{
	int rc;

	if ((rc = read_again(w, s)) < 0)
		return rc;
	for (size_t i = 0; i < s->nthreads; i++)
		if ((rc = verify_chain(w, &s->threads[i], s)) < 0)
			return rc;
	return 0;
}

/* ----------------------------------------------------------- resolving */

void pywalk_resolve(struct pywalk *w, struct pysample *s)
{
	XGROW(s->frames, s->frames_cap, s->nframes + 1);
	for (size_t i = 0; i < s->nframes; i++) {
		const struct pyframe *f = &s->found[i];

		s->frames[i] = stacks_intern_frame(w->st, f->file, f->name, f->line);
	}
}

int pywalk_sample(struct pywalk *w, bool all_threads, struct pysample *s)
{
	int rc = pywalk_capture(w, all_threads, s);

	if (rc == 0)
		pywalk_resolve(w, s);
	return rc;
}
