/* SPDX-License-Identifier: Apache-2.0 */
/*
 * elf.c - a bounds-checked ELF64 reader: headers, section names, symbol
 * look-ups and address translation, over a file descriptor or a buffer.
 */
#include "compat.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf.h"
#include "err.h"
#include "xalloc.h"

#define PAGE_MASK_4K (~(uint64_t)0xfff)

static int read_fd(void *ctx, uint64_t off, void *buf, size_t len)
{
	int fd = (int)(intptr_t)ctx;
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return pf_fail_errno("cannot read ELF file");
		}
		if (n == 0)
			return pf_fail(PF_EFORMAT, "ELF file shrank while being read");
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_mem(void *ctx, uint64_t off, void *buf, size_t len)
{
	const uint8_t *mem = ctx;

	memcpy(buf, mem + off, len);
	return 0;
}

int elf_read(const struct elf *e, uint64_t off, void *buf, size_t len)
{
	if (off > e->size || len > e->size - off)
		return pf_fail(PF_EFORMAT, "ELF read of %zu bytes at 0x%" PRIx64
			       " passes the end of the file", len, off);
	if (len == 0)
		return 0;
	return e->read(e->ctx, off, buf, len);
}

/* Copy [off, off+size) into a new buffer with a NUL after it. */
static int read_blob(const struct elf *e, uint64_t off, uint64_t size,
		     const char *what, uint8_t **out)
{
	uint8_t *buf;
	int rc;

	*out = NULL;
	if (size > ELF_MAX_TABLE)
		return pf_fail(PF_ELIMIT, "ELF %s of %" PRIu64 " bytes is too large",
			       what, size);
	if (off > e->size || size > e->size - off)
		return pf_fail(PF_EFORMAT, "ELF %s passes the end of the file", what);
	buf = xmalloc((size_t)size + 1);
	if ((rc = elf_read(e, off, buf, (size_t)size)) < 0) {
		free(buf);
		return rc;
	}
	buf[size] = '\0';
	*out = buf;
	return 0;
}

/* The string at `idx` of a string table, or NULL unless it ends inside it. */
static const char *str_at(const char *tab, size_t len, uint64_t idx)
{
	if (!tab || idx >= len || !memchr(tab + idx, '\0', len - (size_t)idx))
		return NULL;
	return tab + idx;
}

static void phdr_at(const struct elf *e, size_t i, Elf64_Phdr *ph)
{
	memcpy(ph, e->phdrs + i * sizeof *ph, sizeof *ph);
}

static void shdr_at(const struct elf *e, size_t i, Elf64_Shdr *sh)
{
	memcpy(sh, e->shdrs + i * sizeof *sh, sizeof *sh);
}

static int check_ident(const Elf64_Ehdr *eh)
{
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return pf_fail(PF_EFORMAT, "not an ELF file");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return pf_fail(PF_EFORMAT, "not a 64-bit ELF file");
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return pf_fail(PF_EFORMAT, "not a little-endian ELF file");
	if (eh->e_ident[EI_VERSION] != EV_CURRENT)
		return pf_fail(PF_EFORMAT, "unknown ELF version %u",
			       eh->e_ident[EI_VERSION]);
	if (eh->e_machine != EM_X86_64)
		return pf_fail(PF_EFORMAT, "ELF file for machine %u, not x86-64",
			       eh->e_machine);
	return 0;
}

static int read_ehdr(struct elf *e, Elf64_Ehdr *eh)
{
	int rc;

	memset(eh, 0, sizeof *eh);
	if (e->size < sizeof *eh)
		return pf_fail(PF_EFORMAT, "not an ELF file");
	if ((rc = elf_read(e, 0, eh, sizeof *eh)) < 0 || (rc = check_ident(eh)) < 0)
		return rc;
	e->type = eh->e_type;
	return 0;
}

/* Loadable segments must lie in the file and not wrap the address space. */
static int check_loads(const struct elf *e)
{
	for (size_t i = 0; i < e->phnum; i++) {
		Elf64_Phdr ph;

		phdr_at(e, i, &ph);
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_offset > e->size || ph.p_filesz > e->size - ph.p_offset)
			return pf_fail(PF_EFORMAT, "ELF segment %zu passes the end of the file", i);
		if (ph.p_filesz > ph.p_memsz || ph.p_vaddr > UINT64_MAX - ph.p_memsz)
			return pf_fail(PF_EFORMAT, "ELF segment %zu has bad sizes", i);
	}
	return 0;
}

static int load_phdrs(struct elf *e, const Elf64_Ehdr *eh)
{
	int rc;

	if (eh->e_phnum == 0)
		return 0;
	if (eh->e_phnum == PN_XNUM)
		return pf_fail(PF_ELIMIT, "too many ELF program headers");
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return pf_fail(PF_EFORMAT, "bad ELF program header size %u", eh->e_phentsize);
	rc = read_blob(e, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr),
		       "program header table", &e->phdrs);
	if (rc < 0)
		return rc;
	e->phnum = eh->e_phnum;
	return check_loads(e);
}

/*
 * The section count and the index of the section-name table. Past 0xff00
 * sections both move into section header 0 (sh_size and sh_link).
 */
static int section_counts(struct elf *e, const Elf64_Ehdr *eh,
			  uint64_t *shnum, uint64_t *shstrndx)
{
	Elf64_Shdr sh0;
	int rc;

	*shnum = eh->e_shnum;
	*shstrndx = eh->e_shstrndx;
	if (eh->e_shentsize != sizeof(Elf64_Shdr))
		return pf_fail(PF_EFORMAT, "bad ELF section header size %u", eh->e_shentsize);
	if (eh->e_shnum != 0 && eh->e_shstrndx != SHN_XINDEX)
		return 0;
	if ((rc = elf_read(e, eh->e_shoff, &sh0, sizeof sh0)) < 0)
		return rc;
	if (eh->e_shnum == 0)
		*shnum = sh0.sh_size;
	if (eh->e_shstrndx == SHN_XINDEX)
		*shstrndx = sh0.sh_link;
	return 0;
}

static int load_shstrtab(struct elf *e, uint64_t shstrndx)
{
	Elf64_Shdr sh;
	uint8_t *tab;
	int rc;

	if (shstrndx == SHN_UNDEF)
		return 0;	// no section names
	if (shstrndx >= e->shnum)
		return pf_fail(PF_EFORMAT, "ELF section-name table index %" PRIu64
			       " out of range", shstrndx);
	shdr_at(e, (size_t)shstrndx, &sh);
	if (sh.sh_type == SHT_NOBITS)
		return pf_fail(PF_EFORMAT, "ELF section-name table has no bytes");
	rc = read_blob(e, sh.sh_offset, sh.sh_size, "section-name table", &tab);
	if (rc < 0)
		return rc;
	e->shstrtab = (char *)tab;
	e->shstrtab_len = (size_t)sh.sh_size;
	return 0;
}

static int load_shdrs(struct elf *e, const Elf64_Ehdr *eh)
{
	uint64_t shnum, shstrndx;
	int rc;

	if (eh->e_shoff == 0)
		return 0;	// no section headers (allowed)
	if ((rc = section_counts(e, eh, &shnum, &shstrndx)) < 0)
		return rc;
	if (shnum > ELF_MAX_HEADERS)
		return pf_fail(PF_ELIMIT, "too many ELF sections (%" PRIu64 ")", shnum);
	rc = read_blob(e, eh->e_shoff, shnum * sizeof(Elf64_Shdr),
		       "section header table", &e->shdrs);
	if (rc < 0)
		return rc;
	e->shnum = (size_t)shnum;
	return load_shstrtab(e, shstrndx);
}

static void elf_reset(struct elf *e)
{
	memset(e, 0, sizeof *e);
	e->fd = -1;
}

static int elf_open(struct elf *e, elf_read_fn fn, void *ctx, uint64_t size)
{
	Elf64_Ehdr eh;
	int rc;

	e->read = fn;
	e->ctx = ctx;
	e->size = size;
	if (size > ELF_MAX_FILE)
		rc = pf_fail(PF_ELIMIT, "ELF file of %" PRIu64 " bytes is too large", size);
	else if ((rc = read_ehdr(e, &eh)) == 0 && (rc = load_phdrs(e, &eh)) == 0)
		rc = load_shdrs(e, &eh);
	if (rc < 0)
		elf_release(e);
	return rc;
}

int elf_open_fd(struct elf *e, int fd)
{
	struct stat st;

	elf_reset(e);
	if (fstat(fd, &st) < 0)
		return pf_fail_errno("cannot stat ELF file");
	e->fd = fd;
	return elf_open(e, read_fd, (void *)(intptr_t)fd, (uint64_t)st.st_size);
}

int elf_open_mem(struct elf *e, const void *buf, size_t len)
{
	elf_reset(e);
	e->mem = buf;
	return elf_open(e, read_mem, (void *)(uintptr_t)buf, len);
}

static void symtab_release(struct elf_symtab *t)
{
	if (!t->borrowed) {
		free(t->syms);
		free(t->strs);
	}
	memset(t, 0, sizeof *t);
}

void elf_release(struct elf *e)
{
	free(e->phdrs);
	free(e->shdrs);
	free(e->shstrtab);
	symtab_release(&e->dynsym);
	symtab_release(&e->symtab);
	elf_reset(e);
}

int elf_load_vaddr(const struct elf *e, uint64_t *vaddr)
{
	for (size_t i = 0; i < e->phnum; i++) {
		Elf64_Phdr ph;

		phdr_at(e, i, &ph);
		if (ph.p_type == PT_LOAD && ph.p_offset == 0) {
			*vaddr = ph.p_vaddr & PAGE_MASK_4K;
			return 0;
		}
	}
	return pf_fail(PF_ENOENT, "no ELF segment loads file offset 0");
}

int elf_vaddr_to_offset(const struct elf *e, uint64_t vaddr, uint64_t *offset)
{
	for (size_t i = 0; i < e->phnum; i++) {
		Elf64_Phdr ph;

		phdr_at(e, i, &ph);
		/* check_loads() made p_offset + p_filesz fit in the file */
		if (ph.p_type == PT_LOAD && vaddr >= ph.p_vaddr &&
		    vaddr - ph.p_vaddr < ph.p_filesz) {
			*offset = ph.p_offset + (vaddr - ph.p_vaddr);
			return 0;
		}
	}
	return pf_fail(PF_ENOENT, "no ELF file bytes at address 0x%" PRIx64, vaddr);
}

int elf_section(const struct elf *e, const char *name, uint64_t *addr,
		uint64_t *offset, uint64_t *size)
{
	for (size_t i = 0; i < e->shnum; i++) {
		Elf64_Shdr sh;
		const char *n;

		shdr_at(e, i, &sh);
		n = str_at(e->shstrtab, e->shstrtab_len, sh.sh_name);
		if (!n || strcmp(n, name) != 0)
			continue;
		if (sh.sh_type != SHT_NOBITS &&
		    (sh.sh_offset > e->size || sh.sh_size > e->size - sh.sh_offset))
			return pf_fail(PF_EFORMAT, "ELF section '%s' passes the end of the file", name);
		if (addr)
			*addr = sh.sh_addr;
		if (offset)
			*offset = sh.sh_offset;
		if (size)
			*size = sh.sh_size;
		return 0;
	}
	return pf_fail(PF_ENOENT, "no ELF section '%s'", name);
}

/* The first section of type `type`; false if there is none. */
static bool find_section_type(const struct elf *e, uint32_t type, Elf64_Shdr *out)
{
	for (size_t i = 0; i < e->shnum; i++) {
		shdr_at(e, i, out);
		if (out->sh_type == type)
			return true;
	}
	return false;
}

/* A symbol table's header and that of the string table it links to. */
static int check_symtab(const struct elf *e, const Elf64_Shdr *sh, Elf64_Shdr *str)
{
	if (sh->sh_entsize != sizeof(Elf64_Sym))
		return pf_fail(PF_EFORMAT, "ELF symbol table has entry size %" PRIu64,
			       sh->sh_entsize);
	if (sh->sh_size % sizeof(Elf64_Sym) != 0)
		return pf_fail(PF_EFORMAT, "ELF symbol table size is not a multiple of its entries");
	if (sh->sh_link == SHN_UNDEF || sh->sh_link >= e->shnum)
		return pf_fail(PF_EFORMAT, "ELF symbol table links to section %u",
			       sh->sh_link);
	shdr_at(e, sh->sh_link, str);
	if (str->sh_type != SHT_STRTAB)
		return pf_fail(PF_EFORMAT, "ELF symbol table links to a non-string table");
	return 0;
}

/* A table's bytes: in place in a buffer, else a copy (read_blob). */
static int table_bytes(const struct elf *e, uint64_t off, uint64_t size, const char *what,
		       uint8_t **out)
{
	*out = NULL;
	if (!e->mem)
		return read_blob(e, off, size, what, out);
	if (size > ELF_MAX_TABLE)
		return pf_fail(PF_ELIMIT, "ELF %s of %" PRIu64 " bytes is too large", what, size);
	if (off > e->size || size > e->size - off)
		return pf_fail(PF_EFORMAT, "ELF %s passes the end of the file", what);
	*out = (uint8_t *)(uintptr_t)(e->mem + off);
	return 0;
}

/* Load the table of section type `type` into `t` once (empty if absent). */
static int load_symtab(const struct elf *e, uint32_t type, struct elf_symtab *t)
{
	Elf64_Shdr sh, str;
	uint8_t *strs;
	int rc;

	if (t->loaded)
		return 0;
	if (!find_section_type(e, type, &sh)) {
		t->loaded = true;
		return 0;
	}
	t->borrowed = e->mem != NULL;
	if ((rc = check_symtab(e, &sh, &str)) < 0 ||
	    (rc = table_bytes(e, sh.sh_offset, sh.sh_size, "symbol table", &t->syms)) < 0)
		return rc;
	rc = table_bytes(e, str.sh_offset, str.sh_size, "symbol string table", &strs);
	if (rc < 0) {
		symtab_release(t);
		return rc;
	}
	t->strs = (char *)strs;
	t->nsyms = (size_t)(sh.sh_size / sizeof(Elf64_Sym));
	t->strs_len = (size_t)str.sh_size;
	t->loaded = true;
	return 0;
}

/*
 * The first defined symbol called `name`. A linear scan: fine for the few
 * look-ups made per run; an index can replace it without changing callers.
 */
static bool symtab_find(const struct elf_symtab *t, const char *name, Elf64_Sym *out)
{
	for (size_t i = 1; i < t->nsyms; i++) {	// entry 0 is always null
		const char *n;

		memcpy(out, t->syms + i * sizeof *out, sizeof *out);
		if (out->st_shndx == SHN_UNDEF)
			continue;
		n = str_at(t->strs, t->strs_len, out->st_name);
		if (n && strcmp(n, name) == 0)
			return true;
	}
	return false;
}

int elf_symbol(struct elf *e, const char *name, uint64_t *value, uint64_t *size)
{
	Elf64_Sym sym;
	int rc;

	if ((rc = load_symtab(e, SHT_DYNSYM, &e->dynsym)) < 0)
		return rc;
	if (!symtab_find(&e->dynsym, name, &sym)) {
		if ((rc = load_symtab(e, SHT_SYMTAB, &e->symtab)) < 0)
			return rc;
		if (!symtab_find(&e->symtab, name, &sym))
			return pf_fail(PF_ENOENT, "no ELF symbol '%s'", name);
	}
	if (value)
		*value = sym.st_value;
	if (size)
		*size = sym.st_size;
	return 0;
}

/* ------------------------------------------------ symbols for naming */

int elf_symtab_load(struct elf *e, bool dynamic, const struct elf_symtab **out)
{
	struct elf_symtab *t = dynamic ? &e->dynsym : &e->symtab;
	int rc = load_symtab(e, dynamic ? SHT_DYNSYM : SHT_SYMTAB, t);

	*out = t;
	return rc;
}

void elf_symtab_drop(struct elf *e)
{
	symtab_release(&e->dynsym);
	symtab_release(&e->symtab);
}

void elf_symtab_entry(const struct elf_symtab *t, size_t i, Elf64_Sym *out)
{
	memcpy(out, t->syms + i * sizeof *out, sizeof *out);
}

const char *elf_symtab_name(const struct elf_symtab *t, uint32_t st_name)
{
	return str_at(t->strs, t->strs_len, st_name);
}

int elf_section_copy(const struct elf *e, const char *name, size_t max,
		     uint8_t **buf, size_t *len)
{
	uint64_t off, size;
	int rc;

	*buf = NULL;
	*len = 0;
	for (size_t i = 0; i < e->shnum; i++) {
		Elf64_Shdr sh;
		const char *n;

		shdr_at(e, i, &sh);
		n = str_at(e->shstrtab, e->shstrtab_len, sh.sh_name);
		if (n && strcmp(n, name) == 0 && sh.sh_type == SHT_NOBITS)
			return pf_fail(PF_ENOENT, "ELF section '%s' has no bytes", name);
	}
	if ((rc = elf_section(e, name, NULL, &off, &size)) < 0)
		return rc;
	if (size > max)
		return pf_fail(PF_ELIMIT, "ELF section '%s' of %" PRIu64 " bytes is too large",
			       name, size);
	if ((rc = read_blob(e, off, size, name, buf)) < 0)
		return rc;
	*len = (size_t)size;
	return 0;
}

/* Notes: 4-byte namesz, descsz, type; name and desc each padded to 4. */
static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Look for the GNU build-id among the notes in buf[0..len). */
static int scan_notes(const uint8_t *buf, size_t len, uint8_t *id, size_t *idlen)
{
	size_t at = 0;

	while (len - at >= 12) {
		uint32_t w[3];
		size_t name, desc;

		memcpy(w, buf + at, sizeof w);
		at += 12;
		name = pad4(w[0]);
		desc = pad4(w[1]);
		if (w[0] > len || w[1] > len || name > len - at || desc > len - at - name)
			return pf_fail(PF_EFORMAT, "ELF note passes the end of its segment");
		if (w[2] == NT_GNU_BUILD_ID && w[0] == 4 && memcmp(buf + at, "GNU", 4) == 0) {
			if (w[1] == 0 || w[1] > ELF_BUILD_ID_MAX)
				return pf_fail(PF_EFORMAT, "ELF build-id of %u bytes", w[1]);
			memcpy(id, buf + at + name, w[1]);
			*idlen = w[1];
			return 0;
		}
		at += name + desc;
	}
	return pf_fail(PF_ENOENT, "no ELF build-id");
}

#define NOTES_MAX (64u << 10)

static int notes_at(const struct elf *e, uint64_t off, uint64_t size,
		    uint8_t *id, size_t *len)
{
	uint8_t *buf;
	int rc;

	if (size > NOTES_MAX)
		return pf_fail(PF_ELIMIT, "ELF notes of %" PRIu64 " bytes", size);
	if ((rc = read_blob(e, off, size, "note", &buf)) < 0)
		return rc;
	rc = scan_notes(buf, (size_t)size, id, len);
	free(buf);
	return rc;
}

/* Note area `i`: the PT_NOTE segments first, then the SHT_NOTE sections
 * (a debug file has no segments with bytes). */
static bool note_area(const struct elf *e, size_t i, uint64_t *off, uint64_t *size)
{
	Elf64_Phdr ph;
	Elf64_Shdr sh;

	if (i < e->phnum) {
		phdr_at(e, i, &ph);
		*off = ph.p_offset;
		*size = ph.p_filesz;
		return ph.p_type == PT_NOTE;
	}
	shdr_at(e, i - e->phnum, &sh);
	*off = sh.sh_offset;
	*size = sh.sh_size;
	return sh.sh_type == SHT_NOTE;
}

int elf_build_id(const struct elf *e, uint8_t *id, size_t *len)
{
	uint64_t off, size;
	int rc;

	for (size_t i = 0; i < e->phnum + e->shnum; i++)
		if (note_area(e, i, &off, &size) &&
		    (rc = notes_at(e, off, size, id, len)) != -PF_ENOENT)
			return rc;
	return pf_fail(PF_ENOENT, "no ELF build-id");
}

#define DEBUGLINK_MAX 4096

int elf_debuglink(const struct elf *e, char *name, size_t cap, uint32_t *crc)
{
	uint8_t *buf;
	size_t len, n;
	int rc;

	if ((rc = elf_section_copy(e, ".gnu_debuglink", DEBUGLINK_MAX, &buf, &len)) < 0)
		return rc;
	n = strnlen((const char *)buf, len);
	if (n == 0 || n == len || memchr(buf, '/', n) || pad4(n + 1) + 4 > len)
		rc = pf_fail(PF_EFORMAT, "bad ELF .gnu_debuglink");
	else if (n >= cap)
		rc = pf_fail(PF_ELIMIT, "ELF .gnu_debuglink name too long");
	else {
		memcpy(name, buf, n + 1);
		memcpy(crc, buf + pad4(n + 1), 4);
	}
	free(buf);
	return rc;
}

/* ---------------------------------------------------- unwind tables */

int elf_exec_range(const struct elf *e, uint64_t *lo, uint64_t *hi)
{
	bool found = false;

	for (size_t i = 0; i < e->phnum; i++) {
		Elf64_Phdr ph;

		phdr_at(e, i, &ph);
		if (ph.p_type != PT_LOAD || !(ph.p_flags & PF_X))
			continue;
		if (!found || ph.p_vaddr < *lo)
			*lo = ph.p_vaddr;
		if (!found || ph.p_vaddr + ph.p_memsz > *hi)
			*hi = ph.p_vaddr + ph.p_memsz;	// check_loads(): no wrap
		found = true;
	}
	return found ? 0 : pf_fail(PF_ENOENT, "no executable ELF segment");
}

int elf_eh_frame_hdr(const struct elf *e, uint64_t *vaddr, uint64_t *size)
{
	for (size_t i = 0; i < e->phnum; i++) {
		Elf64_Phdr ph;

		phdr_at(e, i, &ph);
		if (ph.p_type == PT_GNU_EH_FRAME) {
			*vaddr = ph.p_vaddr;
			*size = ph.p_filesz;
			return 0;
		}
	}
	return pf_fail(PF_ENOENT, "no .eh_frame_hdr segment");
}

/* DWARF pointer encodings (the DW_EH_PE_* of the LSB). */
#define PE_OMIT 0xff
#define PE_FORMAT 0x0f
#define PE_APPL 0x70
#define PE_ABSPTR 0x00
#define PE_UDATA4 0x03
#define PE_UDATA8 0x04
#define PE_SDATA4 0x0b
#define PE_SDATA8 0x0c
#define PE_PCREL 0x10
#define PE_DATAREL 0x30

/* One encoded pointer at buf[*at]; `vaddr` is where buf is loaded. */
static int read_encoded(const uint8_t *buf, size_t len, size_t *at, uint8_t enc,
			uint64_t vaddr, uint64_t *out)
{
	size_t size = (enc & PE_FORMAT) == PE_UDATA4 || (enc & PE_FORMAT) == PE_SDATA4 ? 4 : 8;
	uint64_t v = 0;

	if ((enc & PE_FORMAT) != PE_ABSPTR && (enc & PE_FORMAT) != PE_UDATA4 &&
	    (enc & PE_FORMAT) != PE_UDATA8 && (enc & PE_FORMAT) != PE_SDATA4 &&
	    (enc & PE_FORMAT) != PE_SDATA8)
		return pf_fail(PF_EUNSUPPORTED, ".eh_frame_hdr encoding 0x%02x", enc);
	if (len - *at < size)
		return pf_fail(PF_EFORMAT, ".eh_frame_hdr is short");
	if (size == 4) {
		uint32_t w;

		memcpy(&w, buf + *at, 4);
		v = (enc & PE_FORMAT) == PE_SDATA4 ? (uint64_t)(int64_t)(int32_t)w : w;
	} else {
		memcpy(&v, buf + *at, 8);
	}
	if ((enc & PE_APPL) == PE_PCREL)
		v += vaddr + *at;
	else if ((enc & PE_APPL) == PE_DATAREL)
		v += vaddr;
	else if ((enc & PE_APPL) != 0)
		return pf_fail(PF_EUNSUPPORTED, ".eh_frame_hdr encoding 0x%02x", enc);
	*at += size;
	*out = v;
	return 0;
}

int elf_ehhdr_parse(const uint8_t *buf, size_t len, uint64_t vaddr,
		    struct elf_ehhdr *out)
{
	size_t at = 4;
	int rc;

	if (len < 4)
		return pf_fail(PF_EFORMAT, ".eh_frame_hdr is short");
	if (buf[0] != 1)
		return pf_fail(PF_EUNSUPPORTED, ".eh_frame_hdr version %u", buf[0]);
	if (buf[2] == PE_OMIT || buf[3] == PE_OMIT)
		return pf_fail(PF_ENOENT, ".eh_frame_hdr has no table");
	if (buf[3] != (PE_DATAREL | PE_SDATA4))
		return pf_fail(PF_EUNSUPPORTED, ".eh_frame_hdr table encoding 0x%02x", buf[3]);
	if ((rc = read_encoded(buf, len, &at, buf[1], vaddr, &out->eh_frame)) < 0 ||
	    (rc = read_encoded(buf, len, &at, buf[2], vaddr, &out->fde_count)) < 0)
		return rc;
	if (out->fde_count == 0)
		return pf_fail(PF_ENOENT, ".eh_frame_hdr has no entries");
	if (out->fde_count > (len - at) / 8)
		return pf_fail(PF_EFORMAT, ".eh_frame_hdr table passes its end");
	out->table = vaddr + at;
	return 0;
}
