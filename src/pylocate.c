/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pylocate.c - find the interpreter in a target process: which mapped object
 * holds it, where it is loaded, which version it is, and where its globals are.
 */
#include "compat.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elf.h"
#include "err.h"
#include "maps.h"
#include "proc.h"
#include "pylocate.h"
#include "pyversion.h"
#include "strbuf.h"
#include "xalloc.h"

/* An object that is mapped in the target, opened and parsed. */
struct candidate {
	const struct map_entry *map;	/* one of its mappings */
	uint64_t base;			/* where offset 0 is mapped */
	int fd;
	struct elf elf;
	uint64_t bias;
};

static bool is_python_name(const char *base)
{
	return strncmp(base, "python", 6) == 0 || strncmp(base, "libpython", 9) == 0;
}

static int candidate_open(pid_t pid, const struct maps *mp, const struct map_entry *e,
			  struct candidate *c)
{
	uint64_t vaddr;
	int rc;

	c->map = e;
	c->fd = proc_open_in_root(pid, e->path);
	if (c->fd < 0)
		return c->fd;
	if ((rc = elf_open_fd(&c->elf, c->fd)) < 0)
		goto out_close;
	if ((rc = maps_find_base(mp, e->path, &c->base)) < 0)
		goto out_elf;
	c->bias = 0;
	if (c->elf.type != ET_EXEC) {
		if ((rc = elf_load_vaddr(&c->elf, &vaddr)) < 0)
			goto out_elf;
		c->bias = c->base - vaddr;
	}
	return 0;
out_elf:
	elf_release(&c->elf);
out_close:
	close(c->fd);
	return rc;
}

static void candidate_close(struct candidate *c)
{
	elf_release(&c->elf);
	close(c->fd);
}

/* Address of `name` in the target, or 0 when the object does not define it. */
static uint64_t symbol_addr(struct candidate *c, const char *name)
{
	uint64_t value, size;

	if (elf_symbol(&c->elf, name, &value, &size) < 0)
		return 0;
	return c->bias + value;
}

/*
 * The first mapped object named python* or libpython* whose symbols define
 * PyInterpreterState_Head (every version exports it). /proc/PID/exe is not
 * trusted alone: an interpreter started through ld.so has the loader as exe.
 */
static int find_interpreter(pid_t pid, const struct maps *mp, struct candidate *c)
{
	const char *tried = NULL;

	for (size_t i = 0; i < mp->count; i++) {
		const struct map_entry *e = &mp->entries[i];

		if (e->path[0] != '/' || e->deleted || !is_python_name(maps_basename(e)))
			continue;
		if (tried && strcmp(tried, e->path) == 0)
			continue;
		tried = e->path;
		if (candidate_open(pid, mp, e, c) < 0)
			continue;
		if (symbol_addr(c, "PyInterpreterState_Head"))
			return 0;
		candidate_close(c);
	}
	return pf_fail(PF_ENOENT, "no mapped python or libpython object defines PyInterpreterState_Head");
}

/*
 * 2.7 and 3.6 keep the interpreter list in the file-static `interp_head`.
 * Unstripped builds name it in .symtab; otherwise decode the body of
 * PyInterpreterState_Head(): [endbr64] mov rax, [rip+disp32]; ret.
 */
static int find_interp_head(struct candidate *c, uint64_t *addr)
{
	static const uint8_t endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };
	uint64_t fn, size, off;
	uint8_t code[16];
	size_t at = 0;
	int32_t disp;

	if ((*addr = symbol_addr(c, "interp_head")))
		return 0;
	if (elf_symbol(&c->elf, "PyInterpreterState_Head", &fn, &size) < 0 ||
	    elf_vaddr_to_offset(&c->elf, fn, &off) < 0 ||
	    elf_read(&c->elf, off, code, sizeof code) < 0)
		return pf_fail(PF_ENOENT, "cannot read PyInterpreterState_Head");
	if (memcmp(code, endbr64, sizeof endbr64) == 0)
		at = sizeof endbr64;
	if (code[at] != 0x48 || code[at + 1] != 0x8b || code[at + 2] != 0x05 || code[at + 7] != 0xc3)
		return pf_fail(PF_ENOENT, "unexpected code in PyInterpreterState_Head");
	memcpy(&disp, code + at + 3, sizeof disp);
	*addr = c->bias + fn + at + 7 + (uint64_t)(int64_t)disp;
	return 0;
}

/* micro version from the PY_VERSION string in the file's read-only data */
static uint32_t version_from_file(struct candidate *c, uint32_t want)
{
	uint64_t addr, off, size;
	uint8_t *buf;
	uint32_t v;

	if (elf_section(&c->elf, ".rodata", &addr, &off, &size) < 0 || size > (64u << 20))
		return want;
	buf = xmalloc(size);
	v = elf_read(&c->elf, off, buf, size) == 0 ? pyversion_scan(buf, size, want) : 0;
	free(buf);
	return v ? v : want;
}

static uint64_t runtime_addr(struct candidate *c)
{
	uint64_t addr, off, size;
	uint64_t rt = symbol_addr(c, "_PyRuntime");

	if (!rt && elf_section(&c->elf, ".PyRuntime", &addr, &off, &size) == 0)
		rt = c->bias + addr;
	return rt;
}

/*
 * The version, from the most to the least reliable source: the debug
 * offsets block (3.13+, copied into `dbg`), Py_Version (3.11+), then the
 * file name with the PY_VERSION string of the file.
 */
static int detect_version(struct remote *r, struct candidate *c, struct pyloc *out,
			  uint8_t *dbg, bool *have_dbg)
{
	uint64_t pv = symbol_addr(c, "Py_Version");
	uint32_t v32;

	*have_dbg = out->runtime &&
		    remote_read(r, out->runtime, dbg, PYOFFSETS_DEBUG_MAX) == 0 &&
		    memcmp(dbg, "xdebugpy", 8) == 0;
	if (*have_dbg) {
		memcpy(&v32, dbg + 8, sizeof v32);
		out->version = v32;
		out->version_source = "_Py_DebugOffsets";
	} else if (pv && remote_read_u32(r, pv, &v32) == 0 && (v32 >> 24) == 3) {
		out->version = v32;
		out->version_source = "Py_Version";
	} else if ((v32 = pyversion_from_name(strrchr(c->map->path, '/') + 1))) {
		out->version = version_from_file(c, v32);
		out->version_source = "file name";
	} else {
		return pf_fail(PF_ENOENT, "cannot tell the Python version of '%s'", c->map->path);
	}
	return 0;
}

static int select_layout(struct pyloc *out, unsigned abi, const uint8_t *dbg, bool have_dbg)
{
	const struct pyoffsets *t = abi ? pyoffsets_for_abi(abi) : pyoffsets_for(out->version);

	if (!t)
		return -PF_EUNSUPPORTED;
	out->off = *t;
	if (have_dbg && (t->version >> 16) == (out->version >> 16))
		return pyoffsets_import_debug(&out->off, dbg, PYOFFSETS_DEBUG_MAX);
	if (!abi)
		out->off.version = out->version;
	return 0;
}

static int find_globals(struct candidate *c, struct pyloc *out)
{
	bool py2 = out->off.str_model == STR_BYTES27;

	out->code_type = symbol_addr(c, "PyCode_Type");
	out->str_type = symbol_addr(c, py2 ? "PyString_Type" : "PyUnicode_Type");
	if (!out->code_type || !out->str_type)
		return pf_fail(PF_ENOENT, "'%s' lacks PyCode_Type or its str type", c->map->path);
	if (out->off.frame_model == FRAME_OBJECT &&
	    !(out->frame_type = symbol_addr(c, "PyFrame_Type")))
		return pf_fail(PF_ENOENT, "'%s' lacks PyFrame_Type", c->map->path);
	if (out->off.rt_interp_head != PYOFF_NONE) {
		if (!out->runtime)
			return pf_fail(PF_ENOENT, "'%s' has no _PyRuntime", c->map->path);
		return 0;
	}
	out->tstate_current = symbol_addr(c, "_PyThreadState_Current");
	if (!out->tstate_current)
		return pf_fail(PF_ENOENT, "'%s' has no _PyThreadState_Current", c->map->path);
	return find_interp_head(c, &out->interp_head);
}

static int locate_in(struct remote *r, struct candidate *c, unsigned abi, struct pyloc *out)
{
	uint8_t dbg[PYOFFSETS_DEBUG_MAX];
	bool have_dbg;
	int rc;

	snprintf(out->path, sizeof out->path, "%s", c->map->path);
	out->bias = c->bias;
	out->base = c->base;
	out->inode = c->map->inode;
	out->dev_major = c->map->dev_major;
	out->dev_minor = c->map->dev_minor;
	out->runtime = runtime_addr(c);
	if ((rc = detect_version(r, c, out, dbg, &have_dbg)) < 0)
		return rc;
	if ((rc = select_layout(out, abi, dbg, have_dbg)) < 0)
		return rc;
	return find_globals(c, out);
}

/* Whether `mp` maps loc's object, the same file, at the same address. */
static bool maps_same(const struct maps *mp, const struct pyloc *loc)
{
	const struct map_entry *e = maps_find_addr(mp, loc->base);

	return e && e->start == loc->base && e->offset == 0 && !e->deleted &&
	       e->inode == loc->inode && e->dev_major == loc->dev_major &&
	       e->dev_minor == loc->dev_minor && strcmp(e->path, loc->path) == 0;
}

/* Read and parse /proc/PID/maps into `mp` (text kept in `text`). */
static int read_maps(pid_t pid, struct strbuf *text, struct maps *mp)
{
	int rc = proc_read(pid, "maps", text);

	return rc < 0 ? rc : maps_parse(mp, text->buf, text->len);
}

int pylocate_match(pid_t pid, const struct pyloc *known, size_t n)
{
	struct strbuf text;
	struct maps mp;
	int found = -1;

	strbuf_init(&text);
	maps_init(&mp);
	if (n && read_maps(pid, &text, &mp) == 0)
		for (size_t i = 0; i < n && found < 0; i++)
			if (maps_same(&mp, &known[i]))
				found = (int)i;
	maps_release(&mp);
	strbuf_release(&text);
	return found;
}

int pylocate(pid_t pid, struct remote *r, unsigned abi, struct pyloc *out)
{
	struct strbuf text;
	struct maps mp;
	struct candidate c;
	int rc;

	memset(out, 0, sizeof *out);
	strbuf_init(&text);
	maps_init(&mp);
	if ((rc = read_maps(pid, &text, &mp)) < 0)
		goto out;
	if ((rc = find_interpreter(pid, &mp, &c)) < 0)
		goto out;
	rc = locate_in(r, &c, abi, out);
	candidate_close(&c);
out:
	maps_release(&mp);
	strbuf_release(&text);
	return rc;
}
