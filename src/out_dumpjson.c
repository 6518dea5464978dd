/* SPDX-License-Identifier: Apache-2.0 */
/*
 * out_dumpjson.c - a dump model as one JSON document, the schema of
 * docs/dump-json.md (its "version" names the schema).
 */
#include "compat.h"

#include "dumpmodel.h"
#include "json.h"
#include "output.h"
#include "render.h"

#define SCHEMA_VERSION 1

static const char *const var_kinds[] = { "arg", "local", "cell", "free" };

static void stack_str(struct json *j, const struct stacks *st, uint32_t id)
{
	size_t len;
	const char *s = stacks_str(st, id, &len);

	json_str(j, s, len);
}

static void process(struct json *j, const struct dumpmodel *m)
{
	json_key(j, "process");
	json_object(j);
	json_key(j, "pid");
	json_i64(j, m->pid);
	json_key(j, "python");
	json_cstr(j, m->python[0] ? m->python : NULL);
	json_key(j, "command_line");
	json_array(j);
	for (size_t i = 0; i < m->argc; i++)
		json_cstr(j, dumpmodel_str(m, m->argv[i]));
	json_end_array(j);
	json_end_object(j);
}

static void variables(struct json *j, const struct dumpmodel *m, const struct dumpmodel_frame *f)
{
	json_key(j, "locals");
	if (!f->vars_read) {
		json_null(j);
	} else {
		json_array(j);
		for (uint32_t i = 0; i < f->nvars; i++) {
			const struct dumpmodel_var *v = &m->vars[f->first_var + i];

			json_object(j);
			json_key(j, "name");
			json_cstr(j, dumpmodel_str(m, v->name));
			json_key(j, "kind");
			json_cstr(j, v->kind < 4 ? var_kinds[v->kind] : NULL);
			json_key(j, "repr");
			json_cstr(j, dumpmodel_str(m, v->repr));
			json_end_object(j);
		}
		json_end_array(j);
	}
	json_key(j, "locals_omitted");
	json_u64(j, f->vars_omitted);
}

/* Where a frame is: a Python one by file and line, a native one by object and offset. */
static void frame_place(struct json *j, const struct frame *fr, const struct stacks *st)
{
	bool native = fr->kind == FRAME_NATIVE;

	json_key(j, "kind");
	json_cstr(j, native ? "native" : "python");
	json_key(j, "function");
	if (native && !stacks_str(st, fr->name, NULL)[0])
		json_null(j);
	else
		stack_str(j, st, fr->name);
	json_key(j, "file");
	stack_str(j, st, fr->file);
	json_key(j, "line");
	if (native || fr->line <= 0)
		json_null(j);
	else
		json_i64(j, fr->line);
	if (native) {
		json_key(j, "offset");
		json_u64(j, fr->offset);
	}
}

static void frame(struct json *j, const struct dumpmodel *m, const struct dumpmodel_frame *f)
{
	json_object(j);
	frame_place(j, stacks_frame(m->st, f->frame), m->st);
	json_key(j, "qualname");
	json_cstr(j, dumpmodel_str(m, f->qualname));
	if (m->with_locals)
		variables(j, m, f);
	json_end_object(j);
}

static void thread_info(struct json *j, const struct dumpmodel *m, const struct dumpmodel_thread *t)
{
	json_key(j, "thread_id");
	json_u64(j, t->thread_id);
	json_key(j, "native_id");
	if (t->native_id)
		json_u64(j, t->native_id);
	else
		json_null(j);
	json_key(j, "name");
	json_cstr(j, dumpmodel_str(m, t->name));
	json_key(j, "holds_gil");
	json_bool(j, t->holds_gil);
	json_key(j, "state");
	if (t->state)
		json_str(j, &t->state, 1);
	else
		json_null(j);
	json_key(j, "idle");
	if (t->state)
		json_bool(j, t->state != 'R');
	else
		json_null(j);
}

static void thread(struct json *j, const struct dumpmodel *m, const struct dumpmodel_thread *t)
{
	bool truncated = false;

	json_object(j);
	thread_info(j, m, t);
	json_key(j, "frames");
	json_array(j);
	for (uint32_t i = 0; i < t->nframes; i++) {
		const struct dumpmodel_frame *f = &m->frames[t->first_frame + i];

		if (f->marker)
			truncated = true;
		else
			frame(j, m, f);
	}
	json_end_array(j);
	json_key(j, "truncated");
	json_bool(j, truncated);
	json_end_object(j);
}

/* A process's members: "process" and "threads". */
static void process_members(struct json *j, const struct dumpmodel *m)
{
	process(j, m);
	json_key(j, "threads");
	json_array(j);
	for (size_t i = 0; i < m->nthreads; i++)
		thread(j, m, &m->threads[i]);
	json_end_array(j);
}

/* The document of models[0], with the others under "subprocesses" when
 * `tree`. */
static int document(FILE *f, const struct dumpmodel *models, size_t n, bool tree)
{
	struct strbuf sb;
	struct json j;
	int rc;

	strbuf_init(&sb);
	json_init(&j, &sb);
	json_object(&j);
	json_key(&j, "format");
	json_cstr(&j, "pyflame-dump");
	json_key(&j, "version");
	json_u64(&j, SCHEMA_VERSION);
	process_members(&j, &models[0]);
	if (tree) {
		json_key(&j, "subprocesses");
		json_array(&j);
		for (size_t i = 1; i < n; i++) {
			json_object(&j);
			process_members(&j, &models[i]);
			json_end_object(&j);
		}
		json_end_array(&j);
	}
	json_end_object(&j);
	strbuf_addch(&sb, '\n');
	rc = render_write(f, sb.buf, sb.len);
	strbuf_release(&sb);
	return rc;
}

int out_dump_json(FILE *f, const struct dumpmodel *m)
{
	return document(f, m, 1, false);
}

int out_dump_json_processes(FILE *f, const struct dumpmodel *models, size_t n)
{
	return document(f, models, n, true);
}
