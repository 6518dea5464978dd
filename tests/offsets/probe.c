/* SPDX-License-Identifier: Apache-2.0 */
/*
 * probe.c - the facts of src/pyoffsets.c as one interpreter's own headers
 * state them, one "name value" line per field of struct pyoffsets.
 * check-offsets.tap compiles it against each interpreter's include directory.
 *
 * It is not built into pyflame: it is compiled with that interpreter's
 * headers, so it includes them (Python.h first, as CPython requires) instead
 * of compat.h. Py_BUILD_CORE exposes the internal structs; nothing here is
 * linked against libpython, it only uses offsetof and sizeof.
 *
 * Output: "name value" must equal the table; "name low high" (fr_size only)
 * means the table value must lie in [low, high]; "name -" means these
 * headers cannot say (the struct is private to a .c file: the dict keys
 * object of 3.6 - 3.10, Objects/dict-common.h), so the table's value is
 * left to the end-to-end locals tests, which read real dicts.
 *
 * Debian configures 3.14 and 3.15 with -D_Py_TIER2=3 -D_Py_JIT on the command
 * line; they change only sizes not printed here (_PyThreadStateImpl and the
 * structs embedding it), so the probe is compiled without them.
 */
#define Py_BUILD_CORE 1
#include <Python.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define PY_AT_LEAST(maj, min) (PY_VERSION_HEX >= (((maj) << 24) | ((min) << 16)))

/*
 * Which header holds which struct, by version:
 *   PyFrameObject       frameobject.h (<= 3.10), internal/pycore_frame.h (3.11+)
 *   _PyInterpreterFrame internal/pycore_frame.h (3.11+)
 *   _PyRuntimeState     internal/pystate.h (3.7), pycore_pystate.h (3.8),
 *                       pycore_runtime.h (3.9+)
 *   PyInterpreterState  pystate.h (<= 3.7), pycore_pystate.h (3.8),
 *                       pycore_interp.h (3.9+)
 *   _gil_runtime_state  internal/gil.h (3.7), pycore_gil.h (3.8+)
 *   _PyStackRef tags    internal/pycore_stackref.h (3.14+)
 */
#if !PY_AT_LEAST(3, 11)
#include <frameobject.h>
#endif
#if PY_AT_LEAST(3, 9)
#include <internal/pycore_runtime.h>
#include <internal/pycore_interp.h>
#elif PY_AT_LEAST(3, 8)
#include <internal/pycore_pystate.h>
#elif PY_AT_LEAST(3, 7)
#include <internal/pystate.h>
#endif
#if PY_AT_LEAST(3, 11)
#include <internal/pycore_frame.h>
#endif
#if PY_AT_LEAST(3, 12)
#include <internal/pycore_gil.h>
#endif
#if PY_AT_LEAST(3, 14)
#include <internal/pycore_stackref.h>
#endif
#if PY_AT_LEAST(3, 11)
#include <internal/pycore_dict.h>
#include <internal/pycore_code.h>
#endif
#if !PY_AT_LEAST(3, 11)
#include <longintrepr.h>
#endif

#define OUT(name, value) printf("%s %zu\n", name, (size_t)(value))
#define OFF(name, type, member) OUT(name, offsetof(type, member))
#define WIDTH(type, member) sizeof(((type *)0)->member)
#define END(type, member) (offsetof(type, member) + WIDTH(type, member))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

/* 27, 36 ... 315: the --abi spelling of this version */
static void print_abi(void)
{
	OUT("abi", PY_MINOR_VERSION < 10 ? PY_MAJOR_VERSION * 10 + PY_MINOR_VERSION
					 : PY_MAJOR_VERSION * 100 + PY_MINOR_VERSION);
}

/* _PyRuntime (3.7+) and the GIL, wherever this version keeps it. */
static void print_runtime(void)
{
#if PY_AT_LEAST(3, 7)
	OFF("rt_interp_head", _PyRuntimeState, interpreters.head);
#endif
#if PY_AT_LEAST(3, 7) && !PY_AT_LEAST(3, 12)
	OFF("rt_tstate_current", _PyRuntimeState, gilstate.tstate_current);
	OFF("rt_gil_locked", _PyRuntimeState, ceval.gil.locked);
	OFF("rt_gil_holder", _PyRuntimeState, ceval.gil.last_holder);
#endif
#if PY_AT_LEAST(3, 12)
	OFF("is_ceval_gil", PyInterpreterState, ceval.gil);
	OFF("gil_locked", struct _gil_runtime_state, locked);
	OFF("gil_holder", struct _gil_runtime_state, last_holder);
#endif
}

static void print_interp(void)
{
	OFF("is_next", PyInterpreterState, next);
#if PY_AT_LEAST(3, 11)
	OFF("is_tstate_head", PyInterpreterState, threads.head);
#else
	OFF("is_tstate_head", PyInterpreterState, tstate_head);
#endif
}

static void print_tstate(void)
{
	OFF("ts_next", PyThreadState, next);
	OFF("ts_interp", PyThreadState, interp);
	OFF("ts_thread_id", PyThreadState, thread_id);
#if PY_AT_LEAST(3, 13)
	OFF("ts_current_frame", PyThreadState, current_frame);
#elif PY_AT_LEAST(3, 11)
	OFF("ts_cframe", PyThreadState, cframe);
	OFF("cframe_current_frame", _PyCFrame, current_frame);
#else
	OFF("ts_frame", PyThreadState, frame);
#endif
#if PY_AT_LEAST(3, 11)
	OFF("ts_native_thread_id", PyThreadState, native_thread_id);
	OFF("ts_datastack_chunk", PyThreadState, datastack_chunk);
	OFF("ts_datastack_top", PyThreadState, datastack_top);
#endif
}

/*
 * The frame fields the walker reads. fr_size is how many bytes it reads
 * per frame: at least up to the end of the last of those fields, at most
 * the whole struct.
 */
#if PY_AT_LEAST(3, 11)
#define FRAME _PyInterpreterFrame
#if PY_AT_LEAST(3, 13)
#define FR_CODE f_executable
#define FR_INSTR instr_ptr
#else
#define FR_CODE f_code
#define FR_INSTR prev_instr
#endif
#if PY_AT_LEAST(3, 14)
#define FR_STACK stackpointer
#else
#define FR_STACK stacktop
#endif
static void print_frame(void)
{
	size_t end = MAX(MAX(END(FRAME, previous), END(FRAME, FR_CODE)),
			 MAX(MAX(END(FRAME, FR_INSTR), END(FRAME, owner)), END(FRAME, FR_STACK)));

	OFF("fr_back", FRAME, previous);
	OFF("fr_code", FRAME, FR_CODE);
	OFF("fr_instr", FRAME, FR_INSTR);
	OFF("fr_owner", FRAME, owner);
	OFF("fr_stacktop", FRAME, FR_STACK);
#if !PY_AT_LEAST(3, 12)
	OFF("fr_is_entry", FRAME, is_entry);
	end = MAX(end, END(FRAME, is_entry));
#endif
	printf("fr_size %zu %zu\n", end, sizeof(FRAME));
}
#else
#if PY_AT_LEAST(3, 10)
#define FR_LIVE f_state
#else
#define FR_LIVE f_stacktop
#endif
static void print_frame(void)
{
	size_t end = MAX(MAX(END(PyFrameObject, f_back), END(PyFrameObject, f_code)),
			 MAX(END(PyFrameObject, f_lasti), END(PyFrameObject, FR_LIVE)));

	OFF("fr_back", PyFrameObject, f_back);
	OFF("fr_code", PyFrameObject, f_code);
	OFF("fr_lasti", PyFrameObject, f_lasti);
#if PY_AT_LEAST(3, 10)
	OFF("fr_state", PyFrameObject, f_state);
#else
	OFF("fr_valuestop", PyFrameObject, f_stacktop);
#endif
	printf("fr_size %zu %zu\n", end, sizeof(PyFrameObject));
}
#endif

static void print_code(void)
{
	OFF("co_filename", PyCodeObject, co_filename);
	OFF("co_name", PyCodeObject, co_name);
	OFF("co_firstlineno", PyCodeObject, co_firstlineno);
	OUT("co_size", sizeof(PyCodeObject));
#if PY_AT_LEAST(3, 10)
	OFF("co_linetable", PyCodeObject, co_linetable);
#else
	OFF("co_linetable", PyCodeObject, co_lnotab);
#endif
#if PY_AT_LEAST(3, 11)
	OFF("co_qualname", PyCodeObject, co_qualname);
	OFF("co_firsttraceable", PyCodeObject, _co_firsttraceable);
	OFF("co_code_adaptive", PyCodeObject, co_code_adaptive);
	OFF("co_units", PyCodeObject, ob_base.ob_size);
#else
	OFF("co_code", PyCodeObject, co_code);
#endif
}

/* The lowest set bit of the 32-bit state word of a str with only `set` done. */
#define STATE_SHIFT(name, member, value)                                        \
	do {                                                                    \
		PyASCIIObject s;                                                \
		uint32_t word;                                                  \
		unsigned bit = 0;                                               \
		memset(&s, 0, sizeof s);                                        \
		s.state.member = value;                                         \
		memcpy(&word, (char *)&s + offsetof(PyASCIIObject, state), 4);  \
		while (bit < 32 && !(word >> bit & 1))                          \
			bit++;                                                  \
		OUT(name, bit);                                                 \
	} while (0)

static void print_objects(void)
{
	OFF("ob_refcnt", PyObject, ob_refcnt);
	OFF("ob_type", PyObject, ob_type);
#if PY_MAJOR_VERSION == 2
	OFF("bytes_size", PyStringObject, ob_size);
	OFF("bytes_data", PyStringObject, ob_sval);
#else
	OFF("bytes_size", PyBytesObject, ob_base.ob_size);
	OFF("bytes_data", PyBytesObject, ob_sval);
	OFF("str_length", PyASCIIObject, length);
	OFF("str_state", PyASCIIObject, state);
	OUT("str_ascii_data", sizeof(PyASCIIObject));
	OUT("str_compact_data", sizeof(PyCompactUnicodeObject));
	OFF("str_legacy_data", PyUnicodeObject, data);
	STATE_SHIFT("str_kind_shift", kind, 1);
	STATE_SHIFT("str_compact_shift", compact, 1);
	STATE_SHIFT("str_ascii_shift", ascii, 1);
#endif
#if PY_AT_LEAST(3, 14)
	OUT("exe_tag_mask", Py_TAG_BITS);
#else
	OUT("exe_tag_mask", 0);
#endif
}

/* What the locals reader needs of frames and code objects. */
static void print_locals(void)
{
#if PY_AT_LEAST(3, 11)
	OFF("fr_localsplus", _PyInterpreterFrame, localsplus);
	OFF("co_nlocalsplus", PyCodeObject, co_nlocalsplus);
	OFF("co_localsplusnames", PyCodeObject, co_localsplusnames);
	OFF("co_localspluskinds", PyCodeObject, co_localspluskinds);
#else
	OFF("fr_localsplus", PyFrameObject, f_localsplus);
	OFF("co_nlocals", PyCodeObject, co_nlocals);
	OFF("co_varnames", PyCodeObject, co_varnames);
	OFF("co_cellvars", PyCodeObject, co_cellvars);
	OFF("co_freevars", PyCodeObject, co_freevars);
#endif
	OFF("co_argcount", PyCodeObject, co_argcount);
#if PY_MAJOR_VERSION >= 3
	OFF("co_kwonlyargcount", PyCodeObject, co_kwonlyargcount);
#endif
	OFF("co_flags", PyCodeObject, co_flags);
}

/* Numbers, cells and the type name of an object. */
static void print_scalars(void)
{
	OFF("tp_name", PyTypeObject, tp_name);
	OFF("var_size", PyVarObject, ob_size);
	OFF("float_value", PyFloatObject, ob_fval);
	OFF("cell_ref", PyCellObject, ob_ref);
	OUT("long_shift", PyLong_SHIFT);
#if PY_AT_LEAST(3, 12)
	OFF("long_size", PyLongObject, long_value.lv_tag);
	OFF("long_digits", PyLongObject, long_value.ob_digit);
#elif PY_MAJOR_VERSION == 2
	OFF("long_size", PyLongObject, ob_size);	/* PyObject_VAR_HEAD spelt out */
	OFF("long_digits", PyLongObject, ob_digit);
#else
	OFF("long_size", PyLongObject, ob_base.ob_size);
	OFF("long_digits", PyLongObject, ob_digit);
#endif
#if PY_MAJOR_VERSION == 2
	OFF("int27_value", PyIntObject, ob_ival);
	OFF("uni27_length", PyUnicodeObject, length);
	OFF("uni27_data", PyUnicodeObject, str);
	OUT("uni27_kind", Py_UNICODE_SIZE);
#endif
}

/* Tuples, lists, sets and dicts, down to their entries. */
static void print_containers(void)
{
	OFF("tuple_items", PyTupleObject, ob_item);
	OFF("list_items", PyListObject, ob_item);
	OFF("set_fill", PySetObject, fill);
	OFF("set_used", PySetObject, used);
	OFF("set_mask", PySetObject, mask);
	OFF("set_table", PySetObject, table);
	OFF("se_key", setentry, key);
	OUT("se_size", sizeof(setentry));
	OFF("dict_used", PyDictObject, ma_used);
#if PY_MAJOR_VERSION == 2
	OFF("dict_mask", PyDictObject, ma_mask);
	OFF("dict_table", PyDictObject, ma_table);
	OFF("de_key", PyDictEntry, me_key);
	OFF("de_value", PyDictEntry, me_value);
	OUT("de_size", sizeof(PyDictEntry));
#else
	OFF("dict_keys", PyDictObject, ma_keys);
	OFF("dict_values", PyDictObject, ma_values);
#endif
#if PY_AT_LEAST(3, 11)
	OFF("dk_log2_size", PyDictKeysObject, dk_log2_size);
	OFF("dk_log2_index_bytes", PyDictKeysObject, dk_log2_index_bytes);
	OFF("dk_kind", PyDictKeysObject, dk_kind);
	OFF("dk_nentries", PyDictKeysObject, dk_nentries);
	OFF("dk_indices", PyDictKeysObject, dk_indices);
	OFF("de_key", PyDictKeyEntry, me_key);
	OFF("de_value", PyDictKeyEntry, me_value);
	OUT("de_size", sizeof(PyDictKeyEntry));
	OFF("due_key", PyDictUnicodeEntry, me_key);
	OFF("due_value", PyDictUnicodeEntry, me_value);
	OUT("due_size", sizeof(PyDictUnicodeEntry));
#elif PY_MAJOR_VERSION >= 3
	/* Objects/dict-common.h, not installed */
	puts("dk_size -\ndk_nentries -\ndk_indices -\nde_key -\nde_value -\nde_size -");
#endif
}

int main(void)
{
	print_abi();
	print_runtime();
	print_interp();
	print_tstate();
	print_frame();
	print_code();
	print_objects();
	print_locals();
	print_scalars();
	print_containers();
	return 0;
}
