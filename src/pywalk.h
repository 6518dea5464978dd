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
#include "linetable.h"
#include "pylocate.h"
#include "rcache.h"
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
	uint64_t top;		/* its innermost frame as read, 0 for none */
	uint64_t top_at[2];	/* the words read to find it (1 or 2), */
	uint64_t top_was[2];	/* and what they held */
	uint32_t ntop;
	bool holds_gil;
	bool cut;		/* more frames than PYWALK_MAX_DEPTH */
	uint32_t raw_first;	/* its frames as read, in pysample.raw */
	uint32_t nraw;
	uint32_t first;		/* index of its first frame in pysample.frames */
	uint32_t depth;		/* 0: the thread has no Python frame */
};

/* A frame as read from the target: enough to read it again and compare. */
struct rawframe {
	uint64_t addr;
	uint64_t code;		/* 0: a frame that is never shown */
	int64_t instr;		/* f_lasti (<= 3.10) or the instruction pointer */
};

/* A frame found, before interning: names as string ids of stacks.h. */
struct pyframe {
	uint32_t file, name;
	int32_t line;
};

struct pysample {
	struct pythread *threads;	/* interpreter list order: newest first */
	size_t nthreads, threads_cap;
	struct rawframe *raw;		/* every frame visited, innermost first */
	size_t nraw, raw_cap;
	struct pyframe *found;		/* the frames shown, leaf first per thread */
	size_t nframes, found_cap;
	uint32_t *frames;		/* their frame ids, after pywalk_resolve() */
	size_t frames_cap;
};

struct code_entry;			/* pywalk.c: a decoded code object */

struct pywalk {
	struct remote *r;
	const struct pyloc *loc;
	struct stacks *st;		/* where frames and names are interned */
	bool qualnames;			/* co_qualname instead of co_name (3.11+) */
	struct rcache cache;		/* pages read in this sample */
	struct code_entry *codes;	/* cache keyed by code-object address */
	size_t codes_mask;
	struct strbuf scratch;
	struct rcache_span *spans;	/* scratch for batched reads */
	size_t spans_cap;
	struct remote_iov *iov;		/* scratch for pywalk_verify() */
	size_t iov_cap;
	uint64_t *words;
	size_t words_cap;
	struct rcache_span replay[RCACHE_SLOTS];	/* what the last capture read */
	size_t nreplay;
	struct rawframe *check;		/* scratch for pywalk_verify() */
	size_t check_cap;
	uint32_t truncated;		/* string id of the depth-limit marker */
};

void pywalk_init(struct pywalk *w, struct remote *r, const struct pyloc *loc,
		 struct stacks *st, bool qualnames);
void pywalk_release(struct pywalk *w);

void pysample_init(struct pysample *s);
void pysample_clear(struct pysample *s);	/* no thread, no frame */
void pysample_release(struct pysample *s);

/*
 * A sample is taken in up to three steps, so that the target can be let go
 * as soon as everything is read:
 *
 * pywalk_capture - every read: the thread list, the frames of each thread,
 * their code objects (decoded once, then only checked), into `out` (reset
 * first). With `all_threads` false only the GIL holder is walked (none when
 * the GIL is free: an idle sample). A stack deeper than PYWALK_MAX_DEPTH
 * keeps its innermost frames and ends in a marker frame "(truncated)".
 * Returns 0, or -PF_ETORN / -PF_EGONE for a lost sample.
 *
 * pywalk_verify - for a target that kept running during the capture: read
 * each thread's frame chain again and compare frame addresses, code objects,
 * and the instruction of every frame but the innermost (the only one that
 * may run on without changing the stack); then read each thread's innermost
 * frame pointer again. 0 if all agree, -PF_ETORN if a stack changed under
 * the capture.
 *
 * pywalk_resolve - no reads: intern the frames found into out->frames.
 *
 * pywalk_sample - capture then resolve, for a stopped target.
 */
int pywalk_capture(struct pywalk *w, bool all_threads, struct pysample *out);

/*
 * With a GIL, only the thread holding it can change any Python stack, so
 * holding that thread alone freezes them all. pywalk_gil_owner, read while
 * the target runs: 1 with the holder's thread state in *ts and its kernel
 * TID in *tid; 0 when the GIL is free; -1 when this cannot be relied on
 * (no TID in thread states before 3.11, several interpreters, a read that
 * failed). pywalk_gil_still_owned, read once that thread is held: whether
 * `ts` still holds the GIL (it may have let it go just before it stopped).
 */
int pywalk_gil_owner(struct pywalk *w, uint64_t *ts, pid_t *tid);
bool pywalk_gil_still_owned(struct pywalk *w, uint64_t ts);
int pywalk_verify(struct pywalk *w, const struct pysample *s);
void pywalk_resolve(struct pywalk *w, struct pysample *s);
int pywalk_sample(struct pywalk *w, bool all_threads, struct pysample *out);

#endif
