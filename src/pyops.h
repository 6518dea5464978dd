/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pyops.h - the opcodes that tell a calling frame from a running one
 * (3.11+), per version. Pure: bytes in, an answer out.
 *
 * From 3.11 a Python call from Python code pushes the new frame without
 * any C in between, and the calling frame waits on the instruction that
 * pushed it: a call, a generator or coroutine resumption, a subscript or
 * attribute that runs Python. A frame whose instruction is none of these
 * was running, not calling, when it was copied.
 */
#ifndef PF_PYOPS_H
#define PF_PYOPS_H

#include "compat.h"

enum pyops_set {
	OPS_NONE,	/* <= 3.10: no such calls */
	OPS_311,
	OPS_312,
	OPS_313,
	OPS_314,
	OPS_315,
};

/* Bytes of bytecode pyops_calling() looks at, before and at the pointer. */
#define PYOPS_BACK 18
#define PYOPS_WINDOW (PYOPS_BACK + 2)

/*
 * pyops_calling - whether a frame can be waiting for a frame it pushed
 * with its instruction pointer where it is. `win` holds the bytecode from
 * PYOPS_BACK bytes before the pointer to the code unit at it, with zeros
 * for bytes outside the code (0 is never a calling opcode). The pointer
 * is 3.11's and 3.12's prev_instr (the last code unit of the instruction's
 * inline cache) or 3.13's instr_ptr (the instruction). Opcodes that hide
 * the one they replace (INSTRUMENTED_LINE, INSTRUMENTED_INSTRUCTION,
 * ENTER_EXECUTOR) count as calling. Always false for OPS_NONE.
 */
bool pyops_calling(enum pyops_set set, const uint8_t win[PYOPS_WINDOW]);

/* One calling opcode, named as its version's headers name it. */
struct pyop {
	uint8_t code;
	const char *name;
};

/*
 * pyops_each - call fn for every calling opcode of `set`, with how many code
 * units before the pointer it stands (for the tests and the offset checker,
 * which compares them with the headers). Returns how many there are.
 */
size_t pyops_each(enum pyops_set set, void (*fn)(const struct pyop *op, unsigned back, void *arg),
		  void *arg);

#endif
