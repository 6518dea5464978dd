/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pyops.c - calling opcodes per version, named as in each version's
 * opcode.h (3.11, 3.12) or opcode_ids.h (3.13+), which the offset checker
 * compares them with, and where a calling frame's pointer sits after them.
 */
#include "compat.h"

#include "pyops.h"

#define OP(name, code) { code, #name }

/* 3.11: prev_instr is the last of the four cache units of CALL or of
 * BINARY_SUBSCR_GETITEM. */
static const struct pyop call311[] = {
	OP(BINARY_SUBSCR_GETITEM, 19), OP(CALL_ADAPTIVE, 22), OP(CALL_PY_EXACT_ARGS, 23),
	OP(CALL_PY_WITH_DEFAULTS, 24), OP(CALL, 171),
};

/* 3.12: prev_instr is the last cache unit: CALL has 3, BINARY_SUBSCR,
 * FOR_ITER and SEND 1, LOAD_ATTR 9, CALL_FUNCTION_EX none. */
static const struct pyop call312[] = {
	OP(CALL_PY_EXACT_ARGS, 23), OP(CALL_PY_WITH_DEFAULTS, 24),
	OP(CALL_BOUND_METHOD_EXACT_ARGS, 28), OP(CALL, 171), OP(INSTRUMENTED_CALL, 241),
	OP(INSTRUMENTED_INSTRUCTION, 253), OP(INSTRUMENTED_LINE, 254),
};
static const struct pyop next312[] = {
	OP(BINARY_SUBSCR_GETITEM, 20), OP(BINARY_SUBSCR, 25), OP(FOR_ITER_GEN, 65),
	OP(FOR_ITER, 93), OP(SEND, 123), OP(SEND_GEN, 168), OP(INSTRUMENTED_FOR_ITER, 248),
	OP(INSTRUMENTED_INSTRUCTION, 253), OP(INSTRUMENTED_LINE, 254),
};
static const struct pyop attr312[] = {
	OP(LOAD_ATTR_GETATTRIBUTE_OVERRIDDEN, 72), OP(LOAD_ATTR_PROPERTY, 77),
	OP(LOAD_ATTR, 106), OP(INSTRUMENTED_INSTRUCTION, 253), OP(INSTRUMENTED_LINE, 254),
};
static const struct pyop ex312[] = {
	OP(CALL_FUNCTION_EX, 142), OP(INSTRUMENTED_CALL_FUNCTION_EX, 244),
	OP(INSTRUMENTED_INSTRUCTION, 253), OP(INSTRUMENTED_LINE, 254),
};

/* 3.13 on: instr_ptr is the instruction itself. */
static const struct pyop call313[] = {
	OP(CALL, 53), OP(CALL_FUNCTION_EX, 54), OP(CALL_KW, 57), OP(ENTER_EXECUTOR, 70),
	OP(FOR_ITER, 72), OP(SEND, 104), OP(BINARY_SUBSCR_GETITEM, 158),
	OP(CALL_ALLOC_AND_ENTER_INIT, 162), OP(CALL_BOUND_METHOD_EXACT_ARGS, 163),
	OP(CALL_BOUND_METHOD_GENERAL, 164), OP(CALL_PY_EXACT_ARGS, 177),
	OP(CALL_PY_GENERAL, 178), OP(FOR_ITER_GEN, 187),
	OP(LOAD_ATTR_GETATTRIBUTE_OVERRIDDEN, 192), OP(LOAD_ATTR_PROPERTY, 200),
	OP(SEND_GEN, 208), OP(INSTRUMENTED_FOR_ITER, 243), OP(INSTRUMENTED_CALL, 244),
	OP(INSTRUMENTED_CALL_KW, 245), OP(INSTRUMENTED_CALL_FUNCTION_EX, 246),
	OP(INSTRUMENTED_INSTRUCTION, 247), OP(INSTRUMENTED_LINE, 254),
};

static const struct pyop call314[] = {
	OP(CALL_FUNCTION_EX, 4), OP(CALL, 52), OP(CALL_KW, 55), OP(FOR_ITER, 70),
	OP(SEND, 106), OP(BINARY_OP_SUBSCR_GETITEM, 136), OP(CALL_ALLOC_AND_ENTER_INIT, 143),
	OP(CALL_BOUND_METHOD_EXACT_ARGS, 144), OP(CALL_BOUND_METHOD_GENERAL, 145),
	OP(CALL_KW_BOUND_METHOD, 151), OP(CALL_KW_PY, 153), OP(CALL_PY_EXACT_ARGS, 161),
	OP(CALL_PY_GENERAL, 162), OP(FOR_ITER_GEN, 171),
	OP(LOAD_ATTR_GETATTRIBUTE_OVERRIDDEN, 179), OP(LOAD_ATTR_PROPERTY, 187),
	OP(SEND_GEN, 197), OP(INSTRUMENTED_FOR_ITER, 237), OP(INSTRUMENTED_INSTRUCTION, 238),
	OP(INSTRUMENTED_CALL, 250), OP(INSTRUMENTED_CALL_KW, 251),
	OP(INSTRUMENTED_CALL_FUNCTION_EX, 252), OP(INSTRUMENTED_LINE, 254),
	OP(ENTER_EXECUTOR, 255),
};

static const struct pyop call315[] = {
	OP(CALL_FUNCTION_EX, 4), OP(CALL, 50), OP(CALL_KW, 53), OP(FOR_ITER, 68),
	OP(SEND, 105), OP(BINARY_OP_SUBSCR_GETITEM, 136), OP(CALL_ALLOC_AND_ENTER_INIT, 144),
	OP(CALL_BOUND_METHOD_EXACT_ARGS, 145), OP(CALL_BOUND_METHOD_GENERAL, 146),
	OP(CALL_EX_PY, 152), OP(CALL_KW_BOUND_METHOD, 154), OP(CALL_KW_PY, 156),
	OP(CALL_PY_EXACT_ARGS, 164), OP(CALL_PY_GENERAL, 165), OP(FOR_ITER_GEN, 174),
	OP(FOR_ITER_VIRTUAL, 178), OP(LOAD_ATTR_GETATTRIBUTE_OVERRIDDEN, 185),
	OP(LOAD_ATTR_PROPERTY, 193), OP(SEND_ASYNC_GEN, 202), OP(SEND_GEN, 203),
	OP(SEND_VIRTUAL, 204), OP(INSTRUMENTED_FOR_ITER, 236),
	OP(INSTRUMENTED_INSTRUCTION, 237), OP(INSTRUMENTED_CALL, 249),
	OP(INSTRUMENTED_CALL_KW, 250), OP(INSTRUMENTED_CALL_FUNCTION_EX, 251),
	OP(INSTRUMENTED_LINE, 253), OP(ENTER_EXECUTOR, 254),
};

/* Opcodes of one family, `back` code units before the pointer (the inline
 * cache entries between the opcode and the pointer). */
struct probe {
	unsigned back;
	const struct pyop *ops;
	size_t n;
};

#define PROBE(back, list) { back, list, PF_ARRAY_SIZE(list) }

static const struct probe p311[] = { PROBE(4, call311) };
static const struct probe p312[] = {
	PROBE(3, call312), PROBE(1, next312), PROBE(9, attr312), PROBE(0, ex312),
};
static const struct probe p313[] = { PROBE(0, call313) };
static const struct probe p314[] = { PROBE(0, call314) };
static const struct probe p315[] = { PROBE(0, call315) };

struct probes {
	const struct probe *p;
	size_t n;
};

static struct probes probes_of(enum pyops_set set)
{
	switch (set) {
	case OPS_311:
		return (struct probes){ p311, PF_ARRAY_SIZE(p311) };
	case OPS_312:
		return (struct probes){ p312, PF_ARRAY_SIZE(p312) };
	case OPS_313:
		return (struct probes){ p313, PF_ARRAY_SIZE(p313) };
	case OPS_314:
		return (struct probes){ p314, PF_ARRAY_SIZE(p314) };
	case OPS_315:
		return (struct probes){ p315, PF_ARRAY_SIZE(p315) };
	default:
		return (struct probes){ NULL, 0 };
	}
}

static bool listed(const struct probe *p, uint8_t op)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->ops[i].code == op)
			return true;
	return false;
}

bool pyops_calling(enum pyops_set set, const uint8_t win[PYOPS_WINDOW])
{
	struct probes ps = probes_of(set);

	for (size_t i = 0; i < ps.n; i++)
		if (listed(&ps.p[i], win[PYOPS_BACK - 2 * ps.p[i].back]))
			return true;
	return false;
}

size_t pyops_each(enum pyops_set set, void (*fn)(const struct pyop *op, unsigned back, void *arg),
		  void *arg)
{
	struct probes ps = probes_of(set);
	size_t n = 0;

	for (size_t i = 0; i < ps.n; i++)
		for (size_t j = 0; j < ps.p[i].n; j++, n++)
			fn(&ps.p[i].ops[j], ps.p[i].back, arg);
	return n;
}
