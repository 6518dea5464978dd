/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fake-types.h - where a fake interpreter's type objects and singletons
 * are, for test-pylocals (which lays values out with these types) and
 * fuzz-pylocals (which reads its input as such values); they lie outside
 * the fake heap: only their addresses are compared.
 */
#ifndef PF_FAKE_TYPES_H
#define PF_FAKE_TYPES_H

#include "pylocate.h"

#define FAKE_T_CODE 0x5001000ull
#define FAKE_T_STR 0x5002000ull	/* str: unicode on 3.x, bytes on 2.7 */
#define FAKE_T_UNI27 0x5003000ull
#define FAKE_T_BYTES 0x5004000ull
#define FAKE_T_LONG 0x5005000ull
#define FAKE_T_INT27 0x5006000ull
#define FAKE_T_FLOAT 0x5007000ull
#define FAKE_T_TUPLE 0x5008000ull
#define FAKE_T_LIST 0x5009000ull
#define FAKE_T_DICT 0x500a000ull
#define FAKE_T_SET 0x500b000ull
#define FAKE_T_CELL 0x500c000ull
#define FAKE_NONE 0x500d000ull
#define FAKE_TRUE 0x500e000ull
#define FAKE_FALSE 0x500f000ull

/* Point `loc` at the fake types of a 2.7 (py2) or 3.x interpreter. */
static inline void fake_types_set(struct pyloc *loc, bool py2)
{
	loc->code_type = FAKE_T_CODE;
	loc->str_type = FAKE_T_STR;
	loc->types = (struct pytypes){ FAKE_NONE, FAKE_TRUE, FAKE_FALSE, py2 ? FAKE_T_INT27 : 0,
				       FAKE_T_LONG, 0, FAKE_T_FLOAT,
				       py2 ? FAKE_T_STR : FAKE_T_BYTES,
				       py2 ? FAKE_T_UNI27 : FAKE_T_STR, FAKE_T_TUPLE, FAKE_T_LIST,
				       FAKE_T_DICT, FAKE_T_SET, 0, FAKE_T_CELL };
}

#endif
