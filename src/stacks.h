/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stacks.h - interning of strings and frames, and counting of stacks.
 *
 * Pure: no target access. Strings, frames, origins and stacks are interned
 * once and named by small ids that stay valid until stacks_release(). A
 * frame has a kind: a Python frame is (file, function, line); a native
 * frame is (object, symbol, offset); the roots that name a process or a
 * thread carry their label as their name. An origin is the process and
 * thread a stack was sampled in. A stack is an array of frame ids, always
 * stored leaf first (innermost frame at index 0), as the walker produces
 * them, and its origin: the same frames in two threads are two stacks.
 * Writers reverse the order where the format wants root first.
 *
 * Each table sits behind an open-addressing hash index; looking up a known
 * string, frame or stack allocates nothing. Ids are dense, from 0, in order
 * of first appearance. Passing an id that was never returned, or needing
 * more than UINT32_MAX - 2 ids of one kind (or 4 GiB of string bytes, or
 * 2^32 stored frame ids), is a bug: PF_BUG aborts.
 */
#ifndef PF_STACKS_H
#define PF_STACKS_H

#include "compat.h"

enum frame_kind {
	FRAME_PYTHON,		/* file, function, line */
	FRAME_NATIVE,		/* object (file), symbol (name, "" if none), offset */
	FRAME_PROCESS,		/* a root naming a process: its label in name */
	FRAME_THREAD,		/* a root naming a thread: its label in name */
};

struct frame {
	uint32_t file;		/* string id */
	uint32_t name;		/* string id */
	int32_t line;		/* 0 when unknown */
	uint8_t kind;		/* enum frame_kind */
	uint64_t offset;	/* native: from the symbol, else from the object */
};

/* Where a stack was sampled: the process, and the thread by its kernel TID
 * (0 where the interpreter does not record it, before 3.11) and by its
 * Python identifier (threading.get_ident(), a pthread_t); with
 * --subprocesses, the frame its stacks are rooted at, naming the process. */
struct origin {
	int32_t pid;
	int32_t tid;
	uint64_t thread;
	uint32_t process_root;	/* 1 + the id of its FRAME_PROCESS root; 0: none */
};

struct stack {
	uint32_t first;		/* index of its first frame id in stacks.frame_ids */
	uint32_t depth;
	uint32_t origin;	/* origin id */
	uint64_t count;		/* samples with exactly this stack */
	uint64_t hash;
};

/* Flamechart events: one per recorded sample, in time order. */
#define STACK_IDLE UINT32_MAX
#define STACK_FAILED (UINT32_MAX - 1)
struct chart_event {
	uint64_t ts_us;		/* microseconds since the Unix epoch */
	uint32_t stack;		/* stack id, STACK_IDLE or STACK_FAILED */
};

struct hashidx {		/* open-addressing index: slot -> id + 1, 0 = empty */
	uint32_t *slots;
	size_t mask;		/* capacity - 1; capacity is a power of two */
	size_t used;
};

struct stacks {
	/* strings: bytes in one arena, each NUL-terminated */
	char *str_arena;
	size_t str_len, str_cap;
	uint32_t *str_off;		/* id -> offset in the arena */
	uint32_t *str_size;		/* id -> length without the NUL */
	size_t nstrs, str_ids_cap;
	struct hashidx str_idx;

	struct frame *frames;
	size_t nframes, frames_cap;
	struct hashidx frame_idx;

	struct origin *origins;
	size_t norigins, origins_cap;
	struct hashidx origin_idx;
	uint32_t *origin_labels;	/* origin id -> label's string id + 1, 0 none */
	size_t origin_labels_cap;

	uint32_t *frame_ids;		/* all stacks' frame ids, back to back */
	size_t frame_ids_len, frame_ids_cap;
	struct stack *stacks;
	size_t nstacks, stacks_cap;
	struct hashidx stack_idx;

	uint64_t idle, failed;		/* samples counted as (idle) / (failed) */

	bool keep_events;		/* record chart events (--flamechart) */
	struct chart_event *events;
	size_t nevents, events_cap;
};

void stacks_init(struct stacks *st, bool keep_events);
void stacks_release(struct stacks *st);

/*
 * Intern `s[0..len)` (may hold any bytes but NUL; `s` may be NULL when len
 * is 0); returns its id. The bytes are copied.
 */
uint32_t stacks_intern_str(struct stacks *st, const char *s, size_t len);
/* The NUL-terminated string of `id` (length in *len if len is not NULL). */
const char *stacks_str(const struct stacks *st, uint32_t id, size_t *len);

/* Intern frame `f` (every field counts; strings interned already). */
uint32_t stacks_intern_frame(struct stacks *st, const struct frame *f);
/* A Python frame: the usual one. */
uint32_t stacks_intern_pyframe(struct stacks *st, uint32_t file, uint32_t name, int32_t line);
const struct frame *stacks_frame(const struct stacks *st, uint32_t id);

uint32_t stacks_intern_origin(struct stacks *st, const struct origin *o);
const struct origin *stacks_origin(const struct stacks *st, uint32_t id);

/*
 * stacks_set_origin_label - name the thread of `origin` (an id from
 * stacks_intern_origin) by the string `str` (--thread-names: its root
 * frame's label); a later call replaces it: the latest name wins.
 * stacks_origin_label - that string's id, false if none was set.
 */
void stacks_set_origin_label(struct stacks *st, uint32_t origin, uint32_t str);
bool stacks_origin_label(const struct stacks *st, uint32_t origin, uint32_t *str);

/*
 * stacks_add - count `count` samples of the stack `frames[0..depth)` (leaf
 * first, depth >= 1, ids from stacks_intern_frame; the array is copied when
 * the stack is new) sampled in `origin` (an id from stacks_intern_origin);
 * returns the stack's id. When keep_events is set, also records a chart
 * event at `ts_us` (once per call). O(depth); allocates only for a new
 * stack or to grow the event list.
 */
uint32_t stacks_add(struct stacks *st, const uint32_t *frames, size_t depth, uint32_t origin,
		    uint64_t count, uint64_t ts_us);
/* Count an idle / failed sample (and record its chart event if kept). */
void stacks_add_idle(struct stacks *st, uint64_t ts_us);
void stacks_add_failed(struct stacks *st, uint64_t ts_us);

/* The frame ids of stack `id`, leaf first; its depth in *depth. */
const uint32_t *stacks_frames(const struct stacks *st, uint32_t id, size_t *depth);

#endif
