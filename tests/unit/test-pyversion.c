/* SPDX-License-Identifier: Apache-2.0 */
/* test-pyversion.c - versions from file names, from PY_VERSION bytes, and formatting. */
#include "compat.h"

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pyversion.h"
#include "strbuf.h"
#include "tap.h"

#define V(maj, min, mic, lvl, ser) \
	((uint32_t)(maj) << 24 | (uint32_t)(min) << 16 | (uint32_t)(mic) << 8 | (lvl) << 4 | (ser))

static void test_names(void)
{
	static const struct {
		const char *name;
		uint32_t want;
	} cases[] = {
		{ "python3.11", 0x030b00f0 },
		{ "python3.11-dbg", 0x030b00f0 },
		{ "python3.13t", 0x030d00f0 },
		{ "python2.7", 0x020700f0 },
		{ "libpython3.6m.so.1.0", 0x030600f0 },
		{ "libpython2.7.so.1.0", 0x020700f0 },
		{ "libpython3.12.so.1.0", 0x030c00f0 },
		{ "python3.9", 0x030900f0 },
		{ "python3", 0 },
		{ "python", 0 },
		{ "python3.", 0 },
		{ "python3.x", 0 },
		{ "python3.123", 0 },
		{ "python4.1", 0 },
		{ "ld-linux-x86-64.so.2", 0 },
		{ "bash", 0 },
		{ "mypython3.11", 0 },
		{ "", 0 },
	};

	for (size_t i = 0; i < PF_ARRAY_SIZE(cases); i++) {
		uint32_t got = pyversion_from_name(cases[i].name);

		ok(got == cases[i].want, "from_name('%s') = 0x%08x (want 0x%08x)",
		   cases[i].name, got, cases[i].want);
	}
}

/* Scan a literal (sizeof includes the final NUL of the literal itself). */
#define SCAN(lit, want) pyversion_scan((const uint8_t *)(lit), sizeof(lit) - 1, (want))

static void test_scan(void)
{
	ok(SCAN("xx\0" "3.11.7\0" "yy", 0x030b00f0) == V(3, 11, 7, 0xf, 0), "plain 3.11.7");
	ok(SCAN("/root/.pyenv/versions/3.9.18\0", 0x030900f0) == V(3, 9, 18, 0xf, 0),
	   "version as the tail of a longer string");
	ok(SCAN("3.13.0rc1\0", 0x030d00f0) == V(3, 13, 0, 0xc, 1), "rc form");
	ok(SCAN("3.14.0a2\0", 0x030e00f0) == V(3, 14, 0, 0xa, 2), "alpha form");
	ok(SCAN("3.14.0b1\0", 0x030e00f0) == V(3, 14, 0, 0xb, 1), "beta form");
	ok(SCAN("3.12.1+\0", 0x030c00f0) == V(3, 12, 1, 0xf, 0), "'+' (after a release)");
	ok(SCAN("3.13.0rc2+\0", 0x030d00f0) == V(3, 13, 0, 0xc, 2), "rc with '+'");
	ok(SCAN("2.7.18\0", 0x020700f0) == V(2, 7, 18, 0xf, 0), "2.7");
	ok(SCAN("3.11.7\0" "3.11.8\0", 0x030b00f0) == 0, "two different candidates give 0");
	ok(SCAN("3.11.7\0" "x3.11.7\0", 0x030b00f0) == V(3, 11, 7, 0xf, 0),
	   "the same version twice is one candidate");
	ok(SCAN("3.10.2\0" "3.11.7\0" "3.1.4\0", 0x030b00f0) == V(3, 11, 7, 0xf, 0),
	   "candidates of another minor are ignored");
	ok(SCAN("3.11.7\0", 0x030c00f0) == 0, "no candidate of the wanted minor");
	ok(SCAN("3.11.7", 0x030b00f0) == 0, "no NUL after the text: no match");
	ok(SCAN("3.11.7 (main)\0", 0x030b00f0) == 0, "text after the version: no match");
	ok(SCAN("3.11.123\0", 0x030b00f0) == 0, "three-digit micro rejected");
	ok(SCAN("3.111.1\0", 0x036f00f0) == 0, "three-digit minor rejected");
	ok(SCAN("4.11.1\0", 0x040b00f0) == 0, "major must be 2 or 3");
	ok(SCAN("3.11.7c1\0", 0x030b00f0) == 0, "'c' alone is no release tag");
	ok(SCAN("3.11.7a\0", 0x030b00f0) == 0, "tag without serial");
	ok(SCAN("3.11.7rc16\0", 0x030b00f0) == 0, "serial over 15 rejected");
	ok(SCAN("13.11.7\0", 0x030b00f0) == V(3, 11, 7, 0xf, 0),
	   "any byte may precede the major digit");
	ok(SCAN("\0.11.7\0" ".7\0" "7\0" "\0", 0x030b00f0) == 0,
	   "fragments at the buffer's start do not read before it");
	ok(pyversion_scan(NULL, 0, 0x030b00f0) == 0, "empty buffer");
}

static void test_format(void)
{
	static const struct {
		uint32_t v;
		const char *want;
	} cases[] = {
		{ 0x030b07f0, "3.11.7" },
		{ 0x030d00c1, "3.13.0rc1" },
		{ 0x030e00a2, "3.14.0a2" },
		{ 0x030e00b1, "3.14.0b1" },
		{ 0x02071200, "0x02071200" },
		{ 0x020712f0, "2.7.18" },
	};
	char buf[32];

	for (size_t i = 0; i < PF_ARRAY_SIZE(cases); i++) {
		pyversion_format(cases[i].v, buf, sizeof buf);
		ok(strcmp(buf, cases[i].want) == 0, "format 0x%08x = '%s'", cases[i].v, buf);
	}
	pyversion_format(0x030b07f0, buf, 4);
	ok(strcmp(buf, "3.1") == 0, "format truncates to the buffer");
}

/* A whole file in a malloc'd buffer, or NULL. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long size = 0;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)size);
		if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	*len = (size_t)size;
	return buf;
}

/* Debian's static 3.11.2: its PY_VERSION must be the only 3.11 candidate. */
static void test_real_python(void)
{
	const char *path = "/usr/bin/python3.11";
	size_t len;
	uint8_t *buf;

	if (access(path, R_OK) != 0) {
		printf("ok %d # SKIP %s absent\n", ++tap_count, path);
		return;
	}
	buf = slurp(path, &len);
	ok(buf && pyversion_scan(buf, len, 0x030b00f0) == 0x030b02f0,
	   "scan of %s finds 3.11.2", path);
	free(buf);
}

/* Each pyenv libpython holds exactly one PY_VERSION of its own minor. */
static void test_pyenv_lib(const char *root, const char *ver)
{
	unsigned major, minor, micro;
	struct strbuf pattern;
	glob_t g;
	size_t len;
	uint8_t *buf;

	if (sscanf(ver, "%u.%u.%u", &major, &minor, &micro) != 3)
		return;
	strbuf_init(&pattern);
	strbuf_addf(&pattern, "%s/versions/%s/lib/libpython%u.%u*.so.1.0",
		    root, ver, major, minor);
	if (glob(pattern.buf, 0, NULL, &g) != 0) {
		printf("ok %d # SKIP no %s\n", ++tap_count, pattern.buf);
		strbuf_release(&pattern);
		return;
	}
	buf = slurp(g.gl_pathv[0], &len);
	ok(buf && pyversion_scan(buf, len, V(major, minor, 0, 0xf, 0)) ==
	   V(major, minor, micro, 0xf, 0), "scan of %s finds %s", g.gl_pathv[0], ver);
	free(buf);
	globfree(&g);
	strbuf_release(&pattern);
}

/* The pyenv root: $PYENV_ROOT, else $HOME/.pyenv. */
static void pyenv_root(struct strbuf *out)
{
	const char *root = getenv("PYENV_ROOT"), *home = getenv("HOME");

	if (root && *root)
		strbuf_addstr(out, root);
	else
		strbuf_addf(out, "%s/.pyenv", home ? home : "/nonexistent");
}

static void test_pyenv(void)
{
	struct strbuf root, pattern;
	glob_t g;

	strbuf_init(&root);
	strbuf_init(&pattern);
	pyenv_root(&root);
	strbuf_addf(&pattern, "%s/versions/*.*.*", root.buf);
	if (glob(pattern.buf, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			test_pyenv_lib(root.buf, strrchr(g.gl_pathv[i], '/') + 1);
		globfree(&g);
	} else {
		printf("ok %d # SKIP no pyenv versions under %s\n", ++tap_count, root.buf);
	}
	strbuf_release(&root);
	strbuf_release(&pattern);
}

int main(void)
{
	test_names();
	test_scan();
	test_format();
	test_real_python();
	test_pyenv();
	return done_testing();
}
