/* SPDX-License-Identifier: Apache-2.0 */
/*
 * merge.c - pair a thread's eval-loop native frames with the runs of Python
 * frames they ran, and splice the runs in.
 */
#include "compat.h"

#include <string.h>

#include "err.h"
#include "merge.h"

bool merge_is_eval_symbol(const char *symbol, unsigned major, unsigned minor)
{
	const char *loop;
	size_t len;

	if (!symbol)
		return false;
	if (major == 2 && minor == 7)
		loop = "PyEval_EvalFrameEx";
	else if (major == 3 && minor >= 6)
		loop = "_PyEval_EvalFrameDefault";
	else
		return false;
	len = strlen(loop);
	return strncmp(symbol, loop, len) == 0 && (symbol[len] == '\0' || symbol[len] == '.');
}

static size_t count_flag(const uint8_t *flags, size_t n, uint8_t flag)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += (flags[i] & flag) != 0;
	return c;
}

/* Append the Python frames of the next run, from *at up to and including
 * its MERGE_CALL_START frame (or the last frame). */
static void take_run(const struct merge_input *in, size_t *at, uint32_t *out, size_t *n)
{
	while (*at < in->npython) {
		bool last = in->python_flags[*at] & MERGE_CALL_START;

		out[(*n)++] = in->python[(*at)++];
		if (last)
			break;
	}
}

/*
 * Splice: eval frames numbered below `skip` (counted from the innermost)
 * keep their native frame; each later one takes the next run. Runs left
 * over follow the last native frame.
 */
static void splice(const struct merge_input *in, size_t skip, uint32_t *out, size_t *n)
{
	size_t at = 0, eval = 0;

	for (size_t i = 0; i < in->nnative; i++) {
		if (!(in->native_flags[i] & MERGE_EVAL) || eval++ < skip)
			out[(*n)++] = in->native[i];
		else
			take_run(in, &at, out, n);
	}
	while (at < in->npython)
		take_run(in, &at, out, n);
}

int merge_stacks(const struct merge_input *in, uint32_t *out, size_t cap, size_t *n)
{
	size_t evals = count_flag(in->native_flags, in->nnative, MERGE_EVAL);
	size_t runs = count_flag(in->python_flags, in->npython, MERGE_CALL_START);

	*n = 0;
	if (in->npython > 0 && !(in->python_flags[in->npython - 1] & MERGE_CALL_START))
		runs++;		// the outermost frame always ends a run
	if (cap < in->nnative + in->npython)
		return pf_fail(PF_ELIMIT, "merged stack of %zu frames does not fit in %zu",
			       in->nnative + in->npython, cap);
	if (evals > runs && !in->native_whole)
		return pf_fail(PF_ETORN, "%zu eval-loop calls for %zu Python runs on a cut stack",
			       evals, runs);
	if (evals < runs && in->native_whole)
		return pf_fail(PF_ETORN, "%zu eval-loop calls for %zu Python runs", evals, runs);
	splice(in, evals > runs ? evals - runs : 0, out, n);
	return 0;
}
