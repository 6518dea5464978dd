/* SPDX-License-Identifier: Apache-2.0 */
/* test-calltree.c - stacks merged into a call tree: shape, counts, order. */
#include "compat.h"

#include <stdlib.h>

#include "calltree.h"
#include "tap.h"

/* Keys are letters here; stacks are given root first, as text. */
static uint32_t add(struct calltree *t, const char *root_first, uint64_t count)
{
	uint32_t keys[64];
	size_t n = 0;

	for (const char *s = root_first; *s; s++)
		n++;
	for (size_t i = 0; i < n; i++)
		keys[i] = (uint32_t)root_first[n - 1 - i];	/* leaf first */
	return calltree_add(t, keys, n, count);
}

/* The node reached from the root through `path` (root first). */
static const struct calltree_node *at(const struct calltree *t, const char *path)
{
	uint32_t node = 0;

	for (; *path && node != CALLTREE_NONE; path++)
		node = calltree_child(t, node, (uint32_t)*path);
	return node == CALLTREE_NONE ? NULL : &t->nodes[node];
}

static bool counts(const struct calltree *t, const char *path, uint64_t self, uint64_t total)
{
	const struct calltree_node *n = at(t, path);

	return n && n->self == self && n->total == total;
}

static int by_key_desc(uint32_t a, uint32_t b, void *ctx)
{
	(void)ctx;
	return (a < b) - (a > b);
}

static void test_counts(void)
{
	struct calltree t;

	calltree_init(&t);
	ok(t.n == 1 && t.nodes[0].key == CALLTREE_ROOT && t.nodes[0].total == 0, "a root alone");
	add(&t, "mab", 3);
	add(&t, "ma", 2);
	add(&t, "mac", 1);
	add(&t, "mb", 4);
	add(&t, "mab", 5);
	ok(t.nodes[0].total == 15 && t.nodes[0].self == 0, "the root counts every sample");
	ok(counts(&t, "m", 0, 15), "m: all of them, none its own");
	ok(counts(&t, "ma", 2, 11), "m;a: 2 own, 11 in all");
	ok(counts(&t, "mab", 8, 8), "m;a;b merged from two adds");
	ok(counts(&t, "mb", 4, 4) && counts(&t, "mac", 1, 1), "m;b apart from m;a;b");
	ok(t.n == 6, "one node per distinct path (%zu)", t.n);
	ok(at(&t, "mab")->depth == 3 && at(&t, "m")->depth == 1, "depths from the root");
	ok(calltree_add(&t, NULL, 0, 7) == 0 && t.nodes[0].self == 7 && t.nodes[0].total == 22,
	   "an empty stack counts at the root");
	calltree_release(&t);
}

static void test_order(void)
{
	struct calltree t;
	uint32_t k;
	char got[8];
	size_t n = 0;

	calltree_init(&t);
	add(&t, "b", 1);
	add(&t, "d", 1);
	add(&t, "a", 1);
	add(&t, "c", 1);
	calltree_sort(&t, by_key_desc, NULL);
	for (k = t.nodes[0].child; k != CALLTREE_NONE && n < 7; k = t.nodes[k].next)
		got[n++] = (char)t.nodes[k].key;
	got[n] = '\0';
	ok(n == 4 && got[0] == 'd' && got[1] == 'c' && got[2] == 'b' && got[3] == 'a',
	   "children in the comparator's order (%s)", got);
	calltree_release(&t);
}

/* Many nodes: the index grows, and every path is found again. */
static void test_growth(void)
{
	struct calltree t;
	char path[4] = { 0 };
	bool all = true;

	calltree_init(&t);
	for (int i = 0; i < 26 * 26; i++) {
		path[0] = 'r';
		path[1] = (char)('a' + i / 26);
		path[2] = (char)('a' + i % 26);
		add(&t, path, (uint64_t)i + 1);
	}
	for (int i = 0; i < 26 * 26 && all; i++) {
		path[1] = (char)('a' + i / 26);
		path[2] = (char)('a' + i % 26);
		all = counts(&t, path, (uint64_t)i + 1, (uint64_t)i + 1);
	}
	ok(all && t.n == 1 + 1 + 26 + 26 * 26, "703 nodes, each found with its count");
	calltree_release(&t);
}

/* Stacks as root-first strings for calltree_build (keys reversed in place). */
static struct calltree_stack bulk(uint32_t *keys, const char *root_first, uint64_t count)
{
	size_t n = 0;

	for (const char *p = root_first; *p; p++)
		n++;
	for (size_t i = 0; i < n; i++)
		keys[i] = (uint32_t)root_first[n - 1 - i];
	return (struct calltree_stack){ keys, n, count };
}

static void test_build(void)
{
	static const char *const paths[] = { "mab", "ma", "mac", "mb", "mab", "x" };
	static const uint64_t ns[] = { 3, 2, 1, 4, 5, 1 };
	uint32_t keys[6][8];
	struct calltree_stack v[6];
	struct calltree t;

	for (size_t i = 0; i < 6; i++)
		v[i] = bulk(keys[i], paths[i], ns[i]);
	calltree_init(&t);
	ok(calltree_build(&t, v, 6, 1) == 6, "min 1: every node made (m a b c b x)");
	ok(t.nodes[0].total == 16 && counts(&t, "m", 0, 15) && counts(&t, "ma", 2, 11) &&
	   counts(&t, "mab", 8, 8) && counts(&t, "mac", 1, 1) && counts(&t, "mb", 4, 4) &&
	   counts(&t, "x", 1, 1), "the same counts as calltree_add gives");
	calltree_release(&t);
	for (size_t i = 0; i < 6; i++)
		v[i] = bulk(keys[i], paths[i], ns[i]);
	calltree_init(&t);
	ok(calltree_build(&t, v, 6, 4) == 4, "min 4: m, m;a, m;a;b, m;b made");
	ok(counts(&t, "ma", 2, 11) && !at(&t, "mac") && !at(&t, "x") && t.nodes[0].total == 16,
	   "narrower nodes merged away, their samples still in their callers' totals");
	calltree_release(&t);
}

int main(void)
{
	test_build();
	test_counts();
	test_order();
	test_growth();
	return done_testing();
}
