/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dump-table.c - print the offset table of one version (given by its --abi
 * number) as "name value" lines, for check-offsets.tap to compare with probe.c;
 * with --ops, its calling opcodes (pyops.h) as "NAME code" lines, which it
 * compares with the #defines of the version's opcode headers.
 */
#include "compat.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pyoffsets.h"
#include "pyops.h"

/* Every field of struct pyoffsets that headers can confirm, by its own name. */
#define U32(name) { #name, offsetof(struct pyoffsets, name), 4, FOR_ALL }
#define U8(name, which) { #name, offsetof(struct pyoffsets, name), 1, which }

/* Which versions a uint8_t field means something for. */
enum which { FOR_ALL, FOR_PEP393, FOR_PY27 };

struct field {
	const char *name;
	size_t at;
	size_t width;	/* 1 (uint8_t) or 4 (uint32_t, PYOFF_NONE = absent) */
	enum which which;
};

static const struct field fields[] = {
	U32(rt_interp_head), U32(rt_tstate_current), U32(rt_gil_locked), U32(rt_gil_holder),
	U32(is_next), U32(is_tstate_head), U32(is_ceval_gil), U32(gil_locked), U32(gil_holder),
	U32(ts_next), U32(ts_interp), U32(ts_frame), U32(ts_cframe), U32(cframe_current_frame),
	U32(ts_current_frame), U32(ts_thread_id), U32(ts_native_thread_id),
	U32(ts_datastack_chunk), U32(ts_datastack_top),
	U32(fr_back), U32(fr_code), U32(fr_lasti), U32(fr_valuestop), U32(fr_state),
	U32(fr_instr), U32(fr_owner), U32(fr_stacktop), U32(fr_is_entry), U32(fr_size),
	U32(co_filename), U32(co_name), U32(co_qualname), U32(co_firstlineno), U32(co_linetable),
	U32(co_firsttraceable), U32(co_code_adaptive), U32(co_code), U32(co_units), U32(co_size),
	U32(ob_refcnt), U32(ob_type), U32(bytes_size), U32(bytes_data), U32(str_length), U32(str_state),
	U32(str_ascii_data), U32(str_compact_data), U32(str_legacy_data),
	U8(str_kind_shift, FOR_PEP393), U8(str_compact_shift, FOR_PEP393),
	U8(str_ascii_shift, FOR_PEP393),
	U32(fr_localsplus), U32(co_nlocals), U32(co_varnames), U32(co_cellvars), U32(co_freevars),
	U32(co_nlocalsplus), U32(co_localsplusnames), U32(co_localspluskinds), U32(co_argcount),
	U32(co_kwonlyargcount), U32(co_flags),
	U32(tp_name), U32(var_size), U32(float_value), U32(cell_ref), U32(long_size),
	U32(long_digits), U32(int27_value), U32(uni27_length), U32(uni27_data),
	U32(tuple_items), U32(list_items), U32(set_fill), U32(set_used), U32(set_mask),
	U32(set_table), U32(se_key), U32(se_size), U32(dict_used), U32(dict_mask),
	U32(dict_table), U32(dict_keys), U32(dict_values), U32(dk_size), U32(dk_log2_size),
	U32(dk_log2_index_bytes), U32(dk_kind), U32(dk_nentries), U32(dk_indices), U32(de_key),
	U32(de_value), U32(de_size), U32(due_key), U32(due_value), U32(due_size),
	U8(long_shift, FOR_ALL), U8(uni27_kind, FOR_PY27),
};

/* The state-word shifts mean something only for PEP 393 strings, the
 * width of a Py_UNICODE only for 2.7. */
static bool applies(const struct pyoffsets *t, const struct field *f)
{
	switch (f->which) {
	case FOR_PEP393:
		return t->str_model == STR_PEP393;
	case FOR_PY27:
		return t->str_model == STR_BYTES27;
	default:
		return true;
	}
}

static void dump(const struct pyoffsets *t)
{
	printf("abi %u\n", t->abi);
	for (size_t i = 0; i < PF_ARRAY_SIZE(fields); i++) {
		const struct field *f = &fields[i];
		uint32_t v32;
		uint8_t v8;

		if (!applies(t, f))
			continue;
		if (f->width == 1) {
			memcpy(&v8, (const char *)t + f->at, 1);
			printf("%s %u\n", f->name, v8);
			continue;
		}
		memcpy(&v32, (const char *)t + f->at, 4);
		if (v32 != PYOFF_NONE)
			printf("%s %u\n", f->name, v32);
	}
	printf("exe_tag_mask %llu\n", (unsigned long long)t->exe_tag_mask);
}

static void print_op(const struct pyop *op, unsigned back, void *arg)
{
	(void)back;
	(void)arg;
	printf("%s %u\n", op->name, op->code);
}

/* "--ops ABI": the calling opcodes of that version, "NAME CODE" a line. */
static void ops(const struct pyoffsets *t)
{
	pyops_each(t->ops, print_op, NULL);
}

/* "--names": every field name this program knows, one a line. */
static void names(void)
{
	for (size_t i = 0; i < PF_ARRAY_SIZE(fields); i++)
		printf("%s\n", fields[i].name);
	printf("exe_tag_mask\n");
}

int main(int argc, char **argv)
{
	const struct pyoffsets *t;
	char *end;
	unsigned long abi;

	if (argc == 2 && strcmp(argv[1], "--names") == 0) {
		names();
		return 0;
	}
	if (argc != 2 && !(argc == 3 && strcmp(argv[1], "--ops") == 0)) {
		fprintf(stderr, "usage: dump-table [--ops] ABI (27, 36 ... 315) | --names\n");
		return 2;
	}
	abi = strtoul(argv[argc - 1], &end, 10);
	if (*argv[argc - 1] == '\0' || *end != '\0' || abi > 999 ||
	    !(t = pyoffsets_for_abi((unsigned)abi))) {
		fprintf(stderr, "dump-table: no table for ABI '%s'\n", argv[argc - 1]);
		return 1;
	}
	if (argc == 3)
		ops(t);
	else
		dump(t);
	return 0;
}
