/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-pyops.c - every listed calling opcode is recognised where its
 * version's pointer stands after it, and nothing else is: not the bytes
 * outside the code, not a return or a yield, nothing before 3.11.
 */
#include "compat.h"

#include <string.h>

#include "pyops.h"
#include "tap.h"

struct check {
	enum pyops_set set;
	size_t n, found;
};

/* A window with `op` `back` code units before the pointer. */
static void put_op(uint8_t win[PYOPS_WINDOW], uint8_t op, unsigned back)
{
	memset(win, 0, PYOPS_WINDOW);
	win[PYOPS_BACK - 2 * back] = op;
}

static void found(const struct pyop *op, unsigned back, void *arg)
{
	struct check *c = arg;
	uint8_t win[PYOPS_WINDOW];

	put_op(win, op->code, back);
	c->n++;
	c->found += pyops_calling(c->set, win);
}

/* Opcodes that leave a frame, per set: never a caller's. */
static const uint8_t leaving[][4] = {
	[OPS_311] = { 83, 86, 75, 0 },		/* RETURN_VALUE, YIELD_VALUE, RETURN_GENERATOR */
	[OPS_312] = { 83, 121, 150, 75 },	/* RETURN_VALUE, RETURN_CONST, YIELD_VALUE, RETURN_GENERATOR */
	[OPS_313] = { 36, 103, 118, 35 },	/* RETURN_VALUE, RETURN_CONST, YIELD_VALUE, RETURN_GENERATOR */
	[OPS_314] = { 35, 120, 34, 0 },		/* RETURN_VALUE, YIELD_VALUE, RETURN_GENERATOR */
	[OPS_315] = { 33, 119, 32, 0 },
};

static void test_set(enum pyops_set set, const char *name)
{
	struct check c = { set, 0, 0 };
	uint8_t win[PYOPS_WINDOW] = { 0 };
	bool none = true;

	pyops_each(set, found, &c);
	ok(c.n > 0 && c.found == c.n, "%s: all %zu calling opcodes recognised", name, c.n);
	ok(!pyops_calling(set, win), "%s: zeros outside the code are not a call", name);
	for (unsigned back = 0; back <= PYOPS_BACK / 2; back++)
		for (size_t i = 0; i < 4 && leaving[set][i]; i++) {
			put_op(win, leaving[set][i], back);
			none = none && !pyops_calling(set, win);
		}
	ok(none, "%s: a return or a yield is no call, wherever it stands", name);
}

int main(void)
{
	uint8_t win[PYOPS_WINDOW];

	memset(win, 0xab, sizeof win);
	ok(!pyops_calling(OPS_NONE, win) && pyops_each(OPS_NONE, NULL, NULL) == 0,
	   "before 3.11: no calling opcodes");
	test_set(OPS_311, "3.11");
	test_set(OPS_312, "3.12");
	test_set(OPS_313, "3.13");
	test_set(OPS_314, "3.14");
	test_set(OPS_315, "3.15");
	return done_testing();
}
