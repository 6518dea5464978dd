/* SPDX-License-Identifier: Apache-2.0 */
/*
 * objmap.h - the ELF objects mapped in a target process, for unwinding and
 * naming its native frames.
 *
 * Built from /proc/PID/maps, re-read on demand (objmap_refresh) when an
 * address falls in no known mapping. An object is keyed by its path and
 * inode and kept across refreshes, so what it holds (names, unwind table
 * addresses) stays valid until objmap_release(). Each object is opened
 * once, when first needed (objmap_load): its file is opened inside the
 * target's root, checked to be the mapped inode and kept open (its headers
 * parsed, read with pread when needed: nothing of it is mapped here, so it
 * costs no resident memory); "[vdso]" is copied out of the target once.
 * Its symbols are built when first asked for. The unwind tables themselves
 * are read from the target's memory (native.c), which is right even for a
 * file replaced on disk since it was mapped.
 */
#ifndef PF_OBJMAP_H
#define PF_OBJMAP_H

#include "compat.h"

#include <sys/stat.h>

#include "elf.h"
#include "maps.h"
#include "remote.h"
#include "strbuf.h"
#include "symbols.h"

enum objfile_state { OBJ_NEW, OBJ_READY, OBJ_FAILED };

/* Code split off a named function (a GCC ".cold" part), found by the
 * jumps the function makes into it (native.c). Link-time addresses. */
struct objpart {
	uint64_t lo, hi;	/* [lo, hi): one unwind-table entry */
	const char *of;		/* the function's name, in objfile.syms */
};

struct objfile {
	char *path;		/* owned: as in the maps ("[vdso]" too) */
	const char *base;	/* its basename, inside path */
	uint64_t inode;
	unsigned dev_major, dev_minor;
	enum objfile_state state;
	int fd;			/* the file, open while loaded; -1 for the vdso */
	uint8_t *vdso;		/* the vdso's bytes, copied out of the target */
	struct stat st;		/* of the file opened, for debug-link checks */
	struct elf elf;		/* over fd (or vdso) */
	uint64_t bias;		/* run-time address = link-time address + bias */
	uint64_t exec_lo, exec_hi;	/* run-time range of its code */
	bool has_table;		/* .eh_frame_hdr search table found */
	uint64_t ehhdr;		/* run-time address of .eh_frame_hdr */
	struct elf_ehhdr eh;	/* its table, run-time addresses */
	bool syms_built;
	struct symbols syms;
	bool parts_done;	/* parts looked for (native.c) */
	struct objpart *parts;
	size_t nparts, parts_cap;
};

/* One file-backed mapping of the target. */
struct objmap_range {
	uint64_t start, end;	/* [start, end) */
	uint64_t offset;	/* file offset of start */
	uint32_t obj;		/* index in objmap.objs */
	unsigned perms;		/* enum map_perms */
};

struct objmap {
	pid_t pid;
	struct remote *r;	/* borrowed: for the vdso */
	struct strbuf text;
	struct maps maps;
	struct objfile *objs;
	size_t nobjs, objs_cap;
	struct objmap_range *ranges;	/* ascending, not overlapping */
	size_t nranges, ranges_cap;
	uint64_t refreshes;	/* maps reads so far */
	uint64_t generation;	/* maps reads that found the maps changed */
	uint64_t text_hash;	/* of the maps text last read */
};

/* Prepare for process `pid`, reading the vdso through `r` (borrowed).
 * Reads nothing yet; never fails. */
void objmap_init(struct objmap *m, pid_t pid, struct remote *r);
void objmap_release(struct objmap *m);

/*
 * objmap_refresh - re-read /proc/PID/maps and rebuild the ranges; objects
 * already known keep their index and what they hold (a loaded object's
 * bias is computed again from where it is mapped now). `generation` grows
 * when the text differs from the last read. Returns 0,
 * -PF_EGONE, or another code of proc_read / maps_parse.
 */
int objmap_refresh(struct objmap *m);

/* The mapping containing `addr`, or NULL. O(log n), no system call. */
const struct objmap_range *objmap_find(const struct objmap *m, uint64_t addr);

/*
 * objmap_load - make object `idx` ready (once; later calls return the
 * first outcome at no cost): open it in the target's root, check that it is
 * the inode mapped, parse its headers, its bias, its code range and its
 * .eh_frame_hdr. Returns 0, or -PF_ENOENT / -PF_EFORMAT / ... when it
 * cannot be read (then its frames can be neither unwound nor named).
 */
int objmap_load(struct objmap *m, uint32_t idx);

/*
 * objmap_read - copy target bytes [addr, addr+len) from the local image of
 * a loaded object, when they lie in one of its mappings that is not
 * writable (so the target's bytes are the file's, or the vdso's copy). Returns whether it did;
 * false means: read the target instead. Never touches the target.
 */
bool objmap_read(const struct objmap *m, uint64_t addr, void *buf, size_t len);

/*
 * objmap_symbols - the functions of loaded object `idx`, built once: its
 * .symtab; if it has none, the .symtab of its separate debug file
 * (debugfile.h) or else of its MiniDebugInfo (.gnu_debugdata); and its
 * .dynsym. A table that cannot be read is left out (the object then names
 * fewer frames, never wrong ones). Never NULL for a loaded object.
 */
const struct symbols *objmap_symbols(struct objmap *m, uint32_t idx);

#endif
