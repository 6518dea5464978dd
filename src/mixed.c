/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mixed.c - native stacks copied while held and unwound after, merged with
 * the Python frames of the same sample.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "merge.h"
#include "mixed.h"
#include "xalloc.h"

int mixed_open(struct mixed *m, pid_t pid, struct remote *r, uint32_t version)
{
	int rc;

	memset(m, 0, sizeof *m);
	m->major = version >> 24;
	m->minor = (version >> 16) & 0xff;
	if ((rc = native_open(&m->n, pid, r)) < 0)
		return rc;
	native_follow(&m->n, m->major == 2 ? "PyEval_EvalFrameEx" : "_PyEval_EvalFrameDefault");
	m->memo = xcalloc(MIXED_MEMO, sizeof *m->memo);
	m->open = true;
	return 0;
}

void mixed_close(struct mixed *m)
{
	if (!m->open)
		return;
	native_close(&m->n);
	for (size_t i = 0; i < m->th_made; i++)
		native_copy_release(&m->th[i].copy);
	free(m->pcs);
	free(m->th);
	free(m->memo);
	free(m->ids);
	free(m->out);
	free(m->nflags);
	free(m->pflags);
	memset(m, 0, sizeof *m);
}

void mixed_begin(struct mixed *m)
{
	m->npcs = 0;
	m->nth = 0;
}

int mixed_copy(struct mixed *m, pid_t tid, const struct regs *regs)
{
	struct mixed_thread *t;
	int rc;

	XGROW(m->th, m->th_cap, m->nth + 1);
	if (m->nth == m->th_made)
		memset(&m->th[m->th_made++], 0, sizeof *m->th);
	t = &m->th[m->nth];
	if ((rc = native_copy(&m->n, regs, &t->copy)) < 0)
		return rc;
	t->tid = tid;
	t->unwound = false;
	m->nth++;
	return 0;
}

int mixed_unwind(struct mixed *m)
{
	m->npcs = 0;
	for (size_t i = 0; i < m->nth; i++) {
		struct mixed_thread *t = &m->th[i];
		size_t n;
		int rc;

		XGROW(m->pcs, m->pcs_cap, m->npcs + MIXED_MAX_NATIVE);
		rc = native_unwind(&m->n, &t->copy, m->pcs + m->npcs, MIXED_MAX_NATIVE, &n,
				   &t->whole);
		if (rc == -PF_EGONE)
			return rc;
		t->unwound = rc == 0;
		t->first = (uint32_t)m->npcs;
		t->count = rc == 0 ? (uint32_t)n : 0;
		m->npcs += t->count;
		m->unwinds += t->unwound;
	}
	return 0;
}

static const struct mixed_thread *unwound(const struct mixed *m, pid_t tid)
{
	for (size_t i = 0; i < m->nth; i++)
		if (m->th[i].tid == tid && m->th[i].unwound)
			return &m->th[i];
	return NULL;
}

/* The frame of `pc`, named and interned, and whether it is the eval loop;
 * remembered per pc. */
static const struct mixed_memo *frame_of(struct mixed *m, struct stacks *st, uint64_t pc)
{
	struct mixed_memo *e = &m->memo[(pc ^ (pc >> 12)) & (MIXED_MEMO - 1)];
	struct native_frame f;
	struct frame fr = { .kind = FRAME_NATIVE };
	const char *sym;

	if (e->pc == pc && pc)
		return e;
	native_name(&m->n, pc, &f);
	sym = f.symbol ? f.symbol : "";
	fr.file = stacks_intern_str(st, f.object, strlen(f.object));
	fr.name = stacks_intern_str(st, sym, strlen(sym));
	fr.offset = f.offset;
	e->pc = pc;
	e->id = stacks_intern_frame(st, &fr);
	e->flags = merge_is_eval_symbol(f.symbol ? f.symbol : f.part_of, m->major, m->minor) ?
		   MERGE_EVAL : 0;
	return e;
}

/* Room for a thread of `nn` native and `npy` Python frames. */
static void grow_scratch(struct mixed *m, size_t nn, size_t npy)
{
	XGROW(m->ids, m->ids_cap, nn + 1);
	XGROW(m->nflags, m->nflags_cap, nn + 1);
	XGROW(m->pflags, m->pflags_cap, npy + 1);
	XGROW(m->out, m->out_cap, nn + npy + 1);
}

int mixed_stack(struct mixed *m, struct stacks *st, pid_t tid, const uint32_t *py,
		const struct pyframe *found, size_t npy, const uint32_t **out, size_t *n)
{
	const struct mixed_thread *t = unwound(m, tid);
	struct merge_input in;
	int rc;

	if (!t)
		return pf_fail(PF_ENOENT, "thread %d was not unwound", (int)tid);
	grow_scratch(m, t->count, npy);
	for (uint32_t i = 0; i < t->count; i++) {
		const struct mixed_memo *e = frame_of(m, st, m->pcs[t->first + i]);

		m->ids[i] = e->id;
		m->nflags[i] = e->flags;
	}
	for (size_t i = 0; i < npy; i++)
		m->pflags[i] = found[i].call_start ? MERGE_CALL_START : 0;
	in = (struct merge_input){ m->ids, m->nflags, t->count, t->whole, py, m->pflags, npy };
	rc = merge_stacks(&in, m->out, m->out_cap, n);
	if (rc == -PF_ETORN)
		m->lost++;
	*out = m->out;
	return rc;
}
