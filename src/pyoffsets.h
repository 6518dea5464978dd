/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pyoffsets.h - the layout of one CPython version, as data.
 *
 * Code never tests a version number to find a field: it reads the field's
 * offset here, and branches only on the few "model" enums that name a real
 * difference in how the interpreter is shaped. Tables cover 2.7 and 3.6 -
 * 3.15; for 3.13+ the target's own _Py_DebugOffsets replaces the table's
 * values (pyoffsets_import_debug), the table staying as a cross-check.
 *
 * An offset of PYOFF_NONE means "this version has no such field".
 * Offsets are in bytes, for x86_64 release builds.
 */
#ifndef PF_PYOFFSETS_H
#define PF_PYOFFSETS_H

#include "compat.h"

#define PYOFF_NONE UINT32_MAX

enum py_frame_model {
	FRAME_OBJECT,		/* <= 3.10: PyFrameObject chain, tstate->frame */
	FRAME_CFRAME,		/* 3.11, 3.12: tstate->cframe->current_frame */
	FRAME_CURRENT,		/* 3.13+: tstate->current_frame */
};

enum py_gil_model {
	GIL_TSTATE_CURRENT,	/* 2.7, 3.6: *_PyThreadState_Current */
	GIL_RUNTIME,		/* 3.7 - 3.11: _PyRuntime.ceval.gil.{locked,last_holder} */
	GIL_INTERP,		/* 3.12+: (*(interp + ceval_gil)).{locked,last_holder} */
};

enum py_str_model {
	STR_BYTES27,		/* 2.7 PyStringObject */
	STR_PEP393,		/* 3.3+ compact / legacy unicode */
};

/*
 * How a frame shows that it is suspended in a call to the frame just inside
 * it, rather than running: a stack copied while it changed has a caller
 * that was running when it was copied.
 */
enum py_caller_model {
	CALLER_REFCNT,		/* <= 3.10: the callee's f_back holds a reference */
	CALLER_OPCODE,		/* 3.11, 3.14+: it is at an instruction that pushes
				 * a frame (pyops.h) */
	CALLER_STACKTOP,	/* 3.12, 3.13: that, and its stacktop is saved
				 * (-1 while it runs) */
};

enum py_long_model {
	LONG_OBSIZE,		/* <= 3.11: ob_size is the signed digit count */
	LONG_TAG,		/* 3.12+: lv_tag = digits << 3 | sign (0 +, 1 zero, 2 -) */
};

enum py_owner_model {
	OWNER_NONE,		/* <= 3.10: no interpreter frames */
	OWNER_311,		/* 3.11: no entry frames to skip */
	OWNER_312,		/* 3.12, 3.13: owner 3 is a C-stack entry frame */
	OWNER_314,		/* 3.14+: owner >= 3 is interpreter- or C-owned */
};

struct pyoffsets {
	uint32_t version;	/* PY_VERSION_HEX of the table (or the target) */
	const char *name;	/* "3.11" */
	unsigned abi;		/* 27, 36, ... 315 (--abi spelling) */
	enum py_frame_model frame_model;
	enum py_gil_model gil_model;
	enum py_str_model str_model;
	enum py_owner_model owner_model;
	enum py_caller_model caller_model;
	enum py_long_model long_model;
	int ops;		/* enum pyops_set */
	int lt_format;		/* enum linetable_format */
	unsigned lasti_scale;	/* f_lasti units -> bytes (1, or 2 for 3.10) */
	uint64_t exe_tag_mask;	/* bits to clear from f_executable (3 for 3.14+) */

	/* _PyRuntime (3.7+) */
	uint32_t rt_interp_head;
	uint32_t rt_tstate_current;	/* 3.7 - 3.11 gilstate.tstate_current */
	uint32_t rt_gil_locked;		/* 3.7 - 3.11 */
	uint32_t rt_gil_holder;		/* 3.7 - 3.11 */

	/* PyInterpreterState */
	uint32_t is_next;
	uint32_t is_tstate_head;
	uint32_t is_ceval_gil;		/* 3.12+: pointer to the gil struct */
	uint32_t gil_locked;		/* in the gil struct (3.12+) */
	uint32_t gil_holder;

	/* PyThreadState */
	uint32_t ts_next;
	uint32_t ts_interp;
	uint32_t ts_frame;		/* <= 3.10 */
	uint32_t ts_cframe;		/* 3.11, 3.12 */
	uint32_t cframe_current_frame;	/* within _PyCFrame */
	uint32_t ts_current_frame;	/* 3.13+ */
	uint32_t ts_thread_id;
	uint32_t ts_native_thread_id;	/* 3.11+ */
	uint32_t ts_datastack_chunk;	/* 3.11+ */
	uint32_t ts_datastack_top;	/* 3.11+ */

	/* PyFrameObject (<= 3.10) or _PyInterpreterFrame (3.11+) */
	uint32_t fr_back;		/* f_back / previous */
	uint32_t fr_code;		/* f_code / f_executable */
	uint32_t fr_lasti;		/* <= 3.10: int f_lasti */
	uint32_t fr_valuestop;		/* <= 3.9: f_stacktop, NULL while it runs */
	uint32_t fr_state;		/* 3.10: char f_state, 0 while it runs */
	uint32_t fr_instr;		/* 3.11+: prev_instr / instr_ptr */
	uint32_t fr_owner;		/* 3.11+: char owner */
	uint32_t fr_stacktop;		/* 3.11+: int stacktop (pointer from 3.14) */
	uint32_t fr_is_entry;		/* 3.11: bool is_entry */
	uint32_t fr_size;		/* bytes worth reading for one frame */

	/* PyCodeObject */
	uint32_t co_filename;
	uint32_t co_name;
	uint32_t co_qualname;		/* 3.11+ */
	uint32_t co_firstlineno;
	uint32_t co_linetable;		/* co_lnotab (<= 3.9) or co_linetable */
	uint32_t co_firsttraceable;	/* 3.11+ (not in _Py_DebugOffsets) */
	uint32_t co_code_adaptive;	/* 3.11+ */
	uint32_t co_code;		/* <= 3.10: the bytecode, a bytes object */
	uint32_t co_units;		/* 3.11+: ob_size, in 2-byte code units */
	uint32_t co_size;		/* sizeof(PyCodeObject) */

	/* objects */
	uint32_t ob_refcnt;
	uint32_t ob_type;
	uint32_t bytes_size;		/* ob_size of bytes / 2.7 str */
	uint32_t bytes_data;		/* ob_sval */
	uint32_t str_length;
	uint32_t str_state;
	uint32_t str_ascii_data;	/* sizeof(PyASCIIObject) */
	uint32_t str_compact_data;	/* sizeof(PyCompactUnicodeObject) */
	uint32_t str_legacy_data;	/* PyUnicodeObject.data */
	uint8_t str_kind_shift, str_compact_shift, str_ascii_shift;

	/* what the locals reader needs: frames' and code objects' slots */
	uint32_t fr_localsplus;		/* f_localsplus (<= 3.10) / localsplus (3.11+) */
	uint32_t co_nlocals;		/* <= 3.10: int, locals then cells then frees */
	uint32_t co_varnames;		/* <= 3.10: tuples of names */
	uint32_t co_cellvars;
	uint32_t co_freevars;
	uint32_t co_nlocalsplus;	/* 3.11+: int, slots named below */
	uint32_t co_localsplusnames;	/* 3.11+: tuple of str */
	uint32_t co_localspluskinds;	/* 3.11+: bytes, CO_FAST_* per slot */
	uint32_t co_argcount;		/* int, positional (positional-only too) */
	uint32_t co_kwonlyargcount;	/* int, 3.x */
	uint32_t co_flags;		/* int: CO_VARARGS 4, CO_VARKEYWORDS 8 */

	/* objects whose value is shown */
	uint32_t tp_name;		/* PyTypeObject: const char * */
	uint32_t var_size;		/* PyVarObject.ob_size */
	uint32_t float_value;		/* double ob_fval */
	uint32_t cell_ref;		/* PyCellObject.ob_ref */
	uint32_t long_size;		/* ob_size or lv_tag (long_model) */
	uint32_t long_digits;		/* uint32 digits of long_shift bits */
	uint32_t int27_value;		/* 2.7 PyIntObject: long ob_ival */
	uint32_t uni27_length;		/* 2.7 unicode: Py_ssize_t length */
	uint32_t uni27_data;		/* 2.7 unicode: Py_UNICODE *str */
	uint32_t tuple_items;		/* ob_item[] inline */
	uint32_t list_items;		/* PyObject **ob_item */
	uint32_t set_fill, set_used, set_mask, set_table;	/* PySetObject */
	uint32_t se_key, se_size;	/* setentry */
	uint32_t dict_used;		/* ma_used */
	uint32_t dict_mask, dict_table;	/* 2.7: the table of entries itself */
	uint32_t dict_keys, dict_values;	/* 3.x: ma_keys, ma_values (split) */
	uint32_t dk_size;		/* 3.6 - 3.10: Py_ssize_t, slots of dk_indices */
	uint32_t dk_log2_size;		/* 3.11+: uint8 */
	uint32_t dk_log2_index_bytes;	/* 3.11+: uint8 */
	uint32_t dk_kind;		/* 3.11+: uint8, 0 general, else unicode entries */
	uint32_t dk_nentries;		/* entries used, in insertion order */
	uint32_t dk_indices;		/* the index; the entries follow it */
	uint32_t de_key, de_value, de_size;	/* an entry with its hash */
	uint32_t due_key, due_value, due_size;	/* 3.11+: a str-keyed entry */
	uint8_t long_shift;		/* bits per digit (30) */
	uint8_t uni27_kind;		/* 2.7: bytes per Py_UNICODE, 0 on 3.x */
};

/*
 * pyoffsets_for - the table for PY_VERSION_HEX `version` (major.minor and,
 * where a patch release moved a field, micro). NULL if the version is not
 * supported (detail recorded).
 */
const struct pyoffsets *pyoffsets_for(uint32_t version);

/* The table for an --abi value (27, 36 ... 315), or NULL. */
const struct pyoffsets *pyoffsets_for_abi(unsigned abi);

/* Every supported table, oldest first, NULL-terminated (for -v and --help). */
const struct pyoffsets *const *pyoffsets_all(void);

/* Largest _Py_DebugOffsets block known (3.15): read this much at _PyRuntime. */
#define PYOFFSETS_DEBUG_MAX 888

/*
 * pyoffsets_import_debug - overwrite `out` (first filled from a table of the
 * same minor version) with the offsets of a _Py_DebugOffsets block copied
 * from the target (`buf`, `len` bytes from _PyRuntime + 0). Checks the
 * "xdebugpy" cookie and that the block's minor version has a known field
 * list, and that every imported value is plausible (below 1 MiB).
 * Returns 0; -PF_EFORMAT (bad cookie or values) or -PF_EUNSUPPORTED
 * (an unknown minor version: fail closed, never guess).
 */
int pyoffsets_import_debug(struct pyoffsets *out, const uint8_t *buf, size_t len);

/*
 * pyoffsets_check - 0 if every field lies inside the bytes the walker reads
 * for its struct (the limits below), else -PF_EFORMAT. Tables pass by
 * construction; imported debug offsets are checked with it.
 */
#define PYOFFSETS_CODE_MAX 512
#define PYOFFSETS_FRAME_MAX 256
#define PYOFFSETS_OBJECT_MAX 128
#define PYOFFSETS_LOCALSPLUS_MAX 4096
int pyoffsets_check(const struct pyoffsets *o);

#endif
