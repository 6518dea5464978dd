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

#define CODE_CACHE_SLOTS 4096	/* a power of two */
#define MAX_INTERPRETERS 64
#define MAX_STEPS (4 * PYWALK_MAX_DEPTH)	/* frames visited, skipped ones too */
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
	uint8_t *table;
	size_t table_len;
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
	uint32_t marker = stacks_intern_str(st, "(truncated)", 11);

	w->r = r;
	w->loc = loc;
	w->st = st;
	w->qualnames = qualnames && loc->off.co_qualname != PYOFF_NONE;
	w->codes = xcalloc(CODE_CACHE_SLOTS, sizeof *w->codes);
	w->codes_mask = CODE_CACHE_SLOTS - 1;
	strbuf_init(&w->scratch);
	w->truncated_frame = stacks_intern_frame(st, marker, marker, 0);
}

void pywalk_release(struct pywalk *w)
{
	for (size_t i = 0; w->codes && i <= w->codes_mask; i++)
		free(w->codes[i].table);
	free(w->codes);
	w->codes = NULL;
	strbuf_release(&w->scratch);
}

void pysample_init(struct pysample *s)
{
	memset(s, 0, sizeof *s);
}

void pysample_release(struct pysample *s)
{
	free(s->threads);
	free(s->frames);
	pysample_init(s);
}

/* ------------------------------------------------------------ strings */

static int read_bytes27(struct pywalk *w, uint64_t addr, bool check_type, struct strbuf *out)
{
	const struct pyoffsets *o = &w->loc->off;
	uint8_t head[STR_HEADER_BUF];
	uint8_t data[PYWALK_MAX_STRING];
	int64_t n;
	int rc;

	if ((rc = remote_read(w->r, addr, head, o->bytes_data)) < 0)
		return rc;
	if (check_type && get_ptr(head, o->ob_type) != w->loc->str_type)
		return pf_fail(PF_ETORN, "not a str object at %#llx", (unsigned long long)addr);
	n = (int64_t)get_ptr(head, o->bytes_size);
	if (n < 0)
		return pf_fail(PF_ETORN, "negative string size");
	if (n > PYWALK_MAX_STRING)
		n = PYWALK_MAX_STRING;
	if ((rc = remote_read(w->r, addr + o->bytes_data, data, (size_t)n)) < 0)
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
	return remote_read_ptr(w->r, addr + o->str_legacy_data, data);
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

	if ((rc = remote_read(w->r, addr, head, o->str_ascii_data)) < 0)
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
	    (rc = remote_read(w->r, where, data, (size_t)n * kind)) < 0)
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

/* Copy out a line table (a bytes object; a str in 2.7). */
static int read_table(struct pywalk *w, uint64_t addr, uint8_t **table, size_t *len)
{
	const struct pyoffsets *o = &w->loc->off;
	uint8_t head[STR_HEADER_BUF];
	int64_t n;
	int rc;

	if ((rc = remote_read(w->r, addr, head, o->bytes_data)) < 0)
		return rc;
	n = (int64_t)get_ptr(head, o->bytes_size);
	if (n < 0 || n > PYWALK_MAX_LINETABLE)
		return pf_fail(PF_ETORN, "implausible line table size %lld", (long long)n);
	*table = xmalloc((size_t)n);
	if ((rc = remote_read(w->r, addr + o->bytes_data, *table, (size_t)n)) < 0) {
		free(*table);
		*table = NULL;
		return rc;
	}
	*len = (size_t)n;
	return 0;
}

static bool entry_matches(const struct code_entry *e, uint64_t addr, const struct code_entry *seen)
{
	return e->addr == addr && e->filename == seen->filename && e->name == seen->name &&
	       e->table_ptr == seen->table_ptr && e->firstlineno == seen->firstlineno;
}

static int entry_fill(struct pywalk *w, struct code_entry *e, const struct code_entry *seen)
{
	uint8_t *table = NULL;
	size_t len = 0;
	uint32_t file_id, name_id;
	int rc;

	if ((rc = read_str(w, seen->filename, &file_id)) < 0 ||
	    (rc = read_str(w, seen->name, &name_id)) < 0 ||
	    (rc = read_table(w, seen->table_ptr, &table, &len)) < 0)
		return rc;
	free(e->table);
	*e = *seen;
	e->file_id = file_id;
	e->name_id = name_id;
	e->table = table;
	e->table_len = len;
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

	if ((rc = remote_read(w->r, addr, buf, o->co_size)) < 0)
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

static void push_frame(struct pysample *s, uint32_t id)
{
	XGROW(s->frames, s->frames_cap, s->nframes + 1);
	s->frames[s->nframes++] = id;
}

/* Append the frame of code `code` at bytecode byte offset `addr`. */
static int emit(struct pywalk *w, struct code_entry *e, int64_t addr, struct pysample *s)
{
	int line;

	if (linetable_line(w->loc->off.lt_format, e->table, e->table_len, e->firstlineno,
			   addr, &line) < 0)
		return -PF_ETORN;
	if (line == LINETABLE_NO_LINE)
		line = 0;
	push_frame(s, stacks_intern_frame(w->st, e->file_id, e->name_id, line));
	return 0;
}

/* <= 3.10: a chain of PyFrameObject through f_back. */
static int frame_object(struct pywalk *w, const uint8_t *buf, struct pysample *s)
{
	const struct pyoffsets *o = &w->loc->off;
	int32_t lasti = get_i32(buf, o->fr_lasti);
	struct code_entry *e;
	int rc;

	if ((rc = code_get(w, get_ptr(buf, o->fr_code), &e)) < 0)
		return rc;
	return emit(w, e, lasti < 0 ? -1 : (int64_t)lasti * o->lasti_scale, s);
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

/* 3.11+: one _PyInterpreterFrame; shim, entry and incomplete frames are skipped. */
static int frame_interp(struct pywalk *w, const uint8_t *buf, struct pysample *s)
{
	const struct pyoffsets *o = &w->loc->off;
	uint8_t owner = buf[o->fr_owner];
	uint64_t exe = get_ptr(buf, o->fr_code) & ~o->exe_tag_mask;
	struct code_entry *e;
	int64_t addr;
	int rc;

	if (owner_skipped(o, owner) || !exe)
		return 0;
	if ((rc = code_get(w, exe, &e)) < 0)
		return rc;
	addr = (int64_t)(get_ptr(buf, o->fr_instr) - (exe + o->co_code_adaptive));
	if (owner != 1 && addr < 2 * (int64_t)e->firsttraceable)
		return 0;	/* pushed, not yet started (incomplete) */
	return emit(w, e, addr, s);
}

static int thread_top_frame(struct pywalk *w, uint64_t ts, uint64_t *frame)
{
	const struct pyoffsets *o = &w->loc->off;
	uint64_t cframe;
	int rc;

	switch (o->frame_model) {
	case FRAME_OBJECT:
		return remote_read_ptr(w->r, ts + o->ts_frame, frame);
	case FRAME_CFRAME:
		if ((rc = remote_read_ptr(w->r, ts + o->ts_cframe, &cframe)) < 0)
			return rc;
		*frame = 0;
		return cframe ? remote_read_ptr(w->r, cframe + o->cframe_current_frame, frame) : 0;
	case FRAME_CURRENT:
		return remote_read_ptr(w->r, ts + o->ts_current_frame, frame);
	}
	PF_BUG("unknown frame model");
}

/* Walk one thread's frames, leaf first, into s->frames; depth in *depth. */
static int walk_frames(struct pywalk *w, uint64_t f, struct pysample *s, uint32_t *depth)
{
	const struct pyoffsets *o = &w->loc->off;
	struct cycle cyc = { .tortoise = 0, .power = 1, .lam = 0 };
	size_t start = s->nframes;
	uint8_t buf[FRAME_BUF];
	int rc;

	for (size_t steps = 0; f; steps++) {
		if (steps == MAX_STEPS || cycle_seen(&cyc, f))
			return pf_fail(PF_ETORN, "frame chain loops");
		if (s->nframes - start == PYWALK_MAX_DEPTH - 1) {
			push_frame(s, w->truncated_frame);
			break;
		}
		if ((rc = remote_read(w->r, f, buf, o->fr_size)) < 0)
			return rc;
		rc = o->frame_model == FRAME_OBJECT ? frame_object(w, buf, s) : frame_interp(w, buf, s);
		if (rc < 0)
			return rc;
		f = get_ptr(buf, o->fr_back);
	}
	*depth = (uint32_t)(s->nframes - start);
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
		return remote_read_ptr(w->r, w->loc->tstate_current, holder);
	case GIL_RUNTIME:
		return remote_read_ptr(w->r, w->loc->runtime + o->rt_tstate_current, holder);
	case GIL_INTERP:
		*holder = 0;
		if ((rc = remote_read_ptr(w->r, interp + o->is_ceval_gil, &gil)) < 0 || !gil ||
		    (rc = remote_read_u32(w->r, gil + o->gil_locked, &locked)) < 0 || !locked)
			return rc;
		return remote_read_ptr(w->r, gil + o->gil_holder, holder);
	}
	PF_BUG("unknown GIL model");
}

static int walk_thread(struct pywalk *w, uint64_t interp, uint64_t ts, uint64_t holder,
		       struct pysample *s)
{
	const struct pyoffsets *o = &w->loc->off;
	struct pythread *t;
	uint64_t owner, frame;
	int rc;

	if ((rc = remote_read_ptr(w->r, ts + o->ts_interp, &owner)) < 0)
		return rc;
	if (owner != interp)
		return pf_fail(PF_ETORN, "thread state %#llx is not in its interpreter",
			       (unsigned long long)ts);
	XGROW(s->threads, s->threads_cap, s->nthreads + 1);
	t = &s->threads[s->nthreads++];
	memset(t, 0, sizeof *t);
	t->tstate = ts;
	t->holds_gil = ts == holder;
	t->first = (uint32_t)s->nframes;
	if ((rc = remote_read_ptr(w->r, ts + o->ts_thread_id, &t->thread_id)) < 0 ||
	    (o->ts_native_thread_id != PYOFF_NONE &&
	     (rc = remote_read_ptr(w->r, ts + o->ts_native_thread_id, &t->native_id)) < 0) ||
	    (rc = thread_top_frame(w, ts, &frame)) < 0)
		return rc;
	return walk_frames(w, frame, s, &t->depth);
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
		if ((rc = remote_read_ptr(w->r, holder + o->ts_interp, &owner)) < 0)
			return rc;
		/* 3.12+: interpreters sharing a GIL all name its holder */
		if (o->gil_model == GIL_INTERP && owner != interp)
			return 0;
		return walk_thread(w, owner, holder, holder, s);
	}
	if ((rc = remote_read_ptr(w->r, interp + o->is_tstate_head, &ts)) < 0)
		return rc;
	for (size_t n = 0; ts; n++) {
		if (n == PYWALK_MAX_THREADS)
			return pf_fail(PF_ETORN, "thread list too long or looping");
		if ((rc = walk_thread(w, interp, ts, holder, s)) < 0 ||
		    (rc = remote_read_ptr(w->r, ts + o->ts_next, &ts)) < 0)
			return rc;
	}
	return 0;
}

static int interp_head(struct pywalk *w, uint64_t *interp)
{
	const struct pyoffsets *o = &w->loc->off;

	if (o->rt_interp_head != PYOFF_NONE)
		return remote_read_ptr(w->r, w->loc->runtime + o->rt_interp_head, interp);
	return remote_read_ptr(w->r, w->loc->interp_head, interp);
}

int pywalk_sample(struct pywalk *w, bool all_threads, struct pysample *s)
{
	uint64_t interp;
	int rc;

	s->nthreads = 0;
	s->nframes = 0;
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
		    (rc = remote_read_ptr(w->r, interp + w->loc->off.is_next, &interp)) < 0)
			return rc;
	}
	return 0;
}
