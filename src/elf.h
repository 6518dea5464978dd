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

#include <elf.h>		/* Elf64_Sym; -iquote keeps this the system one */

/* read len bytes at off into buf; 0 or a negative PF_E* code */
typedef int (*elf_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);

struct elf_symtab {
	bool loaded;
	bool borrowed;		/* syms and strs point into elf.mem, not owned */
	uint8_t *syms;		/* raw Elf64_Sym array, owned unless borrowed */
	size_t nsyms;
	char *strs;		/* string table, owned unless borrowed; names
				 * are NUL-terminated inside strs_len */
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
 * comes from fstat) or a buffer (borrowed; must outlive the struct; symbol
 * tables are then used in place, not copied).
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

/* ------------------------------------------------ symbols for naming */

/*
 * elf_symtab_load - the file's .dynsym (`dynamic`) or .symtab, loaded once
 * (owned by `e`). A missing table loads as empty (nsyms 0). Returns 0, or
 * -PF_EFORMAT / -PF_ELIMIT as elf_symbol() does.
 */
int elf_symtab_load(struct elf *e, bool dynamic, const struct elf_symtab **out);

/* Free both loaded symbol tables (they load again on next use). */
void elf_symtab_drop(struct elf *e);

/* Entry `i` (< t->nsyms) of a loaded table, copied out. */
void elf_symtab_entry(const struct elf_symtab *t, size_t i, Elf64_Sym *out);

/* The name at `st_name`, or NULL unless NUL-terminated inside the table. */
const char *elf_symtab_name(const struct elf_symtab *t, uint32_t st_name);

/*
 * elf_section_copy - the bytes of section `name` in a new buffer (*buf,
 * caller frees; NULL on failure), at most `max` bytes. Returns 0, -PF_ENOENT
 * (no such section, or it has no bytes in the file), -PF_ELIMIT (larger than
 * max), -PF_EFORMAT, or the code of a failed read.
 */
int elf_section_copy(const struct elf *e, const char *name, size_t max,
		     uint8_t **buf, size_t *len);

#define ELF_BUILD_ID_MAX 64

/*
 * elf_build_id - the GNU build-id (NT_GNU_BUILD_ID, owner "GNU") from the
 * PT_NOTE segments, else the SHT_NOTE sections: its bytes in id[0..*len),
 * 1 to ELF_BUILD_ID_MAX of them. 0, -PF_ENOENT, -PF_EFORMAT.
 */
int elf_build_id(const struct elf *e, uint8_t *id, size_t *len);

/*
 * elf_debuglink - the .gnu_debuglink section: the debug file's name (a
 * NUL-terminated file name with no '/', copied into name[0..cap)) and the
 * CRC-32 of that file, stored at the next multiple of 4. 0, -PF_ENOENT,
 * -PF_EFORMAT (no NUL, a '/', an empty name, no room for the CRC),
 * -PF_ELIMIT (name longer than cap - 1).
 */
int elf_debuglink(const struct elf *e, char *name, size_t cap, uint32_t *crc);

/* ---------------------------------------------------- unwind tables */

/*
 * elf_exec_range - the lowest and highest (exclusive) virtual address of
 * the executable PT_LOAD segments. 0 or -PF_ENOENT.
 */
int elf_exec_range(const struct elf *e, uint64_t *lo, uint64_t *hi);

/* The PT_GNU_EH_FRAME segment (.eh_frame_hdr): address and size in file.
 * 0 or -PF_ENOENT. */
int elf_eh_frame_hdr(const struct elf *e, uint64_t *vaddr, uint64_t *size);

/* What libunwind's remote table search needs from an .eh_frame_hdr. */
struct elf_ehhdr {
	uint64_t eh_frame;	/* address of .eh_frame */
	uint64_t table;		/* address of the sorted (ip, fde) table */
	uint64_t fde_count;	/* its entries, 8 bytes each */
};

/*
 * elf_ehhdr_parse - pure: decode an .eh_frame_hdr held in buf[0..len) that
 * is loaded at `vaddr`. Version 1; eh_frame_ptr and fde_count in any
 * fixed-size DW_EH_PE encoding (absolute, pc- or data-relative); the table
 * must be DW_EH_PE_datarel|DW_EH_PE_sdata4 (what every linker writes, and
 * what the search reads) and lie inside buf. Returns 0, -PF_ENOENT (no
 * table: DW_EH_PE_omit or 0 entries), -PF_EUNSUPPORTED (another version or
 * encoding), -PF_EFORMAT (short). Never reads outside buf[0..len).
 */
int elf_ehhdr_parse(const uint8_t *buf, size_t len, uint64_t vaddr,
		    struct elf_ehhdr *out);

#endif
