/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-pylocals.c - read the variables of frames of fake interpreters laid
 * out in a buffer, through the in-memory remote backend, for every
 * version's layout: names, kinds, cells, values of each type, and memory
 * that lies (impossible counts, a slot pointing nowhere, a list holding
 * itself, a dict whose keys object is garbage).
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pylocals.h"
#include "fake-types.h"
#include "fakeheap.h"
#include "tap.h"

#define BASE FAKEHEAP_BASE
#define HEAP FAKEHEAP_SIZE
#define CODE_TYPE FAKE_T_CODE
#define STR_TYPE FAKE_T_STR
#define UNI27_TYPE FAKE_T_UNI27
#define BYTES_TYPE FAKE_T_BYTES
#define LONG_TYPE FAKE_T_LONG
#define INT27_TYPE FAKE_T_INT27
#define FLOAT_TYPE FAKE_T_FLOAT
#define TUPLE_TYPE FAKE_T_TUPLE
#define LIST_TYPE FAKE_T_LIST
#define DICT_TYPE FAKE_T_DICT
#define SET_TYPE FAKE_T_SET
#define CELL_TYPE FAKE_T_CELL
#define NONE_OBJ FAKE_NONE
#define TRUE_OBJ FAKE_TRUE
#define FALSE_OBJ FAKE_FALSE
#define FOO_TYPE (BASE + 64)	/* a type object in the heap, named "Foo" */

struct fake {
	struct fakeheap heap;
	struct remote_region region;
	struct remote r;
	struct pyloc loc;
	const struct pyoffsets *o;
	bool py2;
};

static uint64_t object(struct fake *f, uint64_t type, size_t size)
{
	uint64_t a = fakeheap_alloc(&f->heap, size);

	fakeheap_put_ptr(&f->heap, a, f->o->ob_refcnt, 1);
	fakeheap_put_ptr(&f->heap, a, f->o->ob_type, type);
	return a;
}

static void fake_init(struct fake *f, const struct pyoffsets *t)
{
	memset(f, 0, sizeof *f);
	fakeheap_init(&f->heap, 256);
	f->loc.off = *t;
	f->o = &f->loc.off;
	f->py2 = t->str_model == STR_BYTES27;
	fake_types_set(&f->loc, f->py2);
	fakeheap_put_ptr(&f->heap, FOO_TYPE, t->tp_name, BASE + 128);
	memcpy(f->heap.mem + 128, "Foo", 4);
	f->region = (struct remote_region){ BASE, f->heap.mem, HEAP };
	remote_open_image(&f->r, &f->region, 1);
}

/* ------------------------------------------------------------- values */

/* A str of ASCII/Latin-1 text: 3.x compact (kind 1), 2.7 bytes. */
static uint64_t make_str(struct fake *f, const char *s)
{
	const struct pyoffsets *o = f->o;
	size_t n = strlen(s);
	bool ascii = true;
	uint64_t a;

	if (f->py2) {
		a = object(f, STR_TYPE, o->bytes_data + n + 1);
		fakeheap_put_ptr(&f->heap, a, o->bytes_size, n);
		fakeheap_put(&f->heap, a, o->bytes_data, s, n);
		return a;
	}
	for (size_t i = 0; i < n; i++)
		ascii = ascii && (uint8_t)s[i] < 0x80;
	uint32_t state = 1u << o->str_kind_shift | 1u << o->str_compact_shift |
			 (uint32_t)ascii << o->str_ascii_shift;
	uint32_t data = ascii ? o->str_ascii_data : o->str_compact_data;

	a = object(f, STR_TYPE, data + n + 1);
	fakeheap_put_ptr(&f->heap, a, o->str_length, n);
	fakeheap_put(&f->heap, a, o->str_state, &state, 4);
	fakeheap_put(&f->heap, a, data, s, n);
	return a;
}

/* The text repr() gives a str (3.x) or a unicode (2.7). */
static uint64_t make_text(struct fake *f, const char *latin1)
{
	size_t n = strlen(latin1);
	uint64_t a, data;

	if (!f->py2)
		return make_str(f, latin1);
	a = object(f, UNI27_TYPE, f->o->uni27_data + 8);
	data = fakeheap_alloc(&f->heap, 4 * n);
	for (size_t i = 0; i < n; i++) {
		uint32_t c = (uint8_t)latin1[i];

		fakeheap_put(&f->heap, data, (uint32_t)(4 * i), &c, 4);
	}
	fakeheap_put_ptr(&f->heap, a, f->o->uni27_length, n);
	fakeheap_put_ptr(&f->heap, a, f->o->uni27_data, data);
	return a;
}

static uint64_t make_bytes(struct fake *f, const void *b, size_t n)
{
	uint64_t a = object(f, f->py2 ? STR_TYPE : BYTES_TYPE, f->o->bytes_data + n + 1);

	fakeheap_put_ptr(&f->heap, a, f->o->bytes_size, n);
	fakeheap_put(&f->heap, a, f->o->bytes_data, b, n);
	return a;
}

/* An int of digits d[0..n), little-endian, 30 bits each. */
static uint64_t make_long(struct fake *f, const uint32_t *d, size_t n, bool negative)
{
	const struct pyoffsets *o = f->o;
	uint64_t a = object(f, LONG_TYPE, o->long_digits + 4 * n + 4);
	int64_t size = negative ? -(int64_t)n : (int64_t)n;

	if (o->long_model == LONG_TAG)
		size = (int64_t)((uint64_t)n << 3 | (n == 0 ? 1u : negative ? 2u : 0u));
	fakeheap_put_ptr(&f->heap, a, o->long_size, (uint64_t)size);
	fakeheap_put(&f->heap, a, o->long_digits, d, 4 * n);
	return a;
}

/* A small int: a 2.7 int, or a one-digit int. */
static uint64_t make_small(struct fake *f, uint32_t v)
{
	uint64_t a;

	if (!f->py2)
		return make_long(f, &v, v != 0, false);
	a = object(f, INT27_TYPE, f->o->int27_value + 8);
	fakeheap_put_ptr(&f->heap, a, f->o->int27_value, v);
	return a;
}

static uint64_t make_float(struct fake *f, double v)
{
	uint64_t a = object(f, FLOAT_TYPE, f->o->float_value + 8);

	fakeheap_put(&f->heap, a, f->o->float_value, &v, 8);
	return a;
}

static uint64_t make_tuple(struct fake *f, const uint64_t *items, size_t n)
{
	uint64_t a = object(f, TUPLE_TYPE, f->o->tuple_items + 8 * n);

	fakeheap_put_ptr(&f->heap, a, f->o->var_size, n);
	fakeheap_put(&f->heap, a, f->o->tuple_items, items, 8 * n);
	return a;
}

static uint64_t make_list(struct fake *f, const uint64_t *items, size_t n)
{
	uint64_t a = object(f, LIST_TYPE, f->o->list_items + 8), v = fakeheap_alloc(&f->heap, 8 * n + 8);

	fakeheap_put_ptr(&f->heap, a, f->o->var_size, n);
	fakeheap_put_ptr(&f->heap, a, f->o->list_items, v);
	fakeheap_put(&f->heap, v, 0, items, 8 * n);
	return a;
}

/* A set of n keys in table order, no dummy. */
static uint64_t make_set(struct fake *f, const uint64_t *keys, size_t n)
{
	const struct pyoffsets *o = f->o;
	uint64_t a = object(f, SET_TYPE, o->set_table + 8), t = fakeheap_alloc(&f->heap, 8 * o->se_size);

	for (size_t i = 0; i < n; i++)
		fakeheap_put_ptr(&f->heap, t, (uint32_t)(i * 2 * o->se_size) + o->se_key, keys[i]);
	fakeheap_put_ptr(&f->heap, a, o->set_fill, n);
	fakeheap_put_ptr(&f->heap, a, o->set_used, n);
	fakeheap_put_ptr(&f->heap, a, o->set_mask, 7);
	fakeheap_put_ptr(&f->heap, a, o->set_table, t);
	return a;
}

/* Entries (key, value) i = 0..n-1, one empty entry between each two. */
static void put_entries(struct fake *f, uint64_t at, uint32_t size, uint32_t key, uint32_t value,
			const uint64_t *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fakeheap_put_ptr(&f->heap, at, (uint32_t)(2 * i * size) + key, kv[2 * i]);
		fakeheap_put_ptr(&f->heap, at, (uint32_t)(2 * i * size) + value, kv[2 * i + 1]);
	}
}

/* A dict of n (key, value) pairs, str keys (3.11+: a str-keyed table). */
static uint64_t make_dict(struct fake *f, const uint64_t *kv, size_t n)
{
	const struct pyoffsets *o = f->o;
	uint64_t a = object(f, DICT_TYPE, 128), keys, entries;

	fakeheap_put_ptr(&f->heap, a, o->dict_used, n);
	if (o->dict_table != PYOFF_NONE) {	/* 2.7 */
		entries = fakeheap_alloc(&f->heap, 8 * o->de_size);
		put_entries(f, entries, o->de_size, o->de_key, o->de_value, kv, n);
		fakeheap_put_ptr(&f->heap, a, o->dict_mask, 7);
		fakeheap_put_ptr(&f->heap, a, o->dict_table, entries);
		return a;
	}
	keys = fakeheap_alloc(&f->heap, o->dk_indices + 8 + 8 * 24);
	entries = keys + o->dk_indices + 8;	/* 8 one-byte indices */
	fakeheap_put_ptr(&f->heap, keys, o->dk_nentries, 2 * n);
	if (o->dk_size != PYOFF_NONE) {
		fakeheap_put_ptr(&f->heap, keys, o->dk_size, 8);
		put_entries(f, entries, o->de_size, o->de_key, o->de_value, kv, n);
	} else {
		uint8_t log2[3] = { 3, 3, 1 };	/* size 8, 8 bytes of index, str keys */

		fakeheap_put(&f->heap, keys, o->dk_log2_size, &log2[0], 1);
		fakeheap_put(&f->heap, keys, o->dk_log2_index_bytes, &log2[1], 1);
		fakeheap_put(&f->heap, keys, o->dk_kind, &log2[2], 1);
		put_entries(f, entries, o->due_size, o->due_key, o->due_value, kv, n);
	}
	fakeheap_put_ptr(&f->heap, a, o->dict_keys, keys);
	return a;
}

static uint64_t make_cell(struct fake *f, uint64_t ref)
{
	uint64_t a = object(f, CELL_TYPE, f->o->cell_ref + 8);

	fakeheap_put_ptr(&f->heap, a, f->o->cell_ref, ref);
	return a;
}

/* ------------------------------------------------------------ frames */

struct var {
	const char *name;
	uint8_t kind;		/* enum pylocal_kind */
	uint64_t value;		/* 0: unbound */
};

static uint64_t make_names(struct fake *f, const struct var *v, size_t n)
{
	uint64_t items[32];

	for (size_t i = 0; i < n; i++)
		items[i] = make_str(f, v[i].name);
	return make_tuple(f, items, n);
}

/* <= 3.10: varnames, cellvars and freevars from the kinds, in that order. */
static void code_tuples(struct fake *f, uint64_t c, const struct var *v, size_t n)
{
	const struct pyoffsets *o = f->o;
	size_t nl = 0, nc = 0;

	while (nl < n && v[nl].kind <= PYLOCAL_LOCAL)
		nl++;
	while (nl + nc < n && v[nl + nc].kind == PYLOCAL_CELL)
		nc++;
	fakeheap_put_i32(&f->heap, c, o->co_nlocals, (int32_t)nl);
	fakeheap_put_ptr(&f->heap, c, o->co_varnames, make_names(f, v, nl));
	fakeheap_put_ptr(&f->heap, c, o->co_cellvars, make_names(f, v + nl, nc));
	fakeheap_put_ptr(&f->heap, c, o->co_freevars, make_names(f, v + nl + nc, n - nl - nc));
}

/* 3.11+: one tuple of names, one bytes of CO_FAST_* kinds. */
static void code_kinds(struct fake *f, uint64_t c, const struct var *v, size_t n)
{
	static const uint8_t fast[] = { [PYLOCAL_ARG] = 0x20, [PYLOCAL_LOCAL] = 0x20,
					[PYLOCAL_CELL] = 0x40, [PYLOCAL_FREE] = 0x80 };
	uint8_t kinds[32];

	for (size_t i = 0; i < n; i++)
		kinds[i] = fast[v[i].kind];
	fakeheap_put_i32(&f->heap, c, f->o->co_nlocalsplus, (int32_t)n);
	fakeheap_put_ptr(&f->heap, c, f->o->co_localsplusnames, make_names(f, v, n));
	fakeheap_put_ptr(&f->heap, c, f->o->co_localspluskinds, make_bytes(f, kinds, n));
}

/* A code object and a frame holding `v` (cell and free values in cells). */
static void make_frame(struct fake *f, const struct var *v, size_t n, uint64_t *frame, uint64_t *code)
{
	const struct pyoffsets *o = f->o;
	int32_t nargs = 0;

	*code = object(f, CODE_TYPE, o->co_size);
	*frame = fakeheap_alloc(&f->heap, o->fr_localsplus + 8 * n);
	while ((size_t)nargs < n && v[nargs].kind == PYLOCAL_ARG)
		nargs++;
	fakeheap_put_i32(&f->heap, *code, o->co_argcount, nargs);
	if (o->co_varnames != PYOFF_NONE)
		code_tuples(f, *code, v, n);
	else
		code_kinds(f, *code, v, n);
	for (size_t i = 0; i < n; i++) {
		uint64_t word = v[i].value;

		if (v[i].kind >= PYLOCAL_CELL)
			word = make_cell(f, word);
		else if (!word && o->exe_tag_mask)
			word = 1;	/* 3.14+: the null _PyStackRef */
		else if (o->exe_tag_mask && word != NONE_OBJ)
			word |= 1;	/* a borrowed reference is tagged */
		fakeheap_put_ptr(&f->heap, *frame, o->fr_localsplus + 8 * (uint32_t)i, word);
	}
}

/*
 * With PYLOCALS_SEEDS set to a directory, each frame read is also written
 * there as an input of fuzz-pylocals: the offset table's index, the frame's
 * and the code object's addresses (8 bytes each, little-endian), then the
 * heap as far as it is used, which lies at FAKEHEAP_BASE.
 */
static void write_seed(const struct fake *f, uint64_t frame, uint64_t code)
{
	static unsigned count;
	const struct pyoffsets *const *all = pyoffsets_all();
	const char *dir = getenv("PYLOCALS_SEEDS");
	char path[4096];
	uint8_t table = 0;
	FILE *out;

	if (!dir)
		return;
	while (all[table] && all[table]->abi != f->o->abi)
		table++;
	snprintf(path, sizeof path, "%s/%s-%u", dir, f->o->name, count++);
	if (!(out = fopen(path, "wb")))
		return;
	fwrite(&table, 1, 1, out);
	fwrite(&frame, 8, 1, out);
	fwrite(&code, 8, 1, out);
	fwrite(f->heap.mem, 1, f->heap.top, out);
	fclose(out);
}

/* The variables read, "name=repr;" each, kinds as digits: "0a=1;1b='x';". */
static const char *read_vars(struct fake *f, uint64_t frame, uint64_t code, int *rc)
{
	static char text[4096];
	struct pylocals pl;
	struct pylocals_list l;
	size_t at = 0;

	write_seed(f, frame, code);
	pylocals_init(&pl, &f->r, &f->loc, 40);
	pylocals_list_init(&l);
	*rc = pylocals_read(&pl, frame, code, &l);
	text[0] = '\0';
	for (size_t i = 0; i < l.n && at < sizeof text - 1; i++)
		at += (size_t)snprintf(text + at, sizeof text - at, "%u%s=%s;", l.v[i].kind,
				       pylocals_name(&l, &l.v[i]), pylocals_repr(&l, &l.v[i]));
	pylocals_list_release(&l);
	pylocals_release(&pl);
	return text;
}

static bool vars_are(struct fake *f, uint64_t frame, uint64_t code, const char *want)
{
	int rc;
	const char *got = read_vars(f, frame, code, &rc);

	if (rc == 0 && strcmp(got, want) == 0)
		return true;
	printf("#   rc %d (%s)\n#   got  %s\n#   want %s\n", rc, pf_last_error(), got, want);
	return false;
}

/* ------------------------------------------------------------- tests */

static void test_scalars(const struct pyoffsets *t)
{
	static const uint32_t big[] = { 0x3fffffff, 0x3fffffff, 0x3fffffff };	/* 2^90 - 1 */
	struct fake f;
	uint64_t frame, code;

	fake_init(&f, t);
	{
		struct var v[] = {
			{ "a", PYLOCAL_ARG, make_small(&f, 7) },
			{ "b", PYLOCAL_ARG, NONE_OBJ },
			{ "gone", PYLOCAL_LOCAL, 0 },
			{ "big", PYLOCAL_LOCAL, make_long(&f, big, 3, true) },
			{ "x", PYLOCAL_LOCAL, make_float(&f, 0.1) },
			{ "s", PYLOCAL_LOCAL, make_text(&f, "caf\xe9") },
			{ "raw", PYLOCAL_LOCAL, make_bytes(&f, "a\0", 2) },
			{ "yes", PYLOCAL_LOCAL, TRUE_OBJ },
			{ "foo", PYLOCAL_LOCAL, object(&f, FOO_TYPE, 32) },
			{ "bad", PYLOCAL_LOCAL, 0x10 },
		};

		char want[512];

		make_frame(&f, v, PF_ARRAY_SIZE(v), &frame, &code);
		snprintf(want, sizeof want, "%s1foo=<Foo at %#llx>;1bad=<unreadable at 0x10>;",
			 f.py2 ? "0a=7;0b=None;1big=-1237940039285380274899124223L;1x=0.1;"
				 "1s=u'caf\\xe9';1raw='a\\x00';1yes=True;"
			       : "0a=7;0b=None;1big=-1237940039285380274899124223;1x=0.1;"
				 "1s='caf\xc3\xa9';1raw=b'a\\x00';1yes=True;",
			 (unsigned long long)v[8].value);
		ok(vars_are(&f, frame, code, want),
		   "%s: arguments first, unbound left out, each value as repr() writes it", t->name);
	}
	free(f.heap.mem);
}

/* The item pointer array of list `l`. */
static uint64_t list_items_of(struct fake *f, uint64_t l)
{
	uint64_t items;

	memcpy(&items, f->heap.mem + (l - BASE) + f->o->list_items, 8);
	return items;
}

static void test_containers(const struct pyoffsets *t)
{
	struct fake f;
	uint64_t frame, code, one, two, k, self, sevens[7];

	fake_init(&f, t);
	one = make_small(&f, 1);
	two = make_small(&f, 2);
	k = make_str(&f, "k");
	self = make_list(&f, (uint64_t[]){ one, one }, 2);
	fakeheap_put_ptr(&f.heap, list_items_of(&f, self), 8, self);	/* l.append(l) */
	for (size_t i = 0; i < 7; i++)
		sevens[i] = one;
	{
		struct var v[] = {
			{ "t", PYLOCAL_LOCAL, make_tuple(&f, (uint64_t[]){ one }, 1) },
			{ "l", PYLOCAL_LOCAL, make_list(&f, (uint64_t[]){ one, k, NONE_OBJ }, 3) },
			{ "d", PYLOCAL_LOCAL, make_dict(&f, (uint64_t[]){ k, one, two, k }, 2) },
			{ "st", PYLOCAL_LOCAL, make_set(&f, (uint64_t[]){ one, two }, 2) },
			{ "self", PYLOCAL_LOCAL, self },
			{ "many", PYLOCAL_LOCAL, make_list(&f, sevens, 7) },
			{ "c", PYLOCAL_CELL, two },
			{ "fr", PYLOCAL_FREE, k },
		};

		make_frame(&f, v, PF_ARRAY_SIZE(v), &frame, &code);
		ok(vars_are(&f, frame, code,
			    f.py2 ? "1t=(1,);1l=[1, 'k', None];1d={'k': 1, 2: 'k'};1st=set([1, 2]);"
				    "1self=<list len=2>;1many=<list len=7> [1, 1, 1, 1, 1, ...];2c=2;3fr='k';"
				    : "1t=(1,);1l=[1, 'k', None];1d={'k': 1, 2: 'k'};1st={1, 2};"
				      "1self=<list len=2>;1many=<list len=7> [1, 1, 1, 1, 1, ...];2c=2;"
				      "3fr='k';"),
		   "%s: containers, a list holding itself, cells looked through", t->name);
	}
	free(f.heap.mem);
}

/* Memory that lies: every lie is refused or shown as unreadable. */
static void test_hostile(const struct pyoffsets *t)
{
	struct fake f;
	uint64_t frame, code, dict, set, list, str;
	int rc;

	fake_init(&f, t);
	dict = make_dict(&f, (uint64_t[]){ NONE_OBJ, NONE_OBJ }, 1);
	set = make_set(&f, (uint64_t[]){ NONE_OBJ }, 1);
	list = make_list(&f, (uint64_t[]){ NONE_OBJ }, 1);
	str = make_str(&f, "abc");
	{
		struct var v[] = { { "d", PYLOCAL_LOCAL, dict }, { "s", PYLOCAL_LOCAL, set },
				   { "l", PYLOCAL_LOCAL, list }, { "u", PYLOCAL_LOCAL, str } };
		uint64_t keys;
		char want[512];

		make_frame(&f, v, PF_ARRAY_SIZE(v), &frame, &code);
		if (t->dict_table != PYOFF_NONE)
			fakeheap_put_ptr(&f.heap, dict, t->dict_mask, 1ull << 62);	/* table out of reach */
		memcpy(&keys, f.heap.mem + (dict - BASE) + (t->dict_keys != PYOFF_NONE ? t->dict_keys : t->dict_table), 8);
		if (t->dk_size != PYOFF_NONE)
			fakeheap_put_ptr(&f.heap, keys, t->dk_size, 3);
		else if (t->dk_log2_size != PYOFF_NONE)
			fakeheap_put(&f.heap, keys, t->dk_log2_index_bytes, "\x01", 1);	/* smaller than the size */
		fakeheap_put_ptr(&f.heap, set, t->set_mask, 6);
		fakeheap_put_ptr(&f.heap, list, t->var_size, (uint64_t)-5);
		if (!f.py2)
			fakeheap_put(&f.heap, str, t->str_state, "\x0c\0\0\0", 4);	/* kind 3 */
		else
			fakeheap_put_ptr(&f.heap, str, t->bytes_size, (uint64_t)-1);
		{
			const char *got = read_vars(&f, frame, code, &rc);

			snprintf(want, sizeof want, "1d=<unreadable at %#llx>;1s=<unreadable at %#llx>;"
				 "1l=<unreadable at %#llx>;1u=<unreadable at %#llx>;",
				 (unsigned long long)dict, (unsigned long long)set,
				 (unsigned long long)list, (unsigned long long)str);
			ok(rc == 0 && strcmp(got, want) == 0,
			   "%s: impossible dict keys, set mask, list size and str header: unreadable (%s)",
			   t->name, got);
		}
	}
	if (t->co_nlocalsplus != PYOFF_NONE)
		fakeheap_put_i32(&f.heap, code, t->co_nlocalsplus, 1 << 30);
	else
		fakeheap_put_i32(&f.heap, code, t->co_nlocals, -1);
	read_vars(&f, frame, code, &rc);
	ok(rc == -PF_ETORN, "%s: an impossible slot count fails the frame", t->name);
	fakeheap_put_ptr(&f.heap, code, t->ob_type, STR_TYPE);
	read_vars(&f, frame, code, &rc);
	ok(rc == -PF_ETORN, "%s: a code object that is not one fails the frame", t->name);
	read_vars(&f, frame, 0x10, &rc);
	ok(rc == -PF_ETORN, "%s: an unreadable code object fails the frame", t->name);
	free(f.heap.mem);
}

/* More slots than are looked at: counted, not read. */
static void test_many_slots(const struct pyoffsets *t)
{
	struct fake f;
	struct var v[PYLOCALS_SLOTS + 88];
	struct pylocals pl;
	struct pylocals_list l;
	uint64_t frame, code;

	fake_init(&f, t);
	for (size_t i = 0; i < PF_ARRAY_SIZE(v); i++)
		v[i] = (struct var){ "x", PYLOCAL_LOCAL, i == 3 ? NONE_OBJ : 0 };
	code = object(&f, CODE_TYPE, t->co_size);
	frame = fakeheap_alloc(&f.heap, t->fr_localsplus + 8 * PF_ARRAY_SIZE(v));
	{
		uint64_t names[PF_ARRAY_SIZE(v)], x = make_str(&f, "x");
		uint8_t kinds[PF_ARRAY_SIZE(v)];

		for (size_t i = 0; i < PF_ARRAY_SIZE(v); i++) {
			names[i] = x;
			kinds[i] = 0x20;
			fakeheap_put_ptr(&f.heap, frame, t->fr_localsplus + 8 * (uint32_t)i, v[i].value | (t->exe_tag_mask && !v[i].value));
		}
		if (t->co_varnames != PYOFF_NONE) {
			fakeheap_put_i32(&f.heap, code, t->co_nlocals, (int32_t)PF_ARRAY_SIZE(v));
			fakeheap_put_ptr(&f.heap, code, t->co_varnames, make_tuple(&f, names, PF_ARRAY_SIZE(v)));
			fakeheap_put_ptr(&f.heap, code, t->co_cellvars, make_tuple(&f, names, 0));
			fakeheap_put_ptr(&f.heap, code, t->co_freevars, make_tuple(&f, names, 0));
		} else {
			fakeheap_put_i32(&f.heap, code, t->co_nlocalsplus, (int32_t)PF_ARRAY_SIZE(v));
			fakeheap_put_ptr(&f.heap, code, t->co_localsplusnames, make_tuple(&f, names, PF_ARRAY_SIZE(v)));
			fakeheap_put_ptr(&f.heap, code, t->co_localspluskinds, make_bytes(&f, kinds, PF_ARRAY_SIZE(v)));
		}
	}
	pylocals_init(&pl, &f.r, &f.loc, 0);
	pylocals_list_init(&l);
	ok(pylocals_read(&pl, frame, code, &l) == 0 && l.n == 1 && l.more == 88,
	   "%s: %d slots looked at, the other 88 counted", t->name, PYLOCALS_SLOTS);
	pylocals_list_release(&l);
	pylocals_release(&pl);
	free(f.heap.mem);
}

/* Layout quirks: 2.7 keeps a cell argument's first value in its slot too;
 * 3.14+ slots may hold tagged ints. */
static void test_quirks(const struct pyoffsets *t)
{
	struct fake f;
	uint64_t frame, code;

	fake_init(&f, t);
	if (t->co_varnames != PYOFF_NONE) {
		struct var v[] = { { "a", PYLOCAL_ARG, make_small(&f, 1) },
				   { "a", PYLOCAL_CELL, make_small(&f, 2) } };

		make_frame(&f, v, 2, &frame, &code);
		ok(vars_are(&f, frame, code, "0a=2;"), "%s: a cell argument once, with its cell's value",
		   t->name);
	}
	if (t->exe_tag_mask) {
		struct var v[] = { { "i", PYLOCAL_LOCAL, NONE_OBJ } };

		make_frame(&f, v, 1, &frame, &code);
		fakeheap_put_ptr(&f.heap, frame, t->fr_localsplus, (uint64_t)-5 << 2 | 3);
		ok(vars_are(&f, frame, code, "1i=-5;"), "%s: a tagged int in a slot", t->name);
	}
	free(f.heap.mem);
}

int main(void)
{
	const struct pyoffsets *const *all = pyoffsets_all();

	for (size_t i = 0; all[i]; i++) {
		test_scalars(all[i]);
		test_containers(all[i]);
		test_hostile(all[i]);
		test_many_slots(all[i]);
		test_quirks(all[i]);
	}
	return done_testing();
}
