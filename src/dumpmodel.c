/* SPDX-License-Identifier: Apache-2.0 */
/* dumpmodel.c - the threads, frames and variables of one look inside a process. */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dumpmodel.h"
#include "err.h"
#include "xalloc.h"

void dumpmodel_init(struct dumpmodel *m, const struct stacks *st, pid_t pid, const char *python,
		    bool with_locals)
{
	memset(m, 0, sizeof *m);
	m->st = st;
	m->pid = (int32_t)pid;
	m->with_locals = with_locals;
	snprintf(m->python, sizeof m->python, "%s", python ? python : "");
	strbuf_init(&m->text);
}

void dumpmodel_release(struct dumpmodel *m)
{
	free(m->argv);
	free(m->threads);
	free(m->frames);
	free(m->vars);
	strbuf_release(&m->text);
	memset(m, 0, sizeof *m);
	strbuf_init(&m->text);
}

uint32_t dumpmodel_text(struct dumpmodel *m, const char *s, size_t len)
{
	uint32_t off = (uint32_t)m->text.len;
	const char *nul = len ? memchr(s, '\0', len) : NULL;

	if (m->text.len >= UINT32_MAX - len - 1)
		PF_BUG("dump model text over 4 GiB");
	strbuf_add(&m->text, s, nul ? (size_t)(nul - s) : len);
	strbuf_addch(&m->text, '\0');
	return off;
}

const char *dumpmodel_str(const struct dumpmodel *m, uint32_t off)
{
	return off == DUMPMODEL_NONE ? NULL : m->text.buf + off;
}

void dumpmodel_add_arg(struct dumpmodel *m, const char *s, size_t len)
{
	uint32_t off = dumpmodel_text(m, s, len);

	XGROW(m->argv, m->argv_cap, m->argc + 1);
	m->argv[m->argc++] = off;
}

struct dumpmodel_thread *dumpmodel_add_thread(struct dumpmodel *m, uint64_t thread_id,
					      uint32_t native_id, bool holds_gil)
{
	struct dumpmodel_thread *t;

	XGROW(m->threads, m->threads_cap, m->nthreads + 1);
	t = &m->threads[m->nthreads++];
	*t = (struct dumpmodel_thread){ .thread_id = thread_id, .native_id = native_id,
					.name = DUMPMODEL_NONE, .holds_gil = holds_gil,
					.first_frame = (uint32_t)m->nframes };
	return t;
}

struct dumpmodel_frame *dumpmodel_add_frame(struct dumpmodel *m, uint32_t frame_id)
{
	struct dumpmodel_frame *f;

	if (!m->nthreads)
		PF_BUG("a frame outside any thread");
	XGROW(m->frames, m->frames_cap, m->nframes + 1);
	f = &m->frames[m->nframes++];
	*f = (struct dumpmodel_frame){ .frame = frame_id, .qualname = DUMPMODEL_NONE,
				       .first_var = (uint32_t)m->nvars };
	m->threads[m->nthreads - 1].nframes++;
	return f;
}

void dumpmodel_add_var(struct dumpmodel *m, const char *name, size_t name_len, const char *repr,
		       size_t repr_len, uint8_t kind)
{
	struct dumpmodel_frame *f;
	struct dumpmodel_var v;

	if (!m->nframes)
		PF_BUG("a variable outside any frame");
	v.name = dumpmodel_text(m, name, name_len);
	v.repr = dumpmodel_text(m, repr, repr_len);
	v.kind = kind;
	XGROW(m->vars, m->vars_cap, m->nvars + 1);
	m->vars[m->nvars++] = v;
	f = &m->frames[m->nframes - 1];
	f->nvars++;
	f->vars_read = true;
}
