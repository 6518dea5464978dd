/* SPDX-License-Identifier: Apache-2.0 */
/*
 * debugfile.c - locate a stripped object's separate debug file by build-id
 * or by .gnu_debuglink, and check it is the right one.
 */
#include "compat.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crc32.h"
#include "debugfile.h"
#include "err.h"
#include "proc.h"

#define CRC_CHUNK 65536

int debugfile_build_id_path(const uint8_t *id, size_t len, char *out, size_t cap)
{
	size_t at;
	int n;

	if (len < 2)
		return pf_fail(PF_EINVAL, "build-id of %zu bytes", len);
	n = snprintf(out, cap, DEBUGFILE_ROOT "/.build-id/%02x/", id[0]);
	if (n < 0 || (size_t)n + 2 * (len - 1) + sizeof ".debug" > cap)
		return pf_fail(PF_ELIMIT, "build-id path too long");
	at = (size_t)n;
	for (size_t i = 1; i < len; i++)
		at += (size_t)snprintf(out + at, cap - at, "%02x", id[i]);
	memcpy(out + at, ".debug", sizeof ".debug");
	return 0;
}

/* An open debug file if its build-id is `want`. */
static int open_if_build_id(pid_t pid, const char *path, const uint8_t *want, size_t len)
{
	uint8_t id[ELF_BUILD_ID_MAX];
	size_t idlen;
	struct elf e;
	int fd = proc_open_in_root(pid, path), rc;

	if (fd < 0)
		return fd;
	rc = elf_open_fd(&e, fd);
	if (rc == 0) {
		rc = elf_build_id(&e, id, &idlen);
		if (rc == 0 && (idlen != len || memcmp(id, want, len) != 0))
			rc = pf_fail(PF_ENOENT, "'%s' has another build-id", path);
		elf_release(&e);
	}
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

static int by_build_id(pid_t pid, const struct elf *obj)
{
	uint8_t id[ELF_BUILD_ID_MAX];
	char path[PATH_MAX];
	size_t len;
	int rc;

	if ((rc = elf_build_id(obj, id, &len)) < 0 ||
	    (rc = debugfile_build_id_path(id, len, path, sizeof path)) < 0)
		return rc;
	return open_if_build_id(pid, path, id, len);
}

/* CRC-32 of the whole file behind fd. */
static int file_crc(int fd, uint32_t *crc)
{
	uint8_t buf[CRC_CHUNK];
	off_t off = 0;

	*crc = 0;
	for (;;) {
		ssize_t n = pread(fd, buf, sizeof buf, off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return pf_fail_errno("cannot read a debug file");
		if (n == 0)
			return 0;
		*crc = crc32_update(*crc, buf, (size_t)n);
		off += n;
	}
}

/* fd of `path` if its CRC is `want` and it is not the object itself. */
static int open_if_crc(pid_t pid, const char *path, uint32_t want, const struct stat *self)
{
	struct stat st;
	uint32_t crc;
	int fd = proc_open_in_root(pid, path), rc;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) == 0 && st.st_dev == self->st_dev && st.st_ino == self->st_ino)
		rc = pf_fail(PF_ENOENT, "'%s' links to itself", path);
	else if ((rc = file_crc(fd, &crc)) == 0 && crc != want)
		rc = pf_fail(PF_ENOENT, "'%s' has another CRC", path);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

/* The directory part of `path` ("" for "/x"), into dir[0..cap). */
static int dir_of(const char *path, char *dir, size_t cap)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;

	if (n >= cap)
		return pf_fail(PF_ELIMIT, "path too long");
	memcpy(dir, path, n);
	dir[n] = '\0';
	return 0;
}

/* Candidate `i` (0..2) for link `name` of an object in `dir`. */
static bool candidate(int i, const char *dir, const char *name, char *out, size_t cap)
{
	int n;

	if (i == 0)
		n = snprintf(out, cap, "%s/%s", dir, name);
	else if (i == 1)
		n = snprintf(out, cap, "%s/.debug/%s", dir, name);
	else
		n = snprintf(out, cap, DEBUGFILE_ROOT "%s/%s", dir, name);
	return n > 0 && (size_t)n < cap;
}

static int by_debuglink(pid_t pid, const char *path, const struct elf *obj,
			const struct stat *self)
{
	char name[NAME_MAX + 1], dir[PATH_MAX], cand[PATH_MAX];
	uint32_t crc;
	int rc, fd = -PF_ENOENT;

	if ((rc = elf_debuglink(obj, name, sizeof name, &crc)) < 0 ||
	    (rc = dir_of(path, dir, sizeof dir)) < 0)
		return rc;
	for (int i = 0; i < 3 && fd < 0 && fd != -PF_EGONE; i++)
		if (candidate(i, dir, name, cand, sizeof cand))
			fd = open_if_crc(pid, cand, crc, self);
	return fd;
}

int debugfile_open(pid_t pid, const char *path, const struct elf *obj,
		   const struct stat *self)
{
	int fd = by_build_id(pid, obj);

	if (fd >= 0 || fd == -PF_EGONE)
		return fd;
	fd = by_debuglink(pid, path, obj, self);
	if (fd >= 0 || fd == -PF_EGONE)
		return fd;
	return pf_fail(PF_ENOENT, "no debug file for '%s'", path);
}
