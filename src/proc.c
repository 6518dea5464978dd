/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proc.c - reads from /proc/PID: whole files, the task list, task states,
 * the exe link, and files opened inside the target's root.
 */
#include "compat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "inroot.h"
#include "proc.h"
#include "xalloc.h"

#define PROC_MAX_READ (64u << 20)
#define PF_KTHREAD_FLAG 0x00200000u	// PF_KTHREAD, include/linux/sched.h

/* An O_PATH fd of the directory /proc/PID; -PF_EGONE if there is none. */
static int open_pid_dir(pid_t pid)
{
	char path[64];
	int fd;

	snprintf(path, sizeof path, "/proc/%d", (int)pid);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	if (errno == ENOENT)
		return pf_fail(PF_EGONE, "process %d is gone", (int)pid);
	return pf_fail_errno("cannot open '%s'", path);
}

/* Read fd to its end into `out`, at most PROC_MAX_READ bytes. */
static int read_all(int fd, const char *what, struct strbuf *out)
{
	for (;;) {
		ssize_t n;

		if (out->len > PROC_MAX_READ)
			return pf_fail(PF_ELIMIT, "'%s' is larger than %u MiB",
				       what, PROC_MAX_READ >> 20);
		strbuf_grow(out, 65536);
		n = read(fd, out->buf + out->len, out->cap - out->len - 1);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return pf_fail_errno("cannot read '%s'", what);
		}
		out->len += (size_t)n;
		out->buf[out->len] = '\0';
	}
}

int proc_read(pid_t pid, const char *name, struct strbuf *out)
{
	int dir, fd, rc;

	strbuf_reset(out);
	if ((dir = open_pid_dir(pid)) < 0)
		return dir;
	fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = pf_fail_errno("cannot open '/proc/%d/%s'", (int)pid, name);
		goto out_dir;
	}
	rc = read_all(fd, name, out);
	close(fd);
out_dir:
	close(dir);
	if (rc < 0)
		strbuf_reset(out);
	return rc;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

/* A directory name made only of digits, as a TID; 0 if it is not one. */
static pid_t parse_tid(const char *name)
{
	long v = 0;

	if (!*name)
		return 0;
	for (; *name; name++) {
		if (*name < '0' || *name > '9' || v > 0x3fffffff)
			return 0;
		v = v * 10 + (*name - '0');
	}
	return (pid_t)v;
}

/* Collect the TIDs of an open task directory (closed here). */
static void collect_tids(DIR *d, pid_t **tids, size_t *count)
{
	struct dirent *de;
	size_t cap = 0;

	while ((de = readdir(d)) != NULL) {
		pid_t tid = parse_tid(de->d_name);

		if (tid <= 0)
			continue;
		XGROW(*tids, cap, *count + 1);
		(*tids)[(*count)++] = tid;
	}
	closedir(d);
}

int proc_list_tasks(pid_t pid, pid_t **tids, size_t *count)
{
	int dir, fd;
	DIR *d;

	*tids = NULL;
	*count = 0;
	if ((dir = open_pid_dir(pid)) < 0)
		return dir;
	fd = openat(dir, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(dir);
	if (fd < 0)
		return pf_fail_errno("cannot open '/proc/%d/task'", (int)pid);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return pf_fail_errno("cannot read '/proc/%d/task'", (int)pid);
	}
	collect_tids(d, tids, count);
	if (*count == 0)
		return pf_fail(PF_EGONE, "process %d has no tasks", (int)pid);
	qsort(*tids, *count, sizeof **tids, cmp_pid);
	return 0;
}

/*
 * The fields of a stat line after "(comm)": the command name may hold
 * spaces and parentheses, so look for the last ')'.
 */
static const char *stat_fields(const struct strbuf *sb)
{
	const char *paren = NULL;

	for (size_t i = 0; i < sb->len; i++)
		if (sb->buf[i] == ')')
			paren = sb->buf + i;
	if (!paren || paren[1] != ' ' || paren[2] == '\0')
		return NULL;
	return paren + 2;
}

int proc_task_state(pid_t pid, pid_t tid, char *state)
{
	struct strbuf sb;
	const char *f;
	char name[64];
	int rc;

	strbuf_init(&sb);
	snprintf(name, sizeof name, "task/%d/stat", (int)tid);
	rc = proc_read(pid, name, &sb);
	if (rc == -PF_ENOENT)
		rc = pf_fail(PF_EGONE, "thread %d of process %d is gone",
			     (int)tid, (int)pid);
	if (rc < 0)
		goto out;
	if (!(f = stat_fields(&sb))) {
		rc = pf_fail(PF_EFORMAT, "'/proc/%d/%s': no state field",
			     (int)pid, name);
		goto out;
	}
	*state = f[0];
out:
	strbuf_release(&sb);
	return rc;
}

/*
 * Turn an O_PATH fd of a regular file into a readable one. Opening a device
 * or a FIFO can block or have side effects, so the type is checked on the
 * O_PATH fd first, and only then is the same inode reopened.
 */
static int reopen_regular(int pathfd, const char *path)
{
	char self[64];
	struct stat st;
	int fd;

	if (fstat(pathfd, &st) < 0)
		return pf_fail_errno("cannot stat '%s'", path);
	if (!S_ISREG(st.st_mode))
		return pf_fail(PF_EINVAL, "'%s' is not a regular file", path);
	snprintf(self, sizeof self, "/proc/self/fd/%d", pathfd);
	fd = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return pf_fail_errno("cannot open '%s'", path);
	return fd;
}

/* readlink relative to a /proc/PID directory, growing `out` until it fits. */
static int readlink_all(int dir, const char *name, pid_t pid, struct strbuf *out)
{
	size_t size = 256;

	for (;;) {
		ssize_t n;

		strbuf_grow(out, size);
		n = readlinkat(dir, name, out->buf, out->cap - 1);
		if (n < 0)
			return pf_fail_errno("cannot read '/proc/%d/%s'", (int)pid, name);
		if ((size_t)n < out->cap - 1) {
			out->len = (size_t)n;
			out->buf[n] = '\0';
			return 0;
		}
		strbuf_reset(out);	// readlink wrote past len
		if (out->cap >= PROC_MAX_READ)
			return pf_fail(PF_ELIMIT, "'/proc/%d/%s' is too long", (int)pid, name);
		size = out->cap * 2;
	}
}

/*
 * Paths in /proc/PID/maps are spelled from our root. A chrooted target's
 * root link names its root from ours too: strip it, or opening the path
 * inside that root would apply it twice.
 */
static const char *path_in_root(int dir, pid_t pid, const char *path)
{
	struct strbuf root;
	const char *rel = path;
	size_t n;

	strbuf_init(&root);
	if (readlink_all(dir, "root", pid, &root) == 0 && (n = root.len) > 1 &&
	    strncmp(path, root.buf, n) == 0 && path[n] == '/')
		rel = path + n;
	strbuf_release(&root);
	return rel;
}

int proc_open_in_root(pid_t pid, const char *path)
{
	int dir, root, pathfd, fd;

	if (path[0] != '/')
		return pf_fail(PF_EINVAL, "'%s' is not an absolute path", path);
	if ((dir = open_pid_dir(pid)) < 0)
		return dir;
	path = path_in_root(dir, pid, path);
	root = openat(dir, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	close(dir);
	if (root < 0)
		return pf_fail_errno("cannot open '/proc/%d/root'", (int)pid);
	pathfd = inroot_open(root, path);
	if (pathfd < 0) {
		fd = pf_fail_errno("cannot open '%s' in the root of process %d",
				   path, (int)pid);
		goto out_root;
	}
	fd = reopen_regular(pathfd, path);
	close(pathfd);
out_root:
	close(root);
	return fd;
}

int proc_open_task(pid_t pid, pid_t tid, const char *name)
{
	char path[96];
	int fd, dir;

	snprintf(path, sizeof path, "/proc/%d/task/%d", (int)pid, (int)tid);
	dir = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0) {
		if (errno == ENOENT)
			return pf_fail(PF_EGONE, "thread %d of process %d is gone",
				       (int)tid, (int)pid);
		return pf_fail_errno("cannot open '%s'", path);
	}
	fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = pf_fail_errno("cannot open '%s/%s'", path, name);
	close(dir);
	return fd;
}

int proc_open_map_file(pid_t pid, uint64_t start, uint64_t end)
{
	char name[96];
	int dir, fd;

	if ((dir = open_pid_dir(pid)) < 0)
		return dir;
	snprintf(name, sizeof name, "map_files/%" PRIx64 "-%" PRIx64, start, end);
	fd = openat(dir, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = pf_fail_errno("cannot open '/proc/%d/%s'", (int)pid, name);
	close(dir);
	return fd;
}

int proc_exe(pid_t pid, struct strbuf *out)
{
	int dir, rc;

	strbuf_reset(out);
	if ((dir = open_pid_dir(pid)) < 0)
		return dir;
	rc = readlink_all(dir, "exe", pid, out);
	close(dir);
	return rc;
}

/* The seventh field after "(comm)", the task flags. */
static bool stat_flags(const char *f, unsigned long *flags)
{
	char *end;

	for (int i = 0; i < 6; i++) {
		f = strchr(f, ' ');
		if (!f)
			return false;
		f++;
	}
	*flags = strtoul(f, &end, 10);
	return end != f;
}

bool proc_is_kernel_thread(pid_t pid)
{
	struct strbuf sb;
	unsigned long flags = 0;
	const char *f;
	bool kthread = false;

	strbuf_init(&sb);
	if (proc_read(pid, "stat", &sb) == 0 && (f = stat_fields(&sb)) &&
	    stat_flags(f, &flags))
		kthread = (flags & PF_KTHREAD_FLAG) != 0;
	strbuf_release(&sb);
	return kthread;
}
