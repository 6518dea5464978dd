/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-merge.c - native and Python frames merged into one stack: one
 * Python frame per eval call (<= 3.10), runs of frames per call (3.11+),
 * Python -> C -> Python, a thread caught entering or leaving an eval call,
 * a native stack cut short, and the cases that cannot be told apart.
 * Frame ids are letters: natives upper case, Python frames lower case.
 */
#include "compat.h"

#include <string.h>

#include "err.h"
#include "merge.h"
#include "tap.h"

#define E MERGE_EVAL
#define S MERGE_CALL_START

/* Merge natives `nat` (flags nf) and Python frames `py` (flags pf), both
 * strings of one-letter ids, innermost first; the result as a string. */
static int merge(const char *nat, const uint8_t *nf, bool whole, const char *py,
		 const uint8_t *pf, char *out)
{
	uint32_t native[32], python[32], merged[64];
	struct merge_input in = {
		.native = native, .native_flags = nf, .nnative = strlen(nat),
		.native_whole = whole,
		.python = python, .python_flags = pf, .npython = strlen(py),
	};
	size_t n;
	int rc;

	for (size_t i = 0; nat[i]; i++)
		native[i] = (uint32_t)nat[i];
	for (size_t i = 0; py[i]; i++)
		python[i] = (uint32_t)py[i];
	rc = merge_stacks(&in, merged, PF_ARRAY_SIZE(merged), &n);
	for (size_t i = 0; rc == 0 && i < n; i++)
		out[i] = (char)merged[i];
	out[rc == 0 ? n : 0] = '\0';
	return rc;
}

static void test_one_frame_per_call(void)
{
	/* Z: zlib; V: a vectorcall wrapper; M: main */
	static const uint8_t nf[] = { 0, E, 0, E, 0 }, pf[] = { S, S };
	char out[64];

	ok(merge("ZEVEM", nf, true, "ba", pf, out) == 0 && strcmp(out, "ZbVaM") == 0,
	   "<= 3.10: each eval frame becomes its Python frame");
}

static void test_runs(void)
{
	/* c, b, a ran in one eval call (inlined calls), z in the outer one */
	static const uint8_t nf[] = { 0, E, 0, E, 0 }, pf[] = { 0, 0, S, S };
	char out[64];

	ok(merge("ZEVEM", nf, true, "cbaz", pf, out) == 0 && strcmp(out, "ZcbaVzM") == 0,
	   "3.11+: each eval frame becomes its run of Python frames, in order");
}

static void test_callback(void)
{
	/* E(cmp) F(ffi closure) Q(qsort) C(ffi_call) T(ctypes) E(caller) P(EvalCode) M */
	static const uint8_t nf[] = { E, 0, 0, 0, 0, E, 0, 0 }, pf[] = { S, 0, S };
	char out[64];

	ok(merge("EFQCTEPM", nf, true, "kcm", pf, out) == 0 && strcmp(out, "kFQCTcmPM") == 0,
	   "Python -> C (qsort) -> Python: the callback nests inside the C frames");
}

static void test_disagreements(void)
{
	static const uint8_t nf_entering[] = { E, 0, E, 0 }, pf_one[] = { S };
	static const uint8_t nf_cut[] = { 0, E }, pf_two[] = { S, S };
	static const uint8_t nf_none[] = { 0, 0 };
	char out[64];

	ok(merge("EXEM", nf_entering, true, "f", pf_one, out) == 0 && strcmp(out, "EXfM") == 0,
	   "more eval calls than runs, whole: the innermost stays a named native frame");
	ok(merge("LE", nf_cut, false, "ab", pf_two, out) == 0 && strcmp(out, "Lab") == 0,
	   "fewer eval calls than runs, cut: outer runs follow the last native frame");
	ok(merge("LE", nf_cut, true, "ab", pf_two, out) == -PF_ETORN,
	   "fewer eval calls than runs on a whole stack: lost, not guessed");
	ok(merge("EXEM", nf_entering, false, "f", pf_one, out) == -PF_ETORN,
	   "more eval calls than runs on a cut stack: lost, not guessed");
	ok(merge("AB", nf_none, true, "", pf_one, out) == 0 && strcmp(out, "AB") == 0,
	   "no Python at all: the native stack as is");
	ok(merge("", nf_none, false, "ab", pf_two, out) == 0 && strcmp(out, "ab") == 0,
	   "no native frame (unwinding failed): the Python stack as is");
}

static void test_unmarked_outermost(void)
{
	static const uint8_t nf[] = { E, 0 }, pf[] = { 0, 0 };
	char out[64];

	ok(merge("EM", nf, true, "ba", pf, out) == 0 && strcmp(out, "baM") == 0,
	   "the outermost Python frame ends a run even unmarked");
}

static void test_limit(void)
{
	static const uint8_t nf[] = { E }, pf[] = { S };
	uint32_t native[] = { 1 }, python[] = { 2 }, out[1];
	struct merge_input in = { native, nf, 1, true, python, pf, 1 };
	size_t n;

	ok(merge_stacks(&in, out, 1, &n) == -PF_ELIMIT, "an output array too small is refused");
}

static void test_eval_symbols(void)
{
	ok(merge_is_eval_symbol("PyEval_EvalFrameEx", 2, 7), "2.7: PyEval_EvalFrameEx");
	ok(!merge_is_eval_symbol("_PyEval_EvalFrameDefault", 2, 7), "2.7 has no default loop");
	ok(!merge_is_eval_symbol("PyEval_EvalFrameEx", 3, 6), "3.6: PyEval_EvalFrameEx wraps");
	ok(merge_is_eval_symbol("_PyEval_EvalFrameDefault", 3, 12), "3.12: the default loop");
	ok(merge_is_eval_symbol("_PyEval_EvalFrameDefault.cold", 3, 11), "a split-off part");
	ok(!merge_is_eval_symbol("_PyEval_EvalFrameDefaultX", 3, 11), "a longer name is another");
	ok(!merge_is_eval_symbol("_PyEval_Vector", 3, 11), "_PyEval_Vector is a wrapper");
	ok(!merge_is_eval_symbol(NULL, 3, 11), "an unnamed frame is not the loop");
	ok(!merge_is_eval_symbol("_PyEval_EvalFrameDefault", 3, 5), "3.5 is not read");
}

int main(void)
{
	test_one_frame_per_call();
	test_runs();
	test_callback();
	test_disagreements();
	test_unmarked_outermost();
	test_limit();
	test_eval_symbols();
	return done_testing();
}
