/* SPDX-License-Identifier: Apache-2.0 */
/*
 * threadname.c - decoding for --thread-names: per-version layout, dict
 * entries, str and int objects, and the root frame's label.
 */
#include "compat.h"

#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include "err.h"
#include "pyrepr.h"
#include "pystr.h"
#include "threadname.h"

/*
 * Offsets checked against each version's headers (pystate.h /
 * pycore_interp.h: modules or imports.modules; object.h: PyTypeObject and
 * PyHeapTypeObject.ht_cached_keys; pycore_dict.h: struct _dictvalues;
 * pycore_object.h: where the managed dict and the values lie).
 */
struct tn_row {
	unsigned minor;		/* 7 for 2.7, else 3.minor */
	uint32_t modules, cached_keys;
	enum threadname_attrs attrs;
};

static const struct tn_row rows[] = {
	{ 7, 16, 0, ATTRS_DICTOFFSET },		/* 2.7 */
	{ 6, 16, 856, ATTRS_DICTOFFSET },
	{ 7, 40, 856, ATTRS_DICTOFFSET },
	{ 8, 56, 856, ATTRS_DICTOFFSET },
	{ 9, 856, 856, ATTRS_DICTOFFSET },
	{ 10, 856, 856, ATTRS_DICTOFFSET },
	{ 11, 888, 872, ATTRS_MANAGED_311 },
	{ 12, 944, 880, ATTRS_MANAGED_312 },
	{ 13, 7656, 880, ATTRS_INLINE_313 },
	{ 14, 7688, 880, ATTRS_INLINE_313 },
	{ 15, 7592, 888, ATTRS_INLINE_313 },
};

int threadname_layout(uint32_t version, struct threadname_layout *out)
{
	unsigned major = version >> 24, minor = version >> 16 & 0xff;

	for (size_t i = 0; i < PF_ARRAY_SIZE(rows); i++) {
		const struct tn_row *r = &rows[i];

		if ((major == 2) != (i == 0) || r->minor != minor || (major != 2 && major != 3))
			continue;
		*out = (struct threadname_layout){
			.is_modules = r->modules, .md_dict = 16,
			.tp_flags = 168, .tp_basicsize = 32, .tp_dictoffset = 288,
			.ht_cached_keys = r->cached_keys,
			.managed_flag = r->attrs != ATTRS_DICTOFFSET ? 1u << 4 : 0,
			.inline_flag = r->attrs == ATTRS_INLINE_313 ? 1u << 2 : 0,
			.values_items = r->attrs == ATTRS_INLINE_313 ? 8 : 0,
			.attrs = r->attrs,
			.name_attr = major == 2 ? "_Thread__name" : "_name",
		};
		return 0;
	}
	return pf_fail(PF_EUNSUPPORTED, "no thread-name layout for Python %u.%u", major, minor);
}

/*
 * Where _Py_DebugOffsets (pycore_runtime.h 3.13, pycore_debug_offsets.h
 * 3.14+) keeps what we take from it, per minor version (13, 14, 15):
 * interpreter_state.imports_modules, type_object.tp_flags and, from 3.15,
 * tp_basicsize, tp_dictoffset and heap_type_object.ht_cached_keys. 0: the
 * block of that version does not have it.
 */
struct dbg_at {
	size_t field;
	uint16_t at[3];
};

#define L(f) offsetof(struct threadname_layout, f)
static const struct dbg_at dbg_fields[] = {
	{ L(is_modules), { 88, 96, 96 } },
	{ L(tp_flags), { 392, 440, 504 } },
	{ L(tp_basicsize), { 0, 0, 512 } },
	{ L(tp_dictoffset), { 0, 0, 520 } },
	{ L(ht_cached_keys), { 0, 0, 536 } },
};
#undef L

int threadname_import_debug(struct threadname_layout *l, const uint8_t *buf, size_t len)
{
	struct threadname_layout out = *l;
	uint64_t version, v;
	unsigned minor;

	if (len < 24 || memcmp(buf, "xdebugpy", 8) != 0)
		return pf_fail(PF_EFORMAT, "no _Py_DebugOffsets cookie");
	memcpy(&version, buf + 8, 8);
	minor = version >> 16 & 0xff;
	if (version >> 24 != 3 || minor < 13 || minor > 15)
		return pf_fail(PF_EUNSUPPORTED, "no known _Py_DebugOffsets layout");
	for (size_t i = 0; i < PF_ARRAY_SIZE(dbg_fields); i++) {
		uint16_t at = dbg_fields[i].at[minor - 13];
		uint32_t v32;

		if (!at)
			continue;
		if (len < (size_t)at + 8)
			return pf_fail(PF_EFORMAT, "_Py_DebugOffsets block is short");
		memcpy(&v, buf + at, 8);
		if (v == 0 || v >= 1u << 20 || v % 8)
			return pf_fail(PF_EFORMAT, "implausible _Py_DebugOffsets value %#" PRIx64, v);
		v32 = (uint32_t)v;
		memcpy((char *)&out + dbg_fields[i].field, &v32, sizeof v32);
	}
	*l = out;
	return 0;
}

/* ------------------------------------------------------------- dicts */

static uint64_t load(const uint8_t *p, uint32_t at, size_t width)
{
	uint64_t v = 0;

	memcpy(&v, p + at, width);
	return v;
}

static bool has(size_t len, uint32_t at, size_t width)
{
	return at != PYOFF_NONE && (uint64_t)at + width <= len;
}

/* The index's size in bytes and the slot count of a 3.x keys object. */
static int keys_index(const struct pyoffsets *o, const uint8_t *head, size_t len,
		      uint64_t *index_bytes, uint64_t *slots)
{
	if (o->dk_size != PYOFF_NONE) {	/* 3.6 - 3.10 */
		uint64_t n;

		if (!has(len, o->dk_size, 8))
			return pf_fail(PF_EFORMAT, "dict keys too short");
		n = load(head, o->dk_size, 8);
		if (n < 8 || n & (n - 1) || n > 4 * (uint64_t)THREADNAME_MAX_ENTRIES)
			return pf_fail(PF_EFORMAT, "impossible dict size %" PRIu64, n);
		*slots = n;
		*index_bytes = n * (n <= 0xff ? 1 : n <= 0xffff ? 2 : 4);
		return 0;
	}
	if (!has(len, o->dk_log2_size, 1) || !has(len, o->dk_log2_index_bytes, 1))
		return pf_fail(PF_EFORMAT, "dict keys too short");
	if (head[o->dk_log2_size] > 16 || head[o->dk_log2_index_bytes] > 18)
		return pf_fail(PF_EFORMAT, "impossible dict size");
	*slots = 1ull << head[o->dk_log2_size];
	*index_bytes = 1ull << head[o->dk_log2_index_bytes];
	return 0;
}

int threadname_keys(const struct pyoffsets *o, const uint8_t *head, size_t len,
		    struct threadname_keys *k)
{
	uint64_t index_bytes = 0, slots = 0, n;
	bool unicode;
	int rc;

	if ((rc = keys_index(o, head, len, &index_bytes, &slots)) < 0)
		return rc;
	if (!has(len, o->dk_nentries, 8) || !has(len, o->dk_indices, 0))
		return pf_fail(PF_EFORMAT, "dict keys too short");
	n = load(head, o->dk_nentries, 8);
	if (n > slots || n > THREADNAME_MAX_ENTRIES || index_bytes < slots)
		return pf_fail(PF_EFORMAT, "impossible dict entry count %" PRIu64, n);
	unicode = o->dk_kind != PYOFF_NONE && has(len, o->dk_kind, 1) && head[o->dk_kind] != 0;
	*k = (struct threadname_keys){
		.entries_at = o->dk_indices + (uint32_t)index_bytes,
		.nentries = (uint32_t)n,
		.entry_size = unicode ? o->due_size : o->de_size,
		.key_at = unicode ? o->due_key : o->de_key,
		.value_at = unicode ? o->due_value : o->de_value,
	};
	return 0;
}

int threadname_table27(const struct pyoffsets *o, uint64_t mask, struct threadname_keys *k)
{
	if (mask < 7 || (mask & (mask + 1)) || mask >= THREADNAME_MAX_ENTRIES)
		return pf_fail(PF_EFORMAT, "impossible dict mask %" PRIu64, mask);
	*k = (struct threadname_keys){ 0, (uint32_t)mask + 1, o->de_size, o->de_key, o->de_value };
	return 0;
}

size_t threadname_keys_bytes(const struct threadname_keys *k)
{
	return k->entries_at + (size_t)k->nentries * k->entry_size;
}

bool threadname_entry(const struct threadname_keys *k, const uint8_t *buf, size_t len,
		      size_t i, uint64_t *key, uint64_t *value)
{
	uint64_t at = k->entries_at + (uint64_t)i * k->entry_size;

	if (i >= k->nentries || at + k->entry_size > len || k->key_at + 8 > k->entry_size ||
	    k->value_at + 8 > k->entry_size)
		return false;
	*key = load(buf, (uint32_t)at + k->key_at, 8);
	*value = load(buf, (uint32_t)at + k->value_at, 8);
	return *key != 0 && (k->entries_at != 0 || *value != 0);
}

/* ------------------------------------------------------ str and int */

int threadname_str(const struct pyoffsets *o, const uint8_t *obj, size_t len, size_t max,
		   struct strbuf *out, bool *cut)
{
	uint64_t n;
	unsigned kind;
	uint32_t at;
	bool indirect;
	int rc;

	if (o->str_model == STR_BYTES27) {
		if (!has(len, o->bytes_size, 8) || !has(len, o->bytes_data, 0))
			return pf_fail(PF_EFORMAT, "str object too short");
		n = load(obj, o->bytes_size, 8);
		*cut = n > max;
		n = *cut ? max : n;
		if (!has(len, o->bytes_data, n))
			return pf_fail(PF_EFORMAT, "str past the copy");
		pystr_bytes_to_utf8(obj + o->bytes_data, n, out);
		return 0;
	}
	if ((rc = pyrepr_str_head(o, obj, len, &n, &kind, &at, &indirect)) < 0)
		return rc;
	if (indirect)
		return pf_fail(PF_EFORMAT, "str is not compact");
	*cut = n > max;
	n = *cut ? max : n;
	if (!has(len, at, n * kind))
		return pf_fail(PF_EFORMAT, "str past the copy");
	return pystr_to_utf8(kind, obj + at, n * kind, out);
}

bool threadname_str_is(const struct pyoffsets *o, const uint8_t *obj, size_t len, const char *s)
{
	size_t want = strlen(s);
	struct strbuf sb;
	bool cut, same;

	strbuf_init(&sb);
	same = threadname_str(o, obj, len, want + 1, &sb, &cut) == 0 && !cut && sb.len == want &&
	       memcmp(sb.buf, s, want) == 0;
	strbuf_release(&sb);
	return same;
}

int threadname_int(const struct pyoffsets *o, const uint8_t *obj, size_t len, bool int27,
		   uint64_t *out)
{
	uint64_t ndigits, v = 0;
	bool negative;
	int rc;

	if (int27) {
		if (!has(len, o->int27_value, 8) || (int64_t)load(obj, o->int27_value, 8) < 0)
			return pf_fail(PF_EFORMAT, "not an ident");
		*out = load(obj, o->int27_value, 8);
		return 0;
	}
	if ((rc = pyrepr_long_size(o, obj, len, &ndigits, &negative)) < 0)
		return rc;
	if (negative || ndigits * o->long_shift > 63u + o->long_shift ||
	    !has(len, o->long_digits, 4 * ndigits))
		return pf_fail(PF_EFORMAT, "not an ident");
	for (uint64_t i = ndigits; i-- > 0;) {
		uint64_t d = load(obj, o->long_digits + 4 * (uint32_t)i, 4);

		if (d >> o->long_shift || (v >> (64 - o->long_shift)) != 0)
			return pf_fail(PF_EFORMAT, "not an ident");
		v = v << o->long_shift | d;
	}
	*out = v;
	return 0;
}

/* ------------------------------------------------------------- label */

/* The length of name[0..len) cut to at most `max` bytes at a UTF-8 boundary. */
static size_t utf8_cut(const char *name, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)name[max] & 0xc0) == 0x80)
		max--;
	return max;
}

void threadname_label(int32_t tid, uint64_t ident, const char *name, size_t len,
		      struct strbuf *out)
{
	size_t n = utf8_cut(name, len, THREADNAME_LABEL_NAME);

	if (tid > 0)
		strbuf_addf(out, "thread %" PRId32, tid);
	else
		strbuf_addf(out, "thread %" PRIu64, ident);
	if (!len)
		return;
	strbuf_addstr(out, " \"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		strbuf_addch(out, c == '"' ? '\'' : c == ';' ? ':' : c < 0x20 || c == 0x7f ? '?' :
			     (char)c);
	}
	strbuf_addstr(out, n < len ? "...\"" : "\"");
}
