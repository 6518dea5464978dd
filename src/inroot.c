/* SPDX-License-Identifier: Apache-2.0 */
/*
 * inroot.c - open a path inside a root directory: openat2 RESOLVE_IN_ROOT,
 * or a component-by-component walk where the kernel lacks it.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "inroot.h"
#include "strbuf.h"
#include "xalloc.h"

#define OPENAT2_RETRIES 8
#define MAX_LINKS 40		// as the kernel's MAXSYMLINKS

/* openat2 with RESOLVE_IN_ROOT, retried when a rename race makes it EAGAIN. */
static int openat2_in_root(int rootfd, const char *path)
{
	struct open_how how;
	long fd = -1;

	memset(&how, 0, sizeof how);
	how.flags = O_PATH | O_CLOEXEC;
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	for (int i = 0; i < OPENAT2_RETRIES; i++) {
		fd = syscall(SYS_openat2, rootfd, path, &how, sizeof how);
		if (fd >= 0 || errno != EAGAIN)
			break;
	}
	return (int)fd;
}

/*
 * The walk keeps a stack of O_PATH fds, one per directory entered below the
 * root: ".." pops one (never the root itself) and a component pushes one.
 * What is left to resolve lives in `rest`; a symlink's text is put in front
 * of it, after popping to the root when the text is absolute.
 */
struct walk {
	int root;
	int *fds;
	size_t depth, cap;
	struct strbuf rest;
	size_t pos;		// next unread byte of rest
};

static int top(const struct walk *w)
{
	return w->depth ? w->fds[w->depth - 1] : w->root;
}

static void pop(struct walk *w)
{
	if (w->depth)
		close(w->fds[--w->depth]);
}

static void push(struct walk *w, int fd)
{
	XGROW(w->fds, w->cap, w->depth + 1);
	w->fds[w->depth++] = fd;
}

/* The next component of rest into `name` (NUL-terminated); false at the end. */
static bool next_component(struct walk *w, struct strbuf *name)
{
	const char *s = w->rest.buf;
	size_t start;

	while (w->pos < w->rest.len && s[w->pos] == '/')
		w->pos++;
	if (w->pos >= w->rest.len)
		return false;
	start = w->pos;
	while (w->pos < w->rest.len && s[w->pos] != '/')
		w->pos++;
	strbuf_reset(name);
	strbuf_add(name, s + start, w->pos - start);
	return true;
}

/* Replace rest by the link text `link` followed by what was still unread. */
static void splice_link(struct walk *w, const struct strbuf *link)
{
	struct strbuf next;

	strbuf_init(&next);
	strbuf_add(&next, link->buf, link->len);
	strbuf_addch(&next, '/');
	strbuf_add(&next, w->rest.buf + w->pos, w->rest.len - w->pos);
	strbuf_release(&w->rest);
	w->rest = next;
	w->pos = 0;
	if (link->buf[0] == '/')
		while (w->depth)
			pop(w);
}

/* The text of the symlink open as `fd` (O_PATH|O_NOFOLLOW) into `out`. */
static int read_link(int fd, struct strbuf *out)
{
	ssize_t n;

	strbuf_reset(out);
	strbuf_grow(out, PATH_MAX);
	n = readlinkat(fd, "", out->buf, out->cap - 1);
	if (n < 0)
		return -1;
	if ((size_t)n >= out->cap - 1) {
		errno = ENAMETOOLONG;
		return -1;
	}
	out->len = (size_t)n;
	out->buf[n] = '\0';
	return 0;
}

/* One component: enter it, follow it if it is a link. -1 with errno on error. */
static int step(struct walk *w, const char *name, int *links, struct strbuf *link)
{
	struct stat st;
	int fd;

	if (strcmp(name, ".") == 0)
		return 0;
	if (strcmp(name, "..") == 0) {
		pop(w);
		return 0;
	}
	fd = openat(top(w), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISLNK(st.st_mode)) {
		push(w, fd);
		return 0;
	}
	if (++*links > MAX_LINKS) {
		errno = ELOOP;
		goto fail;
	}
	if (read_link(fd, link) < 0)
		goto fail;
	close(fd);
	splice_link(w, link);
	return 0;
fail:
	close(fd);
	return -1;
}

int inroot_open_walk(int rootfd, const char *path)
{
	struct walk w = { .root = rootfd };
	struct strbuf name, link;
	int links = 0, fd = -1, saved;

	strbuf_init(&w.rest);
	strbuf_init(&name);
	strbuf_init(&link);
	strbuf_add(&w.rest, path, strlen(path));
	while (next_component(&w, &name))
		if (step(&w, name.buf, &links, &link) < 0)
			goto out;
	fd = fcntl(top(&w), F_DUPFD_CLOEXEC, 0);
out:
	saved = errno;
	while (w.depth)
		pop(&w);
	free(w.fds);
	strbuf_release(&w.rest);
	strbuf_release(&name);
	strbuf_release(&link);
	errno = saved;
	return fd;
}

int inroot_open(int rootfd, const char *path)
{
	int fd = openat2_in_root(rootfd, path);

	if (fd < 0 && (errno == ENOSYS || errno == EPERM))
		fd = inroot_open_walk(rootfd, path);
	return fd;
}
