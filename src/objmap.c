/* SPDX-License-Identifier: Apache-2.0 */
/*
 * objmap.c - a target's mapped ELF objects: ranges from its maps, each
 * object opened and mapped here once, its unwind table and symbols.
 */
#include "compat.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "debugfile.h"
#include "err.h"
#include "objmap.h"
#include "proc.h"
#include "xalloc.h"
#include "xz.h"

#define VDSO_MAX (1u << 20)
#define MINIDEBUG_MAX_IN (64u << 20)	/* .gnu_debugdata, compressed */
#define MINIDEBUG_MAX_OUT (256u << 20)	/* and decompressed */

void objmap_init(struct objmap *m, pid_t pid, struct remote *r)
{
	memset(m, 0, sizeof *m);
	m->pid = pid;
	m->r = r;
	strbuf_init(&m->text);
	maps_init(&m->maps);
}

static void close_file(struct objfile *o)
{
	elf_release(&o->elf);
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	free(o->vdso);
	o->vdso = NULL;
}

void objmap_release(struct objmap *m)
{
	for (size_t i = 0; i < m->nobjs; i++) {
		struct objfile *o = &m->objs[i];

		close_file(o);
		symbols_release(&o->syms);
		free(o->parts);
		free(o->path);
	}
	free(m->objs);
	free(m->ranges);
	maps_release(&m->maps);
	strbuf_release(&m->text);
	objmap_init(m, 0, NULL);
}

static bool is_object_path(const char *path)
{
	return path[0] == '/' || strcmp(path, "[vdso]") == 0;
}

/* The index of the object of entry `e`, added if new. */
static uint32_t object_of(struct objmap *m, const struct map_entry *e)
{
	struct objfile *o;

	for (size_t i = 0; i < m->nobjs; i++) {
		o = &m->objs[i];
		if (o->inode == e->inode && o->dev_major == e->dev_major &&
		    o->dev_minor == e->dev_minor && strcmp(o->path, e->path) == 0)
			return (uint32_t)i;
	}
	XGROW(m->objs, m->objs_cap, m->nobjs + 1);
	o = &m->objs[m->nobjs];
	memset(o, 0, sizeof *o);
	o->path = xstrdup(e->path);
	o->base = strrchr(o->path, '/') ? strrchr(o->path, '/') + 1 : o->path;
	o->inode = e->inode;
	o->dev_major = e->dev_major;
	o->dev_minor = e->dev_minor;
	o->elf.fd = -1;
	o->fd = -1;
	symbols_init(&o->syms);
	return (uint32_t)m->nobjs++;
}

/* Bias of a loaded object from its offset-0 mapping (0 for ET_EXEC). */
static int compute_bias(const struct objmap *m, uint32_t idx, struct objfile *o)
{
	uint64_t vaddr;
	int rc;

	o->bias = 0;
	if (o->elf.type == ET_EXEC)
		return 0;
	if ((rc = elf_load_vaddr(&o->elf, &vaddr)) < 0)
		return rc;
	for (size_t i = 0; i < m->nranges; i++) {
		if (m->ranges[i].obj == idx && m->ranges[i].offset == 0) {
			o->bias = m->ranges[i].start - vaddr;
			return 0;
		}
	}
	return pf_fail(PF_ENOENT, "no offset-0 mapping of '%s'", o->path);
}

static void set_tables(struct objfile *o);

/* FNV-1a of the maps text: tells a changed address space from the same. */
static uint64_t text_hash(const struct strbuf *sb)
{
	uint64_t h = 0xcbf29ce484222325u;

	for (size_t i = 0; i < sb->len; i++)
		h = (h ^ (uint8_t)sb->buf[i]) * 0x100000001b3u;
	return h;
}

int objmap_refresh(struct objmap *m)
{
	int rc;

	m->refreshes++;
	if ((rc = proc_read(m->pid, "maps", &m->text)) < 0 ||
	    (rc = maps_parse(&m->maps, m->text.buf, m->text.len)) < 0)
		return rc;
	if (text_hash(&m->text) != m->text_hash || m->refreshes == 1) {
		m->text_hash = text_hash(&m->text);
		m->generation++;
	}
	m->nranges = 0;
	for (size_t i = 0; i < m->maps.count; i++) {
		const struct map_entry *e = &m->maps.entries[i];

		if (!is_object_path(e->path) || e->end <= e->start)
			continue;
		XGROW(m->ranges, m->ranges_cap, m->nranges + 1);
		m->ranges[m->nranges++] = (struct objmap_range){
			.start = e->start, .end = e->end, .offset = e->offset,
			.obj = object_of(m, e), .perms = e->perms,
		};
	}
	for (uint32_t i = 0; i < m->nobjs; i++) {
		struct objfile *o = &m->objs[i];

		if (o->state == OBJ_READY && compute_bias(m, i, o) == 0)
			set_tables(o);
	}
	return 0;
}

const struct objmap_range *objmap_find(const struct objmap *m, uint64_t addr)
{
	size_t lo = 0, hi = m->nranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (addr < m->ranges[mid].start)
			hi = mid;
		else if (addr >= m->ranges[mid].end)
			lo = mid + 1;
		else
			return &m->ranges[mid];
	}
	return NULL;
}

/* The file by its path in the target's root, if it is the inode mapped. */
static int open_by_path(const struct objmap *m, struct objfile *o)
{
	int fd = proc_open_in_root(m->pid, o->path);

	if (fd < 0)
		return fd;
	if (fstat(fd, &o->st) < 0 || (o->inode && (uint64_t)o->st.st_ino != o->inode)) {
		close(fd);
		return pf_fail(PF_ENOENT, "'%s' is not the file the target maps", o->path);
	}
	return fd;
}

/* The mapped inode itself, for a file deleted or replaced since. */
static int open_by_mapping(const struct objmap *m, uint32_t idx, struct objfile *o)
{
	for (size_t i = 0; i < m->nranges; i++) {
		int fd;

		if (m->ranges[i].obj != idx)
			continue;
		fd = proc_open_map_file(m->pid, m->ranges[i].start, m->ranges[i].end);
		if (fd >= 0 && fstat(fd, &o->st) < 0) {
			close(fd);
			return pf_fail_errno("cannot stat a mapping of '%s'", o->path);
		}
		return fd;
	}
	return pf_fail(PF_ENOENT, "'%s' is not mapped", o->path);
}

/* Open the object's file and parse its headers: by its path, else (a
 * deleted or replaced file) through the mapping. */
static int open_file(const struct objmap *m, uint32_t idx, struct objfile *o)
{
	int fd = open_by_path(m, o);

	if (fd < 0 && fd != -PF_EGONE)
		fd = open_by_mapping(m, idx, o);
	if (fd < 0)
		return fd;
	o->fd = fd;
	return elf_open_fd(&o->elf, fd);
}

/* The vdso has no file: copy its mapping out of the target. */
static int copy_vdso(const struct objmap *m, uint32_t idx, struct objfile *o)
{
	for (size_t i = 0; i < m->nranges; i++) {
		const struct objmap_range *r = &m->ranges[i];
		size_t len = (size_t)(r->end - r->start);
		int rc;

		if (r->obj != idx)
			continue;
		if (len > VDSO_MAX)
			return pf_fail(PF_ELIMIT, "vdso of %zu bytes", len);
		o->vdso = xmalloc(len);
		if ((rc = remote_read(m->r, r->start, o->vdso, len)) < 0 ||
		    (rc = elf_open_mem(&o->elf, o->vdso, len)) < 0)
			return rc;
		return 0;
	}
	return pf_fail(PF_ENOENT, "vdso not mapped");
}

/* Code range and .eh_frame_hdr table, in run-time addresses. */
static void set_tables(struct objfile *o)
{
	uint64_t lo, hi, vaddr, size, off;
	uint8_t *hdr;

	o->has_table = false;
	o->exec_lo = o->exec_hi = 0;
	if (elf_exec_range(&o->elf, &lo, &hi) == 0) {
		o->exec_lo = lo + o->bias;
		o->exec_hi = hi + o->bias;
	}
	if (elf_eh_frame_hdr(&o->elf, &vaddr, &size) < 0 ||
	    elf_vaddr_to_offset(&o->elf, vaddr, &off) < 0 || size > ELF_MAX_TABLE)
		return;
	hdr = xmalloc(size ? (size_t)size : 1);
	if (elf_read(&o->elf, off, hdr, (size_t)size) == 0 &&
	    elf_ehhdr_parse(hdr, (size_t)size, vaddr + o->bias, &o->eh) == 0) {
		o->ehhdr = vaddr + o->bias;
		o->has_table = true;
	}
	free(hdr);
}

int objmap_load(struct objmap *m, uint32_t idx)
{
	struct objfile *o = &m->objs[idx];
	int rc;

	if (o->state != OBJ_NEW)
		return o->state == OBJ_READY ? 0 : -PF_ENOENT;
	o->state = OBJ_FAILED;
	rc = o->path[0] == '/' ? open_file(m, idx, o) : copy_vdso(m, idx, o);
	if (rc == 0)
		rc = compute_bias(m, idx, o);
	if (rc < 0) {
		close_file(o);
		return rc;
	}
	set_tables(o);
	o->state = OBJ_READY;
	return 0;
}

/* Add the .symtab of the ELF file open on fd. */
static void add_debugfile(struct objfile *o, int fd)
{
	struct elf e;

	if (elf_open_fd(&e, fd) == 0) {
		symbols_add(&o->syms, &e, false, SYMBOLS_DEBUGFILE);
		elf_release(&e);
	}
}

/* Add the .symtab of the xz-compressed ELF in .gnu_debugdata. */
static void add_minidebug(struct objfile *o)
{
	uint8_t *xz, *raw;
	size_t xzlen, rawlen;
	struct elf e;

	if (elf_section_copy(&o->elf, ".gnu_debugdata", MINIDEBUG_MAX_IN, &xz, &xzlen) < 0)
		return;
	if (xz_decode(xz, xzlen, MINIDEBUG_MAX_OUT, &raw, &rawlen) == 0) {
		if (elf_open_mem(&e, raw, rawlen) == 0) {
			symbols_add(&o->syms, &e, false, SYMBOLS_MINIDEBUG);
			elf_release(&e);
		}
		free(raw);
	}
	free(xz);
}

const struct symbols *objmap_symbols(struct objmap *m, uint32_t idx)
{
	struct objfile *o = &m->objs[idx];
	int fd;

	if (o->syms_built || o->state != OBJ_READY)
		goto out;
	symbols_add(&o->syms, &o->elf, false, SYMBOLS_SYMTAB);
	if (!(o->syms.sources & SYMBOLS_SYMTAB) && o->fd >= 0 &&
	    (fd = debugfile_open(m->pid, o->path, &o->elf, &o->st)) >= 0) {
		add_debugfile(o, fd);
		close(fd);
	}
	if (!(o->syms.sources & (SYMBOLS_SYMTAB | SYMBOLS_DEBUGFILE)))
		add_minidebug(o);
	symbols_add(&o->syms, &o->elf, true, SYMBOLS_DYNSYM);
	elf_symtab_drop(&o->elf);	// the copies; our table holds what is needed
out:
	if (!o->syms.finished)
		symbols_finish(&o->syms);
	o->syms_built = true;
	return &o->syms;
}
