/* SPDX-License-Identifier: Apache-2.0 */
/*
 * merge.h - one stack from a thread's native frames and its Python frames.
 * Pure: frame ids in, frame ids out (stacks.h), nothing read or interned.
 *
 * Both inputs are innermost first. A native frame is flagged MERGE_EVAL
 * when it is a call of the interpreter's eval loop (merge_is_eval_symbol).
 * A Python frame is flagged MERGE_CALL_START when it is the outermost
 * frame run by its call of the eval loop, the frame that call began with:
 * up to 3.10 every Python frame (one C call each); from 3.11 the frame
 * just inside each entry frame (3.11: `is_entry`; 3.12: the frame below an
 * entry shim; 3.13+: the frame below an FRAME_OWNED_BY_CSTACK one), and
 * always the thread's outermost frame. The Python frames then fall into
 * runs: each run ends (going outwards) with a MERGE_CALL_START frame, and
 * one eval-loop call ran each run.
 *
 * The merged stack is the native stack with each eval-loop frame replaced
 * by the run of Python frames that call ran, in order; other native frames
 * (C functions, a C library calling back into Python, the interpreter's
 * own call machinery) stay where they are. Python -> C -> Python nests.
 *
 * When the numbers disagree (E eval-loop frames, R runs), the stack is
 * paired from the end that is known to be right, and no Python frame is
 * ever put between native frames it did not run between:
 *   - E == R: every eval frame takes its run.
 *   - E > R, native stack whole: the thread is entering or leaving an
 *     eval-loop call (its Python frame not linked yet, or unlinked already):
 *     runs pair with the outermost eval frames; the innermost E - R eval
 *     frames stay as native frames, named as the eval loop.
 *   - E < R, native stack cut short (not whole): the outer native frames
 *     are missing: runs pair with eval frames from the innermost, and the
 *     R - E outermost runs follow the last native frame, in order.
 *   - E < R with a whole native stack, or E > R with a cut one: the two
 *     views cannot be told apart: -PF_ETORN, the sample is lost (the
 *     caller may fall back to either stack alone).
 */
#ifndef PF_MERGE_H
#define PF_MERGE_H

#include "compat.h"

enum merge_flags {
	MERGE_EVAL = 1 << 0,		/* native: a call of the eval loop */
	MERGE_CALL_START = 1 << 1,	/* python: first frame of an eval call */
};

struct merge_input {
	const uint32_t *native;		/* frame ids, innermost first */
	const uint8_t *native_flags;	/* enum merge_flags per native frame */
	size_t nnative;
	bool native_whole;		/* native_unwind()'s *whole */
	const uint32_t *python;		/* frame ids, innermost first */
	const uint8_t *python_flags;	/* enum merge_flags per Python frame */
	size_t npython;
};

/*
 * merge_stacks - write the merged stack, innermost first, into
 * out[0..cap) and its depth into *n. cap >= nnative + npython always
 * suffices. Returns 0, -PF_ETORN (the cases above), or -PF_ELIMIT (cap too
 * small; nothing useful in out).
 */
int merge_stacks(const struct merge_input *in, uint32_t *out, size_t cap, size_t *n);

/*
 * merge_is_eval_symbol - whether a native frame named `symbol` (NULL: an
 * unnamed frame) is a call of the eval loop of CPython major.minor:
 * PyEval_EvalFrameEx on 2.7, _PyEval_EvalFrameDefault on 3.6 and later
 * (PyEval_EvalFrameEx is only a wrapper there, and so are _PyEval_EvalFrame
 * and _PyEval_Vector, which call it). Parts a compiler split off count
 * (a ".cold" or ".isra.0" suffix).
 */
bool merge_is_eval_symbol(const char *symbol, unsigned major, unsigned minor);

#endif
