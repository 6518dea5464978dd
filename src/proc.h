/* SPDX-License-Identifier: Apache-2.0 */
/*
 * proc.h - everything read from /proc/PID: maps text, thread list, state,
 * and files opened inside the target's own root (mount namespace).
 * Files of the target are never executed, only read.
 */
#ifndef PF_PROC_H
#define PF_PROC_H

#include "compat.h"
#include "strbuf.h"

/*
 * Read /proc/PID/<name> (e.g. "maps", "stat", "task/TID/stat") whole into
 * `out`, replacing its contents (left empty on failure). At most 64 MiB
 * (-PF_ELIMIT past that). -PF_EGONE if the process is gone, -PF_ENOENT if
 * only <name> is missing, else what pf_fail_errno() maps errno to.
 */
int proc_read(pid_t pid, const char *name, struct strbuf *out);

/* The TIDs in /proc/PID/task, ascending; `*tids` is malloc'd, caller frees
 * (NULL on failure). -PF_EGONE if the process is gone. */
int proc_list_tasks(pid_t pid, pid_t **tids, size_t *count);

/* The state letter of /proc/PID/task/TID/stat (R, S, D, t, T, Z, X, ...).
 * -PF_EGONE if the thread or the process is gone. */
int proc_task_state(pid_t pid, pid_t tid, char *state);

/*
 * proc_open_in_root - open `path` (absolute, as the target sees it) for
 * reading through /proc/PID/root, resolving every symlink and ".." inside
 * that root so nothing outside it can be reached (inroot_open(): openat2
 * RESOLVE_IN_ROOT, or the same walk in user space on older kernels). Only regular files: the type is checked on an
 * O_PATH fd before the file is really opened, so a FIFO or a device is
 * never opened. Returns an fd (O_RDONLY|O_CLOEXEC, caller closes), or
 * -PF_EINVAL (relative path, not a regular file), -PF_EGONE (no such
 * process), -PF_ENOENT, -PF_EPERM, -PF_ESYS.
 */
int proc_open_in_root(pid_t pid, const char *path);

/*
 * proc_open_task - open /proc/PID/task/TID/<name> (e.g. "stat",
 * "schedstat") read-only, for a caller that reads it again and again with
 * pread. Returns the fd (caller closes), -PF_EGONE (the thread or the
 * process is gone), -PF_ENOENT (no such file: a kernel without it), or
 * another code of pf_fail_errno().
 */
int proc_open_task(pid_t pid, pid_t tid, const char *name);

/*
 * proc_open_map_file - open the file mapped at [start, end) in process
 * `pid` through /proc/PID/map_files/START-END: the very inode mapped, even
 * when its path was replaced or deleted since. The kernel allows it only
 * with CAP_SYS_ADMIN (or CAP_CHECKPOINT_RESTORE) over the target. Returns
 * an fd (O_RDONLY|O_CLOEXEC, caller closes), -PF_EGONE, -PF_ENOENT (no
 * such mapping), -PF_EPERM, or another code of pf_fail_errno().
 */
int proc_open_map_file(pid_t pid, uint64_t start, uint64_t end);

/* readlink /proc/PID/exe into `out`, replacing its contents; a deleted
 * file keeps the kernel's " (deleted)" suffix. -PF_EGONE if the process is
 * gone, -PF_ENOENT for a kernel thread (no exe). */
int proc_exe(pid_t pid, struct strbuf *out);

/* Whether PID is a kernel thread: PF_KTHREAD in the flags field of
 * /proc/PID/stat (a zombie also has no maps or exe, but is no kernel
 * thread). false when the stat file cannot be read. */
bool proc_is_kernel_thread(pid_t pid);

#endif
