/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native.h - a thread's native (C) stack: unwound with libunwind's remote
 * API over our own accessors, and named by our own symbol tables.
 *
 * One struct native per target process. libunwind sees the target only
 * through the accessors here. A thread is unwound in two steps: while it
 * is held, native_copy() keeps its registers (tracee_regs()) and the top
 * of its stack, copied in one read; once it runs again, native_unwind()
 * walks that copy. Memory beyond the copy comes through two page caches
 * of the target (rcache.h): one for its read-only file mappings (unwind
 * tables, code: they do not change, so it is kept across unwinds until
 * the maps change), one for the rest, reset at each unwind. A read of the
 * stack beyond the copy (a "late" read, of memory the thread may since
 * have changed) is counted, and the next copies are made long enough to
 * cover it. Unwind tables come from each object's .eh_frame_hdr, whose
 * look-ups libunwind caches per address (UNW_CACHE_GLOBAL). Once warm,
 * an unwind opens no file, parses no ELF and allocates nothing of ours
 * (libunwind takes from its own pools when it parses a table entry it has
 * not cached).
 *
 * Not unwound through: objects that have only .debug_frame (no
 * .eh_frame_hdr; Debian builds have it everywhere) and code in no file
 * mapping (JIT): the unwind stops there, not whole.
 *
 * Only native_copy() needs the thread stopped; naming needs no stop.
 */
#ifndef PF_NATIVE_H
#define PF_NATIVE_H

#include "compat.h"
#include "arch.h"
#include "objmap.h"
#include "rcache.h"
#include "remote.h"

#define NATIVE_MAX_DEPTH 1024	/* a good `max` for native_unwind() */
#define NATIVE_STACK_COPY (32u << 10)	/* stack bytes copied at first */
#define NATIVE_STACK_COPY_MAX (1u << 20)	/* ... and at most, as unwinds need */
#define NATIVE_BELOW_SP 512u	/* bytes below the stack pointer copied too */
#define NATIVE_FOLLOW_MAX 4	/* functions whose split-off parts are known */

/*
 * How a native frame is shown: "object!symbol" when a function of the
 * object contains the address, else "object+0xOFFSET".
 */
struct native_frame {
	const char *object;	/* basename of the object ("[vdso]", ...), or
				 * "[unknown]" for an address in no file mapping */
	const char *symbol;	/* the function (C++ names demangled), or NULL */
	const char *part_of;	/* unnamed code split off a function followed
				 * with native_follow(): its name; else NULL.
				 * Not shown (it is no symbol); for deciding
				 * what the frame is, e.g. the eval loop */
	uint64_t offset;	/* named: 0 (one frame per function, whatever
				 * the address inside it); unnamed: the
				 * object's own address of pc (its link-time
				 * virtual address, as nm, objdump and
				 * addr2line show it; the file offset when the
				 * object could not be read); [unknown]: pc */
};

struct native_name;		/* native.c: a cached answer */

/* A held thread's registers and the top of its stack: [lo, lo + len) of
 * its stack mapping, which ends at `end` (0: no known mapping). */
struct native_copy {
	struct regs regs;
	uint64_t lo, end;
	size_t len;
	uint8_t *data;		/* owned; reused by the next native_copy() */
	size_t cap;
};

struct native {
	pid_t pid;
	struct remote *r;	/* borrowed */
	struct rcache cache;	/* target pages, valid for one unwind */
	struct rcache rodata;	/* pages of read-only file mappings, kept */
	struct objmap objs;
	void *as;		/* unw_addr_space_t */
	const struct native_copy *copy;	/* the thread being unwound */
	size_t stack_plan;	/* bytes native_copy() copies */
	bool late;		/* this unwind read the stack beyond the copy */
	bool refreshed;		/* maps re-read during this unwind */
	bool heuristic;		/* libunwind found no table for this step */
	struct native_name *names;	/* pc -> name, open addressing */
	size_t names_mask, names_used;
	char *follow[NATIVE_FOLLOW_MAX];	/* native_follow()'s names, owned */
	size_t nfollow;
	struct native_demangled {	/* mangled name -> readable, owned */
		const char *mangled;
		char *readable;
	} *demangled;
	size_t demangled_mask, demangled_used;
	/* statistics */
	uint64_t unwinds, frames, map_refreshes, stops_unknown, table_searches;
	uint64_t late_unwinds;	/* unwinds that read the stack beyond the copy */
};

/*
 * native_open - prepare to unwind threads of process `pid`, reading its
 * memory through `r` (borrowed; must outlive n). Reads /proc/PID/maps.
 * Returns 0, -PF_EGONE, -PF_EUNSUPPORTED (built without native support),
 * or another code of objmap_refresh(). On failure nothing is held.
 */
int native_open(struct native *n, pid_t pid, struct remote *r);
void native_close(struct native *n);

/*
 * native_copy - keep the registers `regs` (tracee_regs()) of a held thread
 * and copy the top of its stack into `c` (its buffer reused), in one read.
 * Returns 0 (a stack that could not be read is left to native_unwind's own
 * reads), -PF_ETORN (registers short) or -PF_EGONE (the process is gone).
 * native_copy_release - free c's buffer.
 */
int native_copy(struct native *n, const struct regs *regs, struct native_copy *c);
void native_copy_release(struct native_copy *c);

/*
 * native_unwind - the native stack of the thread copied into `c`, walked
 * from the copy (the thread need not be held): at most
 * `max` addresses into pcs[], innermost first, in *count. pcs[0] is the
 * thread's pc; each later entry is its frame's return address minus one,
 * an address inside the call instruction (so that naming it names the
 * caller even when the call was the function's last instruction), except
 * below a signal frame, where the interrupted pc is exact.
 * *whole says whether the unwind reached the thread's outermost frame
 * (libunwind found no caller: _start, clone3); it is false when it
 * stopped early: `max` reached, an address in no known object (the maps
 * are re-read once per unwind to make sure), an object without an unwind
 * table for it (libunwind would guess from the frame pointer; such a
 * guess is never kept), or a read that failed. What was found up to there
 * is kept.
 * Returns 0 (even when not whole), -PF_ETORN (no frame at all: registers
 * short or a first read failed), -PF_EGONE (the process is gone).
 */
int native_unwind(struct native *n, const struct native_copy *c, uint64_t *pcs,
		  size_t max, size_t *count, bool *whole);

/*
 * native_name - how `pc` (an entry of native_unwind's pcs) is shown. The
 * strings belong to `n` and stay valid until native_close(). Answers are
 * cached per pc (up to 2^18 of them, then the cache starts again); the first look-up in an object builds its symbol table
 * (objmap_symbols). Never touches the target; re-reads the maps when pc is
 * in no known mapping. Returns 0 (always fills *out).
 */
int native_name(struct native *n, uint64_t pc, struct native_frame *out);

/*
 * native_follow - recognise the code split off function `symbol` (copied):
 * compilers move a function's rarely run blocks into a separate stretch of
 * code (GCC's "symbol.cold"), which stripped objects leave unnamed; where
 * that stretch is most of the function (Debian's 3.14 and 3.15
 * _PyEval_EvalFrameDefault) its frames must still be known as the
 * function's. A stretch counts as split off `symbol` when at least two
 * direct jumps in the function land in the same unwind-table entry that
 * no symbol names (the function's bytes are scanned, not decoded, so one
 * jump alone is not trusted). native_name() then sets part_of for
 * addresses in it; the name shown stays object+0xOFFSET. Call before
 * naming (names already cached are not revisited). 0 or -PF_ELIMIT (more
 * than NATIVE_FOLLOW_MAX names).
 */
int native_follow(struct native *n, const char *symbol);

/*
 * native_locate - where `pc` is: the path of its object as the target's
 * maps spell it (owned by n, valid until native_close) and its link-time
 * address there (pc - bias; the file offset for an object that could not
 * be read). For diagnostics and tests. 0 or -PF_ENOENT (in no file mapping).
 */
int native_locate(struct native *n, uint64_t pc, const char **path, uint64_t *vaddr);

#endif
