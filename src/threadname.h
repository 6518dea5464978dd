/* SPDX-License-Identifier: Apache-2.0 */
/*
 * threadname.h - the decoding half of --thread-names. Pure: every function
 * takes bytes already copied out of the target (and their length) and
 * never reads outside them; pythreads.c does the reading.
 *
 * The path to a thread's Python name, as CPython lays it out:
 * interp->modules (2.7 - 3.11; 3.12+ interp->imports.modules, which 3.13+
 * name in _Py_DebugOffsets) is sys.modules; its "threading" value is a
 * module whose dict (md_dict, right after the object header) holds
 * "_active", a dict of get_ident() -> Thread. A Thread keeps its name in
 * its instance attributes as "_name" (2.7: "_Thread__name"), found by
 * version: <= 3.10 in the dict at tp_dictoffset; 3.11 in the values array
 * at obj - 32 (or the dict at obj - 24), both indexed by the type's shared
 * keys (ht_cached_keys); 3.12 in the word at obj - 24, tagged: with bit
 * 0 set it points one byte before a values array, else at a dict; 3.13+
 * in the values laid inline at obj + tp_basicsize (a 4-byte header, then
 * the pointers from +8) while they are valid, else the dict at obj - 24.
 */
#ifndef PF_THREADNAME_H
#define PF_THREADNAME_H

#include "compat.h"
#include "pyoffsets.h"
#include "strbuf.h"

#define THREADNAME_MAX_ENTRIES 16384	/* dict entries looked at, at most */
#define THREADNAME_LABEL_NAME 60	/* bytes of a name kept in a label */
#define THREADNAME_DICTOFFSET_MAX 4096	/* a plausible tp_dictoffset */

enum threadname_attrs {
	ATTRS_DICTOFFSET,	/* <= 3.10: a dict at obj + tp_dictoffset */
	ATTRS_MANAGED_311,	/* values at obj - 32, dict at obj - 24 */
	ATTRS_MANAGED_312,	/* obj - 24: values | 1, or a dict */
	ATTRS_INLINE_313,	/* values at obj + tp_basicsize, dict at obj - 24 */
};

/* What pyoffsets.h does not hold, per version (threadname.c's table). */
struct threadname_layout {
	uint32_t is_modules;	/* PyInterpreterState: sys.modules */
	uint32_t md_dict;	/* PyModuleObject */
	uint32_t tp_flags, tp_basicsize, tp_dictoffset, ht_cached_keys;
	uint64_t managed_flag;	/* Py_TPFLAGS_MANAGED_DICT (3.11+) */
	uint64_t inline_flag;	/* Py_TPFLAGS_INLINE_VALUES (3.13+) */
	uint32_t values_items;	/* PyDictValues: offset of values[] */
	enum threadname_attrs attrs;
	const char *name_attr;	/* "_name", "_Thread__name" */
};

/* threadname_layout - the layout of PY_VERSION_HEX `version`. 0, or
 * -PF_EUNSUPPORTED for a version pyflame does not know. */
int threadname_layout(uint32_t version, struct threadname_layout *out);

/*
 * threadname_import_debug - take from a _Py_DebugOffsets block (buf[0..len),
 * read at _PyRuntime; 3.13 - 3.15) what it gives of the layout:
 * interp->imports.modules and tp_flags, and from 3.15 tp_basicsize,
 * tp_dictoffset and ht_cached_keys. 0; -PF_EFORMAT for a block without
 * the cookie, too short, or holding an implausible value (then `l` is
 * left as it was); -PF_EUNSUPPORTED for another version.
 */
int threadname_import_debug(struct threadname_layout *l, const uint8_t *buf, size_t len);

/* Where the entries of a dict's keys object lie, and how they are made. */
struct threadname_keys {
	uint32_t entries_at;	/* offset of entry 0 from the keys object */
	uint32_t nentries;	/* entries in use (deleted ones included) */
	uint32_t entry_size, key_at, value_at;
};

/*
 * threadname_keys - the entries of the 3.x dict keys object whose first
 * `len` bytes are `head` (through o->dk_indices). 0, or -PF_EFORMAT for
 * an impossible size or more than THREADNAME_MAX_ENTRIES entries.
 * threadname_table27 - the same for a 2.7 dict's table of mask + 1 entries.
 */
int threadname_keys(const struct pyoffsets *o, const uint8_t *head, size_t len,
		    struct threadname_keys *k);
int threadname_table27(const struct pyoffsets *o, uint64_t mask, struct threadname_keys *k);

/* Bytes from the keys object (2.7: the table) through its last entry. */
size_t threadname_keys_bytes(const struct threadname_keys *k);

/*
 * threadname_entry - entry `i` of the keys object copied in buf[0..len):
 * its key and value pointers (the value 0 when the dict is split: then the
 * values array holds it). false when the entry lies past `len` or is not
 * in use (no key, or 2.7 no value).
 */
bool threadname_entry(const struct threadname_keys *k, const uint8_t *buf, size_t len,
		      size_t i, uint64_t *key, uint64_t *value);

/*
 * threadname_str - append the text of the str object in obj[0..len) (2.7:
 * a byte string, whose bytes are taken as UTF-8 where they are) to `out`
 * as UTF-8, at most `max` code points (the rest dropped; *cut says so).
 * -PF_EFORMAT if the header is impossible, the string is not compact or
 * its characters lie past `len`.
 */
int threadname_str(const struct pyoffsets *o, const uint8_t *obj, size_t len, size_t max,
		   struct strbuf *out, bool *cut);

/* threadname_str_is - whether obj[0..len) is a str whose text is `s`. */
bool threadname_str_is(const struct pyoffsets *o, const uint8_t *obj, size_t len, const char *s);

/*
 * threadname_int - the value of the int object in obj[0..len), as an
 * unsigned 64-bit number (a thread ident); `int27` for a 2.7 int (a C
 * long). -PF_EFORMAT for a negative int, one of more than 64 bits, or one
 * whose digits lie past `len`.
 */
int threadname_int(const struct pyoffsets *o, const uint8_t *obj, size_t len, bool int27,
		   uint64_t *out);

/*
 * threadname_label - the label of a thread's root frame:
 * `thread TID "NAME"` (`thread IDENT "NAME"` when tid is 0; no quoted part
 * when len is 0). In the name, '"' becomes '\'', ';' ':' and control
 * characters '?' (so the label is one frame of a collapsed line), and
 * bytes past THREADNAME_LABEL_NAME are cut at a UTF-8 boundary with "...".
 */
void threadname_label(int32_t tid, uint64_t ident, const char *name, size_t len,
		      struct strbuf *out);

#endif
