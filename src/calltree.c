/* SPDX-License-Identifier: Apache-2.0 */
/* calltree.c - stacks merged into a tree of calls with self and total counts. */
#include "compat.h"

#include <stdlib.h>

#include "calltree.h"
#include "err.h"
#include "xalloc.h"

/* splitmix64's finalizer: every bit of (parent, key) reaches the low bits. */
static size_t slot_of(const struct calltree *t, uint32_t parent, uint32_t key)
{
	uint64_t h = (uint64_t)parent << 32 | key;

	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	return (size_t)(h ^ (h >> 31)) & t->mask;
}

/* The slot that holds (parent, key), or the empty slot where it would go. */
static size_t find_slot(const struct calltree *t, uint32_t parent, uint32_t key)
{
	size_t i = slot_of(t, parent, key);

	for (;; i = (i + 1) & t->mask) {
		const struct calltree_slot *sl = &t->slots[i];

		if (!sl->id || (sl->parent == parent && sl->key == key))
			return i;
	}
}

/* Keep the table at most half full. */
static void grow_slots(struct calltree *t)
{
	free(t->slots);
	t->mask = t->mask * 2 + 1;
	t->slots = xcalloc(t->mask + 1, sizeof(*t->slots));
	for (uint32_t id = 1; id < t->n; id++) {
		const struct calltree_node *n = &t->nodes[id];

		t->slots[find_slot(t, n->parent, n->key)] = (struct calltree_slot){ n->parent, n->key,
										    id + 1 };
	}
}

static uint32_t new_node(struct calltree *t, uint32_t parent, uint32_t key)
{
	struct calltree_node *n;
	uint32_t id;

	if (t->n >= CALLTREE_ROOT)
		PF_BUG("call tree too large");
	XGROW(t->nodes, t->cap, t->n + 1);
	id = (uint32_t)t->n++;
	n = &t->nodes[id];
	*n = (struct calltree_node){ key, parent, CALLTREE_NONE, CALLTREE_NONE, 0, 0, 0 };
	if (parent != CALLTREE_NONE) {
		struct calltree_node *p = &t->nodes[parent];

		n->depth = p->depth + 1;
		n->next = p->child;
		p->child = id;
	}
	return id;
}

void calltree_init(struct calltree *t)
{
	*t = (struct calltree){ .mask = 63 };
	t->slots = xcalloc(t->mask + 1, sizeof(*t->slots));
	new_node(t, CALLTREE_NONE, CALLTREE_ROOT);
}

void calltree_release(struct calltree *t)
{
	free(t->nodes);
	free(t->slots);
	*t = (struct calltree){ .nodes = NULL };
}

uint32_t calltree_child(const struct calltree *t, uint32_t node, uint32_t key)
{
	size_t i = find_slot(t, node, key);

	return t->slots[i].id ? t->slots[i].id - 1 : CALLTREE_NONE;
}

static uint32_t child_or_new(struct calltree *t, uint32_t node, uint32_t key)
{
	size_t i = find_slot(t, node, key);
	uint32_t id;

	if (t->slots[i].id)
		return t->slots[i].id - 1;
	id = new_node(t, node, key);
	t->slots[i] = (struct calltree_slot){ node, key, id + 1 };
	if (2 * t->n > t->mask)
		grow_slots(t);
	return id;
}

uint32_t calltree_add(struct calltree *t, const uint32_t *keys, size_t depth, uint64_t count)
{
	uint32_t node = 0;

	t->nodes[0].total += count;
	for (size_t i = depth; i-- > 0;) {
		node = child_or_new(t, node, keys[i]);
		t->nodes[node].total += count;
	}
	t->nodes[node].self += count;
	return node;
}

/* Root-first key `d` of a stack (d < depth). */
static uint32_t key_at(const struct calltree_stack *s, size_t d)
{
	return s->keys[s->depth - 1 - d];
}

/* Stacks in root-first lexicographic order of their keys; a stack that is
 * a prefix of another comes first. */
static int by_path(const void *pa, const void *pb)
{
	const struct calltree_stack *a = pa, *b = pb;
	size_t n = a->depth < b->depth ? a->depth : b->depth;

	for (size_t d = 0; d < n; d++) {
		uint32_t x = key_at(a, d), y = key_at(b, d);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return (a->depth > b->depth) - (a->depth < b->depth);
}

/* A range of sorted stacks sharing their first `d` keys, under `node`. */
struct span_work {
	uint32_t node;
	size_t lo, hi, d;
};

/* Split v[w.lo, w.hi) by key d; make and queue the runs wide enough. */
static void build_level(struct calltree *t, struct calltree_stack *v, struct span_work w,
			uint64_t min, struct span_work **todo, size_t *ntodo, size_t *cap)
{
	size_t i = w.lo;

	for (; i < w.hi && v[i].depth == w.d; i++)
		t->nodes[w.node].self += v[i].count;	/* stacks that end here */
	while (i < w.hi) {
		uint32_t key = key_at(&v[i], w.d), id;
		uint64_t total = 0;
		size_t j = i;

		for (; j < w.hi && key_at(&v[j], w.d) == key; j++)
			total += v[j].count;
		if (total >= min) {
			id = child_or_new(t, w.node, key);
			t->nodes[id].total += total;
			XGROW(*todo, *cap, *ntodo + 1);
			(*todo)[(*ntodo)++] = (struct span_work){ id, i, j, w.d + 1 };
		}
		i = j;
	}
}

size_t calltree_build(struct calltree *t, struct calltree_stack *v, size_t n, uint64_t min)
{
	struct span_work *todo = NULL;
	size_t ntodo = 0, cap = 0, before = t->n;

	qsort(v, n, sizeof(*v), by_path);
	for (size_t i = 0; i < n; i++)
		t->nodes[0].total += v[i].count;
	XGROW(todo, cap, 1);
	todo[ntodo++] = (struct span_work){ 0, 0, n, 0 };
	while (ntodo) {
		struct span_work w = todo[--ntodo];

		build_level(t, v, w, min, &todo, &ntodo, &cap);
	}
	free(todo);
	return t->n - before;
}

struct sort_ctx {
	const struct calltree *t;
	int (*cmp)(uint32_t a, uint32_t b, void *ctx);
	void *ctx;
};

static int by_key(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *s = arg;

	return s->cmp(s->t->nodes[*(const uint32_t *)a].key,
		      s->t->nodes[*(const uint32_t *)b].key, s->ctx);
}

void calltree_sort(struct calltree *t, int (*cmp)(uint32_t a, uint32_t b, void *ctx), void *ctx)
{
	struct sort_ctx s = { t, cmp, ctx };
	uint32_t *kids = NULL;
	size_t cap = 0;

	for (size_t id = 0; id < t->n; id++) {
		size_t k = 0;

		for (uint32_t c = t->nodes[id].child; c != CALLTREE_NONE; c = t->nodes[c].next) {
			XGROW(kids, cap, k + 1);
			kids[k++] = c;
		}
		if (k > 1)
			qsort_r(kids, k, sizeof(*kids), by_key, &s);
		for (size_t i = k; i-- > 0;) {
			t->nodes[kids[i]].next = i + 1 < k ? kids[i + 1] : CALLTREE_NONE;
		}
		if (k)
			t->nodes[id].child = kids[0];
	}
	free(kids);
}
