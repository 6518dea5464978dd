/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-symbols.c - what naming native frames reads from an ELF file, over
 * arbitrary bytes: the function table (.symtab, .dynsym) and look-ups in
 * it, the build-id and .gnu_debuglink, MiniDebugInfo (.gnu_debugdata
 * decompressed, bounded, and its own table), the .eh_frame_hdr, and the
 * jump scan over a function's code. The first input byte picks whether
 * the rest is also parsed as a bare .eh_frame_hdr.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "elf.h"
#include "err.h"
#include "symbols.h"
#include "xz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MINI_MAX (1u << 20)	/* small bounds: a fuzzer must not allocate much */

/* Every answer must lie inside the function it names. */
static void lookups(const struct symbols *s)
{
	for (size_t i = 0; i < s->n && i < 64; i++) {
		const struct symbol *sym = &s->syms[i];
		uint64_t probes[] = { sym->value, sym->value + sym->size - 1, sym->value + sym->size,
				      sym->value - 1 };

		for (size_t k = 0; k < PF_ARRAY_SIZE(probes); k++) {
			uint64_t off, value, fsize;
			const char *name = symbols_lookup(s, probes[k], &off);

			if (!name)
				continue;
			if (symbols_find(s, name, &value, &fsize) < 0)
				PF_BUG("a name the table does not hold");
		}
	}
}

static void minidebug(struct elf *e, struct symbols *s)
{
	uint8_t *xz, *raw;
	size_t xzlen, rawlen;
	struct elf inner;

	if (elf_section_copy(e, ".gnu_debugdata", MINI_MAX, &xz, &xzlen) < 0)
		return;
	if (xz_decode(xz, xzlen, MINI_MAX, &raw, &rawlen) == 0) {
		if (rawlen > MINI_MAX)
			PF_BUG("xz_decode passed its bound");
		if (elf_open_mem(&inner, raw, rawlen) == 0) {
			symbols_add(s, &inner, false, SYMBOLS_MINIDEBUG);
			elf_release(&inner);
		}
		free(raw);
	}
	free(xz);
}

static void tables(struct elf *e)
{
	uint8_t id[ELF_BUILD_ID_MAX], targets_code[256];
	uint64_t vaddr, hsize, off, targets[64];
	struct elf_ehhdr eh;
	char name[256];
	uint32_t crc;
	size_t len;

	elf_build_id(e, id, &len);
	elf_debuglink(e, name, sizeof name, &crc);
	if (elf_eh_frame_hdr(e, &vaddr, &hsize) == 0 && elf_vaddr_to_offset(e, vaddr, &off) == 0 &&
	    hsize <= 4096) {
		uint8_t hdr[4096];

		if (elf_read(e, off, hdr, (size_t)hsize) == 0)
			elf_ehhdr_parse(hdr, (size_t)hsize, vaddr, &eh);
	}
	if (elf_exec_range(e, &vaddr, &hsize) == 0 && elf_vaddr_to_offset(e, vaddr, &off) == 0 &&
	    elf_read(e, off, targets_code, sizeof targets_code) == 0)
		arch_branch_targets(targets_code, sizeof targets_code, vaddr, targets,
				    PF_ARRAY_SIZE(targets));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct symbols s;
	struct elf_ehhdr eh;
	struct elf e;

	if (size == 0)
		return 0;
	if (data[0] & 1)
		elf_ehhdr_parse(data + 1, size - 1, 0x400000, &eh);
	if (elf_open_mem(&e, data + 1, size - 1) < 0)
		return 0;
	symbols_init(&s);
	symbols_add(&s, &e, false, SYMBOLS_SYMTAB);
	minidebug(&e, &s);
	symbols_add(&s, &e, true, SYMBOLS_DYNSYM);
	symbols_finish(&s);
	lookups(&s);
	tables(&e);
	symbols_release(&s);
	elf_release(&e);
	return 0;
}
