/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-dumpmodel.c - the dump model and its writers: without variables the
 * text is out_dump's to the byte; with them, each frame's follow it; the
 * JSON document, whole.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dumpmodel.h"
#include "output.h"
#include "stacks.h"
#include "tap.h"

static uint32_t pyframe(struct stacks *st, const char *file, const char *name, int line)
{
	return stacks_intern_pyframe(st, stacks_intern_str(st, file, strlen(file)),
				     stacks_intern_str(st, name, strlen(name)), line);
}

static uint32_t native(struct stacks *st, const char *object, const char *symbol, uint64_t offset)
{
	struct frame f = { stacks_intern_str(st, object, strlen(object)),
			   stacks_intern_str(st, symbol, strlen(symbol)), 0, FRAME_NATIVE, offset };

	return stacks_intern_frame(st, &f);
}

/* Two threads with frames, one without; the main one holds the GIL. */
static void build(struct stacks *st, struct dumpmodel *m, bool locals, uint32_t *ids)
{
	struct dumpmodel_thread *t;
	struct dumpmodel_frame *f;

	ids[0] = pyframe(st, "app.py", "inner", 12);
	ids[1] = pyframe(st, "app.py", "<module>", 3);
	ids[2] = pyframe(st, "w\xc3\xa9.py", "run\x01", 40);
	ids[3] = native(st, "/lib/libc.so.6", "", 0x1234);
	dumpmodel_init(m, st, 4242, "3.11.7", locals);
	dumpmodel_add_arg(m, "python3", 7);
	dumpmodel_add_arg(m, "app\xff.py", 7);
	t = dumpmodel_add_thread(m, 140000000000001ull, 4243, false);
	t->name = dumpmodel_text(m, "worker", 6);
	t->state = 'S';
	dumpmodel_add_frame(m, ids[2]);
	dumpmodel_add_thread(m, 140000000000002ull, 0, false);	/* no Python frame */
	t = dumpmodel_add_thread(m, 140000000000003ull, 4242, true);
	t->state = 'R';
	f = dumpmodel_add_frame(m, ids[0]);
	f->qualname = dumpmodel_text(m, "Outer.inner", 11);
	if (locals) {
		dumpmodel_add_var(m, "a", 1, "1", 1, DUMPVAR_ARG);
		dumpmodel_add_var(m, "s", 1, "'x\ny'", 5, DUMPVAR_LOCAL);
		m->frames[m->nframes - 1].vars_omitted = 2;
	}
	dumpmodel_add_frame(m, ids[3]);
	dumpmodel_add_frame(m, ids[1]);
	if (locals)
		dumpmodel_add_var(m, "c", 1, "None", 4, DUMPVAR_CELL);
}

static char *written(int (*fn)(FILE *, const struct dumpmodel *), const struct dumpmodel *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f || fn(f, m) != 0)
		abort();
	fclose(f);
	return buf;
}

static bool text_is(char *got, const char *want)
{
	bool same = strcmp(got, want) == 0;

	if (!same)
		printf("# got:\n%s\n# want:\n%s\n", got, want);
	free(got);
	return same;
}

static void test_text_as_before(void)
{
	struct stacks st;
	struct dumpmodel m;
	static const struct origin o = { 4242, 4242, 1, 0 };
	uint32_t ids[4], a, b, origin;
	struct dump_thread dt[2];
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	stacks_init(&st, false);
	build(&st, &m, false, ids);
	origin = stacks_intern_origin(&st, &o);
	a = stacks_add(&st, &ids[2], 1, origin, 1, 0);
	b = stacks_add(&st, (uint32_t[]){ ids[0], ids[3], ids[1] }, 3, origin, 1, 0);
	dt[0] = (struct dump_thread){ 140000000000001ull, false, a };
	dt[1] = (struct dump_thread){ 140000000000003ull, true, b };
	f = open_memstream(&buf, &len);
	out_dump(f, &st, dt, 2);
	fclose(f);
	ok(text_is(written(out_dump_text, &m), buf), "without variables: out_dump's text to the byte");
	free(buf);
	dumpmodel_release(&m);
	stacks_release(&st);
}

/* Build the model with variables (and a cut stack if `cut`) and write it. */
static bool model_written(int (*fn)(FILE *, const struct dumpmodel *), bool cut, const char *want)
{
	struct stacks st;
	struct dumpmodel m;
	uint32_t ids[4];
	bool same;

	stacks_init(&st, false);
	build(&st, &m, true, ids);
	if (cut)
		dumpmodel_add_frame(&m, pyframe(&st, "(truncated)", "(truncated)", 0))->marker = true;
	same = text_is(written(fn, &m), want);
	dumpmodel_release(&m);
	stacks_release(&st);
	return same;
}

static void test_text_locals(void)
{
	ok(model_written(out_dump_text, false,
		   "140000000000001:\nw\xc3\xa9.py:run?:40\n    (variables not readable)\n\n"
		   "140000000000003*:\napp.py:inner:12\n    a = 1\n    s = 'x?y'\n"
		   "    ... 2 more variables not shown\n/lib/libc.so.6+0x1234\n"
		   "    (variables not readable)\napp.py:<module>:3\n    c = None\n"),
	   "with variables: under each frame, indented");
}

static void test_json(void)
{
	ok(model_written(out_dump_json, true,
		   "{\n  \"format\": \"pyflame-dump\",\n  \"version\": 1,\n  \"process\": {\n"
		   "    \"pid\": 4242,\n    \"python\": \"3.11.7\",\n    \"command_line\": [\n"
		   "      \"python3\",\n      \"app\\ufffd.py\"\n    ]\n  },\n  \"threads\": [\n"
		   "    {\n      \"thread_id\": 140000000000001,\n      \"native_id\": 4243,\n"
		   "      \"name\": \"worker\",\n      \"holds_gil\": false,\n      \"state\": \"S\",\n"
		   "      \"idle\": true,\n      \"frames\": [\n        {\n          \"kind\": \"python\",\n"
		   "          \"function\": \"run\\u0001\",\n          \"file\": \"w\xc3\xa9.py\",\n"
		   "          \"line\": 40,\n          \"qualname\": null,\n          \"locals\": null,\n"
		   "          \"locals_omitted\": 0\n        }\n      ],\n      \"truncated\": false\n    },\n"
		   "    {\n      \"thread_id\": 140000000000002,\n      \"native_id\": null,\n"
		   "      \"name\": null,\n      \"holds_gil\": false,\n      \"state\": null,\n"
		   "      \"idle\": null,\n      \"frames\": [],\n      \"truncated\": false\n    },\n"
		   "    {\n      \"thread_id\": 140000000000003,\n      \"native_id\": 4242,\n"
		   "      \"name\": null,\n      \"holds_gil\": true,\n      \"state\": \"R\",\n"
		   "      \"idle\": false,\n      \"frames\": [\n        {\n          \"kind\": \"python\",\n"
		   "          \"function\": \"inner\",\n          \"file\": \"app.py\",\n          \"line\": 12,\n"
		   "          \"qualname\": \"Outer.inner\",\n          \"locals\": [\n            {\n"
		   "              \"name\": \"a\",\n              \"kind\": \"arg\",\n              \"repr\": \"1\"\n"
		   "            },\n            {\n              \"name\": \"s\",\n              \"kind\": \"local\",\n"
		   "              \"repr\": \"'x\\ny'\"\n            }\n          ],\n"
		   "          \"locals_omitted\": 2\n        },\n        {\n          \"kind\": \"native\",\n"
		   "          \"function\": null,\n          \"file\": \"/lib/libc.so.6\",\n          \"line\": null,\n"
		   "          \"offset\": 4660,\n          \"qualname\": null,\n          \"locals\": null,\n"
		   "          \"locals_omitted\": 0\n        },\n        {\n          \"kind\": \"python\",\n"
		   "          \"function\": \"<module>\",\n          \"file\": \"app.py\",\n          \"line\": 3,\n"
		   "          \"qualname\": null,\n          \"locals\": [\n            {\n"
		   "              \"name\": \"c\",\n              \"kind\": \"cell\",\n              \"repr\": \"None\"\n"
		   "            }\n          ],\n          \"locals_omitted\": 0\n        }\n      ],\n"
		   "      \"truncated\": true\n    }\n  ]\n}\n"),
	   "the JSON document: every thread, frames innermost first, variables, the cut");
}

/* out_dump_json_processes's document of `n` copies of the model. */
static char *processes_written(size_t n)
{
	struct stacks st;
	struct dumpmodel m[2];
	uint32_t ids[4];
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	stacks_init(&st, false);
	for (size_t i = 0; i < n; i++)
		build(&st, &m[i], false, ids);
	if (!f || out_dump_json_processes(f, m, n) != 0)
		abort();
	fclose(f);
	for (size_t i = 0; i < n; i++)
		dumpmodel_release(&m[i]);
	stacks_release(&st);
	return buf;
}

/* What the document of two copies must be: out_dump_json's `one` with the
 * second's "process" and "threads", indented a level more, in an object
 * under "subprocesses". */
static char *two_expected(const char *one)
{
	size_t cut = strlen(one) - 3, start = (size_t)(strstr(one, "\n  \"process\"") - one) + 1;
	struct strbuf sb;

	strbuf_init(&sb);
	strbuf_add(&sb, one, cut);
	strbuf_addstr(&sb, ",\n  \"subprocesses\": [\n    {\n    ");
	for (size_t i = start; i < cut; i++) {
		strbuf_addch(&sb, one[i]);
		if (one[i] == '\n')
			strbuf_addstr(&sb, "    ");
	}
	strbuf_addstr(&sb, "\n    }\n  ]\n}\n");
	return sb.buf;	// the caller frees it
}

static void test_json_processes(void)
{
	struct stacks st;
	struct dumpmodel m;
	uint32_t ids[4];
	char *one, *want, *alone;

	stacks_init(&st, false);
	build(&st, &m, false, ids);
	one = written(out_dump_json, &m);
	dumpmodel_release(&m);
	stacks_release(&st);
	alone = processes_written(1);
	ok(strncmp(alone, one, strlen(one) - 3) == 0 &&
	   strcmp(alone + strlen(one) - 3, ",\n  \"subprocesses\": []\n}\n") == 0,
	   "--subprocesses, the root alone: its document, and an empty subprocesses");
	free(alone);
	want = two_expected(one);
	ok(text_is(processes_written(2), want),
	   "--subprocesses: the root's document, then each other process under subprocesses");
	free(want);
	free(one);
}

int main(void)
{
	test_text_as_before();
	test_text_locals();
	test_json();
	test_json_processes();
	return done_testing();
}
