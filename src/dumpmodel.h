/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dumpmodel.h - one look inside a process, as -d shows it: the process,
 * its threads, each thread's frames innermost first and, when asked, each
 * frame's variables. Pure data, no target access: whoever read the target
 * fills it (inspect.h does from a pysample), the dump writers write it
 * (out_dump_text, out_dump_json in output.h).
 *
 * Frames are frame ids of a struct stacks the model borrows (names, files,
 * lines, kinds, and the text -d prints come from there). Text the model
 * holds itself (command line, thread names, qualified names, variables) is
 * copied into its own arena and named by offsets; DUMPMODEL_NONE means
 * "not known". Pointers to threads and frames returned by the add
 * functions stay valid until the next add.
 */
#ifndef PF_DUMPMODEL_H
#define PF_DUMPMODEL_H

#include "compat.h"
#include "stacks.h"
#include "strbuf.h"

#define DUMPMODEL_NONE UINT32_MAX

/* The kinds of variable (the values of enum pylocal_kind). */
enum dumpmodel_var_kind { DUMPVAR_ARG, DUMPVAR_LOCAL, DUMPVAR_CELL, DUMPVAR_FREE };

struct dumpmodel_var {
	uint32_t name, repr;	/* text */
	uint8_t kind;		/* enum dumpmodel_var_kind */
};

struct dumpmodel_frame {
	uint32_t frame;		/* frame id in the stacks */
	uint32_t qualname;	/* text: co_qualname (3.11+), else DUMPMODEL_NONE */
	uint32_t first_var, nvars;
	uint32_t vars_omitted;	/* variables there but not looked at */
	bool vars_read;		/* false: not asked, or they could not be read */
	bool marker;		/* not a frame: "the stack goes on, cut here" */
};

struct dumpmodel_thread {
	uint64_t thread_id;	/* PyThreadState.thread_id (a pthread_t) */
	uint32_t native_id;	/* kernel TID, 0 if not known */
	uint32_t name;		/* text: the kernel's name of the thread */
	char state;		/* kernel state letter before the stop, 0 if not known */
	bool holds_gil;
	uint32_t first_frame, nframes;
};

struct dumpmodel {
	const struct stacks *st;	/* borrowed */
	int32_t pid;
	char python[32];	/* the interpreter's version, "" if not known */
	bool with_locals;	/* variables were asked for */
	uint32_t *argv;		/* the command line, text each */
	size_t argc, argv_cap;
	struct dumpmodel_thread *threads;
	size_t nthreads, threads_cap;
	struct dumpmodel_frame *frames;
	size_t nframes, frames_cap;
	struct dumpmodel_var *vars;
	size_t nvars, vars_cap;
	struct strbuf text;	/* NUL-terminated strings back to back */
};

/* An empty model of process `pid` running Python `python` (copied; may be
 * NULL), over `st` (borrowed, must outlive the model). */
void dumpmodel_init(struct dumpmodel *m, const struct stacks *st, pid_t pid, const char *python,
		    bool with_locals);
void dumpmodel_release(struct dumpmodel *m);

/* Copy s[0..len) into the model (a NUL in it ends it); its offset. */
uint32_t dumpmodel_text(struct dumpmodel *m, const char *s, size_t len);
/* The text at `off`, or NULL for DUMPMODEL_NONE. */
const char *dumpmodel_str(const struct dumpmodel *m, uint32_t off);

void dumpmodel_add_arg(struct dumpmodel *m, const char *s, size_t len);

/* A thread, after the last one; frames added next are its own. */
struct dumpmodel_thread *dumpmodel_add_thread(struct dumpmodel *m, uint64_t thread_id,
					      uint32_t native_id, bool holds_gil);
/* A frame of the last thread (innermost first); variables added next are its own.
 * Adding a frame before any thread is a bug. */
struct dumpmodel_frame *dumpmodel_add_frame(struct dumpmodel *m, uint32_t frame_id);
/* A variable of the last frame; vars_read is then set. A bug before any frame. */
void dumpmodel_add_var(struct dumpmodel *m, const char *name, size_t name_len, const char *repr,
		       size_t repr_len, uint8_t kind);

#endif
