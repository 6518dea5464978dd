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

/* Read /proc/PID/<name> (e.g. "maps", "stat") whole into `out`. At most
 * 64 MiB (-PF_ELIMIT past that). -PF_EGONE if the process is gone. */
int proc_read(pid_t pid, const char *name, struct strbuf *out);

/* The TIDs in /proc/PID/task, ascending; `*tids` is malloc'd, caller frees. */
int proc_list_tasks(pid_t pid, pid_t **tids, size_t *count);

/* The state letter of /proc/PID/task/TID/stat (R, S, D, t, T, Z, X, ...). */
int proc_task_state(pid_t pid, pid_t tid, char *state);

/*
 * proc_open_in_root - open `path` (absolute, as the target sees it) for
 * reading through /proc/PID/root, resolving every symlink inside that root
 * so nothing outside it can be reached (openat2 RESOLVE_IN_ROOT). Returns an
 * fd (O_RDONLY|O_CLOEXEC) or a negative PF_E* code. Only regular files.
 */
int proc_open_in_root(pid_t pid, const char *path);

/* readlink /proc/PID/exe into `out`. */
int proc_exe(pid_t pid, struct strbuf *out);

/* Whether PID is a kernel thread (no mm: empty /proc/PID/maps and exe). */
bool proc_is_kernel_thread(pid_t pid);

#endif
