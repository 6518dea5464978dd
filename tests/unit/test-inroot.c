/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test-inroot.c - paths resolved inside a root never leave it: the kernel's
 * openat2 and the user-space walk give the same file for every path here.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inroot.h"
#include "tap.h"

static char base[] = "/tmp/pf-inroot-XXXXXX";
static char outside[PATH_MAX];

static void put(const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", base, rel);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		abort();
}

static void dir(const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", base, rel);
	if (mkdir(path, 0700) < 0)
		abort();
}

static void link_(const char *target, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", base, rel);
	if (symlink(target, path) < 0)
		abort();
}

/*
 * The tree: base/outside.txt lies outside base/root; inside the root,
 * a/b/file.txt, a/top.txt ("root"), and links that try to leave.
 */
static void build_tree(void)
{
	if (!mkdtemp(base))
		abort();
	snprintf(outside, sizeof outside, "%s/outside.txt", base);
	put("outside.txt", "outside");
	dir("root");
	dir("root/a");
	dir("root/a/b");
	put("root/a/b/file.txt", "file");
	put("root/outside.txt", "inside");
	put("root/a/top.txt", "top");
	link_("/outside.txt", "root/abs");		/* absolute: restarts at root */
	link_(outside, "root/host");			/* our path, not the root's */
	link_("../../../../outside.txt", "root/a/up");	/* .. stops at root */
	link_("b", "root/a/rel");
	link_("/a/b/../top.txt", "root/a/b/back");
	link_("loop2", "root/loop1");
	link_("loop1", "root/loop2");
	link_("/proc/self/root/outside.txt", "root/magic");
}

/* The first bytes of the file behind an O_PATH fd ("" if it cannot be read). */
static const char *contents(int pathfd, char *buf, size_t size)
{
	char self[64];
	ssize_t n;
	int fd;

	buf[0] = '\0';
	snprintf(self, sizeof self, "/proc/self/fd/%d", pathfd);
	fd = open(self, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return buf;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

typedef int (*opener)(int, const char *);

/* Open `path` under the root with `open_fn`; its contents, or "E<errno>". */
static const char *resolve(opener open_fn, int root, const char *path,
			   char *buf, size_t size)
{
	int fd = open_fn(root, path);

	if (fd < 0) {
		snprintf(buf, size, "E%d", errno);
		return buf;
	}
	contents(fd, buf, size);
	close(fd);
	return buf;
}

static const struct {
	const char *path, *want;
} cases[] = {
	{ "/a/b/file.txt", "file" },
	{ "a/b/file.txt", "file" },
	{ "//a/./b//file.txt", "file" },
	{ "/../../outside.txt", "inside" },
	{ "/a/b/../../../outside.txt", "inside" },
	{ "/abs", "inside" },
	{ "/host", "E2" },		/* looked up inside the root: ENOENT */
	{ "/a/up", "inside" },
	{ "/a/rel/file.txt", "file" },
	{ "/a/b/back", "top" },
	{ "/a/rel/../top.txt", "top" },
	{ "/magic", "E2" },		/* /proc is looked up inside the root */
	{ "/missing", "E2" },		/* ENOENT */
	{ "/a/top.txt/x", "E20" },	/* ENOTDIR */
	{ "/loop1", "E40" },		/* ELOOP */
};

static void check(const char *name, opener open_fn, int root)
{
	char buf[64];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = resolve(open_fn, root, cases[i].path, buf, sizeof buf);

		ok(strcmp(got, cases[i].want) == 0, "%s: %s -> %s (got %s)", name,
		   cases[i].path, cases[i].want, got);
	}
}

static void cleanup(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove %s\n", base);
}

int main(void)
{
	char root_path[PATH_MAX];
	int root;

	build_tree();
	snprintf(root_path, sizeof root_path, "%s/root", base);
	root = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		abort();
	check("walk", inroot_open_walk, root);
	check("inroot_open", inroot_open, root);
	close(root);
	cleanup();
	return done_testing();
}
