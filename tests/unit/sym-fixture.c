/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sym-fixture.c - an executable of known functions for test-symbols, built
 * as is (.symtab), stripped (.dynsym only), with MiniDebugInfo
 * (.gnu_debugdata) and with a .gnu_debuglink to a separate debug file.
 * The hand-written functions have exact bounds: pf_outer holds pf_inner,
 * and pf_nosize, right after pf_outer, has no size.
 */
#include "compat.h"

int pf_exported(int x);
int pf_exported_twin(int x);

/* only in .symtab: file-local */
__attribute__((noinline)) static int pf_local(int x)
{
	return x * 3 + 1;
}

/* in .dynsym too (-rdynamic) */
__attribute__((noinline)) int pf_exported(int x)
{
	return pf_local(x) + 2;
}

/* an alias: same address and size, another name */
int pf_exported_twin(int x) __attribute__((alias("pf_exported")));

/*
 * pf_outer: 6 bytes; pf_inner: its bytes 1-3; pf_nosize: no size, at the
 * byte right after pf_outer. Never called.
 */
__asm__(".text\n"
	".globl pf_outer\n.type pf_outer, @function\n"
	"pf_outer:\n\tnop\n"
	".globl pf_inner\n.type pf_inner, @function\n"
	"pf_inner:\n\tnop\n\tnop\n\tret\n"
	".size pf_inner, . - pf_inner\n"
	"\tnop\n\tret\n"
	".size pf_outer, . - pf_outer\n"
	".globl pf_nosize\n.type pf_nosize, @function\n"
	"pf_nosize:\n\tnop\n\tret\n");

int main(int argc, char **argv)
{
	(void)argv;
	return pf_exported(argc) == 0;
}
