/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inspect.h - what a look inside a process (-d --locals, -d --json) reads
 * beyond the walker's stacks, and the dump model (dumpmodel.h) built from
 * it and a sample. Three steps around the one stop of a dump:
 *
 *   inspect_before  the target running: its threads as the kernel lists
 *                   them (name, state letter) and its command line, from
 *                   /proc; a thread's state can only be read before it is
 *                   stopped. Given a capture of the running target, room
 *                   for what the hold will copy is made ready too.
 *   inspect_held    the target held, right after pywalk_capture(): each
 *                   shown frame's qualified name, the pages its variables
 *                   lie in (when asked; pylocals_fetch: copies, no text),
 *                   and (<= 3.10, whose thread states do not record it)
 *                   each thread's kernel TID from glibc's struct pthread,
 *                   accepted only if the kernel lists that TID. Reads the
 *                   target's memory, nothing else: the shorter the better.
 *   inspect_model   after pywalk_resolve(), the target let go: the
 *                   variables' text, from the pages copied while it was
 *                   held, and the model. No reads of the target.
 *
 * Only the Python frames of a pysample are modelled (native frames are
 * the business of whoever merges them).
 */
#ifndef PF_INSPECT_H
#define PF_INSPECT_H

#include "compat.h"
#include "dumpmodel.h"
#include "pylocals.h"
#include "pywalk.h"

#define INSPECT_PTHREAD_TID 0x2d0	/* glibc x86_64 (2.36, 2.43): struct pthread.tid */

struct inspect_task {
	pid_t tid;
	char state;		/* letter of /proc/PID/task/TID/stat, 0 if not read */
	uint32_t name;		/* offset in inspect.text, or DUMPMODEL_NONE */
};

/* What inspect_held found for one frame of the sample (pysample.found order). */
struct inspect_frame {
	uint32_t qualname;	/* offset in inspect.text, or DUMPMODEL_NONE */
	uint32_t first_var, nvars, omitted;
	bool vars_read;
};

struct inspect {
	pid_t pid;
	bool locals;		/* read variables */
	struct pylocals pl;
	struct inspect_task *tasks;
	size_t ntasks, tasks_cap;
	struct strbuf cmdline;	/* /proc/PID/cmdline: NUL-separated */
	struct inspect_frame *frames;
	size_t nframes, frames_cap;
	uint32_t *tids;		/* per thread of the sample: kernel TID, 0 if not known */
	size_t tids_cap;
	struct pylocals_list vars;	/* every frame's variables back to back */
	struct strbuf text;
};

/* Prepare to look into process `pid` through `r` with layout `loc` (both
 * borrowed), reading variables when `locals`, payloads cut at `width`
 * characters (0: PYLOCALS_WIDTH). */
void inspect_init(struct inspect *in, pid_t pid, struct remote *r, const struct pyloc *loc,
		  bool locals, unsigned width);
void inspect_release(struct inspect *in);

/* The kernel's threads and the command line; with `preview` (a capture of
 * the running target, or NULL), room sized for its frames. 0, or
 * -PF_EGONE if the process is gone; a thread that ends meanwhile is simply
 * left out. */
int inspect_before(struct inspect *in, const struct pysample *preview);

/* Variables, qualified names and TIDs of sample `s` (just captured, the
 * target still held). A frame whose variables cannot be read is marked so;
 * returns 0, or -PF_EGONE if the process is gone. */
int inspect_held(struct inspect *in, const struct pysample *s);

/* The model of sample `s` (resolved into `st`, and seen by inspect_held)
 * with what the two steps found; `m` is initialised here
 * (dumpmodel_release() it). */
void inspect_model(struct inspect *in, const struct stacks *st, const struct pysample *s,
		   const char *python, struct dumpmodel *m);

#endif
