/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pythreads.h - the reading half of --thread-names: each thread's name, as
 * threading.Thread.name where the target's threading module knows the
 * thread, else the kernel's (/proc/PID/task/TID/comm), and its TID; and
 * the root frame `thread TID "NAME"` made of them (threadname.h).
 *
 * Reads the target through its remote while it runs (never while held),
 * and /proc; nothing runs in the target. Names are cached per thread and
 * refreshed at a bounded cost: the threading module's `_active` dict is
 * found once (looked for again at most every PYTHREADS_FIND_NS while it
 * is missing, or PYTHREADS_MISS_NS when a new thread shows up), its
 * entries read at most every PYTHREADS_REFRESH_NS, or
 * sooner (at most every PYTHREADS_MISS_NS) when a thread not seen yet
 * shows up; a Thread's name text is read again only when its `_name`
 * object changed, or PYTHREADS_REREAD_NS after it was last read. Every
 * failure (a read, a type that is not what it should be) falls back to
 * the kernel's name.
 */
#ifndef PF_PYTHREADS_H
#define PF_PYTHREADS_H

#include <sys/types.h>

#include "compat.h"
#include "pylocate.h"
#include "pywalk.h"
#include "remote.h"
#include "stacks.h"
#include "strbuf.h"
#include "threadname.h"

#define PYTHREADS_REFRESH_NS 200000000ull	/* 200 ms */
#define PYTHREADS_MISS_NS 10000000ull		/* 10 ms */
#define PYTHREADS_FIND_NS 1000000000ull		/* 1 s */
#define PYTHREADS_REREAD_NS 2000000000ull	/* 2 s */
#define PYTHREADS_MAX 1024			/* threads named, at most */
#define PYTHREADS_PTHREAD_TID 0x2d0		/* glibc x86_64: struct pthread.tid */

struct pythreads_entry {
	uint64_t ident;		/* threading.get_ident(): the pthread_t */
	int32_t tid;		/* kernel TID, 0 unknown */
	uint64_t name_obj;	/* the `_name` object last read, 0 none */
	uint64_t read_ns;	/* when its text was read */
	bool in_active;		/* in `_active` at the last refresh */
	bool tid_tried;
	uint32_t frame;		/* the root frame in the run's stacks */
	struct strbuf name;	/* the name shown (Python's, or the kernel's) */
};

struct pythreads {
	struct remote *r;		/* borrowed */
	const struct pyloc *loc;	/* borrowed */
	pid_t pid;
	struct threadname_layout lay;
	bool usable;			/* a layout for this version */
	uint64_t active;		/* `_active`, 0 until found */
	uint64_t find_ns, refresh_ns;	/* last look for it, last refresh */
	uint64_t keys;			/* the shared keys last searched, */
	int64_t keys_ix;		/* and the name's index in them (-1 none) */
	uint64_t type;			/* the Thread type last read, */
	uint8_t type_bytes[1024];	/* and its first bytes */
	struct pythreads_entry *v;
	size_t n, cap;
	uint8_t *buf;			/* scratch for dict entries */
	size_t buf_cap;
};

/*
 * pythreads_init - names for the process `pid` read through `r` with the
 * layout `loc` (both borrowed, outliving `pt`). Reads the target once for
 * 3.13+ (_Py_DebugOffsets); never fails: without a layout every name is
 * the kernel's.
 */
void pythreads_init(struct pythreads *pt, struct remote *r, const struct pyloc *loc, pid_t pid);
void pythreads_release(struct pythreads *pt);

/*
 * pythreads_root - the id, in `st`, of the root frame naming thread `t` of
 * a sample (t->native_id, else the TID found in glibc's struct pthread if
 * /proc lists it), refreshing the names first if due at `now_ns`
 * (CLOCK_MONOTONIC). Its label is that frame's name. Never fails.
 */
uint32_t pythreads_root(struct pythreads *pt, struct stacks *st, const struct pythread *t,
			uint64_t now_ns);

#endif
