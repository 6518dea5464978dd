/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pylocals.c - a frame's variables and their values, read from the target:
 * the names of a code object's slots, the slots of a frame, and each
 * value's bytes, handed to pyrepr.c for their text.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "le.h"
#include "pylocals.h"
#include "pystr.h"
#include "xalloc.h"

#define CO_VARARGS 0x04
#define CO_VARKEYWORDS 0x08
#define CO_FAST_HIDDEN 0x10	/* 3.12+: a variable of an inlined comprehension */
#define CO_FAST_LOCAL 0x20
#define CO_FAST_CELL 0x40
#define CO_FAST_FREE 0x80
#define KIND_HIDDEN 0x7f	/* a slot never shown */
#define CELL_SLOT 0x80		/* with a kind: the slot holds a cell once made */
#define TAG_INT 3		/* 3.14+: a _PyStackRef holding an int, not a pointer */
#define HEAD PYOFFSETS_OBJECT_MAX
#define MAX_TUPLE (1u << 20)	/* more names than any code object has */
#define MAX_LENGTH (1ull << 48)
#define PAGE_FRAMES 4	/* frames whose variables share a page of the copy, about */
#define AHEAD_MAX 2048u	/* pages of the copy mapped ahead at most: 8 MiB */
_Static_assert(PYLOCALS_CODES == 64 && PYLOCALS_TYPES == 64, "slot64() picks one of 64");
#define BYTES_SHOWN 4096u	/* bytes of a bytes object looked at, at most */

/* The names and kinds of one code object's slots, as read this capture. */
struct code_names {
	uint64_t code;		/* 0: an empty entry */
	uint32_t n;		/* slots named */
	uint32_t more;		/* slots past PYLOCALS_SLOTS */
	uint32_t *off;		/* n + 1 offsets into text */
	uint8_t *kinds;		/* enum pylocal_kind, or KIND_HIDDEN */
	struct strbuf text;
};

/* The name of one type, as read this capture. */
struct type_name {
	uint64_t type;		/* 0: an empty entry */
	uint8_t n;
	char name[PYREPR_NAME_MAX];
};

/* How a value was shown: its exact repr, cut, or something else. */
enum shown { SHOWN_EXACT, SHOWN_CUT, SHOWN_OTHER };

/* A pointer (or Py_ssize_t) and a C int at an offset of a copy. */
static uint64_t get_ptr(const uint8_t *buf, uint32_t off)
{
	return le_load(buf, off, 8);
}

static int32_t get_i32(const uint8_t *buf, uint32_t off)
{
	return (int32_t)le_load(buf, off, 4);
}

/* ------------------------------------------------------------- lists */

void pylocals_list_init(struct pylocals_list *l)
{
	memset(l, 0, sizeof *l);
	strbuf_init(&l->text);
}

void pylocals_list_clear(struct pylocals_list *l)
{
	l->n = 0;
	l->more = 0;
	strbuf_reset(&l->text);
}

void pylocals_list_release(struct pylocals_list *l)
{
	free(l->v);
	strbuf_release(&l->text);
	pylocals_list_init(l);
}

const char *pylocals_name(const struct pylocals_list *l, const struct pylocal *v)
{
	return l->text.buf + v->name;
}

const char *pylocals_repr(const struct pylocals_list *l, const struct pylocal *v)
{
	return l->text.buf + v->repr;
}

/* ----------------------------------------------------------- lifecycle */

void pylocals_init(struct pylocals *pl, struct remote *r, const struct pyloc *loc, unsigned width)
{
	memset(pl, 0, sizeof *pl);
	pl->r = r;
	pl->loc = loc;
	pl->style.version = loc->off.version;
	pl->style.width = width ? width : PYLOCALS_WIDTH;
	pagesnap_init(&pl->snap, r);
	pl->codes = xcalloc(PYLOCALS_CODES, sizeof *pl->codes);
	for (size_t i = 0; i < PYLOCALS_CODES; i++)
		strbuf_init(&pl->codes[i].text);
	pl->types = xcalloc(PYLOCALS_TYPES, sizeof *pl->types);
	pylocals_list_init(&pl->fetched);
	strbuf_init(&pl->items);
}

static void names_clear(struct code_names *c)
{
	free(c->off);
	free(c->kinds);
	c->off = NULL;
	c->kinds = NULL;
	c->code = 0;
	c->n = c->more = 0;
	strbuf_reset(&c->text);
}

void pylocals_release(struct pylocals *pl)
{
	for (size_t i = 0; pl->codes && i < PYLOCALS_CODES; i++) {
		names_clear(&pl->codes[i]);
		strbuf_release(&pl->codes[i].text);
	}
	free(pl->codes);
	free(pl->types);
	free(pl->spill);
	pylocals_list_release(&pl->fetched);
	strbuf_release(&pl->items);
	pagesnap_release(&pl->snap);
	memset(pl, 0, sizeof *pl);
}

void pylocals_expect(struct pylocals *pl, size_t nframes)
{
	size_t pages = nframes / PAGE_FRAMES + PAGESNAP_CHUNK;

	pagesnap_reserve(&pl->snap, pages < AHEAD_MAX ? pages : AHEAD_MAX);
}

void pylocals_reset(struct pylocals *pl)
{
	pagesnap_reset(&pl->snap);
	for (size_t i = 0; i < PYLOCALS_CODES; i++)
		names_clear(&pl->codes[i]);
	memset(pl->types, 0, PYLOCALS_TYPES * sizeof *pl->types);
}

/* --------------------------------------------------------------- reads */

static int rd(struct pylocals *pl, uint64_t addr, void *buf, size_t len)
{
	if (!addr || addr + len < addr)
		return pf_fail(PF_ETORN, "no object at %#llx", (unsigned long long)addr);
	return pagesnap_read(&pl->snap, addr, buf, len);
}

static int rd_ptr(struct pylocals *pl, uint64_t addr, uint64_t *out)
{
	return rd(pl, addr, out, sizeof *out);
}

/* The first `len` bytes of the object at `addr` if its type is `type`. */
static int rd_typed(struct pylocals *pl, uint64_t addr, uint64_t type, uint8_t *buf, size_t len)
{
	int rc = rd(pl, addr, buf, len);

	if (rc == 0 && (!type || get_ptr(buf, pl->loc->off.ob_type) != type))
		rc = pf_fail(PF_ETORN, "object %#llx is not of the type expected",
			     (unsigned long long)addr);
	return rc;
}

/* Up to `max` item pointers of the tuple at `addr`; its size in *size. */
static int rd_tuple(struct pylocals *pl, uint64_t addr, uint64_t *items, size_t max, uint64_t *size)
{
	const struct pyoffsets *o = &pl->loc->off;
	uint8_t head[HEAD];
	int64_t n;
	int rc;

	if ((rc = rd_typed(pl, addr, pl->loc->types.tuple_type, head, o->tuple_items)) < 0)
		return rc;
	n = (int64_t)get_ptr(head, o->var_size);
	if (n < 0 || n > MAX_TUPLE)
		return pf_fail(PF_ETORN, "implausible tuple size %lld", (long long)n);
	*size = (uint64_t)n;
	return rd(pl, addr + o->tuple_items, items, 8 * (n < (int64_t)max ? (size_t)n : max));
}

/* 3.x str: its text, at most `max` characters, as UTF-8. */
static int text_unicode(struct pylocals *pl, uint64_t addr, size_t max, struct strbuf *out)
{
	const struct pyoffsets *o = &pl->loc->off;
	uint8_t head[HEAD];
	uint64_t n, data;
	uint32_t at;
	unsigned kind;
	bool indirect;
	uint8_t *chars;
	int rc;

	if ((rc = rd_typed(pl, addr, pl->loc->str_type, head, o->str_ascii_data)) < 0 ||
	    (rc = pyrepr_str_head(o, head, o->str_ascii_data, &n, &kind, &at, &indirect)) < 0)
		return rc == -PF_EFORMAT ? -PF_ETORN : rc;
	data = addr + at;
	if (indirect && (rc = rd_ptr(pl, addr + at, &data)) < 0)
		return rc;
	n = n < max ? n : max;
	chars = xmalloc(n * kind + 1);
	if ((rc = rd(pl, data, chars, n * kind)) == 0 && pystr_to_utf8(kind, chars, n * kind, out) < 0)
		rc = -PF_ETORN;
	free(chars);
	return rc;
}

/* 2.7 str (bytes): at most `max` bytes, valid UTF-8 kept. */
static int text_bytes27(struct pylocals *pl, uint64_t addr, size_t max, struct strbuf *out)
{
	const struct pyoffsets *o = &pl->loc->off;
	uint8_t head[HEAD], *chars;
	int64_t n;
	int rc;

	if ((rc = rd_typed(pl, addr, pl->loc->str_type, head, o->bytes_data)) < 0)
		return rc;
	n = (int64_t)get_ptr(head, o->bytes_size);
	if (n < 0)
		return pf_fail(PF_ETORN, "negative str size");
	n = (uint64_t)n < max ? n : (int64_t)max;
	chars = xmalloc((size_t)n + 1);
	if ((rc = rd(pl, addr + o->bytes_data, chars, (size_t)n)) == 0)
		pystr_bytes_to_utf8(chars, (size_t)n, out);
	free(chars);
	return rc;
}

int pylocals_text(struct pylocals *pl, uint64_t addr, size_t max, struct strbuf *out)
{
	if (pl->loc->off.str_model == STR_BYTES27)
		return text_bytes27(pl, addr, max, out);
	return text_unicode(pl, addr, max, out);
}

/* -------------------------------------------------------------- values */

/*
 * An object's first bytes as found in the copy: `n` of them at `b`, at
 * least as many as were asked for and up to HEAD when its page holds them,
 * so that one look serves the type check and the fields after it.
 */
struct head {
	const uint8_t *b;
	size_t n;
	uint8_t buf[HEAD];
};

/* Make `h` hold at least the first `len` bytes of the object at `addr`. */
static int head_need(struct pylocals *pl, uint64_t addr, size_t len, struct head *h)
{
	int rc;

	if (len <= h->n)
		return 0;
	if (len > HEAD)
		return pf_fail(PF_ETORN, "a head of %zu bytes", len);
	if ((rc = rd(pl, addr, h->buf, len)) < 0)
		return rc;
	h->b = h->buf;
	h->n = len;
	return 0;
}

static int head_of(struct pylocals *pl, uint64_t addr, size_t len, struct head *h)
{
	if (!addr || pagesnap_peek(&pl->snap, addr, HEAD, &h->b, &h->n) < 0)
		h->n = 0;
	return head_need(pl, addr, len, h);
}

/* `len` bytes at `addr`: *p into the copy, or into the spill buffer (valid
 * until the next span). */
static int span(struct pylocals *pl, uint64_t addr, size_t len, const uint8_t **p)
{
	if (!len) {
		*p = (const uint8_t *)"";
		return 0;
	}
	XGROW(pl->spill, pl->spill_cap, len);
	return pagesnap_view(&pl->snap, addr, len, pl->spill, p);
}

static enum shown repr_value(struct pylocals *pl, uint64_t addr, int depth, struct strbuf *out);

static enum shown unreadable(uint64_t addr, struct strbuf *out)
{
	strbuf_addf(out, "<unreadable at %#llx>", (unsigned long long)addr);
	return SHOWN_OTHER;
}

/* The entry of a 64-entry table, direct-mapped by an object's address, that
 * the object at `addr` uses (code names, type names). */
static size_t slot64(uint64_t addr)
{
	return (size_t)((addr >> 4) * 0x9e3779b97f4a7c15ull >> 58);
}

/* Read the name of type `type` into `t`. */
static int type_name(struct pylocals *pl, uint64_t type, struct type_name *t)
{
	const uint8_t *p;
	size_t got;
	uint64_t at;
	int rc;

	if ((rc = rd_ptr(pl, type + pl->loc->off.tp_name, &at)) < 0)
		return rc;
	if (pagesnap_peek(&pl->snap, at, sizeof t->name, &p, &got) < 0)
		got = 0;
	/* a name cut by its page's end is read on; if the next page cannot
	 * be read, the name ends before it */
	if (got < sizeof t->name && (!got || !memchr(p, '\0', got)) &&
	    rd(pl, at, t->name, sizeof t->name) == 0)
		got = sizeof t->name;
	else if (got)
		memcpy(t->name, p, got);
	else
		return pf_fail(PF_ETORN, "no type name at %#llx", (unsigned long long)at);
	t->type = type;
	t->n = (uint8_t)got;
	return 0;
}

/* "<TypeName at 0xADDR>", the name read through the object's type. */
static enum shown repr_other(struct pylocals *pl, uint64_t addr, uint64_t type, struct strbuf *out)
{
	struct type_name *t = &pl->types[slot64(type)];

	if (t->type != type && type_name(pl, type, t) < 0)
		return unreadable(addr, out);
	if (!pl->fetching)
		pyrepr_other(t->name, t->n, addr, out);
	return SHOWN_OTHER;
}

static enum shown repr_long(struct pylocals *pl, uint64_t addr, struct head *h, struct strbuf *out)
{
	const struct pyoffsets *o = &pl->loc->off;
	const uint8_t *obj;
	uint64_t n;
	uint32_t top;
	bool negative;
	size_t len, mark = out->len;
	int rc;

	if (head_need(pl, addr, o->long_digits, h) < 0 ||
	    pyrepr_long_size(o, h->b, o->long_digits, &n, &negative) < 0)
		return unreadable(addr, out);
	if (n > PYREPR_INT_DIGITS) {
		if (rd(pl, addr + o->long_digits + 4 * (n - 1), &top, 4) < 0)
			return unreadable(addr, out);
		if (!pl->fetching)
			pyrepr_long_bits(n, top, o->long_shift, negative, out);
		return SHOWN_CUT;
	}
	len = o->long_digits + 4 * (size_t)n;
	rc = span(pl, addr, len, &obj);
	if (rc == 0 && !pl->fetching)
		rc = pyrepr_long(o, &pl->style, obj, len, out);
	if (rc < 0)
		return unreadable(addr, out);
	/* an exact int is only digits and a sign; a cut one ends in "... (N digits)" */
	return memchr(out->buf + mark, '.', out->len - mark) ? SHOWN_CUT : SHOWN_EXACT;
}

static enum shown repr_scalar(struct pylocals *pl, uint64_t addr, struct head *h, uint32_t off,
			      size_t width,
			      int (*fn)(const struct pyoffsets *, const uint8_t *, size_t,
					struct strbuf *), struct strbuf *out)
{
	if (head_need(pl, addr, off + width, h) < 0 ||
	    (!pl->fetching && fn(&pl->loc->off, h->b, off + width, out) < 0))
		return unreadable(addr, out);
	return SHOWN_EXACT;
}

static enum shown repr_str(struct pylocals *pl, uint64_t addr, struct head *h, struct strbuf *out)
{
	const struct pyoffsets *o = &pl->loc->off;
	const uint8_t *chars;
	uint64_t n, data, shown;
	uint32_t at;
	unsigned kind;
	bool indirect;
	int rc;

	if (o->str_model == STR_BYTES27) {	/* a 2.7 unicode */
		if (head_need(pl, addr, o->uni27_data + 8, h) < 0)
			return unreadable(addr, out);
		n = get_ptr(h->b, o->uni27_length);
		data = get_ptr(h->b, o->uni27_data);
		kind = o->uni27_kind;
	} else if (head_need(pl, addr, o->str_ascii_data, h) < 0 ||
		   pyrepr_str_head(o, h->b, o->str_ascii_data, &n, &kind, &at, &indirect) < 0 ||
		   (data = addr + at, indirect && rd_ptr(pl, addr + at, &data) < 0)) {
		return unreadable(addr, out);
	}
	if (n >= MAX_LENGTH)
		return unreadable(addr, out);
	shown = n < pl->style.width ? n : pl->style.width;
	rc = span(pl, data, shown * kind, &chars);
	if (rc == 0 && !pl->fetching)
		rc = pyrepr_str(&pl->style, kind, chars, shown * kind, n, out);
	if (rc < 0)
		return unreadable(addr, out);
	return n > shown ? SHOWN_CUT : SHOWN_EXACT;
}

static enum shown repr_bytes(struct pylocals *pl, uint64_t addr, struct head *h, struct strbuf *out)
{
	const struct pyoffsets *o = &pl->loc->off;
	const uint8_t *chars;
	int64_t n;
	size_t shown;

	if (head_need(pl, addr, o->bytes_data, h) < 0)
		return unreadable(addr, out);
	n = (int64_t)get_ptr(h->b, o->bytes_size);
	shown = n < 0 ? 0 : (uint64_t)n < pl->style.width ? (size_t)n : pl->style.width;
	shown = shown < BYTES_SHOWN ? shown : BYTES_SHOWN;
	if (n < 0 || (uint64_t)n >= MAX_LENGTH || span(pl, addr + o->bytes_data, shown, &chars) < 0)
		return unreadable(addr, out);
	if (!pl->fetching)
		pyrepr_bytes(&pl->style, chars, shown, (uint64_t)n, out);
	return (uint64_t)n > shown ? SHOWN_CUT : SHOWN_EXACT;
}

/* ---------------------------------------------------------- containers */

/* The first items of a container, their reprs in one buffer. */
struct items {
	uint64_t addr[2 * PYREPR_ITEMS];	/* dict: key, value, key, ... */
	size_t n;				/* addresses found */
	struct strbuf *text;			/* the pylocals' own: no container nests */
	size_t start[2 * PYREPR_ITEMS + 1];
	const char *ptr[2 * PYREPR_ITEMS];
	size_t len[2 * PYREPR_ITEMS];
};

/* Repr each item found; whether each one is simple (and if none was cut). */
static bool items_repr(struct pylocals *pl, struct items *it, bool *complete)
{
	bool simple = true;

	*complete = true;
	for (size_t i = 0; i < it->n && simple; i++) {
		enum shown s;

		it->start[i] = it->text->len;
		s = repr_value(pl, it->addr[i], 1, it->text);
		simple = s != SHOWN_OTHER;
		*complete = *complete && s == SHOWN_EXACT;
	}
	it->start[it->n] = it->text->len;
	for (size_t i = 0; i < it->n; i++) {
		it->ptr[i] = it->text->buf + it->start[i];
		it->len[i] = it->start[i + 1] - it->start[i];
	}
	return simple;
}

static void show_items(struct pylocals *pl, enum pyrepr_container kind, uint64_t len,
		       struct items *it, struct strbuf *out)
{
	size_t per = kind == PYREPR_DICT ? 2 : 1;
	bool complete;

	it->text = &pl->items;
	strbuf_reset(it->text);
	if (items_repr(pl, it, &complete) && !pl->fetching)
		pyrepr_container(&pl->style, kind, len, it->ptr, it->len, it->n / per,
				 complete && it->n / per == len, out);
	else if (!pl->fetching)
		pyrepr_container(&pl->style, kind, len, NULL, NULL, 0, false, out);
}

/* A tuple's or list's first item pointers, at `items` in the target. */
static int seq_items(struct pylocals *pl, uint64_t items, uint64_t len, struct items *it)
{
	it->n = len < PYREPR_ITEMS ? (size_t)len : PYREPR_ITEMS;
	return it->n ? rd(pl, items, it->addr, 8 * it->n) : 0;
}

static enum shown repr_seq(struct pylocals *pl, uint64_t addr, struct head *h, bool tuple,
			   struct strbuf *out)
{
	const struct pyoffsets *o = &pl->loc->off;
	struct items it = { .n = 0 };
	uint64_t items;
	int64_t len;

	if (head_need(pl, addr, tuple ? o->tuple_items : o->list_items + 8, h) < 0)
		return unreadable(addr, out);
	len = (int64_t)get_ptr(h->b, o->var_size);
	items = tuple ? addr + o->tuple_items : get_ptr(h->b, o->list_items);
	if (len < 0 || (uint64_t)len >= MAX_LENGTH || seq_items(pl, items, (uint64_t)len, &it) < 0)
		return unreadable(addr, out);
	show_items(pl, tuple ? PYREPR_TUPLE : PYREPR_LIST, (uint64_t)len, &it, out);
	return SHOWN_OTHER;
}

/*
 * Entries of a table, entry_size bytes each from `table`: the first
 * PYREPR_ITEMS whose word at `key` (and `value`, unless it is PYOFF_NONE)
 * is set, among the first `count` (at most PYLOCALS_SCAN).
 */
static int scan_entries(struct pylocals *pl, uint64_t table, uint64_t count, uint32_t size,
			uint32_t key, uint32_t value, struct items *it)
{
	uint8_t buf[PYLOCALS_SCAN * 64];
	const uint8_t *e;
	size_t n = count < PYLOCALS_SCAN ? (size_t)count : PYLOCALS_SCAN;
	size_t per = value == PYOFF_NONE ? 1 : 2;
	int rc;

	it->n = 0;
	if (!n || (rc = pagesnap_view(&pl->snap, table, n * size, buf, &e)) < 0)
		return n ? rc : 0;
	for (size_t i = 0; i < n && it->n < per * PYREPR_ITEMS; i++) {
		uint64_t k = get_ptr(e + i * size, key);
		uint64_t v = per == 2 ? get_ptr(e + i * size, value) : 1;

		if (!k || !v)
			continue;
		it->addr[it->n++] = k;
		if (per == 2)
			it->addr[it->n++] = v;
	}
	return 0;
}

static enum shown repr_set(struct pylocals *pl, uint64_t addr, struct head *h, bool frozen,
			   struct strbuf *out)
{
	const struct pyoffsets *o = &pl->loc->off;
	struct items it = { .n = 0 };
	int64_t fill, used, mask;

	if (head_need(pl, addr, o->set_table + 8, h) < 0)
		return unreadable(addr, out);
	fill = (int64_t)get_ptr(h->b, o->set_fill);
	used = (int64_t)get_ptr(h->b, o->set_used);
	mask = (int64_t)get_ptr(h->b, o->set_mask);
	if (used < 0 || fill < used || mask < used || (mask & (mask + 1)) || (uint64_t)mask >= MAX_LENGTH)
		return unreadable(addr, out);
	/* deleted keys leave a dummy that only `fill` counts: items only without them */
	if (fill == used && scan_entries(pl, get_ptr(h->b, o->set_table), (uint64_t)mask + 1,
					 o->se_size, o->se_key, PYOFF_NONE, &it) < 0)
		return unreadable(addr, out);
	show_items(pl, frozen ? PYREPR_FROZENSET : PYREPR_SET, (uint64_t)used, &it, out);
	return SHOWN_OTHER;
}

/* 3.6+: where a dict's entries start, their size and the count in use. */
static int dict_entries(struct pylocals *pl, uint64_t keys, uint64_t *at, uint32_t *size,
			bool *unicode, uint64_t *count)
{
	const struct pyoffsets *o = &pl->loc->off;
	struct head h;
	int64_t n, dk;
	unsigned log2, ix;
	int rc;

	if ((rc = head_of(pl, keys, o->dk_indices, &h)) < 0)
		return rc;
	n = (int64_t)get_ptr(h.b, o->dk_nentries);
	if (o->dk_size != PYOFF_NONE) {	/* 3.6 - 3.10: index width from the size */
		dk = (int64_t)get_ptr(h.b, o->dk_size);
		ix = dk <= 0xff ? 1 : dk <= 0xffff ? 2 : dk <= 0xffffffffll ? 4 : 8;
		*unicode = false;
	} else {
		log2 = h.b[o->dk_log2_size];
		ix = h.b[o->dk_log2_index_bytes] - log2 < 4 ? 1u << (h.b[o->dk_log2_index_bytes] - log2) : 0;
		dk = log2 < 40 ? 1ll << log2 : -1;
		*unicode = h.b[o->dk_kind] != 0;
	}
	if (dk < 1 || (dk & (dk - 1)) || !ix || n < 0 || n > dk)	/* empty dicts share a keys object of size 1 */
		return pf_fail(PF_ETORN, "implausible dict keys at %#llx", (unsigned long long)keys);
	*at = keys + o->dk_indices + (uint64_t)dk * ix;
	*size = *unicode ? o->due_size : o->de_size;
	*count = (uint64_t)n;
	return 0;
}

static int dict_items(struct pylocals *pl, const uint8_t *head, struct items *it)
{
	const struct pyoffsets *o = &pl->loc->off;
	uint64_t at = 0, count = 0;
	uint32_t size = 0;
	bool unicode = false;
	int rc;

	if (o->dict_table != PYOFF_NONE) {	/* 2.7: the hash table is the entries */
		uint64_t mask = get_ptr(head, o->dict_mask);

		if ((mask & (mask + 1)) || mask >= MAX_LENGTH)
			return pf_fail(PF_ETORN, "implausible dict mask");
		return scan_entries(pl, get_ptr(head, o->dict_table), mask + 1, o->de_size,
				    o->de_key, o->de_value, it);
	}
	if (get_ptr(head, o->dict_values))	/* a split table: values elsewhere */
		return 0;
	if ((rc = dict_entries(pl, get_ptr(head, o->dict_keys), &at, &size, &unicode, &count)) < 0)
		return rc;
	return scan_entries(pl, at, count, size, unicode ? o->due_key : o->de_key,
			    unicode ? o->due_value : o->de_value, it);
}

static enum shown repr_dict(struct pylocals *pl, uint64_t addr, struct head *h, struct strbuf *out)
{
	const struct pyoffsets *o = &pl->loc->off;
	struct items it = { .n = 0 };
	int64_t used;
	uint32_t end = o->dict_table != PYOFF_NONE ? o->dict_table : o->dict_values;

	if (head_need(pl, addr, end + 8, h) < 0)
		return unreadable(addr, out);
	used = (int64_t)get_ptr(h->b, o->dict_used);
	if (used < 0 || (uint64_t)used >= MAX_LENGTH || dict_items(pl, h->b, &it) < 0)
		return unreadable(addr, out);
	show_items(pl, PYREPR_DICT, (uint64_t)used, &it, out);
	return SHOWN_OTHER;
}

/* Singletons, known by address: None, True, False. */
static bool repr_singleton(const struct pytypes *t, uint64_t addr, struct strbuf *out)
{
	const char *text = addr == t->none ? "None" : addr == t->true_obj ? "True" :
			   addr == t->false_obj ? "False" : NULL;

	if (!text || !addr)
		return false;
	strbuf_addstr(out, text);
	return true;
}

/* Containers are looked into at depth 0 only: an item that is one is not simple. */
static enum shown repr_typed(struct pylocals *pl, uint64_t addr, struct head *h, uint64_t type,
			     int depth, struct strbuf *out)
{
	const struct pyoffsets *o = &pl->loc->off;
	const struct pytypes *t = &pl->loc->types;

	if (type == t->long_type)
		return repr_long(pl, addr, h, out);
	if (type == t->int_type)
		return repr_scalar(pl, addr, h, o->int27_value, 8, pyrepr_int27, out);
	if (type == t->float_type)
		return repr_scalar(pl, addr, h, o->float_value, 8, pyrepr_float, out);
	if (type == t->unicode_type)
		return repr_str(pl, addr, h, out);
	if (type == t->bytes_type)
		return repr_bytes(pl, addr, h, out);
	if (depth == 0 && (type == t->tuple_type || type == t->list_type))
		return repr_seq(pl, addr, h, type == t->tuple_type, out);
	if (depth == 0 && (type == t->set_type || type == t->frozenset_type))
		return repr_set(pl, addr, h, type == t->frozenset_type, out);
	if (depth == 0 && type == t->dict_type)
		return repr_dict(pl, addr, h, out);
	return repr_other(pl, addr, type, out);
}

static enum shown repr_value(struct pylocals *pl, uint64_t addr, int depth, struct strbuf *out)
{
	struct head h;
	uint64_t type;

	if (repr_singleton(&pl->loc->types, addr, out))
		return SHOWN_EXACT;
	if (head_of(pl, addr, pl->loc->off.ob_type + 8, &h) < 0 ||
	    !(type = get_ptr(h.b, pl->loc->off.ob_type)))
		return unreadable(addr, out);
	return repr_typed(pl, addr, &h, type, depth, out);
}

/* ------------------------------------------------------------ names */

static void names_add(struct code_names *c, uint32_t i, uint8_t kind)
{
	c->kinds[i] = kind;
	c->off[i + 1] = (uint32_t)c->text.len;
}

/* Each name of the tuple at `tuple` (count `want`) from slot `first` on. */
static int names_from_tuple(struct pylocals *pl, uint64_t tuple, uint32_t want, uint32_t first,
			    uint8_t kind, struct code_names *c)
{
	uint64_t *items, size;
	int rc;

	if (!want)
		return 0;
	items = xmalloc(8 * (size_t)want);
	rc = rd_tuple(pl, tuple, items, want, &size);
	if (rc == 0 && size < want)
		rc = pf_fail(PF_ETORN, "fewer names than slots");
	for (uint32_t i = 0; rc == 0 && i < want && first + i < c->n; i++) {
		rc = pylocals_text(pl, items[i], PYLOCALS_NAME, &c->text);
		names_add(c, first + i, kind);
	}
	free(items);
	return rc;
}

/* The number of arguments, *args and **kwargs counted. */
static uint32_t arg_count(const struct pyoffsets *o, const uint8_t *code)
{
	int32_t flags = get_i32(code, o->co_flags);
	int64_t n = get_i32(code, o->co_argcount);

	if (o->co_kwonlyargcount != PYOFF_NONE)
		n += get_i32(code, o->co_kwonlyargcount);
	n += !!(flags & CO_VARARGS) + !!(flags & CO_VARKEYWORDS);
	return n < 0 ? 0 : n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

static int names_alloc(struct code_names *c, int64_t total)
{
	if (total < 0 || total > MAX_TUPLE)
		return pf_fail(PF_ETORN, "implausible slot count %lld", (long long)total);
	c->n = total > PYLOCALS_SLOTS ? PYLOCALS_SLOTS : (uint32_t)total;
	c->more = (uint32_t)total - c->n;
	c->off = xcalloc(c->n + 1, sizeof *c->off);
	c->kinds = xcalloc(c->n + 1, 1);
	return 0;
}

/* <= 3.10: locals, then cells, then free variables, from three tuples. */
static int names_tuples(struct pylocals *pl, const uint8_t *code, struct code_names *c)
{
	const struct pyoffsets *o = &pl->loc->off;
	uint64_t none[1], ncell, nfree;
	int32_t nlocals = get_i32(code, o->co_nlocals);
	uint32_t nargs = arg_count(o, code);
	int rc;

	if (nlocals < 0)
		return pf_fail(PF_ETORN, "negative co_nlocals");
	if ((rc = rd_tuple(pl, get_ptr(code, o->co_cellvars), none, 0, &ncell)) < 0 ||
	    (rc = rd_tuple(pl, get_ptr(code, o->co_freevars), none, 0, &nfree)) < 0 ||
	    (rc = names_alloc(c, (int64_t)nlocals + (int64_t)ncell + (int64_t)nfree)) < 0 ||
	    (rc = names_from_tuple(pl, get_ptr(code, o->co_varnames), (uint32_t)nlocals, 0,
				   PYLOCAL_LOCAL, c)) < 0 ||
	    (rc = names_from_tuple(pl, get_ptr(code, o->co_cellvars), (uint32_t)ncell,
				   (uint32_t)nlocals, PYLOCAL_CELL | CELL_SLOT, c)) < 0 ||
	    (rc = names_from_tuple(pl, get_ptr(code, o->co_freevars), (uint32_t)nfree,
				   (uint32_t)(nlocals + ncell), PYLOCAL_FREE | CELL_SLOT, c)) < 0)
		return rc;
	for (uint32_t i = 0; i < nargs && i < (uint32_t)nlocals && i < c->n; i++)
		c->kinds[i] = PYLOCAL_ARG;
	return 0;
}

/* 3.11+: what CO_FAST_* kind byte `k` of slot `i` makes of it. */
static uint8_t kind_of(uint8_t k, uint32_t i, uint32_t nargs)
{
	uint8_t cell = k & (CO_FAST_CELL | CO_FAST_FREE) ? CELL_SLOT : 0;

	if (k & CO_FAST_HIDDEN)
		return KIND_HIDDEN;
	if (k & CO_FAST_FREE)
		return PYLOCAL_FREE | cell;
	if (i < nargs)
		return PYLOCAL_ARG | cell;
	return (k & CO_FAST_CELL ? PYLOCAL_CELL : PYLOCAL_LOCAL) | cell;
}

/* 3.11+: one tuple of names, one bytes object of kinds. */
static int names_kinds(struct pylocals *pl, const uint8_t *code, struct code_names *c)
{
	const struct pyoffsets *o = &pl->loc->off;
	uint64_t kinds = get_ptr(code, o->co_localspluskinds);
	int32_t n = get_i32(code, o->co_nlocalsplus);
	uint32_t nargs = arg_count(o, code);
	uint8_t head[HEAD], k[PYLOCALS_SLOTS];
	int rc;

	if ((rc = names_alloc(c, n)) < 0 ||
	    (rc = names_from_tuple(pl, get_ptr(code, o->co_localsplusnames), c->n, 0,
				   PYLOCAL_LOCAL, c)) < 0 ||
	    (rc = rd_typed(pl, kinds, pl->loc->types.bytes_type, head, o->bytes_data)) < 0)
		return rc;
	if ((int64_t)get_ptr(head, o->bytes_size) != n)
		return pf_fail(PF_ETORN, "slot kinds do not match the slots");
	if (c->n && (rc = rd(pl, kinds + o->bytes_data, k, c->n)) < 0)
		return rc;
	for (uint32_t i = 0; i < c->n; i++)
		c->kinds[i] = kind_of(k[i], i, nargs);
	return 0;
}

/* The names of code object `code`'s slots, read once per capture. */
static int names_of(struct pylocals *pl, uint64_t code, struct code_names **out)
{
	const struct pyoffsets *o = &pl->loc->off;
	struct code_names *c = &pl->codes[slot64(code)];
	uint8_t buf[PYOFFSETS_CODE_MAX];
	int rc;

	*out = c;
	if (c->code == code)
		return 0;
	names_clear(c);
	if ((rc = rd_typed(pl, code, pl->loc->code_type, buf, o->co_size)) < 0)
		return rc;
	rc = o->co_varnames != PYOFF_NONE ? names_tuples(pl, buf, c) : names_kinds(pl, buf, c);
	if (rc < 0) {
		names_clear(c);
		return rc == -PF_EGONE ? rc : -PF_ETORN;
	}
	c->code = code;
	return 0;
}

/* ------------------------------------------------------------ frames */

/* Add a variable to `out`; a cell or free variable named as an earlier
 * one (2.7 keeps an argument's first value in its slot as well as in its
 * cell) takes that one's place. */
static void add_variable(struct pylocals_list *out, size_t first, const char *name,
			 size_t name_len, uint8_t kind, size_t repr_at, size_t repr_len)
{
	struct pylocal *v = NULL;

	for (size_t i = first; (kind & CELL_SLOT) && i < out->n; i++)
		if (out->v[i].name_len == name_len &&
		    memcmp(out->text.buf + out->v[i].name, name, name_len) == 0)
			v = &out->v[i];
	if (!v) {
		XGROW(out->v, out->cap, out->n + 1);
		v = &out->v[out->n++];
		v->name = (uint32_t)out->text.len;
		v->name_len = (uint32_t)name_len;
		v->kind = kind & ~CELL_SLOT;
		strbuf_add(&out->text, name, name_len);
		strbuf_addch(&out->text, '\0');
	}
	v->repr = (uint32_t)repr_at;
	v->repr_len = (uint32_t)repr_len;
}

/* What slot word `word` holds, once a cell is looked through: 0 if unbound. */
static uint64_t slot_value(struct pylocals *pl, uint64_t word, uint8_t kind)
{
	uint64_t mask = pl->loc->off.exe_tag_mask, type;

	word &= ~mask;	/* 3.14+: a _PyStackRef; the null one is 1 */
	/* 3.11+: a cell argument holds its value until the frame makes its cell */
	if (word && (kind & CELL_SLOT) &&
	    rd_ptr(pl, word + pl->loc->off.ob_type, &type) == 0 && type &&
	    type == pl->loc->types.cell_type &&
	    rd_ptr(pl, word + pl->loc->off.cell_ref, &word) < 0)
		word = 0;
	return word;
}

/* The repr of slot word `word` into the list's text. */
static void slot_repr(struct pylocals *pl, uint64_t word, uint64_t value, struct strbuf *out)
{
	if (pl->loc->off.exe_tag_mask && (word & pl->loc->off.exe_tag_mask) == TAG_INT)
		strbuf_addf(out, "%lld", (long long)((int64_t)word >> 2));
	else
		repr_value(pl, value, 0, out);
}

static int read_frame(struct pylocals *pl, uint64_t frame, uint64_t code, struct pylocals_list *out)
{
	struct code_names *c;
	uint64_t slots[PYLOCALS_SLOTS];
	size_t first = out->n;	/* variables of this frame from here */
	int rc;

	if ((rc = names_of(pl, code, &c)) < 0)
		return rc;
	if (c->n && (rc = rd(pl, frame + pl->loc->off.fr_localsplus, slots, 8 * (size_t)c->n)) < 0)
		return rc == -PF_EGONE ? rc : -PF_ETORN;
	for (uint32_t i = 0; i < c->n; i++) {
		bool tagged = pl->loc->off.exe_tag_mask &&
			      (slots[i] & pl->loc->off.exe_tag_mask) == TAG_INT;
		uint64_t value = tagged ? 0 : slot_value(pl, slots[i], c->kinds[i]);
		size_t at = out->text.len;

		if (c->kinds[i] == KIND_HIDDEN || (!value && !tagged))
			continue;
		slot_repr(pl, slots[i], value, &out->text);
		if (pl->fetching) {	/* its pages are copied: no variable kept */
			strbuf_setlen(&out->text, at);
			continue;
		}
		strbuf_addch(&out->text, '\0');
		add_variable(out, first, c->text.buf + c->off[i], c->off[i + 1] - c->off[i],
			     c->kinds[i], at, out->text.len - at - 1);
	}
	out->more += c->more;
	return 0;
}

int pylocals_read(struct pylocals *pl, uint64_t frame, uint64_t code, struct pylocals_list *out)
{
	return read_frame(pl, frame, code, out);
}

int pylocals_fetch(struct pylocals *pl, uint64_t frame, uint64_t code)
{
	int rc;

	pylocals_list_clear(&pl->fetched);
	pl->fetching = true;
	rc = read_frame(pl, frame, code, &pl->fetched);
	pl->fetching = false;
	return rc;
}

/* Spans to prefetch, gathered for one round. */
struct spans {
	uint64_t *addr;
	size_t *len;
	size_t n, cap, len_cap;
};

static void span_add(struct spans *sp, uint64_t addr, size_t len)
{
	if (!addr)
		return;
	XGROW(sp->addr, sp->cap, sp->n + 1);
	XGROW(sp->len, sp->len_cap, sp->n + 1);
	sp->addr[sp->n] = addr;
	sp->len[sp->n++] = len;
}

static void round_done(struct pylocals *pl, struct spans *sp)
{
	pagesnap_prefetch(&pl->snap, sp->addr, sp->len, sp->n);
	sp->n = 0;
}

/* Copy what the frames' variables lie in, level by level, each level in
 * as few reads as the backend allows: code objects, then slots, then the
 * objects the slots point at. What the levels miss is read as met. */
static void prefetch_frames(struct pylocals *pl, const uint64_t *frames, const uint64_t *codes,
			    size_t n)
{
	const struct pyoffsets *o = &pl->loc->off;
	struct spans sp = { 0 };
	uint64_t slots[PYLOCALS_SLOTS];
	struct code_names *c;

	for (size_t i = 0; i < n; i++)
		span_add(&sp, codes[i], o->co_size);
	round_done(pl, &sp);
	for (size_t i = 0; i < n; i++)
		if (codes[i] && names_of(pl, codes[i], &c) == 0)
			span_add(&sp, frames[i] + o->fr_localsplus, 8 * (size_t)c->n);
	round_done(pl, &sp);
	for (size_t i = 0; i < n; i++) {
		if (!codes[i] || names_of(pl, codes[i], &c) < 0 || !c->n ||
		    rd(pl, frames[i] + o->fr_localsplus, slots, 8 * (size_t)c->n) < 0)
			continue;
		for (uint32_t k = 0; k < c->n; k++)
			span_add(&sp, slots[k] & ~o->exe_tag_mask & ~(uint64_t)7, 64);
	}
	round_done(pl, &sp);
	free(sp.addr);
	free(sp.len);
}

int pylocals_fetch_frames(struct pylocals *pl, const uint64_t *frames, const uint64_t *codes,
			  size_t n, int *rcs)
{
	prefetch_frames(pl, frames, codes, n);
	for (size_t i = 0; i < n; i++) {
		rcs[i] = codes[i] ? pylocals_fetch(pl, frames[i], codes[i]) : -PF_ENOENT;
		if (rcs[i] == -PF_EGONE)
			return -PF_EGONE;
	}
	return 0;
}

void pylocals_freeze(struct pylocals *pl)
{
	pagesnap_freeze(&pl->snap);
}

int pylocals_qualname(struct pylocals *pl, uint64_t code, struct strbuf *out)
{
	const struct pyoffsets *o = &pl->loc->off;
	uint8_t buf[PYOFFSETS_CODE_MAX];
	int rc;

	if (o->co_qualname == PYOFF_NONE)
		return pf_fail(PF_ENOENT, "no co_qualname before 3.11");
	if ((rc = rd_typed(pl, code, pl->loc->code_type, buf, o->co_size)) < 0)
		return rc;
	return pylocals_text(pl, get_ptr(buf, o->co_qualname), PYLOCALS_NAME, out);
}
