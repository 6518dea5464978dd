/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-elf.c - the ELF reader over arbitrary bytes: open, then the look-ups
 * the locator makes (symbols, sections, the load address, address to offset).
 */
#include "compat.h"

#include "elf.h"
#include "err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const symbols[] = {
	"PyInterpreterState_Head", "_PyRuntime", "Py_Version", "PyCode_Type",
	"pf_fixture_version", "pf_fixture_local", "main", "",
};
static const char *const sections[] = { ".dynamic", ".rodata", ".PyRuntime", ".bss", "" };

/* Read up to 64 bytes at `off`, as the locator reads code and data. */
static void peek(const struct elf *e, uint64_t off, uint64_t len)
{
	uint8_t buf[64];
	int rc = elf_read(e, off, buf, len < sizeof buf ? (size_t)len : sizeof buf);

	if (rc != 0 && rc != -PF_EFORMAT)
		PF_BUG("elf_read: unexpected code");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf e;
	uint64_t v, len, off;

	if (elf_open_mem(&e, data, size) < 0)
		return 0;
	elf_load_vaddr(&e, &v);
	for (size_t i = 0; i < PF_ARRAY_SIZE(symbols); i++) {
		if (elf_symbol(&e, symbols[i], &v, &len) < 0 || elf_vaddr_to_offset(&e, v, &off) < 0)
			continue;
		if (off >= size)
			PF_BUG("elf_vaddr_to_offset: offset past the end of the file");
		peek(&e, off, len);
	}
	for (size_t i = 0; i < PF_ARRAY_SIZE(sections); i++)
		if (elf_section(&e, sections[i], &v, &off, &len) == 0)
			peek(&e, off, len);
	elf_release(&e);
	return 0;
}
