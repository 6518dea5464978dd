/* SPDX-License-Identifier: Apache-2.0 */
/*
 * native.h - a thread's native (C) stack: unwound with libunwind's remote
 * API over our own accessors, and named by our own symbol tables.
 *
 * One struct native per target process. libunwind sees the target only
 * through the accessors here: memory through two page caches of the
 * target (rcache.h): one for its read-only file mappings (unwind tables,
 * code: they do not change, so it is kept across unwinds until the maps
 * change), one for the rest, reset at each unwind (a thread's stack is
 * read by the page, in one batched read where it can be); registers from
 * one register set per thread (tracee_regs());
 * unwind tables from each object's .eh_frame_hdr, whose look-ups libunwind
 * caches per address (UNW_CACHE_GLOBAL). Once warm, an unwind opens no
 * file, parses no ELF and allocates nothing of ours (libunwind takes from
 * its own pools when it parses a table entry it has not cached).
 *
 * Not unwound through: objects that have only .debug_frame (no
 * .eh_frame_hdr; Debian builds have it everywhere) and code in no file
 * mapping (JIT): the unwind stops there, not whole.
 *
 * The thread being unwound must be stopped (held by the tracer) for the
 * whole of native_unwind(); naming needs no stop.
 */
#ifndef PF_NATIVE_H
#define PF_NATIVE_H

#include "compat.h"
#include "arch.h"
#include "objmap.h"
#include "rcache.h"
#include "remote.h"

#define NATIVE_MAX_DEPTH 1024	/* a good `max` for native_unwind() */
#define NATIVE_STACK_PREFETCH (32u << 10)	/* stack bytes read up front */
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

struct native {
	pid_t pid;
	struct remote *r;	/* borrowed */
	struct rcache cache;	/* target pages, valid for one unwind */
	struct rcache rodata;	/* pages of read-only file mappings, kept */
	struct objmap objs;
	void *as;		/* unw_addr_space_t */
	const struct regs *regs;	/* the thread being unwound */
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
 * native_unwind - the native stack of the thread whose registers are
 * `regs` (tracee_regs(); the thread must stay stopped meanwhile): at most
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
 * is kept and is right.
 * Returns 0 (even when not whole), -PF_ETORN (no frame at all: registers
 * short or a first read failed), -PF_EGONE (the process is gone).
 */
int native_unwind(struct native *n, const struct regs *regs, uint64_t *pcs,
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
