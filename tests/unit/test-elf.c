/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-elf.c - the ELF reader against fixtures built with the tests (PIE and
 * non-PIE, checked against a running copy), this program, real interpreters,
 * and truncated or corrupted images.
 */
#include "compat.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "elf.h"
#include "err.h"
#include "maps.h"
#include "proc.h"
#include "strbuf.h"
#include "tap.h"

#define SKIP(...) do { \
	printf("ok %d # SKIP ", ++tap_count); \
	printf(__VA_ARGS__); \
	printf("\n"); \
} while (0)

/* ------------------------------------------------------------ common code */

static bool rc_sane(int rc)
{
	return rc == 0 || (rc <= -PF_EFORMAT && rc >= -PF_EEXEC);
}

/* A whole file in a malloc'd buffer, or NULL. */
static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && st.st_size > 0 && (buf = malloc((size_t)st.st_size)) &&
	    pread(fd, buf, (size_t)st.st_size, 0) != (ssize_t)st.st_size) {
		free(buf);
		buf = NULL;
	}
	close(fd);
	*len = buf ? (size_t)st.st_size : 0;
	return buf;
}

static int open_path(struct elf *e, const char *path, int *fd)
{
	memset(e, 0, sizeof *e);	// so that close_elf() is safe either way
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return -PF_ENOENT;
	return elf_open_fd(e, *fd);
}

static void close_elf(struct elf *e, int fd)
{
	elf_release(e);
	if (fd >= 0)
		close(fd);
}

/* The value of `name` read from the file through its segments. */
static int read_u32_at(struct elf *e, const char *name, uint32_t *out)
{
	uint64_t value, off;
	int rc;

	if ((rc = elf_symbol(e, name, &value, NULL)) < 0 ||
	    (rc = elf_vaddr_to_offset(e, value, &off)) < 0)
		return rc;
	return elf_read(e, off, out, sizeof *out);
}

/* The load bias of `path` in process `pid`, the way the profiler finds it. */
static int load_bias(pid_t pid, const char *path, const struct elf *e, uint64_t *bias,
		     struct maps *mp)
{
	struct strbuf sb;
	uint64_t base = 0, vaddr = 0;
	int rc;

	strbuf_init(&sb);
	if ((rc = proc_read(pid, "maps", &sb)) == 0 && (rc = maps_parse(mp, sb.buf, sb.len)) == 0 &&
	    (rc = maps_find_base(mp, path, &base)) == 0 && (rc = elf_load_vaddr(e, &vaddr)) == 0)
		*bias = e->type == ET_EXEC ? 0 : base - vaddr;
	strbuf_release(&sb);
	return rc;
}

/* ------------------------------------------------------------ fixtures */

static const char *const fixture_syms[] = {
	"pf_fixture_version", "pf_fixture_data", "pf_fixture_bss",
	"pf_fixture_func", "pf_fixture_local", "main",
};

/* A running fixture and the addresses it printed. */
struct fixture {
	char *path;		/* realpath, as /proc/PID/maps shows it */
	pid_t pid;
	FILE *out;		/* its stdout */
	int hold;		/* its stdin: closing it ends the fixture */
	uint64_t addr[PF_ARRAY_SIZE(fixture_syms)];
	uint64_t bias;
};

static void fixture_line(struct fixture *fx, const char *line)
{
	char name[64];
	unsigned long long v;

	if (sscanf(line, "%63s %llx", name, &v) != 2)
		return;
	if (strcmp(name, "bias") == 0)
		fx->bias = v;
	for (size_t i = 0; i < PF_ARRAY_SIZE(fixture_syms); i++)
		if (strcmp(name, fixture_syms[i]) == 0)
			fx->addr[i] = v;
}

static bool fixture_start(struct fixture *fx, const char *path)
{
	int out[2], in[2];
	char line[256];

	memset(fx, 0, sizeof *fx);
	fx->path = realpath(path, NULL);
	if (!fx->path || pipe2(out, O_CLOEXEC) != 0 || pipe2(in, O_CLOEXEC) != 0)
		return false;
	fx->pid = fork();
	if (fx->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		execl(fx->path, fx->path, "addresses", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	close(in[0]);
	fx->hold = in[1];
	fx->out = fdopen(out[0], "r");
	while (fx->out && fgets(line, sizeof line, fx->out)) {
		if (strcmp(line, "end\n") == 0)
			return true;
		fixture_line(fx, line);
	}
	return false;
}

static void fixture_stop(struct fixture *fx)
{
	if (fx->hold > 0)
		close(fx->hold);
	if (fx->out)
		fclose(fx->out);
	if (fx->pid > 0)
		waitpid(fx->pid, NULL, 0);
	free(fx->path);
}

/* Every symbol's file value plus the bias is where the running copy has it. */
static void check_fixture_symbols(struct elf *e, const struct fixture *fx, uint64_t bias,
				  const char *what)
{
	size_t matched = 0;

	for (size_t i = 0; i < PF_ARRAY_SIZE(fixture_syms); i++) {
		uint64_t value = 0;
		int rc = elf_symbol(e, fixture_syms[i], &value, NULL);

		if (rc == 0 && value + bias == fx->addr[i] && fx->addr[i] != 0)
			matched++;
		else
			printf("# %s: %s value 0x%llx + 0x%llx, runs at 0x%llx\n", what,
			       fixture_syms[i], (unsigned long long)value,
			       (unsigned long long)bias, (unsigned long long)fx->addr[i]);
	}
	ok(matched == PF_ARRAY_SIZE(fixture_syms), "%s: all %zu symbols at their run-time addresses",
	   what, PF_ARRAY_SIZE(fixture_syms));
}

/* Sizes, file contents through the segments, sections, undefined symbols. */
static void check_fixture_static(struct elf *e, const char *what)
{
	uint64_t value = 0, size = 0, v2 = 0, off = 0, addr = 0, ssize = 0;
	uint32_t version = 0;
	uint64_t data = 0;
	int rc;

	rc = read_u32_at(e, "pf_fixture_version", &version);
	ok(rc == 0 && version == 0x030b07f0, "%s: const read from the file: 0x%08x", what, version);
	rc = elf_symbol(e, "pf_fixture_version", &value, &size);
	ok(rc == 0 && size == 4, "%s: its size is 4", what);
	ok(elf_section(e, ".rodata", &addr, NULL, &ssize) == 0 && value >= addr &&
	   value - addr < ssize, "%s: it lies in .rodata", what);
	rc = elf_symbol(e, "pf_fixture_data", &value, &size);
	ok(rc == 0 && size == 8 && elf_vaddr_to_offset(e, value, &off) == 0 &&
	   elf_read(e, off, &data, sizeof data) == 0 && data == 0x1122334455667788,
	   "%s: initialised data read from the file", what);
	rc = elf_symbol(e, "pf_fixture_bss", &value, &size);
	ok(rc == 0 && size == 64 && elf_vaddr_to_offset(e, value, &off) == -PF_ENOENT,
	   "%s: .bss has no file bytes", what);
	ok(elf_section(e, ".bss", &addr, NULL, &ssize) == 0 && value >= addr && value - addr < ssize,
	   "%s: the bss symbol lies in .bss", what);
	rc = elf_symbol(e, "pf_fixture_func", &value, &size);
	ok(rc == 0 && size > 0 && elf_section(e, ".text", &addr, &off, &ssize) == 0 &&
	   value >= addr && value - addr < ssize, "%s: the function lies in .text", what);
	ok(elf_symbol(e, "pf_fixture_local", &v2, &size) == 0 && size == sizeof(int),
	   "%s: a file-local symbol from .symtab", what);
	ok(elf_symbol(e, "fflush", &value, NULL) == -PF_ENOENT, "%s: an import is undefined: -PF_ENOENT",
	   what);
	ok(elf_symbol(e, "no_such_symbol", NULL, NULL) == -PF_ENOENT, "%s: unknown symbol", what);
	ok(elf_section(e, ".no-such-section", NULL, NULL, NULL) == -PF_ENOENT, "%s: unknown section",
	   what);
	ok(elf_read(e, e->size - 4, &version, 4) == 0 && elf_read(e, e->size - 3, &version, 4) == -PF_EFORMAT &&
	   elf_read(e, UINT64_MAX - 1, &version, 4) == -PF_EFORMAT, "%s: elf_read stops at the end", what);
}

/* The non-PIE fixture's first mapping is read-only; code starts above it. */
static void check_separate_code(const struct maps *mp, const char *path, uint64_t base)
{
	const struct map_entry *first = NULL;
	bool code_above = false;

	for (size_t i = 0; i < mp->count; i++) {
		const struct map_entry *m = &mp->entries[i];

		if (strcmp(m->path, path) != 0)
			continue;
		if (!first)
			first = m;
		code_above |= (m->perms & MAP_PERM_X) && m->offset != 0 && m->start > base;
	}
	ok(first && first->start == base && !(first->perms & MAP_PERM_X) && code_above,
	   "separate code: base is the r--p mapping, r-x lies above");
}

static void test_fixture(const char *dir, const char *name, bool pie)
{
	struct strbuf path;
	struct fixture fx;
	struct maps mp;
	struct elf e;
	uint64_t vaddr = 1, bias = 0;
	int fd, rc;

	strbuf_init(&path);
	strbuf_addf(&path, "%s/tests/unit/%s", dir, name);
	maps_init(&mp);
	rc = open_path(&e, path.buf, &fd);
	ok(rc == 0, "open %s", path.buf);
	if (rc < 0)
		goto out;
	ok(e.type == (pie ? ET_DYN : ET_EXEC), "%s: type %u", name, e.type);
	rc = elf_load_vaddr(&e, &vaddr);
	ok(rc == 0 && vaddr == (pie ? 0 : 0x400000), "%s: load vaddr 0x%llx", name,
	   (unsigned long long)vaddr);
	check_fixture_static(&e, name);
	if (ok(fixture_start(&fx, path.buf), "%s runs and prints its addresses", name)) {
		rc = load_bias(fx.pid, fx.path, &e, &bias, &mp);
		ok(rc == 0 && bias == fx.bias, "%s: bias from maps 0x%llx = the program's own 0x%llx",
		   name, (unsigned long long)bias, (unsigned long long)fx.bias);
		check_fixture_symbols(&e, &fx, bias, name);
		if (!pie)
			check_separate_code(&mp, fx.path, 0x400000);
	}
	fixture_stop(&fx);
	close_elf(&e, fd);
out:
	maps_release(&mp);
	strbuf_release(&path);
}

/* ------------------------------------------------------------ this program */

int main(void);

static int self_local(int x)
{
	return x + 42;
}

static void test_self(void)
{
	struct maps mp;
	struct elf e;
	char *exe = realpath("/proc/self/exe", NULL);
	uint64_t bias = 0, main_v = 0, local_v = 0;
	int fd, rc;

	maps_init(&mp);
	rc = open_path(&e, "/proc/self/exe", &fd);
	ok(rc == 0 && (e.type == ET_DYN || e.type == ET_EXEC), "open /proc/self/exe");
	if (rc == 0) {
		rc = load_bias(getpid(), exe, &e, &bias, &mp);
		ok(rc == 0, "our load bias: 0x%llx", (unsigned long long)bias);
		ok(elf_symbol(&e, "main", &main_v, NULL) == 0 &&
		   main_v + bias == (uint64_t)(uintptr_t)&main, "main is where it runs");
		ok(elf_symbol(&e, "self_local", &local_v, NULL) == 0 &&
		   local_v + bias == (uint64_t)(uintptr_t)&self_local && self_local(0) == 42,
		   "a static function is where it runs");
	}
	close_elf(&e, fd);
	maps_release(&mp);
	free(exe);
}

/* ------------------------------------------------------------ real interpreters */

static void test_debian_python(void)
{
	const char *path = "/usr/bin/python3.11";
	uint64_t vaddr = 0, v = 0, addr = 1;
	uint32_t version = 0;
	struct elf e;
	int fd, rc;

	if (access(path, R_OK) != 0) {
		SKIP("%s absent", path);
		return;
	}
	rc = open_path(&e, path, &fd);
	ok(rc == 0 && e.type == ET_EXEC, "%s is ET_EXEC", path);
	if (rc < 0)
		return;
	ok(elf_load_vaddr(&e, &vaddr) == 0 && vaddr == 0x400000, "%s loads at 0x400000", path);
	ok(elf_symbol(&e, "_PyRuntime", &v, NULL) == 0 &&
	   elf_section(&e, ".PyRuntime", &addr, NULL, NULL) == 0 && v == addr,
	   "%s: _PyRuntime is the .PyRuntime section", path);
	ok(elf_symbol(&e, "PyInterpreterState_Head", NULL, NULL) == 0, "%s: PyInterpreterState_Head", path);
	rc = read_u32_at(&e, "Py_Version", &version);
	ok(rc == 0 && version == 0x030b02f0, "%s: Py_Version 0x%08x", path, version);
	ok(elf_section(&e, ".symtab", NULL, NULL, NULL) == -PF_ENOENT &&
	   elf_section(&e, ".dynsym", NULL, NULL, NULL) == 0, "%s: stripped, .dynsym only", path);
	ok(elf_symbol(&e, "interp_head", NULL, NULL) == -PF_ENOENT, "%s: no static symbols", path);
	close_elf(&e, fd);
}

static void pyenv_root(struct strbuf *out)
{
	const char *root = getenv("PYENV_ROOT"), *home = getenv("HOME");

	if (root && *root)
		strbuf_addstr(out, root);
	else
		strbuf_addf(out, "%s/.pyenv", home ? home : "/nonexistent");
}

static void test_pyenv_libpython(void)
{
	struct strbuf path;
	uint64_t vaddr = 1, v = 0, addr = 1, size = 0;
	uint32_t version = 0;
	struct elf e;
	int fd, rc;

	strbuf_init(&path);
	pyenv_root(&path);
	strbuf_addstr(&path, "/versions/3.11.7/lib/libpython3.11.so.1.0");
	if (access(path.buf, R_OK) != 0) {
		SKIP("%s absent", path.buf);
		strbuf_release(&path);
		return;
	}
	rc = open_path(&e, path.buf, &fd);
	ok(rc == 0 && e.type == ET_DYN, "pyenv libpython3.11 is ET_DYN");
	if (rc == 0) {
		ok(elf_load_vaddr(&e, &vaddr) == 0 && vaddr == 0, "libpython3.11: load vaddr 0");
		rc = read_u32_at(&e, "Py_Version", &version);
		ok(rc == 0 && version == 0x030b07f0, "libpython3.11: Py_Version 0x%08x", version);
		ok(elf_symbol(&e, "_PyRuntime", &v, NULL) == 0 &&
		   elf_section(&e, ".PyRuntime", &addr, NULL, NULL) == 0 && v == addr,
		   "libpython3.11: _PyRuntime is the .PyRuntime section");
		ok(elf_symbol(&e, "pymain_init", &v, NULL) == 0 &&
		   elf_section(&e, ".text", &addr, NULL, &size) == 0 && v >= addr && v - addr < size,
		   "libpython3.11: a static function from .symtab lies in .text");
	}
	close_elf(&e, fd);
	strbuf_release(&path);
}

/* ------------------------------------------------------------ hostile images */

static int insane;	/* results that were neither 0 nor a PF code */

static void note(int rc)
{
	if (!rc_sane(rc))
		insane++;
}

/* Use every entry point on an opened image. */
static void exercise(struct elf *e)
{
	static const char *const names[] = { "pf_fixture_version", "main", "pf_fixture_local", "zz" };
	uint64_t v, s, a, o;
	uint8_t b[16];
	int rc;

	for (size_t i = 0; i < PF_ARRAY_SIZE(names); i++) {
		note(rc = elf_symbol(e, names[i], &v, &s));
		if (rc < 0)
			continue;
		note(rc = elf_vaddr_to_offset(e, v, &o));
		if (rc == 0)
			note(elf_read(e, o, b, sizeof b));
	}
	note(rc = elf_section(e, ".text", &a, &o, &s));
	if (rc == 0)
		note(elf_read(e, o, b, s < sizeof b ? (size_t)s : sizeof b));
	note(elf_load_vaddr(e, &v));
}

/* Open an exact-size copy (so ASan sees any over-read) and exercise it. */
static int try_image(const uint8_t *img, size_t len)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct elf e;
	int rc;

	memcpy(copy, img, len);
	rc = elf_open_mem(&e, copy, len);
	note(rc);
	if (rc == 0)
		exercise(&e);
	elf_release(&e);
	free(copy);
	return rc;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, sizeof v); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, sizeof v); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, sizeof v); }

static Elf64_Ehdr ehdr_of(const uint8_t *img)
{
	Elf64_Ehdr eh;

	memcpy(&eh, img, sizeof eh);
	return eh;
}

/* File position of the header of the first section of `type`, or 0. */
static size_t shdr_pos(const uint8_t *img, uint32_t type)
{
	Elf64_Ehdr eh = ehdr_of(img);

	for (size_t i = 0; i < eh.e_shnum; i++) {
		size_t pos = eh.e_shoff + i * sizeof(Elf64_Shdr);
		Elf64_Shdr sh;

		memcpy(&sh, img + pos, sizeof sh);
		if (sh.sh_type == type)
			return pos;
	}
	return 0;
}

static Elf64_Shdr shdr_of(const uint8_t *img, size_t pos)
{
	Elf64_Shdr sh;

	memcpy(&sh, img + pos, sizeof sh);
	return sh;
}

/* The section header that `pos`'s sh_link names. */
static size_t linked_pos(const uint8_t *img, size_t pos)
{
	return ehdr_of(img).e_shoff + shdr_of(img, pos).sh_link * sizeof(Elf64_Shdr);
}

static void fill_section(uint8_t *img, size_t pos, uint8_t byte)
{
	Elf64_Shdr sh = shdr_of(img, pos);

	memset(img + sh.sh_offset, byte, sh.sh_size);
}

#define EH(field) offsetof(Elf64_Ehdr, field)
#define SH(field) offsetof(Elf64_Shdr, field)
#define PH(field) offsetof(Elf64_Phdr, field)

/* Patches to the header fields; each must make elf_open_mem fail as given. */
static void test_bad_headers(const uint8_t *img, size_t len, uint8_t *work)
{
	Elf64_Ehdr eh = ehdr_of(img);
	size_t sh_str = eh.e_shoff + (size_t)eh.e_shstrndx * sizeof(Elf64_Shdr);
	const struct {
		size_t pos, width;
		uint64_t value;
		int want;
		const char *what;
	} cases[] = {
		{ 0, 1, 0x7e, -PF_EFORMAT, "bad magic" },
		{ EI_CLASS, 1, ELFCLASS32, -PF_EFORMAT, "ELFCLASS32" },
		{ EI_DATA, 1, ELFDATA2MSB, -PF_EFORMAT, "big-endian" },
		{ EI_VERSION, 1, 0, -PF_EFORMAT, "bad ident version" },
		{ EH(e_machine), 2, EM_AARCH64, -PF_EFORMAT, "another machine" },
		{ EH(e_shoff), 8, 0xffffffffffffff00ULL, -PF_EFORMAT, "e_shoff huge" },
		{ EH(e_shoff), 8, len - 8, -PF_EFORMAT, "e_shoff near the end" },
		{ EH(e_shnum), 2, 0xffff, -PF_EFORMAT, "e_shnum huge" },
		{ EH(e_shentsize), 2, 40, -PF_EFORMAT, "e_shentsize wrong" },
		{ EH(e_shstrndx), 2, eh.e_shnum, -PF_EFORMAT, "e_shstrndx out of range" },
		{ EH(e_phoff), 8, 0xfffffffffffffff0ULL, -PF_EFORMAT, "e_phoff huge" },
		{ EH(e_phnum), 2, 0xfffe, -PF_EFORMAT, "e_phnum huge" },
		{ EH(e_phnum), 2, PN_XNUM, -PF_ELIMIT, "e_phnum PN_XNUM" },
		{ EH(e_phentsize), 2, 32, -PF_EFORMAT, "e_phentsize wrong" },
		{ sh_str + SH(sh_offset), 8, len + 1, -PF_EFORMAT, ".shstrtab offset past the end" },
		{ sh_str + SH(sh_size), 8, len, -PF_EFORMAT, ".shstrtab size past the end" },
		{ sh_str + SH(sh_size), 8, 1ULL << 40, -PF_ELIMIT, ".shstrtab size over the limit" },
		{ sh_str + SH(sh_type), 4, SHT_NOBITS, -PF_EFORMAT, ".shstrtab without bytes" },
	};

	for (size_t i = 0; i < PF_ARRAY_SIZE(cases); i++) {
		int rc;

		memcpy(work, img, len);
		memcpy(work + cases[i].pos, &cases[i].value, cases[i].width);
		rc = try_image(work, len);
		ok(rc == cases[i].want, "%s: %d", cases[i].what, rc);
	}
}

/* Patches to segments and extended section numbering. */
static void test_bad_segments(const uint8_t *img, size_t len, uint8_t *work)
{
	Elf64_Ehdr eh = ehdr_of(img);
	size_t ph = 0;

	for (size_t i = 0; i < eh.e_phnum; i++) {	// the first PT_LOAD
		Elf64_Phdr p;

		memcpy(&p, img + eh.e_phoff + i * sizeof p, sizeof p);
		if (p.p_type == PT_LOAD) {
			ph = eh.e_phoff + i * sizeof p;
			break;
		}
	}
	memcpy(work, img, len);
	put64(work + ph + PH(p_offset), len);
	ok(try_image(work, len) == -PF_EFORMAT, "PT_LOAD offset past the end");
	memcpy(work, img, len);
	put64(work + ph + PH(p_filesz), UINT64_MAX);
	ok(try_image(work, len) == -PF_EFORMAT, "PT_LOAD size wraps");
	memcpy(work, img, len);
	put64(work + ph + PH(p_vaddr), UINT64_MAX - 0x10);
	ok(try_image(work, len) == -PF_EFORMAT, "PT_LOAD address wraps");
}

/* Extended numbering: the counts move into section header 0. */
static void test_extended_numbering(const uint8_t *img, size_t len, uint8_t *work)
{
	Elf64_Ehdr eh = ehdr_of(img);
	int rc;

	memcpy(work, img, len);
	put16(work + EH(e_shnum), 0);
	put64(work + eh.e_shoff + SH(sh_size), eh.e_shnum);
	rc = try_image(work, len);
	ok(rc == 0, "extended section count read from section header 0");
	put64(work + eh.e_shoff + SH(sh_size), 0x10000);
	ok(try_image(work, len) == -PF_ELIMIT, "extended section count over the limit");
	memcpy(work, img, len);
	put16(work + EH(e_shstrndx), SHN_XINDEX);
	put32(work + eh.e_shoff + SH(sh_link), eh.e_shstrndx);
	ok(try_image(work, len) == 0, "extended section-name index read from section header 0");

	memcpy(work, img, len);
	put64(work + EH(e_shoff), 0);
	rc = try_image(work, len);
	ok(rc == 0, "no section headers still opens");
}

/* Open a patched image and look a symbol up in it. */
static int lookup_in(uint8_t *work, size_t len, const char *name, uint64_t *value)
{
	struct elf e;
	int rc = elf_open_mem(&e, work, len);

	if (rc == 0) {
		rc = elf_symbol(&e, name, value, NULL);
		exercise(&e);
	}
	elf_release(&e);
	return rc;
}

/* The position of the .dynsym entry called `name`, or 0. */
static size_t dynsym_entry(const uint8_t *img, size_t dyn, const char *name)
{
	Elf64_Shdr ds = shdr_of(img, dyn), str = shdr_of(img, linked_pos(img, dyn));

	for (size_t pos = ds.sh_offset; pos + sizeof(Elf64_Sym) <= ds.sh_offset + ds.sh_size;
	     pos += sizeof(Elf64_Sym)) {
		Elf64_Sym sym;

		memcpy(&sym, img + pos, sizeof sym);
		if (sym.st_name + strlen(name) < str.sh_size &&
		    strcmp((const char *)img + str.sh_offset + sym.st_name, name) == 0)
			return pos;
	}
	return 0;
}

/*
 * A defined symbol whose name runs to the end of .dynstr without a NUL does
 * not match, while the same name with a NUL after it does.
 */
static void test_unterminated_name(const uint8_t *img, size_t len, uint8_t *work, size_t dyn)
{
	size_t pos = dynsym_entry(img, dyn, "pf_fixture_version");
	Elf64_Shdr str = shdr_of(img, linked_pos(img, dyn));
	uint64_t v;

	ok(pos != 0, "pf_fixture_version is in .dynsym");
	if (!pos)
		return;
	memcpy(work, img, len);
	fill_section(work, linked_pos(img, dyn), 'p');
	fill_section(work, linked_pos(img, shdr_pos(img, SHT_SYMTAB)), 'p');
	put32(work + pos + offsetof(Elf64_Sym, st_name), (uint32_t)(str.sh_size - 3));
	ok(lookup_in(work, len, "ppp", &v) == -PF_ENOENT, "a name without its NUL does not match");
	work[str.sh_offset + str.sh_size - 1] = '\0';
	ok(lookup_in(work, len, "pp", &v) == 0, "the same name with its NUL matches");
}

static void test_bad_symtabs(const uint8_t *img, size_t len, uint8_t *work)
{
	size_t dyn = shdr_pos(img, SHT_DYNSYM), sym = shdr_pos(img, SHT_SYMTAB);
	Elf64_Ehdr eh = ehdr_of(img);
	uint64_t good = 0, v = 0;

	ok(dyn && sym, "the PIE fixture has .dynsym and .symtab");
	if (!dyn || !sym)
		return;
	memcpy(work, img, len);
	ok(lookup_in(work, len, "pf_fixture_version", &good) == 0, "pristine copy: symbol found");

	memcpy(work, img, len);
	put64(work + dyn + SH(sh_offset), len - 8);
	ok(lookup_in(work, len, "pf_fixture_version", &v) == -PF_EFORMAT, ".dynsym offset past the end");
	memcpy(work, img, len);
	put32(work + dyn + SH(sh_link), 0xffff);
	ok(lookup_in(work, len, "pf_fixture_version", &v) == -PF_EFORMAT, ".dynsym link out of range");
	memcpy(work, img, len);
	put32(work + dyn + SH(sh_link), (uint32_t)((dyn - eh.e_shoff) / sizeof(Elf64_Shdr)));
	ok(lookup_in(work, len, "pf_fixture_version", &v) == -PF_EFORMAT, ".dynsym linked to itself");
	memcpy(work, img, len);
	put64(work + dyn + SH(sh_entsize), 23);
	ok(lookup_in(work, len, "pf_fixture_version", &v) == -PF_EFORMAT, ".dynsym entry size 23");
	memcpy(work, img, len);
	put64(work + dyn + SH(sh_size), shdr_of(img, dyn).sh_size - 1);
	ok(lookup_in(work, len, "pf_fixture_version", &v) == -PF_EFORMAT, ".dynsym size not whole entries");
	memcpy(work, img, len);
	put64(work + linked_pos(img, dyn) + SH(sh_size), 1ULL << 40);
	ok(lookup_in(work, len, "pf_fixture_version", &v) == -PF_ELIMIT, ".dynstr over the limit");
}

/* String tables whose strings lack their NUL. */
static void test_bad_strtabs(const uint8_t *img, size_t len, uint8_t *work)
{
	size_t dyn = shdr_pos(img, SHT_DYNSYM), sym = shdr_pos(img, SHT_SYMTAB);
	Elf64_Ehdr eh = ehdr_of(img);
	uint64_t good = 0, v = 0;

	if (!dyn || !sym)
		return;	// reported by test_bad_symtabs()
	memcpy(work, img, len);
	lookup_in(work, len, "pf_fixture_version", &good);

	/* no NUL in either string table: no name can match, nothing over-reads */
	memcpy(work, img, len);
	fill_section(work, linked_pos(img, dyn), 'p');
	fill_section(work, linked_pos(img, sym), 'p');
	ok(lookup_in(work, len, "pf_fixture_version", &v) == -PF_ENOENT,
	   "string tables without NUL: -PF_ENOENT");
	test_unterminated_name(img, len, work, dyn);
	/* only .dynstr broken: .symtab still answers */
	memcpy(work, img, len);
	fill_section(work, linked_pos(img, dyn), 'p');
	ok(lookup_in(work, len, "pf_fixture_version", &v) == 0 && v == good,
	   "broken .dynstr: found through .symtab");
	/* section names without NUL: sections unnamed, symbols still found by type */
	memcpy(work, img, len);
	fill_section(work, eh.e_shoff + (size_t)eh.e_shstrndx * sizeof(Elf64_Shdr), 'p');
	ok(lookup_in(work, len, "pf_fixture_version", &v) == 0 && v == good,
	   ".shstrtab without NUL: symbols still found");
}

static void test_truncated(const uint8_t *img, size_t len)
{
	Elf64_Ehdr eh = ehdr_of(img);
	size_t shend = eh.e_shoff + (size_t)eh.e_shnum * sizeof(Elf64_Shdr);
	size_t refused = 0, before = 0;

	for (size_t n = 0; n < len; n++) {
		int rc = try_image(img, n);

		if (n < shend) {
			before++;
			refused += rc == -PF_EFORMAT;
		}
	}
	ok(before > 0 && refused == before, "all %zu copies cut before the section headers end refused",
	   before);
	ok(try_image(img, len) == 0, "the whole image opens");
}

/* Deterministic random byte flips in the headers and symbol tables. */
static void test_random_flips(const uint8_t *img, size_t len, uint8_t *work)
{
	Elf64_Ehdr eh = ehdr_of(img);
	size_t dyn = shdr_pos(img, SHT_DYNSYM);
	Elf64_Shdr ds = shdr_of(img, dyn);
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	int opened = 0;

	for (int iter = 0; iter < 4000; iter++) {
		memcpy(work, img, len);
		for (int k = 0; k < 1 + iter % 4; k++) {
			size_t pos;

			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			if (x % 4 == 0)		// ELF and program headers
				pos = (x >> 8) % (eh.e_phoff + eh.e_phnum * sizeof(Elf64_Phdr));
			else if (x % 4 == 1)	// section headers
				pos = eh.e_shoff + (x >> 8) % (len - eh.e_shoff);
			else if (x % 4 == 2)	// .dynsym
				pos = ds.sh_offset + (x >> 8) % ds.sh_size;
			else
				pos = (x >> 8) % len;
			work[pos] ^= (uint8_t)(1u << ((x >> 40) % 8));
		}
		opened += try_image(work, len) == 0;
	}
	ok(insane == 0, "4000 corrupted images: every result 0 or a PF code (%d opened)", opened);
}

static void test_misc(void)
{
	static const char text[] = "hello, not an ELF file\n";
	struct elf e;
	FILE *f = tmpfile();
	int rc;

	ok(elf_open_mem(&e, text, sizeof text) == -PF_EFORMAT, "text is not ELF");
	elf_release(&e);
	ok(elf_open_mem(&e, text, 0) == -PF_EFORMAT, "an empty buffer is not ELF");
	elf_release(&e);
	ok(elf_open_mem(&e, text, (size_t)ELF_MAX_FILE + 1) == -PF_ELIMIT, "a file over 2 GiB refused");
	elf_release(&e);
	rc = f && fputs(text, f) >= 0 && fflush(f) == 0 ? elf_open_fd(&e, fileno(f)) : -1;
	ok(rc == -PF_EFORMAT, "a text file through elf_open_fd: %s", pf_last_error());
	elf_release(&e);
	ok(elf_open_fd(&e, -1) < 0 && e.fd == -1, "a bad fd fails");
	elf_release(&e);
	if (f)
		fclose(f);
}

static void test_hostile(const char *dir)
{
	struct strbuf path;
	size_t len = 0;
	uint8_t *img, *work;

	strbuf_init(&path);
	strbuf_addf(&path, "%s/tests/unit/elf-fixture-pie", dir);
	img = slurp(path.buf, &len);
	ok(img != NULL && len > sizeof(Elf64_Ehdr), "read %s (%zu bytes)", path.buf, len);
	if (img && len > sizeof(Elf64_Ehdr)) {
		work = malloc(len);
		test_truncated(img, len);
		test_bad_headers(img, len, work);
		test_bad_segments(img, len, work);
		test_extended_numbering(img, len, work);
		test_bad_symtabs(img, len, work);
		test_bad_strtabs(img, len, work);
		test_random_flips(img, len, work);
		free(work);
	}
	free(img);
	strbuf_release(&path);
}

/* .eh_frame_hdr: built by hand, then this program's own. */
static void test_ehhdr(void)
{
	uint8_t hdr[28] = { 1, 0x1b, 0x03, 0x3b };
	int32_t rel = -0x100;
	uint32_t count = 2;
	struct elf_ehhdr eh;
	struct elf e;
	uint64_t vaddr, size, off, ehf;
	uint8_t *buf;
	int fd;

	memcpy(hdr + 4, &rel, 4);
	memcpy(hdr + 8, &count, 4);
	ok(elf_ehhdr_parse(hdr, sizeof hdr, 0x10000, &eh) == 0 && eh.eh_frame == 0x10000 + 4 - 0x100 &&
	   eh.table == 0x10000 + 12 && eh.fde_count == 2, ".eh_frame_hdr: pc-relative pointer, table");
	ok(elf_ehhdr_parse(hdr, 27, 0x10000, &eh) == -PF_EFORMAT, "a table past its end");
	ok(elf_ehhdr_parse(hdr, 6, 0x10000, &eh) == -PF_EFORMAT, "a pointer past its end");
	hdr[3] = 0x03;
	ok(elf_ehhdr_parse(hdr, sizeof hdr, 0, &eh) == -PF_EUNSUPPORTED, "another table encoding");
	hdr[3] = 0xff;
	ok(elf_ehhdr_parse(hdr, sizeof hdr, 0, &eh) == -PF_ENOENT, "no table");
	hdr[3] = 0x3b;
	hdr[0] = 2;
	ok(elf_ehhdr_parse(hdr, sizeof hdr, 0, &eh) == -PF_EUNSUPPORTED, "version 2");
	hdr[0] = 1;
	hdr[1] = 0x09;
	ok(elf_ehhdr_parse(hdr, sizeof hdr, 0, &eh) == -PF_EUNSUPPORTED, "a LEB128 pointer");
	count = 0;
	hdr[1] = 0x1b;
	memcpy(hdr + 8, &count, 4);
	ok(elf_ehhdr_parse(hdr, sizeof hdr, 0, &eh) == -PF_ENOENT, "no entries");

	fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || elf_open_fd(&e, fd) < 0)
		return;
	ok(elf_eh_frame_hdr(&e, &vaddr, &size) == 0 && elf_vaddr_to_offset(&e, vaddr, &off) == 0,
	   "this program has an .eh_frame_hdr");
	buf = malloc(size);
	memset(&eh, 0, sizeof eh);
	ok(buf && elf_read(&e, off, buf, size) == 0 && elf_ehhdr_parse(buf, size, vaddr, &eh) == 0,
	   "it parses");
	ok(elf_section(&e, ".eh_frame", &ehf, NULL, NULL) == 0 && eh.eh_frame == ehf &&
	   eh.fde_count > 10, "it points at .eh_frame, with %llu entries",
	   (unsigned long long)eh.fde_count);
	ok(elf_exec_range(&e, &vaddr, &size) == 0 && vaddr < size, "an executable segment");
	free(buf);
	elf_release(&e);
	close(fd);
}

int main(void)
{
	const char *dir = getenv("top_builddir");

	if (!dir || !*dir)
		dir = ".";
	alarm(300);	// a fixture that never ends fails the test instead of hanging it
	test_fixture(dir, "elf-fixture-pie", true);
	test_fixture(dir, "elf-fixture-nopie", false);
	test_self();
	test_debian_python();
	test_pyenv_libpython();
	test_misc();
	test_hostile(dir);
	test_ehhdr();
	return done_testing();
}
