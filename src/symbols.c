/* SPDX-License-Identifier: Apache-2.0 */
/*
 * symbols.c - a sorted table of an object's functions with their sizes,
 * merged from its symbol tables, and look-ups that never stray outside a
 * function's bounds.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "symbols.h"
#include "xalloc.h"

#define SYMBOLS_MAX_NAMES (256u << 20)

void symbols_init(struct symbols *s)
{
	memset(s, 0, sizeof *s);
}

void symbols_release(struct symbols *s)
{
	free(s->syms);
	free(s->maxend);
	free(s->names);
	symbols_init(s);
}

static bool is_function(const Elf64_Sym *sym)
{
	unsigned type = ELF64_ST_TYPE(sym->st_info);

	return (type == STT_FUNC || type == STT_GNU_IFUNC) && sym->st_size > 0 &&
	       sym->st_size <= UINT32_MAX && sym->st_shndx != SHN_UNDEF &&
	       sym->st_shndx < SHN_LORESERVE && sym->st_value <= UINT64_MAX - sym->st_size;
}

/* Global before weak before local (and anything else), then the source. */
static uint8_t rank_of(const Elf64_Sym *sym, unsigned source)
{
	unsigned bind = ELF64_ST_BIND(sym->st_info);
	unsigned b = bind == STB_GLOBAL ? 0 : bind == STB_WEAK ? 1 : 2;
	unsigned src = 0;

	while (source > 1) {
		source >>= 1;
		src++;
	}
	return (uint8_t)(b << 4 | src);
}

static int add_one(struct symbols *s, const Elf64_Sym *sym, const char *name, unsigned source)
{
	const char *at = strchr(name + 1, '@');	// "memcpy@GLIBC_2.2.5": a version
	size_t len = (at ? (size_t)(at - name) : strlen(name)) + 1;

	if (s->names_len + len > SYMBOLS_MAX_NAMES)
		return pf_fail(PF_ELIMIT, "symbol names over %u MiB", SYMBOLS_MAX_NAMES >> 20);
	XGROW(s->names, s->names_cap, s->names_len + len);
	XGROW(s->syms, s->cap, s->n + 1);
	s->syms[s->n++] = (struct symbol){
		.value = sym->st_value,
		.size = (uint32_t)sym->st_size,
		.name = (uint32_t)s->names_len,
		.rank = rank_of(sym, source),
	};
	memcpy(s->names + s->names_len, name, len - 1);
	s->names[s->names_len + len - 1] = '\0';
	s->names_len += len;
	return 0;
}

int symbols_add(struct symbols *s, struct elf *e, bool dynamic, unsigned source)
{
	const struct elf_symtab *t;
	size_t before = s->n;
	int rc;

	if (s->finished)
		PF_BUG("symbols_add after symbols_finish");
	if ((rc = elf_symtab_load(e, dynamic, &t)) < 0)
		return rc;
	for (size_t i = 1; i < t->nsyms; i++) {
		Elf64_Sym sym;
		const char *name;

		elf_symtab_entry(t, i, &sym);
		if (!is_function(&sym) || !(name = elf_symtab_name(t, sym.st_name)) || !*name)
			continue;
		if ((rc = add_one(s, &sym, name, source)) < 0)
			return rc;
	}
	if (s->n > before)
		s->sources |= source;
	return 0;
}

static int cmp_symbol(const void *a, const void *b)
{
	const struct symbol *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;	// the larger first
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return (x->name > y->name) - (x->name < y->name);	// order added
}

void symbols_finish(struct symbols *s)
{
	size_t out = 0;
	uint64_t maxend = 0;

	if (s->n > 1)
		qsort(s->syms, s->n, sizeof *s->syms, cmp_symbol);
	for (size_t i = 0; i < s->n; i++) {
		if (out > 0 && s->syms[out - 1].value == s->syms[i].value &&
		    s->syms[out - 1].size == s->syms[i].size)
			continue;	// an alias: the first in order wins
		s->syms[out++] = s->syms[i];
	}
	s->n = out;
	/* kept for the whole run: give back what growing left spare */
	s->syms = xreallocarray(s->syms, out ? out : 1, sizeof *s->syms);
	s->cap = out ? out : 1;
	s->names = xrealloc(s->names, s->names_len ? s->names_len : 1);
	s->names_cap = s->names_len ? s->names_len : 1;
	s->maxend = xreallocarray(NULL, out ? out : 1, sizeof *s->maxend);
	for (size_t i = 0; i < out; i++) {
		uint64_t end = s->syms[i].value + s->syms[i].size;

		maxend = end > maxend ? end : maxend;
		s->maxend[i] = maxend;
	}
	s->finished = true;
}

/* The number of symbols whose value is <= vaddr. */
static size_t upper_bound(const struct symbols *s, uint64_t vaddr)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->syms[mid].value <= vaddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const char *symbols_lookup(const struct symbols *s, uint64_t vaddr, uint64_t *offset)
{
	if (!s->finished)
		PF_BUG("symbols_lookup before symbols_finish");
	for (size_t i = upper_bound(s, vaddr); i-- > 0;) {
		const struct symbol *sym = &s->syms[i];

		if (s->maxend[i] <= vaddr)
			return NULL;	// nothing at or before i reaches vaddr
		if (vaddr - sym->value < sym->size) {
			*offset = vaddr - sym->value;
			return s->names + sym->name;
		}
	}
	return NULL;
}

int symbols_find(const struct symbols *s, const char *name, uint64_t *value, uint64_t *size)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->names + s->syms[i].name, name) == 0) {
			*value = s->syms[i].value;
			*size = s->syms[i].size;
			return 0;
		}
	}
	return pf_fail(PF_ENOENT, "no function '%s'", name);
}
