/* SPDX-License-Identifier: Apache-2.0 */
/*
 * calltree.h - stacks merged root first into a tree of calls, each node
 * with its own (self) and inclusive (total) sample counts. The flame graph
 * is drawn from it; a live view can read it the same way. Pure: it knows
 * frames only as uint32_t keys chosen by the caller (frame ids, render
 * keys, or markers such as STACK_IDLE).
 *
 * Node 0 is the root (all samples; its key is CALLTREE_ROOT). A node's
 * children are a list through `child` and `next`, newest first until
 * calltree_sort() orders them. Node ids stay valid until release.
 */
#ifndef PF_CALLTREE_H
#define PF_CALLTREE_H

#include "compat.h"

#define CALLTREE_NONE UINT32_MAX
#define CALLTREE_ROOT (UINT32_MAX - 2)

struct calltree_node {
	uint32_t key;		/* the frame, as the caller keys frames */
	uint32_t parent;	/* CALLTREE_NONE for the root */
	uint32_t child;		/* first child, or CALLTREE_NONE */
	uint32_t next;		/* next sibling, or CALLTREE_NONE */
	uint32_t depth;		/* 0 for the root */
	uint64_t self;		/* samples whose stack ends here */
	uint64_t total;		/* samples whose stack passes through here */
};

struct calltree_slot {
	uint32_t parent, key;
	uint32_t id;		/* node id + 1; 0 = empty */
};

struct calltree {
	struct calltree_node *nodes;
	size_t n, cap;
	struct calltree_slot *slots;	/* (parent, key) -> node, probed linearly */
	size_t mask;		/* slots - 1, a power of two minus one */
};

/* calltree_init - an empty tree: the root alone, with no samples. */
void calltree_init(struct calltree *t);
void calltree_release(struct calltree *t);

/*
 * calltree_add - count `count` samples of the stack keys[0..depth), given
 * LEAF FIRST (as struct stacks stores them); depth 0 counts at the root.
 * Returns the id of the node the stack ends at. O(depth).
 */
uint32_t calltree_add(struct calltree *t, const uint32_t *keys, size_t depth, uint64_t count);

/* One stack for calltree_build(): keys[0..depth) LEAF FIRST, and its samples. */
struct calltree_stack {
	const uint32_t *keys;
	size_t depth;
	uint64_t count;
};

/*
 * calltree_build - add the n stacks v[0..n) at once (the tree may hold
 * others already; v is reordered), making only the nodes whose total is at
 * least `min`: the samples of a narrower node count in its callers' totals
 * and nowhere below. Sorts the stacks and walks them as runs of common
 * callers, so it hashes only the nodes it keeps: O(n log n) comparisons
 * plus the depth of the kept nodes, however many nodes are merged away.
 * Returns the nodes made.
 */
size_t calltree_build(struct calltree *t, struct calltree_stack *v, size_t n, uint64_t min);

/* calltree_child - the child of `node` with `key`, or CALLTREE_NONE. */
uint32_t calltree_child(const struct calltree *t, uint32_t node, uint32_t key);

/*
 * calltree_sort - order every node's children by `cmp` on their keys
 * (negative, zero, positive as for qsort; `ctx` is passed through).
 */
void calltree_sort(struct calltree *t, int (*cmp)(uint32_t a, uint32_t b, void *ctx), void *ctx);

#endif
