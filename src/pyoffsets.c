/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pyoffsets.c - per-version layouts of CPython 2.7 and 3.6 - 3.15, and the
 * import of a target's own _Py_DebugOffsets (3.13+).
 */
#include "compat.h"

#include <stddef.h>
#include <string.h>

#include "err.h"
#include "linetable.h"
#include "pyoffsets.h"
#include "pyops.h"
#include "pyversion.h"

/*
 * The tables are kept by field, one row per field and one column per minor
 * version, in the order of the reference tables they were checked against
 * (x86_64 release builds: 2.7.18, 3.6.15, 3.7.16, 3.8.18, 3.9.18, 3.10.13,
 * 3.11.7, 3.12.1, 3.13.0, 3.14.10, 3.15.2), so a row reads like the header
 * it restates. build_tables() turns them into one struct per version.
 */
enum { V27, V36, V37, V38, V39, V310, V311, V312, V313, V314, V315, NVERSIONS };

#define N PYOFF_NONE
#define F(field) offsetof(struct pyoffsets, field)

struct row {
	size_t field;
	uint32_t v[NVERSIONS];
};

static const struct row rows[] = {
	/*                         2.7  3.6  3.7  3.8  3.9 3.10 3.11 3.12 3.13 3.14 3.15 */
	/* _PyRuntimeState (pycore_runtime.h) */
	{ F(rt_interp_head),      { N, N, 24, 32, 32, 32, 40, 40, 632, 808, 936 } },
	{ F(rt_tstate_current),   { N, N, 1480, 1368, 568, 568, 576, N, N, N, N } },
	{ F(rt_gil_locked),       { N, N, 1280, 1168, 368, 368, 376, N, N, N, N } },
	{ F(rt_gil_holder),       { N, N, 1272, 1160, 360, 360, 368, N, N, N, N } },
	/* PyInterpreterState (pystate.h / pycore_interp.h) */
	{ F(is_next),             { 0, 0, 0, 0, 0, 0, 0, 0, 7264, 7272, 7264 } },
	{ F(is_tstate_head),      { 8, 8, 8, 8, 8, 8, 16, 72, 7344, 7344, 7336 } },
	{ F(is_ceval_gil),        { N, N, N, N, N, N, N, 384, 16, 16, 16 } },
	{ F(gil_locked),          { N, N, N, N, N, N, N, 16, 16, 16, 16 } },
	{ F(gil_holder),          { N, N, N, N, N, N, N, 8, 8, 8, 8 } },
	/* PyThreadState (pystate.h / cpython/pystate.h) */
	{ F(ts_next),             { 0, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8 } },
	{ F(ts_interp),           { 8, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16 } },
	{ F(ts_frame),            { 16, 24, 24, 24, 24, 24, N, N, N, N, N } },
	{ F(ts_cframe),           { N, N, N, N, N, N, 56, 56, N, N, N } },
	{ F(cframe_current_frame), { N, N, N, N, N, N, 8, 0, N, N, N } },
	{ F(ts_current_frame),    { N, N, N, N, N, N, N, N, 72, 72, 72 } },
	{ F(ts_thread_id),        { 144, 152, 176, 176, 176, 176, 152, 136, 152, 152, 176 } },
	{ F(ts_native_thread_id), { N, N, N, N, N, N, 160, 144, 160, 160, 184 } },
	{ F(ts_datastack_chunk),  { N, N, N, N, N, N, 296, 232, 232, 232, 256 } },
	{ F(ts_datastack_top),    { N, N, N, N, N, N, 304, 240, 240, 240, 264 } },
	/* PyFrameObject (<= 3.10) / _PyInterpreterFrame (3.11+, pycore_frame.h) */
	{ F(fr_back),             { 24, 24, 24, 24, 24, 24, 48, 8, 8, 8, 8 } },
	{ F(fr_code),             { 32, 32, 32, 32, 32, 32, 32, 0, 0, 0, 0 } },
	{ F(fr_lasti),            { 120, 120, 104, 104, 104, 96, N, N, N, N, N } },
	{ F(fr_valuestop),        { 72, 72, 72, 72, 72, N, N, N, N, N, N } },
	{ F(fr_state),            { N, N, N, N, N, 108, N, N, N, N, N } },
	{ F(fr_instr),            { N, N, N, N, N, N, 56, 56, 56, 56, 56 } },
	{ F(fr_owner),            { N, N, N, N, N, N, 69, 70, 70, 74, 74 } },
	{ F(fr_stacktop),         { N, N, N, N, N, N, 64, 64, 64, 64, 64 } },
	{ F(fr_is_entry),         { N, N, N, N, N, N, 68, N, N, N, N } },
	{ F(fr_size),             { 128, 128, 112, 112, 112, 112, 72, 72, 72, 80, 80 } },
	/* PyCodeObject (code.h / cpython/code.h) */
	{ F(co_filename),         { 80, 96, 96, 104, 104, 104, 112, 112, 112, 112, 112 } },
	{ F(co_name),             { 88, 104, 104, 112, 112, 112, 120, 120, 120, 120, 120 } },
	{ F(co_qualname),         { N, N, N, N, N, N, 128, 128, 128, 128, 128 } },
	{ F(co_firstlineno),      { 96, 36, 36, 40, 40, 40, 72, 68, 68, 68, 68 } },
	{ F(co_linetable),        { 104, 112, 112, 120, 120, 120, 136, 136, 136, 136, 136 } },
	{ F(co_firsttraceable),   { N, N, N, N, N, N, 168, 176, 184, 192, 192 } },
	{ F(co_code_adaptive),    { N, N, N, N, N, N, 184, 192, 200, 208, 208 } },
	{ F(co_code),             { 32, 40, 40, 48, 48, 48, N, N, N, N, N } },
	{ F(co_units),            { N, N, N, N, N, N, 16, 16, 16, 16, 16 } },
	{ F(co_size),             { 128, 144, 144, 176, 176, 176, 192, 200, 208, 216, 216 } },
	/* objects: PyObject, bytes (2.7 str), PEP 393 str (unicodeobject.h) */
	{ F(ob_refcnt),           { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },
	{ F(ob_type),             { 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8 } },
	{ F(bytes_size),          { 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16 } },
	{ F(bytes_data),          { 36, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32 } },
	{ F(str_length),          { N, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16 } },
	{ F(str_state),           { N, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32 } },
	{ F(str_ascii_data),      { N, 48, 48, 48, 48, 48, 48, 40, 40, 40, 40 } },
	{ F(str_compact_data),    { N, 72, 72, 72, 72, 72, 72, 56, 56, 56, 56 } },
	{ F(str_legacy_data),     { N, 72, 72, 72, 72, 72, 72, 56, 56, 56, 56 } },	/* locals (frameobject.h <= 3.10, pycore_frame.h 3.11+; code.h) */
	{ F(fr_localsplus),       { 376, 376, 360, 360, 360, 352, 72, 72, 72, 80, 80 } },
	{ F(co_nlocals),          { 20, 24, 24, 28, 28, 28, N, N, N, N, N } },
	{ F(co_varnames),         { 56, 64, 64, 72, 72, 72, N, N, N, N, N } },
	{ F(co_cellvars),         { 72, 80, 80, 88, 88, 88, N, N, N, N, N } },
	{ F(co_freevars),         { 64, 72, 72, 80, 80, 80, N, N, N, N, N } },
	{ F(co_nlocalsplus),      { N, N, N, N, N, N, 76, 72, 72, 72, 72 } },
	{ F(co_localsplusnames),  { N, N, N, N, N, N, 96, 96, 96, 96, 96 } },
	{ F(co_localspluskinds),  { N, N, N, N, N, N, 104, 104, 104, 104, 104 } },
	{ F(co_argcount),         { 16, 16, 16, 16, 16, 16, 56, 52, 52, 52, 52 } },
	{ F(co_kwonlyargcount),   { N, 20, 20, 24, 24, 24, 64, 60, 60, 60, 60 } },
	{ F(co_flags),            { 28, 32, 32, 36, 36, 36, 48, 48, 48, 48, 48 } },
	/* values: object.h, floatobject.h, cellobject.h, longintrepr.h (2.7: intobject.h,
	 * unicodeobject.h) */
	{ F(tp_name),             { 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24 } },
	{ F(var_size),            { 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16 } },
	{ F(float_value),         { 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16 } },
	{ F(cell_ref),            { 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16 } },
	{ F(long_size),           { 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16 } },
	{ F(long_digits),         { 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24 } },
	{ F(int27_value),         { 16, N, N, N, N, N, N, N, N, N, N } },
	{ F(uni27_length),        { 16, N, N, N, N, N, N, N, N, N, N } },
	{ F(uni27_data),          { 24, N, N, N, N, N, N, N, N, N, N } },
	/* containers: tupleobject.h, listobject.h, setobject.h, dictobject.h;
	 * dict keys: Objects/dict-common.h (3.6 - 3.10), pycore_dict.h (3.11+) */
	{ F(tuple_items),         { 24, 24, 24, 24, 24, 24, 24, 24, 24, 32, 32 } },
	{ F(list_items),          { 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24 } },
	{ F(set_fill),            { 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16 } },
	{ F(set_used),            { 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24 } },
	{ F(set_mask),            { 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32 } },
	{ F(set_table),           { 40, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40 } },
	{ F(se_key),              { 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },
	{ F(se_size),             { 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16 } },
	{ F(dict_used),           { 24, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16 } },
	{ F(dict_mask),           { 32, N, N, N, N, N, N, N, N, N, N } },
	{ F(dict_table),          { 40, N, N, N, N, N, N, N, N, N, N } },
	{ F(dict_keys),           { N, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32 } },
	{ F(dict_values),         { N, 40, 40, 40, 40, 40, 40, 40, 40, 40, 40 } },
	{ F(dk_size),             { N, 8, 8, 8, 8, 8, N, N, N, N, N } },
	{ F(dk_log2_size),        { N, N, N, N, N, N, 8, 8, 8, 8, 8 } },
	{ F(dk_log2_index_bytes), { N, N, N, N, N, N, 9, 9, 9, 9, 9 } },
	{ F(dk_kind),             { N, N, N, N, N, N, 10, 10, 10, 10, 10 } },
	{ F(dk_nentries),         { N, 32, 32, 32, 32, 32, 24, 24, 24, 24, 24 } },
	{ F(dk_indices),          { N, 40, 40, 40, 40, 40, 32, 32, 32, 32, 32 } },
	{ F(de_key),              { 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8 } },
	{ F(de_value),            { 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16 } },
	{ F(de_size),             { 24, 24, 24, 24, 24, 24, 24, 24, 24, 24, 24 } },
	{ F(due_key),             { N, N, N, N, N, N, 0, 0, 0, 0, 0 } },
	{ F(due_value),           { N, N, N, N, N, N, 8, 8, 8, 8, 8 } },
	{ F(due_size),            { N, N, N, N, N, N, 16, 16, 16, 16, 16 } },
};

/* What differs in shape rather than in offsets. */
struct model {
	uint32_t version;
	const char *name;
	unsigned abi;
	enum py_frame_model frame;
	enum py_gil_model gil;
	enum py_owner_model owner;
	enum py_caller_model caller;
	int lt;
	unsigned lasti_scale;
	uint64_t exe_tag_mask;
};

static const struct model models[NVERSIONS] = {
	{ 0x020700f0, "2.7", 27, FRAME_OBJECT, GIL_TSTATE_CURRENT, OWNER_NONE, CALLER_REFCNT, LT_LNOTAB, 1, 0 },
	{ 0x030600f0, "3.6", 36, FRAME_OBJECT, GIL_TSTATE_CURRENT, OWNER_NONE, CALLER_REFCNT, LT_LNOTAB_SIGNED, 1, 0 },
	{ 0x030700f0, "3.7", 37, FRAME_OBJECT, GIL_RUNTIME, OWNER_NONE, CALLER_REFCNT, LT_LNOTAB_SIGNED, 1, 0 },
	{ 0x030800f0, "3.8", 38, FRAME_OBJECT, GIL_RUNTIME, OWNER_NONE, CALLER_REFCNT, LT_LNOTAB_SIGNED, 1, 0 },
	{ 0x030900f0, "3.9", 39, FRAME_OBJECT, GIL_RUNTIME, OWNER_NONE, CALLER_REFCNT, LT_LNOTAB_SIGNED, 1, 0 },
	{ 0x030a00f0, "3.10", 310, FRAME_OBJECT, GIL_RUNTIME, OWNER_NONE, CALLER_REFCNT, LT_LINETABLE_310, 2, 0 },
	{ 0x030b00f0, "3.11", 311, FRAME_CFRAME, GIL_RUNTIME, OWNER_311, CALLER_OPCODE, LT_LOCATIONS, 1, 0 },
	{ 0x030c00f0, "3.12", 312, FRAME_CFRAME, GIL_INTERP, OWNER_312, CALLER_STACKTOP, LT_LOCATIONS, 1, 0 },
	{ 0x030d00f0, "3.13", 313, FRAME_CURRENT, GIL_INTERP, OWNER_312, CALLER_STACKTOP, LT_LOCATIONS, 1, 0 },
	{ 0x030e00f0, "3.14", 314, FRAME_CURRENT, GIL_INTERP, OWNER_314, CALLER_OPCODE, LT_LOCATIONS, 1, 3 },
	{ 0x030f00f0, "3.15", 315, FRAME_CURRENT, GIL_INTERP, OWNER_314, CALLER_OPCODE, LT_LOCATIONS, 1, 3 },
};

static struct pyoffsets tables[NVERSIONS];
static const struct pyoffsets *table_list[NVERSIONS + 1];

static void build_table(int v)
{
	struct pyoffsets *t = &tables[v];
	const struct model *m = &models[v];

	for (size_t i = 0; i < PF_ARRAY_SIZE(rows); i++)
		memcpy((char *)t + rows[i].field, &rows[i].v[v], sizeof(uint32_t));
	t->version = m->version;
	t->name = m->name;
	t->abi = m->abi;
	t->frame_model = m->frame;
	t->gil_model = m->gil;
	t->str_model = v == V27 ? STR_BYTES27 : STR_PEP393;
	t->owner_model = m->owner;
	t->caller_model = m->caller;
	t->ops = v >= V311 ? OPS_311 + (v - V311) : OPS_NONE;
	t->lt_format = m->lt;
	t->lasti_scale = m->lasti_scale;
	t->exe_tag_mask = m->exe_tag_mask;
	t->str_kind_shift = 2;	/* default builds, every version */
	t->str_compact_shift = 5;
	t->str_ascii_shift = 6;
	t->long_model = v >= V312 ? LONG_TAG : LONG_OBSIZE;
	t->long_shift = 30;	/* PyLong_SHIFT of every 64-bit build */
	t->uni27_kind = v == V27 ? 4 : 0;	/* UCS-4 builds (Py_UNICODE_SIZE) */
	table_list[v] = t;
}

static void build_tables(void)
{
	if (table_list[0])
		return;
	for (int v = 0; v < NVERSIONS; v++)
		build_table(v);
}

const struct pyoffsets *const *pyoffsets_all(void)
{
	build_tables();
	return table_list;
}

const struct pyoffsets *pyoffsets_for_abi(unsigned abi)
{
	build_tables();
	for (int v = 0; v < NVERSIONS; v++)
		if (tables[v].abi == abi)
			return &tables[v];
	return NULL;
}

const struct pyoffsets *pyoffsets_for(uint32_t version)
{
	uint32_t mm = version & 0xffff0000u;
	char name[32];

	build_tables();
	pyversion_format(version, name, sizeof name);
	/* 3.7.0 - 3.7.3 kept _PyRuntime fields elsewhere; they were never verified */
	if (mm == 0x03070000u && ((version >> 8) & 0xff) < 4)
		return pf_fail(PF_EUNSUPPORTED, "Python %s (3.7.0 to 3.7.3 are not supported; 3.7.4+ are)",
			       name), NULL;
	for (int v = 0; v < NVERSIONS; v++)
		if ((tables[v].version & 0xffff0000u) == mm)
			return &tables[v];
	pf_fail(PF_EUNSUPPORTED, "Python %s", name);
	return NULL;
}

/*
 * _Py_DebugOffsets (pycore_runtime.h / pycore_debug_offsets.h, 3.13 - 3.15):
 * where each value we import sits in the block, per minor version. The
 * block's own layout is fixed only within a minor version, so an unknown
 * minor is refused, never read with the nearest layout. 0 = not present.
 */
enum { D13, D14, D15, NDEBUG };

struct dbg_field {
	size_t field;
	uint16_t at[NDEBUG];
};

static const struct dbg_field dbg_fields[] = {
	/*                                3.13 3.14 3.15 */
	{ F(rt_interp_head),          { 40, 40, 40 } },	/* runtime_state.interpreters_head */
	{ F(is_next),                 { 64, 64, 64 } },
	{ F(is_tstate_head),          { 72, 72, 72 } },
	{ F(is_ceval_gil),            { 112, 120, 120 } },
	{ F(ts_next),                 { 168, 192, 192 } },
	{ F(ts_interp),               { 176, 200, 200 } },
	{ F(ts_current_frame),        { 184, 208, 208 } },
	{ F(ts_thread_id),            { 192, 216, 240 } },
	{ F(ts_native_thread_id),     { 200, 224, 248 } },
	{ F(ts_datastack_chunk),      { 208, 232, 256 } },
	{ F(fr_size),                 { 224, 248, 312 } },
	{ F(fr_back),                 { 232, 256, 320 } },
	{ F(fr_code),                 { 240, 264, 328 } },
	{ F(fr_instr),                { 248, 272, 336 } },
	{ F(fr_owner),                { 264, 288, 352 } },
	{ F(co_size),                 { 272, 312, 376 } },
	{ F(co_filename),             { 280, 320, 384 } },
	{ F(co_name),                 { 288, 328, 392 } },
	{ F(co_qualname),             { 296, 336, 400 } },
	{ F(co_linetable),            { 304, 344, 408 } },
	{ F(co_firstlineno),          { 312, 352, 416 } },
	{ F(co_code_adaptive),        { 344, 384, 448 } },
	{ F(ob_type),                 { 360, 408, 472 } },
	{ F(bytes_size),              { 520, 600, 696 } },
	{ F(bytes_data),              { 528, 608, 704 } },
	{ F(str_state),               { 544, 624, 720 } },
	{ F(str_length),              { 552, 632, 728 } },
	{ F(str_ascii_data),          { 560, 640, 736 } },
	{ F(str_compact_data),        { 0, 0, 744 } },	/* compactunicodeobject_size */
	{ F(fr_localsplus),           { 256, 280, 344 } },
	{ F(co_argcount),             { 320, 360, 424 } },
	{ F(co_localsplusnames),      { 328, 368, 432 } },
	{ F(co_localspluskinds),      { 336, 376, 440 } },
	{ F(tp_name),                 { 376, 424, 488 } },
	{ F(tuple_items),             { 408, 456, 552 } },
	{ F(var_size),                { 416, 464, 560 } },	/* tuple_object.ob_size */
	{ F(list_items),              { 432, 480, 576 } },
	{ F(set_used),                { 0, 504, 600 } },
	{ F(set_table),               { 0, 512, 608 } },
	{ F(set_mask),                { 0, 520, 616 } },
	{ F(dict_keys),               { 456, 536, 632 } },
	{ F(dict_values),             { 464, 544, 640 } },
	{ F(float_value),             { 480, 560, 656 } },
	{ F(long_size),               { 496, 576, 672 } },	/* long_object.lv_tag */
	{ F(long_digits),             { 504, 584, 680 } },
};

/* The GIL fields are given from the interpreter state; we want them
 * relative to the gil struct that ceval.gil points at. */
static const uint16_t dbg_gil_state[NDEBUG] = { 120, 128, 128 };
static const uint16_t dbg_gil_locked[NDEBUG] = { 136, 144, 144 };
static const uint16_t dbg_gil_holder[NDEBUG] = { 144, 152, 152 };
static const uint16_t dbg_size[NDEBUG] = { 584, 760, 888 };

#define DBG_MAX_VALUE (1u << 20)

static uint64_t dbg_u64(const uint8_t *buf, size_t at)
{
	uint64_t v;

	memcpy(&v, buf + at, sizeof v);
	return v;
}

static int dbg_import_fields(struct pyoffsets *out, const uint8_t *buf, int d)
{
	for (size_t i = 0; i < PF_ARRAY_SIZE(dbg_fields); i++) {
		uint16_t at = dbg_fields[i].at[d];
		uint64_t v;
		uint32_t v32;

		if (!at)
			continue;
		v = dbg_u64(buf, at);
		if (v >= DBG_MAX_VALUE)
			return pf_fail(PF_EFORMAT, "_Py_DebugOffsets value %#llx at %u is implausible",
				       (unsigned long long)v, at);
		v32 = (uint32_t)v;
		memcpy((char *)out + dbg_fields[i].field, &v32, sizeof v32);
	}
	return 0;
}

static int dbg_import_gil(struct pyoffsets *out, const uint8_t *buf, int d)
{
	uint64_t base = dbg_u64(buf, dbg_gil_state[d]);
	uint64_t locked = dbg_u64(buf, dbg_gil_locked[d]);
	uint64_t holder = dbg_u64(buf, dbg_gil_holder[d]);

	if (locked < base || holder < base || locked - base >= 256 || holder - base >= 256)
		return pf_fail(PF_EFORMAT, "_Py_DebugOffsets GIL fields are implausible");
	out->gil_locked = (uint32_t)(locked - base);
	out->gil_holder = (uint32_t)(holder - base);
	return 0;
}

int pyoffsets_import_debug(struct pyoffsets *out, const uint8_t *buf, size_t len)
{
	uint32_t version;
	unsigned minor;
	int d, rc;

	if (len < 24 || memcmp(buf, "xdebugpy", 8) != 0)
		return pf_fail(PF_EFORMAT, "no _Py_DebugOffsets cookie");
	version = (uint32_t)dbg_u64(buf, 8);
	minor = (version >> 16) & 0xff;
	if ((version >> 24) != 3 || minor < 13 || minor > 15) {
		char name[32];

		pyversion_format(version, name, sizeof name);
		return pf_fail(PF_EUNSUPPORTED, "Python %s (no known _Py_DebugOffsets layout)", name);
	}
	d = (int)minor - 13;
	if (len < dbg_size[d])
		return pf_fail(PF_EFORMAT, "_Py_DebugOffsets block is short");
	if (dbg_u64(buf, 16) != 0)
		return pf_fail(PF_EUNSUPPORTED, "free-threaded builds are not supported yet");
	if ((rc = dbg_import_fields(out, buf, d)) < 0 || (rc = dbg_import_gil(out, buf, d)) < 0)
		return rc;
	if (minor < 15)	/* sizeof(PyCompactUnicodeObject) = sizeof(PyASCIIObject) + 16 */
		out->str_compact_data = out->str_ascii_data + 16;
	out->str_legacy_data = out->str_compact_data;
	out->version = version;
	return pyoffsets_check(out);
}

static bool within(uint32_t off, uint32_t width, uint32_t limit)
{
	return off == PYOFF_NONE || (uint64_t)off + width <= limit;
}

/* The fields of objects whose values the locals reader shows
 * (pylocals.c reads PYOFFSETS_OBJECT_MAX bytes of an object's head). */
static bool values_within(const struct pyoffsets *o)
{
	const uint32_t head = PYOFFSETS_OBJECT_MAX;

	return within(o->fr_localsplus, 0, PYOFFSETS_LOCALSPLUS_MAX) &&
	       within(o->co_nlocals, 4, o->co_size) && within(o->co_varnames, 8, o->co_size) &&
	       within(o->co_cellvars, 8, o->co_size) && within(o->co_freevars, 8, o->co_size) &&
	       within(o->co_nlocalsplus, 4, o->co_size) &&
	       within(o->co_localsplusnames, 8, o->co_size) &&
	       within(o->co_localspluskinds, 8, o->co_size) && within(o->co_argcount, 4, o->co_size) &&
	       within(o->co_kwonlyargcount, 4, o->co_size) && within(o->co_flags, 4, o->co_size) &&
	       within(o->tp_name, 8, head) && within(o->var_size, 8, head) &&
	       within(o->float_value, 8, head) && within(o->cell_ref, 8, head) &&
	       within(o->long_size, 8, head) && within(o->long_digits, 0, head) &&
	       within(o->int27_value, 8, head) && within(o->uni27_length, 8, head) &&
	       within(o->uni27_data, 8, head) && within(o->tuple_items, 0, head) &&
	       within(o->list_items, 8, head) && within(o->set_fill, 8, head) &&
	       within(o->set_used, 8, head) && within(o->set_mask, 8, head) &&
	       within(o->set_table, 8, head) && within(o->dict_used, 8, head) &&
	       within(o->dict_mask, 8, head) && within(o->dict_table, 8, head) &&
	       within(o->dict_keys, 8, head) && within(o->dict_values, 8, head) &&
	       within(o->dk_size, 8, head) && within(o->dk_log2_size, 1, head) &&
	       within(o->dk_log2_index_bytes, 1, head) && within(o->dk_kind, 1, head) &&
	       within(o->dk_nentries, 8, head) && within(o->dk_indices, 0, head) &&
	       within(o->de_size, 0, 64) && within(o->de_key, 8, o->de_size) &&
	       within(o->de_value, 8, o->de_size) && within(o->due_size, 0, 64) &&
	       within(o->due_key, 8, o->due_size) && within(o->due_value, 8, o->due_size) &&
	       within(o->se_size, 0, 64) && within(o->se_key, 8, o->se_size) &&
	       o->long_shift >= 15 && o->long_shift <= 30;
}

int pyoffsets_check(const struct pyoffsets *o)
{
	bool ok = values_within(o) && within(o->co_size, 0, PYOFFSETS_CODE_MAX) && within(o->fr_size, 0, PYOFFSETS_FRAME_MAX) &&
		  within(o->str_ascii_data, 0, PYOFFSETS_OBJECT_MAX) &&
		  within(o->str_compact_data, 0, PYOFFSETS_OBJECT_MAX) &&
		  within(o->bytes_data, 0, PYOFFSETS_OBJECT_MAX) &&
		  within(o->co_filename, 8, o->co_size) && within(o->co_name, 8, o->co_size) &&
		  within(o->co_qualname, 8, o->co_size) && within(o->co_linetable, 8, o->co_size) &&
		  within(o->co_firstlineno, 4, o->co_size) &&
		  within(o->co_firsttraceable, 4, o->co_size) && within(o->ob_type, 8, o->co_size) &&
		  within(o->fr_back, 8, o->fr_size) && within(o->fr_code, 8, o->fr_size) &&
		  within(o->fr_lasti, 4, o->fr_size) && within(o->fr_instr, 8, o->fr_size) &&
		  within(o->fr_owner, 1, o->fr_size) && within(o->fr_stacktop, 4, o->fr_size) &&
		  within(o->fr_is_entry, 1, o->fr_size) && within(o->fr_valuestop, 8, o->fr_size) &&
		  within(o->fr_state, 1, o->fr_size) &&
		  within(o->ob_refcnt, 8, o->fr_size) && within(o->co_units, 8, o->co_size) &&
		  within(o->co_code, 8, o->co_size) &&
		  within(o->ob_type, 8, o->str_ascii_data) && within(o->str_length, 8, o->str_ascii_data) &&
		  within(o->str_state, 4, o->str_ascii_data) &&
		  within(o->ob_type, 8, o->bytes_data) && within(o->bytes_size, 8, o->bytes_data);

	return ok ? 0 : pf_fail(PF_EFORMAT, "Python %s layout has fields outside their structs",
				o->name);
}
