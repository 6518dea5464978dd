/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-symbols.c - symbol tables and honest look-ups: the fixture's exact
 * bounds (nesting, a zero-size function, aliases), the same names found
 * again in its stripped forms (MiniDebugInfo, a debug file through
 * .gnu_debuglink) and never in the form that lost them, a real stripped
 * library, build-id paths, xz bounds and C++ names.
 */
#include "compat.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debugfile.h"
#include "demangle.h"
#include "elf.h"
#include "err.h"
#include "symbols.h"
#include "tap.h"
#include "xz.h"

#define SKIP(...) do { \
	printf("ok %d # SKIP ", ++tap_count); \
	printf(__VA_ARGS__); \
	printf("\n"); \
} while (0)

static char dir[PATH_MAX];

/* Open `name` of the fixture directory. */
static int open_fixture(const char *name, struct elf *e, int *fd)
{
	char path[PATH_MAX + 64];
	int rc;

	snprintf(path, sizeof path, "%s/tests/unit/%s", dir, name);
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -PF_ENOENT;
	if ((rc = elf_open_fd(e, *fd)) < 0)
		close(*fd);
	return rc;
}

/* The functions of a whole fixture form: .symtab and .dynsym. */
static int load(const char *name, struct symbols *s, unsigned sources)
{
	struct elf e;
	int fd, rc;

	symbols_init(s);
	if ((rc = open_fixture(name, &e, &fd)) < 0)
		return rc;
	if (sources & SYMBOLS_SYMTAB)
		symbols_add(s, &e, false, SYMBOLS_SYMTAB);
	symbols_add(s, &e, true, SYMBOLS_DYNSYM);
	symbols_finish(s);
	elf_release(&e);
	close(fd);
	return 0;
}

static bool names(const struct symbols *s, uint64_t v, const char *want, uint64_t off)
{
	uint64_t got_off = 99;
	const char *got = symbols_lookup(s, v, &got_off);

	if (!want)
		return got == NULL;
	return got && strcmp(got, want) == 0 && got_off == off;
}

static void test_bounds(void)
{
	struct symbols s;
	uint64_t outer, osize, inner, isize, v, size;

	if (load("sym-fixture", &s, SYMBOLS_SYMTAB) < 0) {
		SKIP("no sym-fixture");
		return;
	}
	ok(symbols_find(&s, "pf_outer", &outer, &osize) == 0 && osize == 6, "pf_outer: 6 bytes");
	ok(symbols_find(&s, "pf_inner", &inner, &isize) == 0 && inner == outer + 1 && isize == 3,
	   "pf_inner: bytes 1-3 of pf_outer");
	ok(names(&s, outer, "pf_outer", 0), "first byte of pf_outer");
	ok(names(&s, outer + 1, "pf_inner", 0) && names(&s, outer + 3, "pf_inner", 2),
	   "the nested function wins inside it");
	ok(names(&s, outer + 4, "pf_outer", 4) && names(&s, outer + 5, "pf_outer", 5),
	   "after the nested one, the outer one again");
	ok(names(&s, outer + 6, NULL, 0) && names(&s, outer + 7, NULL, 0),
	   "a zero-size function names nothing, and its neighbour does not reach it");
	ok(symbols_find(&s, "pf_nosize", &v, &size) < 0, "zero-size symbols are left out");
	ok(symbols_find(&s, "pf_local", &v, &size) == 0 && names(&s, v + size - 1, "pf_local", size - 1)
	   && !names(&s, v + size, "pf_local", size), "a static function, to its last byte");
	ok(symbols_find(&s, "pf_exported", &v, &size) == 0 && names(&s, v, "pf_exported", 0),
	   "of two aliases, the global one added first");
	ok(s.sources == (SYMBOLS_SYMTAB | SYMBOLS_DYNSYM), "sources recorded");
	symbols_release(&s);
}

/*
 * Every function of the whole fixture is named the same through `other`;
 * or, with want_all false, the fixture's global ones (-rdynamic puts them
 * in .dynsym) are, and its file-local pf_local is not named at all.
 */
static bool same_names(const struct symbols *full, const struct symbols *other, bool want_all)
{
	for (size_t i = 0; i < full->n; i++) {
		const struct symbol *sym = &full->syms[i];
		const char *name = full->names + sym->name, *want, *got;
		uint64_t last = sym->value + sym->size - 1, off;
		bool local = strcmp(name, "pf_local") == 0;

		if (!want_all && strncmp(name, "pf_", 3) != 0)
			continue;	// the C runtime's own, local or not
		got = symbols_lookup(other, last, &off);
		want = symbols_lookup(full, last, &off);
		if (!want_all && local ? got != NULL : !got || strcmp(got, want) != 0)
			return false;
	}
	return true;
}

static void test_stripped(void)
{
	struct symbols full, stripped;

	if (load("sym-fixture", &full, SYMBOLS_SYMTAB) < 0 ||
	    load("sym-fixture-stripped", &stripped, SYMBOLS_SYMTAB) < 0) {
		SKIP("no stripped fixture");
		return;
	}
	ok(!(stripped.sources & SYMBOLS_SYMTAB), "stripped: no .symtab");
	ok(same_names(&full, &stripped, false),
	   "stripped: exported functions named, file-local ones not (not even by a neighbour)");
	symbols_release(&full);
	symbols_release(&stripped);
}

/* The MiniDebugInfo path as objmap takes it: section, xz, ELF, .symtab. */
static void test_minidebug(void)
{
	struct symbols full, mini;
	uint8_t *xz, *raw;
	size_t xzlen, rawlen;
	struct elf e, inner;
	int fd;

	if (load("sym-fixture", &full, SYMBOLS_SYMTAB) < 0 ||
	    open_fixture("sym-fixture-mini", &e, &fd) < 0) {
		SKIP("no MiniDebugInfo fixture");
		return;
	}
	symbols_init(&mini);
	ok(elf_section_copy(&e, ".gnu_debugdata", 1 << 20, &xz, &xzlen) == 0, "has .gnu_debugdata");
	ok(xz_decode(xz, xzlen, 64 << 20, &raw, &rawlen) == 0, "it decompresses");
	free(raw);
	ok(xz_decode(xz, xzlen, rawlen - 1, &raw, &rawlen) == -PF_ELIMIT && !raw,
	   "bounded: one byte less is refused");
	xz_decode(xz, xzlen, 64 << 20, &raw, &rawlen);
	ok(elf_open_mem(&inner, raw, rawlen) == 0 &&
	   symbols_add(&mini, &inner, false, SYMBOLS_MINIDEBUG) == 0, "its .symtab reads");
	symbols_add(&mini, &e, true, SYMBOLS_DYNSYM);
	symbols_finish(&mini);
	ok(same_names(&full, &mini, true), "MiniDebugInfo names every function again");
	elf_release(&inner);
	free(raw);
	ok(xz_decode(xz, xzlen / 2, 64 << 20, &raw, &rawlen) == -PF_EFORMAT && !raw,
	   "a truncated stream is an error");
	ok(xz_decode((const uint8_t *)"not xz at all", 13, 1024, &raw, &rawlen) == -PF_EFORMAT,
	   "not xz is an error");
	free(xz);
	elf_release(&e);
	close(fd);
	symbols_release(&mini);
	symbols_release(&full);
}

static void test_debuglink(void)
{
	char name[256], path[PATH_MAX + 64];
	struct symbols full, linked;
	struct elf e, dbg;
	struct stat st;
	uint32_t crc;
	int fd, dfd;

	if (load("sym-fixture", &full, SYMBOLS_SYMTAB) < 0 ||
	    open_fixture("sym-fixture-linked", &e, &fd) < 0) {
		SKIP("no debug-link fixture");
		return;
	}
	ok(elf_debuglink(&e, name, sizeof name, &crc) == 0 &&
	   strcmp(name, "sym-fixture-linked.debug") == 0, "the link names the debug file");
	ok(elf_debuglink(&e, name, 8, &crc) == -PF_ELIMIT, "a name too long for the buffer");
	snprintf(path, sizeof path, "%s/tests/unit/sym-fixture-linked", dir);
	fstat(fd, &st);
	dfd = debugfile_open(getpid(), path, &e, &st);
	ok(dfd >= 0, "found beside the object, CRC checked");
	symbols_init(&linked);
	if (dfd >= 0 && elf_open_fd(&dbg, dfd) == 0) {
		symbols_add(&linked, &dbg, false, SYMBOLS_DEBUGFILE);
		elf_release(&dbg);
	}
	symbols_finish(&linked);
	ok(same_names(&full, &linked, true), "the debug file names every function");
	ok(debugfile_open(getpid(), "/nonexistent/dir/sym-fixture-linked", &e, &st) == -PF_ENOENT,
	   "elsewhere, no debug file");
	if (dfd >= 0)
		close(dfd);
	elf_release(&e);
	close(fd);
	symbols_release(&linked);
	symbols_release(&full);
}

static void test_build_id(void)
{
	static const uint8_t id[] = { 0xab, 0xcd, 0xef, 0x01 };
	uint8_t got[ELF_BUILD_ID_MAX];
	char path[PATH_MAX];
	struct elf e;
	size_t len;
	int fd;

	ok(debugfile_build_id_path(id, sizeof id, path, sizeof path) == 0 &&
	   strcmp(path, "/usr/lib/debug/.build-id/ab/cdef01.debug") == 0, "build-id path");
	ok(debugfile_build_id_path(id, 1, path, sizeof path) == -PF_EINVAL, "a 1-byte id is refused");
	ok(debugfile_build_id_path(id, sizeof id, path, 20) == -PF_ELIMIT, "no room");
	if (open_fixture("sym-fixture", &e, &fd) < 0) {
		SKIP("no sym-fixture");
		return;
	}
	ok(elf_build_id(&e, got, &len) == 0 && len == 20, "the linker's 20-byte build-id");
	elf_release(&e);
	close(fd);
}

/* A real library stripped to .dynsym: exported names only, and an address
 * just past one is not given its name. */
static void test_real_stripped(void)
{
	const char *path = "/usr/lib/x86_64-linux-gnu/libz.so.1";
	struct symbols s;
	struct elf e;
	uint64_t v, size, off;
	const char *n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || elf_open_fd(&e, fd) < 0) {
		SKIP("no %s", path);
		return;
	}
	symbols_init(&s);
	symbols_add(&s, &e, false, SYMBOLS_SYMTAB);
	symbols_add(&s, &e, true, SYMBOLS_DYNSYM);
	symbols_finish(&s);
	ok(symbols_find(&s, "deflate", &v, &size) == 0 && names(&s, v + 10, "deflate", 10),
	   "libz: deflate by .dynsym");
	n = symbols_lookup(&s, v + size, &off);
	ok(!n || (symbols_find(&s, n, &v, &size) == 0 && off < size),
	   "the byte after deflate: another function that contains it, or nothing");
	elf_release(&e);
	close(fd);
	symbols_release(&s);
}

static void test_demangle(void)
{
	char *s;

	ok((s = demangle_cxx("_ZN3foo3barEi")) && strcmp(s, "foo::bar(int)") == 0,
	   "C++ name demangled");
	free(s);
	ok((s = demangle_cxx("_ZN3foo3barEi.cold")) && strstr(s, "foo::bar(int)") &&
	   strstr(s, ".cold"), "clone suffix kept");
	free(s);
	ok(demangle_cxx("deflate") == NULL, "a C name is left alone");
	ok(demangle_cxx("_Zgarbage(") == NULL, "garbage is left alone");
}

int main(void)
{
	const char *d = getenv("top_builddir");

	if (!realpath(d && *d ? d : ".", dir))
		snprintf(dir, sizeof dir, ".");
	test_bounds();
	test_stripped();
	test_minidebug();
	test_debuglink();
	test_build_id();
	test_real_stripped();
	test_demangle();
	return done_testing();
}
