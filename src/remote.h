/* SPDX-License-Identifier: Apache-2.0 */
/*
 * remote.h - reads of the target's memory, behind one small interface.
 *
 * Backends: process_vm_readv (the fast path), /proc/PID/mem, PTRACE_PEEKDATA
 * (only when the faster ones are refused; needs the thread stopped), and an
 * in-memory image (tests and fuzzing: the frame walker runs on a fake
 * interpreter laid out in buffers). Every read is all-or-nothing.
 */
#ifndef PF_REMOTE_H
#define PF_REMOTE_H

#include "compat.h"

struct remote;

struct remote_region {		/* one span of an in-memory image */
	uint64_t addr;
	const void *data;	/* borrowed */
	size_t len;
};

enum remote_kind { REMOTE_VM_READV, REMOTE_PROC_MEM, REMOTE_PEEK, REMOTE_IMAGE };

struct remote {
	enum remote_kind kind;
	pid_t pid;
	int fd;				/* /proc/PID/mem, or -1 */
	const struct remote_region *regions;	/* REMOTE_IMAGE */
	size_t nregions;
	uint64_t reads;			/* read calls made, for statistics */
};

/*
 * remote_open - prepare to read process `pid`. Chooses process_vm_readv and
 * falls back to /proc/PID/mem and then PTRACE_PEEKDATA the first time a
 * faster backend is refused (EPERM/ENOSYS), not on a bad address.
 * Does not touch the target. Returns 0 or a negative PF_E* code.
 */
int remote_open(struct remote *r, pid_t pid);

/*
 * remote_open_kind - as remote_open(), but start with backend `kind`
 * (REMOTE_VM_READV, REMOTE_PROC_MEM or REMOTE_PEEK); the fallbacks after it
 * still apply. REMOTE_PROC_MEM opens /proc/PID/mem at once (-PF_EGONE if
 * the process is gone; a refused open falls back to PEEK). REMOTE_PEEK
 * reads through `pid`, which must then be held in a ptrace-stop by the
 * calling thread; while it runs, reads fail with -PF_ETORN.
 * -PF_EINVAL for REMOTE_IMAGE or a pid <= 0. r->kind tells the backend in use.
 */
int remote_open_kind(struct remote *r, pid_t pid, enum remote_kind kind);

/* An image over `regions` (borrowed, sorted or not); a read must fall
 * within one region. Never fails. */
void remote_open_image(struct remote *r, const struct remote_region *regions, size_t n);

/* Close the /proc/PID/mem fd, if any. Safe after remote_open*() and on a
 * struct whose fd is -1. */
void remote_close(struct remote *r);

/*
 * remote_read - copy `len` bytes at target address `addr` into `buf`.
 * 0 on success; -PF_ETORN for an unmapped or short read, -PF_EGONE when the
 * process is gone, -PF_EPERM when refused. Never a partial success.
 */
int remote_read(struct remote *r, uint64_t addr, void *buf, size_t len);

/* Several reads in one call where the backend allows (process_vm_readv).
 * All succeed or the call fails as remote_read() would. */
struct remote_iov {
	uint64_t addr;
	void *buf;
	size_t len;
};
int remote_readv(struct remote *r, const struct remote_iov *iov, size_t n);

/* Typed helpers over remote_read(). */
int remote_read_ptr(struct remote *r, uint64_t addr, uint64_t *out);
int remote_read_u32(struct remote *r, uint64_t addr, uint32_t *out);

#endif
