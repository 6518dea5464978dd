/* SPDX-License-Identifier: Apache-2.0 */
/*
 * remote.c - reads of the target's memory: process_vm_readv, then
 * /proc/PID/mem, then PTRACE_PEEKDATA when refused; or an in-memory image.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

#include "err.h"
#include "remote.h"

#define IOV_BATCH 256		/* ranges per process_vm_readv call */
#define REFUSED 1		/* a backend said no: try the next one */
#define WORD 8			/* PTRACE_PEEKDATA reads a long */

typedef unsigned long long ull;	// for printing addresses

static int open_mem(struct remote *r)
{
	char path[64];

	snprintf(path, sizeof path, "/proc/%d/mem", (int)r->pid);
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd >= 0) {
		r->kind = REMOTE_PROC_MEM;
		return 0;
	}
	if (errno == EACCES || errno == EPERM) {
		r->kind = REMOTE_PEEK;
		return 0;
	}
	if (errno == ENOENT)
		return pf_fail(PF_EGONE, "process %d is gone", (int)r->pid);
	return pf_fail_errno("cannot open '%s'", path);
}

int remote_open_kind(struct remote *r, pid_t pid, enum remote_kind kind)
{
	memset(r, 0, sizeof *r);
	r->fd = -1;
	r->pid = pid;
	r->kind = kind;
	if (pid <= 0)
		return pf_fail(PF_EINVAL, "no process %d to read", (int)pid);
	if (kind == REMOTE_IMAGE)
		return pf_fail(PF_EINVAL, "an image is opened with remote_open_image");
	return kind == REMOTE_PROC_MEM ? open_mem(r) : 0;
}

int remote_open(struct remote *r, pid_t pid)
{
	return remote_open_kind(r, pid, REMOTE_VM_READV);
}

void remote_open_image(struct remote *r, const struct remote_region *regions, size_t n)
{
	memset(r, 0, sizeof *r);
	r->fd = -1;
	r->kind = REMOTE_IMAGE;
	r->regions = regions;
	r->nregions = n;
}

void remote_close(struct remote *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

/* ------------------------------------------------------ process_vm_readv */

static int vm_error(const struct remote *r, uint64_t addr)
{
	int e = errno;

	if (e == EPERM || e == ENOSYS)
		return REFUSED;
	if (e == EFAULT || e == EINVAL)	// EINVAL: a length read from the target overflows
		return pf_fail(PF_ETORN, "cannot read 0x%llx of process %d", (ull)addr, (int)r->pid);
	return pf_fail_errno("process_vm_readv of process %d", (int)r->pid);
}

/* Up to IOV_BATCH ranges in one call; anything short is a torn read. */
static int vm_batch(const struct remote *r, const struct remote_iov *iov, size_t n)
{
	struct iovec local[IOV_BATCH], far[IOV_BATCH];
	size_t want = 0;
	ssize_t got;

	for (size_t i = 0; i < n; i++) {
		local[i].iov_base = iov[i].buf;
		local[i].iov_len = iov[i].len;
		far[i].iov_base = (void *)(uintptr_t)iov[i].addr;
		far[i].iov_len = iov[i].len;
		want += iov[i].len;
	}
	got = process_vm_readv(r->pid, local, n, far, n, 0);
	if (got < 0)
		return vm_error(r, iov[0].addr);
	if ((size_t)got != want)
		return pf_fail(PF_ETORN, "short read of process %d (%zd of %zu bytes)",
			       (int)r->pid, got, want);
	return 0;
}

static int vm_readv(const struct remote *r, const struct remote_iov *iov, size_t n)
{
	int rc;

	for (size_t done = 0; done < n; done += IOV_BATCH) {
		size_t k = n - done < IOV_BATCH ? n - done : IOV_BATCH;

		if ((rc = vm_batch(r, iov + done, k)) != 0)
			return rc;
	}
	return 0;
}

/* ------------------------------------------------------- /proc/PID/mem */

static int mem_read(const struct remote *r, uint64_t addr, uint8_t *buf, size_t len)
{
	size_t got = 0;

	if (addr > (uint64_t)INT64_MAX || len > (uint64_t)INT64_MAX - addr)
		return pf_fail(PF_ETORN, "address 0x%llx out of range", (ull)addr);
	while (got < len) {
		ssize_t k = pread(r->fd, buf + got, len - got, (off_t)(addr + got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EPERM || errno == EACCES))
			return REFUSED;
		if (k < 0 && errno == ESRCH)
			return pf_fail(PF_EGONE, "process %d is gone", (int)r->pid);
		if (k < 0)	// EIO: unmapped
			return pf_fail_errno("cannot read 0x%llx of process %d",
					     (ull)(addr + got), (int)r->pid);
		if (k == 0)	// the address space is gone
			return pf_fail(PF_EGONE, "process %d is gone", (int)r->pid);
		got += (size_t)k;
	}
	return 0;
}

/* ------------------------------------------------------ PTRACE_PEEKDATA */

static int peek_error(const struct remote *r, uint64_t addr)
{
	int e = errno;

	if (e == ESRCH && kill(r->pid, 0) == 0)	// alive, so not stopped
		return pf_fail(PF_ETORN, "process %d is not stopped for PEEKDATA", (int)r->pid);
	errno = e;
	return pf_fail_errno("Failed to PTRACE_PEEKDATA (pid %d, addr 0x%llx)",
			     (int)r->pid, (ull)addr);
}

/* Aligned words only, so no word reaches into the next (maybe unmapped)
 * page. A failed PEEKDATA returns -1 with errno set; -1 is also a valid
 * word, hence the errno = 0 before each call. */
static int peek_read(const struct remote *r, uint64_t addr, uint8_t *buf, size_t len)
{
	uint64_t end, w;

	if (addr > UINT64_MAX - WORD || len > UINT64_MAX - WORD - addr)
		return pf_fail(PF_ETORN, "address 0x%llx out of range", (ull)addr);
	end = addr + len;
	for (w = addr & ~(uint64_t)(WORD - 1); w < end; w += WORD) {
		uint64_t lo = w < addr ? addr : w, hi = w + WORD < end ? w + WORD : end;
		unsigned char bytes[WORD];
		long word;

		errno = 0;
		word = ptrace(PTRACE_PEEKDATA, r->pid, (void *)(uintptr_t)w, NULL);
		if (word == -1 && errno)
			return peek_error(r, w);
		memcpy(bytes, &word, WORD);
		memcpy(buf + (lo - addr), bytes + (lo - w), (size_t)(hi - lo));
	}
	return 0;
}

/* ------------------------------------------------------------- image */

static int image_read(const struct remote *r, uint64_t addr, void *buf, size_t len)
{
	for (size_t i = 0; i < r->nregions; i++) {
		const struct remote_region *g = &r->regions[i];

		if (addr < g->addr || addr - g->addr > g->len || len > g->len - (addr - g->addr))
			continue;
		memcpy(buf, (const uint8_t *)g->data + (addr - g->addr), len);
		return 0;
	}
	return pf_fail(PF_ETORN, "no image region holds 0x%llx (%zu bytes)", (ull)addr, len);
}

/* ------------------------------------------------------------- reads */

/* One range at a time, for the backends without a vector call. */
static int each_range(const struct remote *r, const struct remote_iov *iov, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		if (iov[i].len == 0)
			continue;
		switch (r->kind) {
		case REMOTE_PROC_MEM:
			rc = mem_read(r, iov[i].addr, iov[i].buf, iov[i].len);
			break;
		case REMOTE_PEEK:
			rc = peek_read(r, iov[i].addr, iov[i].buf, iov[i].len);
			break;
		default:
			rc = image_read(r, iov[i].addr, iov[i].buf, iov[i].len);
			break;
		}
	}
	return rc;
}

/* The current backend was refused: move to the next one, for good. */
static int fall_back(struct remote *r)
{
	if (r->kind == REMOTE_VM_READV)
		return open_mem(r);
	remote_close(r);
	r->kind = REMOTE_PEEK;
	return 0;
}

int remote_readv(struct remote *r, const struct remote_iov *iov, size_t n)
{
	int rc;

	r->reads++;
	for (;;) {
		if (r->kind == REMOTE_VM_READV)
			rc = vm_readv(r, iov, n);
		else
			rc = each_range(r, iov, n);
		if (rc != REFUSED)
			return rc;
		if (r->kind == REMOTE_PEEK)
			PF_BUG("PTRACE_PEEKDATA cannot be refused softly");
		if ((rc = fall_back(r)) < 0)
			return rc;
	}
}

int remote_read(struct remote *r, uint64_t addr, void *buf, size_t len)
{
	struct remote_iov one = { addr, buf, len };

	return remote_readv(r, &one, 1);
}

int remote_read_ptr(struct remote *r, uint64_t addr, uint64_t *out)
{
	return remote_read(r, addr, out, sizeof *out);
}

int remote_read_u32(struct remote *r, uint64_t addr, uint32_t *out)
{
	return remote_read(r, addr, out, sizeof *out);
}
