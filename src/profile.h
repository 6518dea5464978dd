/* SPDX-License-Identifier: Apache-2.0 */
/*
 * profile.h - one profile as every writer reads it: the counted stacks, the
 * samples in time order when they were kept, where each stack was sampled
 * (its origin: process and thread) and what each frame is. Writers read
 * through these functions, not struct stacks, and name threads and frames
 * through them, so that a new kind of frame or a thread's name shows up in
 * every format at once. Pure: never touches the target.
 */
#ifndef PF_PROFILE_H
#define PF_PROFILE_H

#include "compat.h"
#include "stacks.h"
#include "strbuf.h"

/* What a run knows of itself, for the writers that show it. */
struct profile_meta {
	const char *target;	/* "PID 4242", or the command line of -t */
	char python[32];	/* the interpreter's version, "" if not known */
	uint64_t start_us;	/* wall clock at the start, us since the epoch */
	uint64_t duration_us;
	uint64_t interval_us;	/* the sampling interval asked for */
	uint64_t samples;	/* every sample taken: counted, idle and failed */
};

/* One profile, as the writers read it. */
struct profile {
	const struct stacks *st;	/* borrowed; events kept if a writer needs them */
	bool line_numbers;	/* file:function:line, else file:function */
	bool include_idle;	/* write (idle) (false with -x) */
	bool per_thread;	/* --threads: every thread's stack in every sample */
	struct profile_meta meta;
};

/* Where a frame's code comes from, for colours and grouping. */
enum frame_class {
	FRAME_CLASS_USER,	/* the program's own code */
	FRAME_CLASS_STDLIB,	/* lib/pythonX.Y, frozen modules */
	FRAME_CLASS_SITE,	/* site-packages, dist-packages */
	FRAME_CLASS_NATIVE,	/* machine code: a native frame */
	FRAME_CLASS_ROOT,	/* a process or thread root */
};

/* ------------------------------------------------------------ the stacks */

/* Stack ids run from 0 to profile_nstacks() - 1; some may count 0. */
size_t profile_nstacks(const struct profile *p);
uint64_t profile_count(const struct profile *p, uint32_t stack);
/* The frame ids of `stack`, LEAF FIRST; its depth in *depth. */
const uint32_t *profile_frames(const struct profile *p, uint32_t stack, size_t *depth);
/* The origin id (see profile_origin) a stack was sampled in. */
uint32_t profile_stack_origin(const struct profile *p, uint32_t stack);

/* Samples to write as (idle) (0 unless include_idle) and as (failed). */
uint64_t profile_idle(const struct profile *p);
uint64_t profile_failed(const struct profile *p);

/*
 * profile_events - every sample in time order (kept only when the writer's
 * `timeline` is set; else *n is 0). A stack id, STACK_IDLE or STACK_FAILED;
 * idle events are there even with -x (writers skip them unless include_idle).
 */
const struct chart_event *profile_events(const struct profile *p, size_t *n);

/* ------------------------------------------------------- origins, frames */

size_t profile_norigins(const struct profile *p);
const struct origin *profile_origin(const struct profile *p, uint32_t origin);

/*
 * profile_thread_label - append the name of the thread of `origin`:
 * "thread TID" (the kernel's thread id), or "thread IDENT" (threading's
 * get_ident(), decimal) where the interpreter does not record the TID.
 * Every writer labels threads through this one function.
 */
void profile_thread_label(const struct profile *p, uint32_t origin, struct strbuf *out);

const struct frame *profile_frame(const struct profile *p, uint32_t frame);
/* An interned string (a frame's file or name), NUL-terminated; string ids
 * run below profile_nstrs(). */
const char *profile_str(const struct profile *p, uint32_t str, size_t *len);
size_t profile_nstrs(const struct profile *p);

enum frame_class profile_frame_class(const struct profile *p, uint32_t frame);

/*
 * profile_frame_name - append what a reader looks for first: a Python
 * function's name, a native frame's symbol (or "object+0xOFFSET" where no
 * symbol covers it), a root's label.
 */
void profile_frame_name(const struct profile *p, uint32_t frame, struct strbuf *out);

/*
 * profile_frame_label - append a frame's label: "name (FILE:LINE)" (without
 * ":LINE" when line numbers are off), FILE cut down by profile_path_short()
 * unless `full`; a native frame as "symbol (object)", the object's base
 * name unless `full`; a root as its label.
 */
void profile_frame_label(const struct profile *p, uint32_t frame, bool full, struct strbuf *out);

/*
 * profile_path_class - where file path[0..len) lies: FRAME_CLASS_SITE
 * inside a site-packages or dist-packages directory, FRAME_CLASS_STDLIB
 * inside lib/pythonX.Y (or a "<frozen ...>" module), else FRAME_CLASS_USER.
 * profile_path_short - the offset in path where its short form starts: past
 * the site-packages, dist-packages or lib/pythonX.Y directory it lies in,
 * or the last two components of another absolute path.
 */
enum frame_class profile_path_class(const char *path, size_t len);
size_t profile_path_short(const char *path, size_t len);

#endif
