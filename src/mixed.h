/* SPDX-License-Identifier: Apache-2.0 */
/*
 * mixed.h - one process's sampled threads as stacks of native and Python
 * frames (--native): each thread's registers and the top of its stack
 * copied while the tracer holds it; once the process runs again, unwound
 * from that copy, its native frames named and interned, then merged with
 * its Python frames (merge.h).
 *
 * One struct mixed per target process. Records errors, prints nothing.
 */
#ifndef PF_MIXED_H
#define PF_MIXED_H

#include "compat.h"
#include "arch.h"
#include "native.h"
#include "pywalk.h"
#include "remote.h"
#include "stacks.h"

#define MIXED_MAX_NATIVE 512	/* native frames kept per thread */
#define MIXED_MEMO 4096		/* pc -> frame id answers kept (a power of 2) */

struct mixed_thread {
	pid_t tid;
	struct native_copy copy;	/* its buffer kept from sample to sample */
	bool unwound;		/* mixed_unwind() found at least one frame */
	uint32_t first, count;	/* its addresses in mixed.pcs */
	bool whole;		/* native_unwind()'s *whole */
};

struct mixed {
	struct native n;
	bool open;
	unsigned major, minor;	/* the interpreter's version */
	uint64_t *pcs;		/* this sample's unwinds, back to back */
	size_t npcs, pcs_cap;
	struct mixed_thread *th;
	size_t nth, th_cap, th_made;	/* th_made: entries whose copy was initialised */
	struct mixed_memo {	/* direct-mapped: pc -> interned frame */
		uint64_t pc;	/* 0: empty */
		uint32_t id;
		uint8_t flags;	/* merge.h's MERGE_EVAL or 0 */
	} *memo;
	uint32_t *ids, *out;	/* scratch: native frame ids, merged stack */
	uint8_t *nflags, *pflags;
	size_t ids_cap, nflags_cap, pflags_cap, out_cap;
	uint64_t unwinds, lost;	/* threads unwound; merges refused */
};

/*
 * mixed_open - prepare process `pid` (read through `r`, borrowed) running
 * CPython `version` (PY_VERSION_HEX): native_open(), and the eval loop's
 * split-off code followed. 0, or native_open()'s codes; nothing held then.
 */
int mixed_open(struct mixed *m, pid_t pid, struct remote *r, uint32_t version);
void mixed_close(struct mixed *m);	/* no-op when not open */

/* Forget the threads of the last sample. */
void mixed_begin(struct mixed *m);

/*
 * mixed_copy - keep thread `tid`'s registers `regs` (tracee_regs()) and the
 * top of its stack; the thread must be held. 0, or native_copy()'s
 * -PF_ETORN / -PF_EGONE (the thread then has no native stack this sample).
 */
int mixed_copy(struct mixed *m, pid_t tid, const struct regs *regs);

/*
 * mixed_unwind - unwind every thread copied since mixed_begin(), from its
 * copy (nothing need be held), keeping its addresses for mixed_stack().
 * 0, or -PF_EGONE (the process is gone); a thread that yields no frame
 * has no native stack this sample.
 */
int mixed_unwind(struct mixed *m);

/*
 * mixed_stack - the stack of thread `tid`, innermost first: its native
 * frames, named and interned into `st` as FRAME_NATIVE, with each call of
 * the eval loop replaced by the Python frames it ran (`py`: the thread's
 * frame ids from pywalk_resolve(), `found` their pyframes, both npy long).
 * No reads of the target. *out stays valid until the next call.
 * Returns 0; -PF_ENOENT when the thread was not unwound (the caller keeps
 * its Python frames alone); -PF_ETORN when the two stacks cannot be paired
 * (merge_stacks(): a lost sample, counted in m->lost).
 */
int mixed_stack(struct mixed *m, struct stacks *st, pid_t tid, const uint32_t *py,
		const struct pyframe *found, size_t npy, const uint32_t **out, size_t *n);

#endif
