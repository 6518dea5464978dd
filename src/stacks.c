/* SPDX-License-Identifier: Apache-2.0 */
/*
 * stacks.c - interning of strings and frames, and counting of stacks, each
 * behind an open-addressing hash index (linear probing, at most half full).
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "stacks.h"
#include "xalloc.h"

/* Ids stay below this: the two values above name idle and failed events. */
#define ID_LIMIT ((size_t)UINT32_MAX - 2)
#define IDX_MIN_CAP 64
#define NOT_FOUND UINT32_MAX

/* The hash of an already interned id, for rebuilding an index. */
typedef uint64_t (*hash_of_fn)(const struct stacks *st, uint32_t id);

/* A 64-bit finaliser: every input bit reaches the low bits that pick a slot. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* FNV-1a over the bytes, then the finaliser. */
static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return mix64(h);
}

/* Order-sensitive hash of an id sequence; the length is mixed in first. */
static uint64_t hash_ids(const uint32_t *ids, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;

	for (size_t i = 0; i < n; i++) {
		h ^= ids[i];
		h *= 0x9e3779b97f4a7c15ULL;
		h ^= h >> 32;
	}
	return mix64(h);
}

static uint64_t hash_frame(const struct frame *f)
{
	const uint32_t key[6] = { f->file, f->name, (uint32_t)f->line, f->kind,
				  (uint32_t)f->offset, (uint32_t)(f->offset >> 32) };

	return hash_ids(key, 6);
}

static uint64_t hash_origin(const struct origin *o)
{
	const uint32_t key[4] = { (uint32_t)o->pid, (uint32_t)o->tid, (uint32_t)o->thread,
				  (uint32_t)(o->thread >> 32) };

	return hash_ids(key, 4);
}

static uint32_t next_id(size_t n, const char *what)
{
	if (n >= ID_LIMIT)
		PF_BUG(what);
	return (uint32_t)n;
}

static size_t idx_cap(const struct hashidx *x)
{
	return x->slots ? x->mask + 1 : 0;
}

/* Store `id` in the first free slot from `h` on; the id must be absent. */
static void idx_put(struct hashidx *x, uint64_t h, uint32_t id)
{
	size_t i = h & x->mask;

	while (x->slots[i])
		i = (i + 1) & x->mask;
	x->slots[i] = id + 1;
	x->used++;
}

/*
 * Make room for one more id, doubling and re-inserting ids 0..used-1 when
 * the index would become more than half full.
 */
static void idx_reserve(const struct stacks *st, struct hashidx *x,
			hash_of_fn hash_of)
{
	size_t n = x->used;
	size_t cap = idx_cap(x);

	if (2 * (n + 1) <= cap)
		return;
	cap = cap ? 2 * cap : IDX_MIN_CAP;
	free(x->slots);
	x->slots = xcalloc(cap, sizeof(*x->slots));
	x->mask = cap - 1;
	x->used = 0;
	for (size_t id = 0; id < n; id++)
		idx_put(x, hash_of(st, (uint32_t)id), (uint32_t)id);
}

static uint64_t str_hash_of(const struct stacks *st, uint32_t id)
{
	return hash_bytes(st->str_arena + st->str_off[id], st->str_size[id]);
}

static uint64_t frame_hash_of(const struct stacks *st, uint32_t id)
{
	return hash_frame(&st->frames[id]);
}

static uint64_t origin_hash_of(const struct stacks *st, uint32_t id)
{
	return hash_origin(&st->origins[id]);
}

static uint64_t stack_hash_of(const struct stacks *st, uint32_t id)
{
	return st->stacks[id].hash;
}

void stacks_init(struct stacks *st, bool keep_events)
{
	memset(st, 0, sizeof(*st));
	st->keep_events = keep_events;
}

void stacks_release(struct stacks *st)
{
	bool keep_events = st->keep_events;

	free(st->str_arena);
	free(st->str_off);
	free(st->str_size);
	free(st->str_idx.slots);
	free(st->frames);
	free(st->frame_idx.slots);
	free(st->origins);
	free(st->origin_idx.slots);
	free(st->origin_labels);
	free(st->frame_ids);
	free(st->stacks);
	free(st->stack_idx.slots);
	free(st->events);
	stacks_init(st, keep_events);
}

static uint32_t find_str(const struct stacks *st, const char *s, size_t len,
			 uint64_t h)
{
	const struct hashidx *x = &st->str_idx;

	if (!x->slots)
		return NOT_FOUND;
	for (size_t i = h & x->mask; x->slots[i]; i = (i + 1) & x->mask) {
		uint32_t id = x->slots[i] - 1;

		if (st->str_size[id] == len &&
		    (!len || memcmp(st->str_arena + st->str_off[id], s, len) == 0))
			return id;
	}
	return NOT_FOUND;
}

/* Append `s[0..len)` and its NUL to the arena; returns its offset. */
static uint32_t arena_add(struct stacks *st, const char *s, size_t len)
{
	size_t off = st->str_len;

	/* offsets are 32-bit: the arena, NULs included, stays under 4 GiB */
	if (len >= (size_t)UINT32_MAX - off)
		PF_BUG("string arena over 4 GiB");
	XGROW(st->str_arena, st->str_cap, off + len + 1);
	if (len)
		memcpy(st->str_arena + off, s, len);
	st->str_arena[off + len] = '\0';
	st->str_len = off + len + 1;
	return (uint32_t)off;
}

uint32_t stacks_intern_str(struct stacks *st, const char *s, size_t len)
{
	uint64_t h = hash_bytes(s, len);
	uint32_t id = find_str(st, s, len, h);

	if (id != NOT_FOUND)
		return id;
	id = next_id(st->nstrs, "too many interned strings");
	if (st->nstrs == st->str_ids_cap) {
		size_t cap = st->str_ids_cap < 64 ? 64 : 2 * st->str_ids_cap;

		st->str_off = xreallocarray(st->str_off, cap, sizeof(*st->str_off));
		st->str_size = xreallocarray(st->str_size, cap, sizeof(*st->str_size));
		st->str_ids_cap = cap;
	}
	st->str_off[id] = arena_add(st, s, len);
	st->str_size[id] = (uint32_t)len;
	idx_reserve(st, &st->str_idx, str_hash_of);
	idx_put(&st->str_idx, h, id);
	st->nstrs++;
	return id;
}

const char *stacks_str(const struct stacks *st, uint32_t id, size_t *len)
{
	if (id >= st->nstrs)
		PF_BUG("string id out of range");
	if (len)
		*len = st->str_size[id];
	return st->str_arena + st->str_off[id];
}

static bool same_frame(const struct frame *a, const struct frame *b)
{
	return a->file == b->file && a->name == b->name && a->line == b->line &&
	       a->kind == b->kind && a->offset == b->offset;
}

static uint32_t find_frame(const struct stacks *st, const struct frame *key,
			   uint64_t h)
{
	const struct hashidx *x = &st->frame_idx;

	if (!x->slots)
		return NOT_FOUND;
	for (size_t i = h & x->mask; x->slots[i]; i = (i + 1) & x->mask)
		if (same_frame(&st->frames[x->slots[i] - 1], key))
			return x->slots[i] - 1;
	return NOT_FOUND;
}

uint32_t stacks_intern_frame(struct stacks *st, const struct frame *f)
{
	struct frame key = *f;
	uint64_t h;
	uint32_t id;

	if (key.kind != FRAME_NATIVE)
		key.offset = 0;
	h = hash_frame(&key);
	id = find_frame(st, &key, h);
	if (id != NOT_FOUND)
		return id;
	if (key.file >= st->nstrs || key.name >= st->nstrs)
		PF_BUG("frame names an unknown string");
	id = next_id(st->nframes, "too many interned frames");
	XGROW(st->frames, st->frames_cap, st->nframes + 1);
	st->frames[id] = key;
	idx_reserve(st, &st->frame_idx, frame_hash_of);
	idx_put(&st->frame_idx, h, id);
	st->nframes++;
	return id;
}

uint32_t stacks_intern_pyframe(struct stacks *st, uint32_t file, uint32_t name, int32_t line)
{
	const struct frame f = { .file = file, .name = name, .line = line, .kind = FRAME_PYTHON };

	return stacks_intern_frame(st, &f);
}

uint32_t stacks_intern_origin(struct stacks *st, const struct origin *key)
{
	uint64_t h = hash_origin(key);
	const struct hashidx *x = &st->origin_idx;
	uint32_t id;

	for (size_t i = h & x->mask; x->slots && x->slots[i]; i = (i + 1) & x->mask) {
		const struct origin *o = &st->origins[x->slots[i] - 1];

		if (o->pid == key->pid && o->tid == key->tid && o->thread == key->thread &&
		    o->process_root == key->process_root)
			return x->slots[i] - 1;
	}
	id = next_id(st->norigins, "too many origins");
	XGROW(st->origins, st->origins_cap, st->norigins + 1);
	st->origins[id] = *key;
	idx_reserve(st, &st->origin_idx, origin_hash_of);
	idx_put(&st->origin_idx, h, id);
	st->norigins++;
	return id;
}

void stacks_set_origin_label(struct stacks *st, uint32_t origin, uint32_t str)
{
	size_t had = st->origin_labels_cap;

	if (origin >= st->norigins || str >= st->nstrs)
		PF_BUG("origin or string id out of range");
	XGROW(st->origin_labels, st->origin_labels_cap, (size_t)origin + 1);
	memset(st->origin_labels + had, 0, (st->origin_labels_cap - had) * sizeof(uint32_t));
	st->origin_labels[origin] = str + 1;
}

bool stacks_origin_label(const struct stacks *st, uint32_t origin, uint32_t *str)
{
	if (origin >= st->origin_labels_cap || !st->origin_labels[origin])
		return false;
	*str = st->origin_labels[origin] - 1;
	return true;
}

const struct origin *stacks_origin(const struct stacks *st, uint32_t id)
{
	if (id >= st->norigins)
		PF_BUG("origin id out of range");
	return &st->origins[id];
}

const struct frame *stacks_frame(const struct stacks *st, uint32_t id)
{
	if (id >= st->nframes)
		PF_BUG("frame id out of range");
	return &st->frames[id];
}

static uint32_t find_stack(const struct stacks *st, const uint32_t *frames,
			   size_t depth, uint32_t origin, uint64_t h)
{
	const struct hashidx *x = &st->stack_idx;

	if (!x->slots)
		return NOT_FOUND;
	for (size_t i = h & x->mask; x->slots[i]; i = (i + 1) & x->mask) {
		const struct stack *s = &st->stacks[x->slots[i] - 1];

		if (s->hash == h && s->depth == depth && s->origin == origin &&
		    memcmp(st->frame_ids + s->first, frames,
			   depth * sizeof(*frames)) == 0)
			return x->slots[i] - 1;
	}
	return NOT_FOUND;
}

static uint32_t insert_stack(struct stacks *st, const uint32_t *frames,
			     size_t depth, uint32_t origin, uint64_t h)
{
	uint32_t id = next_id(st->nstacks, "too many distinct stacks");
	size_t first = st->frame_ids_len;

	/* stack.first and stack.depth are 32-bit */
	if (depth > (size_t)UINT32_MAX - first)
		PF_BUG("stack frame store over 4 Gi entries");
	for (size_t i = 0; i < depth; i++)
		if (frames[i] >= st->nframes)
			PF_BUG("stack names an unknown frame");
	XGROW(st->frame_ids, st->frame_ids_cap, first + depth);
	memcpy(st->frame_ids + first, frames, depth * sizeof(*frames));
	st->frame_ids_len = first + depth;
	XGROW(st->stacks, st->stacks_cap, st->nstacks + 1);
	st->stacks[id] = (struct stack){
		.first = (uint32_t)first, .depth = (uint32_t)depth, .origin = origin, .hash = h,
	};
	idx_reserve(st, &st->stack_idx, stack_hash_of);
	idx_put(&st->stack_idx, h, id);
	st->nstacks++;
	return id;
}

static void add_event(struct stacks *st, uint64_t ts_us, uint32_t stack)
{
	if (!st->keep_events)
		return;
	XGROW(st->events, st->events_cap, st->nevents + 1);
	st->events[st->nevents++] = (struct chart_event){ ts_us, stack };
}

uint32_t stacks_add(struct stacks *st, const uint32_t *frames, size_t depth, uint32_t origin,
		    uint64_t count, uint64_t ts_us)
{
	uint64_t h;
	uint32_t id;

	if (depth == 0)
		PF_BUG("empty stack");
	if (origin >= st->norigins)
		PF_BUG("stack from an unknown origin");
	h = hash_ids(frames, depth) ^ mix64(origin + 1);
	id = find_stack(st, frames, depth, origin, h);
	if (id == NOT_FOUND)
		id = insert_stack(st, frames, depth, origin, h);
	st->stacks[id].count += count;
	add_event(st, ts_us, id);
	return id;
}

void stacks_add_idle(struct stacks *st, uint64_t ts_us)
{
	st->idle++;
	add_event(st, ts_us, STACK_IDLE);
}

void stacks_add_failed(struct stacks *st, uint64_t ts_us)
{
	st->failed++;
	add_event(st, ts_us, STACK_FAILED);
}

const uint32_t *stacks_frames(const struct stacks *st, uint32_t id, size_t *depth)
{
	if (id >= st->nstacks)
		PF_BUG("stack id out of range");
	*depth = st->stacks[id].depth;
	return st->frame_ids + st->stacks[id].first;
}
