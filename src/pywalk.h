/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pywalk.h - from the interpreter state to one stack per Python thread.
 *
 * Reads the target only through a `struct remote`, so a fake interpreter laid
 * out in buffers can be walked in unit tests and fuzzing. Every value read is
 * untrusted: loops are bounded, pointers and sizes checked, object types
 * compared with PyCode_Type / str types, cycles detected. A failed or
 * inconsistent read fails the sample (-PF_ETORN), never yields a made-up frame.
 */
#ifndef PF_PYWALK_H
#define PF_PYWALK_H

#include "compat.h"
#include "pylocate.h"
#include "remote.h"
#include "stacks.h"
#include "strbuf.h"

#define PYWALK_MAX_THREADS 4096
#define PYWALK_MAX_DEPTH 2048	/* deeper stacks are cut, see pywalk_sample */
#define PYWALK_MAX_STRING 4096	/* longer names are cut */
#define PYWALK_MAX_LINETABLE (1u << 20)

struct pythread {
	uint64_t tstate;	/* address of the PyThreadState */
	uint64_t thread_id;	/* pthread_t */
	uint64_t native_id;	/* kernel TID where known (3.11+), else 0 */
	bool holds_gil;
	uint32_t first;		/* index of its first frame id in pysample.frames */
	uint32_t depth;		/* 0: the thread has no Python frame */
};

struct pysample {
	struct pythread *threads;	/* interpreter list order: newest first */
	size_t nthreads, threads_cap;
	uint32_t *frames;		/* frame ids (stacks.h), leaf first per thread */
	size_t nframes, frames_cap;
};

struct code_entry;			/* pywalk.c: a decoded code object */

struct pywalk {
	struct remote *r;
	const struct pyloc *loc;
	struct stacks *st;		/* where frames and names are interned */
	bool qualnames;			/* co_qualname instead of co_name (3.11+) */
	struct code_entry *codes;	/* cache keyed by code-object address */
	size_t codes_mask;
	struct strbuf scratch;
	uint32_t truncated_frame;	/* frame id of the depth-limit marker */
};

void pywalk_init(struct pywalk *w, struct remote *r, const struct pyloc *loc,
		 struct stacks *st, bool qualnames);
void pywalk_release(struct pywalk *w);

void pysample_init(struct pysample *s);
void pysample_release(struct pysample *s);

/*
 * pywalk_sample - read the thread list and the frames of each thread into
 * `out` (reset first). With `all_threads` false only the GIL holder is
 * walked (none when the GIL is free: an idle sample). A stack deeper than
 * PYWALK_MAX_DEPTH keeps its innermost frames and ends in a marker frame
 * "(truncated)". Returns 0, or -PF_ETORN / -PF_EGONE for a lost sample.
 */
int pywalk_sample(struct pywalk *w, bool all_threads, struct pysample *out);

#endif
