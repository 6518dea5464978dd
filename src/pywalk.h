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
#include "readplan.h"
#include "remote.h"
#include "stacks.h"
#include "strbuf.h"

#define PYWALK_MAX_THREADS 4096
#define PYWALK_MAX_DEPTH 2048	/* deeper stacks are cut, see pywalk_sample */
#define PYWALK_MAX_STRING 4096	/* longer names are cut */
#define PYWALK_MAX_LINETABLE (1u << 20)
#define PYWALK_MAX_CODE (1u << 24)	/* code units of a code object */
#define PYWALK_ANCHORS 64	/* threads whose outermost frame is remembered */
#define PYWALK_ANCHOR_MOVES 3	/* captures that agree before it changes */
#define PYWALK_CALLERS 512	/* calling frames whose instruction is remembered */

struct pythread {
	uint64_t tstate;	/* address of the PyThreadState */
	uint64_t thread_id;	/* pthread_t */
	uint64_t native_id;	/* kernel TID where known (3.11+), else 0 */
	uint64_t top;		/* its innermost frame as read, 0 for none */
	bool holds_gil;
	bool cut;		/* more frames than PYWALK_MAX_DEPTH */
	uint32_t raw_first;	/* its frames as read, in pysample.raw */
	uint32_t nraw;
	uint32_t first;		/* index of its first frame in pysample.frames */
	uint32_t depth;		/* 0: the thread has no Python frame */
};

/* A frame as read from the target. */
struct rawframe {
	uint64_t addr;
	uint64_t code;		/* 0: a frame that is never shown */
	int64_t instr;		/* f_lasti (<= 3.10) or the instruction pointer */
	int64_t held;		/* <= 3.10: ob_refcnt; 3.11+: saved stack top */
	uint8_t owner;		/* 3.11+: who owns it (0: the thread's data stack) */
	bool entry;		/* 3.11: the first frame of a call from C */
	bool shim;		/* 3.12+: a frame that is not Python's (an
				 * entry frame of a call from C, a base frame) */
	bool stale;		/* not in a running chain: it returned (a frame
				 * object with no reference or not marked as
				 * running; a 3.14+ frame without its code) or
				 * has not started (<= 3.10) */
};

/*
 * A frame found, before interning: names as string ids of stacks.h, and
 * where it lies in the target, for readers of what it holds (pylocals.h):
 * the frame's address (<= 3.10 a PyFrameObject, 3.11+ an interpreter frame)
 * and its code object's. Both 0 for the "(truncated)" marker.
 */
struct pyframe {
	uint32_t file, name;
	int32_t line;
	uint64_t addr, code;
	bool call_start;	/* the first frame its call of the eval loop ran
				 * (merge.h's MERGE_CALL_START) */
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
	bool whole;			/* every byte came from the capture's first
					 * batched read: one snapshot */
	uint32_t trimmed;		/* frames dropped: pushed after the copy */
};

struct code_entry;			/* pywalk.c: a decoded code object */

struct pywalk {
	struct remote *r;
	const struct pyloc *loc;
	struct stacks *st;		/* where frames and names are interned */
	bool qualnames;			/* co_qualname instead of co_name (3.11+) */
	struct rcache cache;		/* pages read in this sample */
	struct readplan plan;		/* what a capture reads first, in one batch */
	struct rcache_span batch[RCACHE_SLOTS];	/* scratch: the plan's spans */
	struct code_entry *codes;	/* cache keyed by code-object address */
	size_t codes_mask;
	struct strbuf scratch;
	struct rcache_span *spans;	/* scratch for batched reads */
	size_t spans_cap;
	uint32_t truncated;		/* string id of the depth-limit marker */
	struct pycaller {		/* <= 3.10: where a calling frame last was */
		uint64_t frame, code;
		int64_t instr;
	} callers[PYWALK_CALLERS];
	struct pyanchor {		/* the outermost frame of each thread */
		uint64_t tstate, bottom;
		uint64_t top;		/* its innermost frame last time */
		uint64_t moved;		/* another one seen since, */
		uint32_t times;		/* this many times in a row */
	} anchors[PYWALK_ANCHORS];
};

void pywalk_init(struct pywalk *w, struct remote *r, const struct pyloc *loc,
		 struct stacks *st, bool qualnames);
void pywalk_release(struct pywalk *w);

void pysample_init(struct pysample *s);
void pysample_clear(struct pysample *s);	/* no thread, no frame */
void pysample_release(struct pysample *s);

/*
 * A sample is taken in two steps, so that the target can be let go as soon
 * as everything is read:
 *
 * pywalk_capture - every read: the thread list, the frames of each thread,
 * their code objects (decoded once, then only checked), into `out` (reset
 * first). With `all_threads` false only the GIL holder is walked (none when
 * the GIL is free: an idle sample). A stack deeper than PYWALK_MAX_DEPTH
 * keeps its innermost frames and ends in a marker frame "(truncated)".
 *
 * It starts with one batched read of what the recent captures needed
 * (readplan.h), and walks that copy; what the copy lacks is read when met,
 * and learnt for next time. out->whole says whether the copy held
 * everything: then the capture is one snapshot of the target, taken in
 * the time of one system call, even if the target kept running (and each
 * thread's stack ends at the outermost frame it ended at before: a frame
 * copied while it was being pushed can end a chain early; and, <= 3.10,
 * each calling frame is where the last capture saw it: its reference count
 * and its instruction lie in different cache lines, which a copy can take
 * at moments far enough apart for it to return and run on). When a thread's
 * innermost frame was copied before it was pushed (<= 3.10: a frame object
 * without a reference, whose f_back then leads nowhere), the walk starts
 * again from the frame that was innermost last time, if it still is. Names and
 * line tables of code objects met for the first time are read apart from
 * it: they do not change while their code object lives.
 *
 * Every frame is checked for what a frame of a consistent stack must be,
 * so that a copy made while a stack changed is refused rather than shown:
 * the objects are of their types (a frame object is alive, <= 3.10); a frame
 * on the thread's data stack lies below the stack's top and above its
 * caller (3.11+); a frame that called another in the same eval loop is not
 * running itself (3.12, 3.13 clear its saved stack pointer while it runs);
 * each instruction lies inside its code.
 * Returns 0, or -PF_ETORN / -PF_EGONE for a lost sample.
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
void pywalk_resolve(struct pywalk *w, struct pysample *s);
int pywalk_sample(struct pywalk *w, bool all_threads, struct pysample *out);

#endif
