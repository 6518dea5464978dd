/* SPDX-License-Identifier: Apache-2.0 */
/*
 * elf-fixture.c - an executable of known shape for test-elf, linked as PIE
 * and as non-PIE. With the argument "addresses" it prints the run-time
 * addresses of its symbols and its load bias, then waits for stdin to close.
 */
#include "compat.h"

#include <inttypes.h>
#include <link.h>
#include <stdio.h>
#include <string.h>

/* Exported (-rdynamic puts them in .dynsym); test-elf checks these values. */
const uint32_t pf_fixture_version = 0x030b07f0;
uint64_t pf_fixture_data = 0x1122334455667788;
char pf_fixture_bss[64];
int pf_fixture_func(int x);

/* File-local: only in .symtab. */
static int pf_fixture_local = 7;

int pf_fixture_func(int x)
{
	pf_fixture_bss[x & 63]++;
	return x * 2 + pf_fixture_local;
}

/* The first object reported is the program itself; its dlpi_addr is the bias. */
static int first_bias(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t *bias = data;

	(void)size;
	*bias = (uintptr_t)info->dlpi_addr;
	return 1;
}

static void show(const char *name, uintptr_t addr)
{
	printf("%s %#jx\n", name, (uintmax_t)addr);
}

int main(int argc, char **argv)
{
	uintptr_t bias = 0;

	if (argc < 2 || strcmp(argv[1], "addresses") != 0)
		return pf_fixture_func(argc) == 0;
	dl_iterate_phdr(first_bias, &bias);
	show("pf_fixture_version", (uintptr_t)&pf_fixture_version);
	show("pf_fixture_data", (uintptr_t)&pf_fixture_data);
	show("pf_fixture_bss", (uintptr_t)pf_fixture_bss);
	show("pf_fixture_func", (uintptr_t)&pf_fixture_func);
	show("pf_fixture_local", (uintptr_t)&pf_fixture_local);
	show("main", (uintptr_t)&main);
	show("bias", bias);
	printf("end\n");
	fflush(stdout);
	while (getchar() != EOF)
		;
	return 0;
}
