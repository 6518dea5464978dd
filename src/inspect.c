/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inspect.c - a look inside a process: the kernel's view of its threads,
 * what the frames hold, and the dump model of it all.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "inspect.h"
#include "proc.h"
#include "xalloc.h"

void inspect_init(struct inspect *in, pid_t pid, struct remote *r, const struct pyloc *loc,
		  bool locals, unsigned width)
{
	memset(in, 0, sizeof *in);
	in->pid = pid;
	in->locals = locals;
	pylocals_init(&in->pl, r, loc, width);
	strbuf_init(&in->cmdline);
	pylocals_list_init(&in->vars);
	strbuf_init(&in->text);
}

void inspect_release(struct inspect *in)
{
	pylocals_release(&in->pl);
	free(in->tasks);
	free(in->frames);
	free(in->tids);
	strbuf_release(&in->cmdline);
	pylocals_list_release(&in->vars);
	strbuf_release(&in->text);
	memset(in, 0, sizeof *in);
}

static uint32_t keep_text(struct inspect *in, const char *s, size_t len)
{
	uint32_t off = (uint32_t)in->text.len;

	strbuf_add(&in->text, s, len);
	strbuf_addch(&in->text, '\0');
	return off;
}

/* ------------------------------------------------------------- before */

static void read_task(struct inspect *in, pid_t tid, struct strbuf *scratch)
{
	struct inspect_task *t;
	char name[64];

	XGROW(in->tasks, in->tasks_cap, in->ntasks + 1);
	t = &in->tasks[in->ntasks++];
	*t = (struct inspect_task){ tid, 0, DUMPMODEL_NONE };
	if (proc_task_state(in->pid, tid, &t->state) < 0)
		t->state = 0;
	snprintf(name, sizeof name, "task/%d/comm", (int)tid);
	if (proc_read(in->pid, name, scratch) == 0 && scratch->len) {
		if (scratch->buf[scratch->len - 1] == '\n')
			scratch->len--;
		t->name = keep_text(in, scratch->buf, scratch->len);
	}
}

int inspect_before(struct inspect *in, const struct pysample *preview)
{
	struct strbuf scratch;
	pid_t *tids = NULL;
	size_t n = 0;
	int rc;

	in->ntasks = 0;
	if ((rc = proc_list_tasks(in->pid, &tids, &n)) < 0)
		return rc;
	strbuf_init(&scratch);
	for (size_t i = 0; i < n; i++)
		read_task(in, tids[i], &scratch);
	if (proc_read(in->pid, "cmdline", &in->cmdline) < 0)
		strbuf_reset(&in->cmdline);
	strbuf_release(&scratch);
	free(tids);
	if (preview && in->locals)
		pylocals_expect(&in->pl, preview->nframes);
	return 0;
}

static const struct inspect_task *task_of(const struct inspect *in, pid_t tid)
{
	for (size_t i = 0; tid > 0 && i < in->ntasks; i++)
		if (in->tasks[i].tid == tid)
			return &in->tasks[i];
	return NULL;
}

/* --------------------------------------------------------------- held */

/* <= 3.10: the TID in glibc's struct pthread, if the kernel lists it. */
static uint32_t tid_from_pthread(struct inspect *in, uint64_t thread_id)
{
	int32_t tid;

	if (remote_read(in->pl.r, thread_id + INSPECT_PTHREAD_TID, &tid, sizeof tid) < 0 ||
	    !task_of(in, tid))
		return 0;
	return (uint32_t)tid;
}

/* The qualified name of frame `f`'s code, read once per code object: a
 * frame that runs the code of the one before it (recursion, threads in the
 * same function) takes its name. */
static void frame_qualname(struct inspect *in, const struct pyframe *f, struct inspect_frame *r,
			   const struct pyframe *prev, const struct inspect_frame *prev_r)
{
	size_t at = in->text.len;

	*r = (struct inspect_frame){ DUMPMODEL_NONE, 0, 0, 0, false };
	if (!f->code)
		return;	/* the "(truncated)" marker */
	if (prev && prev->code == f->code) {
		r->qualname = prev_r->qualname;
		return;
	}
	if (pylocals_qualname(&in->pl, f->code, &in->text) == 0) {
		strbuf_addch(&in->text, '\0');
		r->qualname = (uint32_t)at;
	} else {
		in->text.len = at;
		in->text.buf[at] = '\0';
	}
}

/* The pages every frame's variables lie in, copied. */
static int fetch_vars(struct inspect *in, const struct pysample *s)
{
	uint64_t *frames = xcalloc(s->nframes + 1, sizeof *frames);
	uint64_t *codes = xcalloc(s->nframes + 1, sizeof *codes);
	int *rcs = xcalloc(s->nframes + 1, sizeof *rcs);
	int rc;

	for (size_t i = 0; i < s->nframes; i++) {
		frames[i] = s->found[i].addr;
		codes[i] = s->found[i].code;
	}
	rc = pylocals_fetch_frames(&in->pl, frames, codes, s->nframes, rcs);
	for (size_t i = 0; rc == 0 && i < s->nframes; i++)
		in->frames[i].vars_read = rcs[i] == 0;
	free(frames);
	free(codes);
	free(rcs);
	return rc;
}

int inspect_held(struct inspect *in, const struct pysample *s)
{
	int rc = 0;

	pylocals_reset(&in->pl);
	XGROW(in->frames, in->frames_cap, s->nframes + 1);
	XGROW(in->tids, in->tids_cap, s->nthreads + 1);
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct pythread *t = &s->threads[i];

		in->tids[i] = t->native_id ? (uint32_t)t->native_id : tid_from_pthread(in, t->thread_id);
	}
	for (size_t i = 0; i < s->nframes; i++)
		frame_qualname(in, &s->found[i], &in->frames[i], i ? &s->found[i - 1] : NULL,
			       i ? &in->frames[i - 1] : NULL);
	if (in->locals)
		rc = fetch_vars(in, s);
	in->nframes = rc == 0 ? s->nframes : 0;
	return rc;
}

/* -------------------------------------------------------------- model */

/* The variables of frame `f`, from the copy made while it was held. */
static void frame_vars(struct inspect *in, const struct pyframe *f, struct inspect_frame *r)
{
	size_t before = in->vars.n;
	uint32_t omitted = in->vars.more;

	r->first_var = (uint32_t)before;
	r->vars_read = r->vars_read && pylocals_read(&in->pl, f->addr, f->code, &in->vars) == 0;
	r->nvars = (uint32_t)(in->vars.n - before);
	r->omitted = in->vars.more - omitted;
}

static void model_frame(const struct inspect *in, const struct inspect_frame *r, uint32_t id,
			bool marker, struct dumpmodel *m)
{
	struct dumpmodel_frame *f = dumpmodel_add_frame(m, id);

	f->marker = marker;
	if (r->qualname != DUMPMODEL_NONE)
		f->qualname = dumpmodel_text(m, in->text.buf + r->qualname, strlen(in->text.buf + r->qualname));
	for (uint32_t k = 0; k < r->nvars; k++) {
		const struct pylocal *v = &in->vars.v[r->first_var + k];

		dumpmodel_add_var(m, pylocals_name(&in->vars, v), v->name_len,
				  pylocals_repr(&in->vars, v), v->repr_len, v->kind);
	}
	f = &m->frames[m->nframes - 1];
	f->vars_read = r->vars_read;
	f->vars_omitted = r->omitted;
}

static void model_thread(const struct inspect *in, const struct pysample *s, size_t i,
			 struct dumpmodel *m)
{
	const struct pythread *t = &s->threads[i];
	uint32_t tid = in->tids[i];
	const struct inspect_task *task = task_of(in, (pid_t)tid);
	struct dumpmodel_thread *mt = dumpmodel_add_thread(m, t->thread_id, tid, t->holds_gil);

	if (task) {
		mt->state = task->state;
		if (task->name != DUMPMODEL_NONE)
			mt->name = dumpmodel_text(m, in->text.buf + task->name,
						  strlen(in->text.buf + task->name));
	}
	for (uint32_t k = t->first; k < t->first + t->depth; k++)
		model_frame(in, &in->frames[k], s->frames[k], !s->found[k].code, m);
}

void inspect_model(struct inspect *in, const struct stacks *st, const struct pysample *s,
		   const char *python, struct dumpmodel *m)
{
	const char *arg = in->cmdline.buf, *end = in->cmdline.buf + in->cmdline.len;

	if (in->nframes != s->nframes)
		PF_BUG("inspect_model of a sample inspect_held did not see");
	pylocals_freeze(&in->pl);
	pylocals_list_clear(&in->vars);
	for (size_t i = 0; in->locals && i < s->nframes; i++)
		if (s->found[i].code)
			frame_vars(in, &s->found[i], &in->frames[i]);
	dumpmodel_init(m, st, in->pid, python, in->locals);
	for (; arg < end; arg += strlen(arg) + 1)
		dumpmodel_add_arg(m, arg, strnlen(arg, (size_t)(end - arg)));
	for (size_t i = 0; i < s->nthreads; i++)
		model_thread(in, s, i, m);
}
