/* SPDX-License-Identifier: Apache-2.0 */
/*
 * elf.h - a bounds-checked ELF64 (little-endian x86_64) reader.
 *
 * The reader pulls bytes through a callback, so the same code parses a file
 * (pread with a size limit) or a buffer (tests, fuzzing). Nothing from the
 * file is trusted: every offset, size and index is checked against the file
 * size and sane limits before use. Only what is needed is read: the headers,
 * the section names, and a symbol table when a look-up asks for it.
 */
#ifndef PF_ELF_H
#define PF_ELF_H

#include "compat.h"

/* read len bytes at off into buf; 0 or a negative PF_E* code */
typedef int (*elf_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);

struct elf_symtab {
	bool loaded;
	uint8_t *syms;		/* raw Elf64_Sym array, owned */
	size_t nsyms;
	char *strs;		/* string table, owned, NUL-terminated copy */
	size_t strs_len;
};

struct elf {
	elf_read_fn read;
	void *ctx;
	uint64_t size;		/* file size: no read may pass it */
	int fd;			/* for elf_open_fd(); -1 otherwise */
	const uint8_t *mem;	/* for elf_open_mem(); NULL otherwise */

	uint16_t type;		/* e_type: ET_EXEC, ET_DYN, ... */
	uint8_t *phdrs;		/* raw Elf64_Phdr array, owned */
	size_t phnum;
	uint8_t *shdrs;		/* raw Elf64_Shdr array, owned; may be empty */
	size_t shnum;
	char *shstrtab;		/* section-name table, owned */
	size_t shstrtab_len;
	struct elf_symtab dynsym, symtab;
};

/* Limits that keep a hostile file from costing much. */
#define ELF_MAX_FILE (1ULL << 31)	/* 2 GiB */
#define ELF_MAX_TABLE (256u << 20)	/* one symbol or string table */
#define ELF_MAX_HEADERS 65535

/*
 * Open over an fd (not closed by elf_release; pread is used, the file size
 * comes from fstat) or a buffer (borrowed; must outlive the struct).
 * Checks the magic, ELFCLASS64, little-endian, EM_X86_64, the program and
 * section header tables, that every PT_LOAD's file bytes lie in the file,
 * and loads the section-name table. The struct holds no pointer to itself,
 * so it may be moved (e.g. inside a growing array) after opening.
 * Returns 0, -PF_EFORMAT with a detail ("not an ELF file", ...), -PF_ELIMIT
 * (file or a table over the limits above), or for an fd the code of a
 * failed fstat or pread. On failure the struct is left released.
 */
int elf_open_fd(struct elf *e, int fd);
int elf_open_mem(struct elf *e, const void *buf, size_t len);
/* Free what an opened struct holds (whether or not the open succeeded). */
void elf_release(struct elf *e);

/*
 * elf_load_vaddr - p_vaddr of the PT_LOAD whose p_offset is 0, rounded down
 * to 4 KiB. For ET_DYN objects, bias = (start of the offset-0 mapping) -
 * this value. Returns 0 or -PF_ENOENT.
 */
int elf_load_vaddr(const struct elf *e, uint64_t *vaddr);

/*
 * elf_symbol - value (st_value) and size of the defined symbol `name`,
 * searched in .dynsym and then .symtab (tables loaded on first use; the
 * first defined match wins). Undefined symbols (SHN_UNDEF) and names not
 * NUL-terminated inside their string table do not count. `value` or `size`
 * may be NULL. Returns 0, -PF_ENOENT, or -PF_EFORMAT/-PF_ELIMIT if a table
 * that had to be searched is malformed (a bad entry size, a string-table
 * link out of range, bytes past the end of the file, ...).
 */
int elf_symbol(struct elf *e, const char *name, uint64_t *value, uint64_t *size);

/*
 * The section `name`: its address, file offset and size (each may be NULL).
 * 0, -PF_ENOENT, or -PF_EFORMAT if its bytes (not SHT_NOBITS) pass the end
 * of the file.
 */
int elf_section(const struct elf *e, const char *name, uint64_t *addr,
		uint64_t *offset, uint64_t *size);

/* Copy file bytes [off, off+len) (bounds-checked against the file):
 * 0, -PF_EFORMAT past the end, or the code of a failed read. */
int elf_read(const struct elf *e, uint64_t off, void *buf, size_t len);

/*
 * elf_vaddr_to_offset - file offset of virtual address `vaddr` through the
 * PT_LOAD that covers it with file bytes. 0 or -PF_ENOENT.
 */
int elf_vaddr_to_offset(const struct elf *e, uint64_t vaddr, uint64_t *offset);

#endif
