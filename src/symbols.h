/* SPDX-License-Identifier: Apache-2.0 */
/*
 * symbols.h - the functions of one ELF object, for naming addresses.
 *
 * Pure: tables come from parsed ELF files (elf.h), whichever file they were
 * read from (the object, its separate debug file, its MiniDebugInfo); no
 * file is opened here. Only functions (STT_FUNC, STT_GNU_IFUNC) defined in a
 * section and with a size count: a zero-size symbol names nothing, and an
 * address is named by a symbol only if it lies in [value, value + size).
 * Addresses are the object's link-time virtual addresses (st_value), not
 * run-time ones: subtract the load bias first.
 */
#ifndef PF_SYMBOLS_H
#define PF_SYMBOLS_H

#include "compat.h"
#include "elf.h"

enum symbols_source {
	SYMBOLS_SYMTAB = 1 << 0,	/* the object's own .symtab */
	SYMBOLS_DEBUGFILE = 1 << 1,	/* .symtab of a separate debug file */
	SYMBOLS_MINIDEBUG = 1 << 2,	/* .symtab of .gnu_debugdata */
	SYMBOLS_DYNSYM = 1 << 3,	/* the object's .dynsym */
};

struct symbol {
	uint64_t value;
	uint32_t size;
	uint32_t name;		/* offset in symbols.names */
	uint8_t rank;		/* lower wins among aliases: see symbols_finish */
};

struct symbols {
	struct symbol *syms;	/* sorted by value after symbols_finish() */
	size_t n, cap;
	uint64_t *maxend;	/* maxend[i]: the largest end of syms[0..i] */
	char *names;		/* NUL-terminated names back to back */
	size_t names_len, names_cap;
	unsigned sources;	/* enum symbols_source: tables that gave symbols */
	bool finished;
};

void symbols_init(struct symbols *s);
void symbols_release(struct symbols *s);

/*
 * symbols_add - add the functions of `e`'s .dynsym (`dynamic`) or .symtab,
 * tagging them with `source` (one enum symbols_source bit: tables added
 * first win over later ones for the same address and size). Loads the
 * table into `e` (elf_symtab_load). Names that are not NUL-terminated inside
 * their string table are skipped; a symbol version ("@GLIBC_2.2.5",
 * "@@GLIBC_2.34", kept in .symtab names) is cut off. Returns 0, or the code of a malformed
 * table (-PF_EFORMAT, -PF_ELIMIT); symbols added before that stay.
 */
int symbols_add(struct symbols *s, struct elf *e, bool dynamic, unsigned source);

/*
 * symbols_finish - sort, and drop aliases: of symbols with the same value
 * and size, a global one wins over a weak one over a local one, then the
 * earlier source, then the one added first. Call once after the adds and
 * before any look-up; adds after it are a bug.
 */
void symbols_finish(struct symbols *s);

/*
 * symbols_lookup - the function containing link-time address `vaddr`: its
 * name (owned by `s`, valid until symbols_release) and the offset of vaddr
 * inside it in *offset; NULL if no function's [value, value + size)
 * contains it. Where functions nest, the innermost (the latest starting)
 * wins. O(log n).
 */
const char *symbols_lookup(const struct symbols *s, uint64_t vaddr, uint64_t *offset);

/* The value of the function called `name`, for tests: 0 or -PF_ENOENT. */
int symbols_find(const struct symbols *s, const char *name, uint64_t *value, uint64_t *size);

#endif
